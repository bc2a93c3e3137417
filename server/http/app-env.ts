// The per-request values the middlewares hand to the routes.

import type { Logger } from './logger.ts';

export interface Caller {
  userId: string;
  tenantId: string;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    userId: string;
    caller: Caller;
    logger: Logger;
  };
}

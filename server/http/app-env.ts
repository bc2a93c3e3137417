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
    /** When the caller's access token expires (ms since the epoch). */
    tokenExpiresAt: number;
    caller: Caller;
    logger: Logger;
    /** The answer's headers, as one plain object (see answer-headers.ts). */
    answerHeaders: Record<string, string>;
    /** performance.now() when the request came in. */
    startedAt: number;
    /** Set once an answer was made with answerHeaders; any other answer gets them added at the end. */
    answeredWithHeaders: boolean;
    /** What a route adds to the request's one log line (a Stripe event's id, type and outcome). */
    logFields: Record<string, unknown>;
  };
}

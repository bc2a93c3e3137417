import { Hono } from 'hono';
import type { HealthResponse, ReadinessResponse } from '../../contract/credit-topup-api.ts';
import { errorBody, STATUS_OF_CODE } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore } from '../ledger/credit-store.ts';

export function healthRoutes(store: CreditStore) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' } satisfies HealthResponse))
    .get('/readyz', async (c) => {
      try {
        await store.ping();
        return c.json({ status: 'ready' } satisfies ReadinessResponse);
      } catch (error) {
        c.get('logger').warn('database not ready', { error });
        return c.json(
          errorBody('database_unavailable', 'The database does not answer.'),
          STATUS_OF_CODE.database_unavailable,
        );
      }
    });
}

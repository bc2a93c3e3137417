import { Hono } from 'hono';
import type { HealthResponse, ReadinessResponse } from '../../contract/credit-topup-api.ts';
import { jsonAnswer } from '../http/answer-headers.ts';
import { errorBody, STATUS_OF_CODE } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore } from '../ledger/credit-store.ts';

export function healthRoutes(store: CreditStore) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => jsonAnswer(c, { status: 'ok' } satisfies HealthResponse))
    .get('/readyz', async (c) => {
      try {
        await store.ping();
        return jsonAnswer(c, { status: 'ready' } satisfies ReadinessResponse);
      } catch (error) {
        c.get('logger').warn('database not ready', { error });
        return jsonAnswer(
          c,
          errorBody('database_unavailable', 'The database does not answer.'),
          STATUS_OF_CODE.database_unavailable,
        );
      }
    });
}

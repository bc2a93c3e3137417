import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore } from '../ledger/credit-store.ts';

export function balanceRoutes(store: CreditStore, requireCaller: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().get('/v1/balance', requireCaller, async (c) => {
    const balance = await store.getBalance(c.get('caller').tenantId);
    return c.json({
      tenant_id: balance.tenantId,
      balance_credits: balance.balanceCredits,
      reserved_credits: balance.reservedCredits,
      available_credits: balance.availableCredits,
    });
  });
}

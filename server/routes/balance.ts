import { Hono, type MiddlewareHandler } from 'hono';
import type { BalanceResponse } from '../../contract/credit-topup-api.ts';
import { noTenant } from '../errors.ts';
import { jsonAnswer } from '../http/answer-headers.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { balanceAnswer } from './balance-answer.ts';

export function balanceRoutes(store: CreditStore, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().get('/v1/balance', requireUser, async (c) => {
    const balance = await store.getBalanceOfUser(c.get('userId'));
    if (!balance) throw noTenant();
    return jsonAnswer(c, balanceAnswer(balance) satisfies BalanceResponse);
  });
}

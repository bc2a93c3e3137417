// A balance as the HTTP contract shows it: GET /v1/balance and every event of the balance stream.

import type { BalanceResponse } from '../../contract/credit-topup-api.ts';
import type { Balance } from '../ledger/credit-store.ts';

const NO_AUTO_RECHARGE = { state: 'off', reason: null } as const;

export function balanceAnswer(balance: Balance): BalanceResponse {
  return {
    tenant_id: balance.tenantId,
    balance_credits: balance.balanceCredits,
    reserved_credits: balance.reservedCredits,
    available_credits: balance.availableCredits,
    auto_recharge: balance.autoRecharge ?? NO_AUTO_RECHARGE,
  };
}

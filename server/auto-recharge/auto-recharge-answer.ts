// A tenant's automatic top-up as the HTTP contract shows it (GET and PUT /v1/auto-recharge). The
// payment waiting for the customer stays inside the server: only POST …/confirmation hands out what
// Stripe.js needs, read fresh from Stripe.

import type { AutoRechargeResponse } from '../../contract/credit-topup-api.ts';
import type { AutoRechargeOverview } from '../ledger/credit-store.ts';

export function autoRechargeAnswer(overview: AutoRechargeOverview): AutoRechargeResponse {
  const { settings, paymentMethod, lastCharge, month } = overview;
  return {
    state: overview.state,
    reason: overview.reason,
    enabled: overview.enabled,
    can_manage: overview.canManage,
    settings: settings && {
      threshold_credits: settings.thresholdCredits,
      package_id: settings.packageId,
      credits: settings.credits,
      amount_cents: settings.amountCents,
      monthly_cap_cents: settings.monthlyCapCents,
    },
    payment_method: paymentMethod && {
      brand: paymentMethod.brand ?? 'card',
      last4: paymentMethod.last4 ?? '',
      exp_month: paymentMethod.expMonth ?? 0,
      exp_year: paymentMethod.expYear ?? 0,
    },
    month: { month: month.month, used_cents: month.usedCents, cap_cents: month.capCents },
    last_charge: lastCharge && {
      status: lastCharge.status,
      credits: lastCharge.credits,
      amount_cents: lastCharge.amountCents,
      failure_code: lastCharge.failureCode,
      created_at: lastCharge.createdAt,
    },
    min_threshold_credits: overview.minThresholdCredits,
  };
}

// A member's automatic top-up settings, as the server accepts them: the recharge is priced from the
// packages (or the custom amount) here, never taken from the browser, and the monthly cap must allow at
// least one recharge, or the setting could never charge anything.

import type { CustomAmountSettings } from '../config.ts';
import { CreditTopupError } from '../errors.ts';
import { chosenOffer } from '../purchases/chosen-offer.ts';

/** The threshold's floor: below it a recharge would start for almost every action. */
export const MIN_THRESHOLD_CREDITS = 10;
/** 10,000 € a month: a cap above it is a typo, not a budget. */
const MAX_MONTHLY_CAP_CENTS = 1_000_000;
const MAX_THRESHOLD_CREDITS = 1_000_000;

export interface AutoRechargeSettingsInput {
  enabled: boolean;
  thresholdCredits: number;
  packageId: string;
  credits: number;
  amountCents: number;
  monthlyCapCents: number;
}

export function autoRechargeSettingsOf(
  body: Record<string, unknown>,
  customAmount: CustomAmountSettings | null | undefined,
): AutoRechargeSettingsInput {
  const { enabled, threshold_credits: threshold, monthly_cap_cents: cap } = body;
  if (typeof enabled !== 'boolean') {
    throw new CreditTopupError('invalid_request', 'enabled must be true or false.');
  }
  if (!isWhole(threshold) || threshold < MIN_THRESHOLD_CREDITS || threshold > MAX_THRESHOLD_CREDITS) {
    throw new CreditTopupError(
      'invalid_threshold',
      `threshold_credits must be a whole number of at least ${MIN_THRESHOLD_CREDITS}.`,
    );
  }
  const offer = chosenOffer(body.package_id, body.credits, customAmount);
  if (!isWhole(cap) || cap < offer.amountCents || cap > MAX_MONTHLY_CAP_CENTS) {
    throw new CreditTopupError(
      'invalid_amount',
      `monthly_cap_cents must be whole cents, at least one recharge (${offer.amountCents}) and at most ${MAX_MONTHLY_CAP_CENTS}.`,
    );
  }
  return {
    enabled,
    thresholdCredits: threshold,
    packageId: offer.id,
    credits: offer.credits,
    amountCents: offer.amountCents,
    monthlyCapCents: cap,
  };
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

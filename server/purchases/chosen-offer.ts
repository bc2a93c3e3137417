// What the buyer asked for, as the server prices it: one of the packages (`package_id`), or, where the
// configuration offers it, a custom amount of credits (`credits`) at the packages' price per credit.
// Everything else the browser sends about money is ignored; anything unclear is refused.

import type { CustomAmountOffer } from '../../contract/credit-topup-api.ts';
import {
  CENTS_PER_CREDIT,
  type CreditPackage,
  customAmountPackage,
  findCreditPackage,
} from '../../credit-packages.ts';
import type { CustomAmountSettings } from '../config.ts';
import { CreditTopupError } from '../errors.ts';

/** The custom amount as GET /v1/packages tells it, or null when only the packages are sold. */
export function customAmountOffer(
  settings: CustomAmountSettings | null | undefined,
): CustomAmountOffer | null {
  if (!settings) return null;
  return {
    min_credits: settings.minCredits,
    max_credits: settings.maxCredits,
    step_credits: settings.stepCredits,
    cents_per_credit: CENTS_PER_CREDIT,
  };
}

/** The package asked for, or the custom amount as a package of its own; refuses anything else. */
export function chosenOffer(
  packageId: unknown,
  credits: unknown,
  settings: CustomAmountSettings | null | undefined,
): CreditPackage {
  if (packageId !== undefined && credits !== undefined) {
    throw new CreditTopupError('invalid_request', 'Send either package_id or credits, not both.');
  }
  if (credits === undefined) {
    const creditPackage = findCreditPackage(packageId);
    if (!creditPackage) {
      throw new CreditTopupError('unknown_package', 'Choose one of the packages listed by GET /v1/packages.');
    }
    return creditPackage;
  }
  if (!settings) {
    throw new CreditTopupError('invalid_amount', 'Only the packages listed by GET /v1/packages are sold.');
  }
  const { minCredits, maxCredits, stepCredits } = settings;
  // A number, whole, within the bounds and on the step: no strings, fractions, exponents beyond them.
  const valid =
    typeof credits === 'number' &&
    Number.isSafeInteger(credits) &&
    credits >= minCredits &&
    credits <= maxCredits &&
    (credits - minCredits) % stepCredits === 0;
  if (!valid) {
    throw new CreditTopupError(
      'invalid_amount',
      `credits must be a whole number from ${minCredits} to ${maxCredits} in steps of ${stepCredits} ` +
        `(${minCredits}, ${minCredits + stepCredits}, …).`,
    );
  }
  return customAmountPackage(credits);
}

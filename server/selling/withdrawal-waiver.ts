// The withdrawal-right waiver a consumer gives before credits are delivered at once (§ 356 Abs. 5 BGB):
// (1) the express consent that delivery begins before the withdrawal period ends, and (2) the
// acknowledgement that this consent loses the right of withdrawal. The server owns the text: /v1/config
// serves it, the element shows it as its own unticked checkbox, and the purchase records its version.
// A changed wording gets a new version, so that every purchase names the text its buyer agreed to.

import type { VersionedText } from '../../contract/credit-topup-api.ts';
import { CreditTopupError } from '../errors.ts';

export const CURRENT_WITHDRAWAL_WAIVER: VersionedText = Object.freeze({
  version: '2026-11-26',
  de:
    'Ich stimme ausdrücklich zu, dass Sie vor Ablauf der Widerrufsfrist mit der Ausführung des Vertrags ' +
    'beginnen und mir die Credits sofort gutschreiben. Mir ist bekannt, dass ich durch diese Zustimmung ' +
    'mit Beginn der Ausführung mein Widerrufsrecht verliere.',
  en:
    'I expressly agree that you begin performing the contract before the withdrawal period ends and ' +
    'credit the credits to my account at once. I acknowledge that by giving this consent I lose my right ' +
    'of withdrawal once performance has begun.',
});

/**
 * The version of the waiver the buyer gave, as the request body says it: not ticked is refused
 * (400 withdrawal_waiver_required); ticked for a text we no longer show (or without saying which) is
 * refused too (409 withdrawal_waiver_outdated), so the element reloads the current text.
 */
export function acceptedWithdrawalWaiver(given: unknown, version: unknown): string {
  if (given !== true) {
    throw new CreditTopupError(
      'withdrawal_waiver_required',
      'Consumers must agree to immediate delivery and acknowledge losing the right of withdrawal first.',
    );
  }
  if (version !== CURRENT_WITHDRAWAL_WAIVER.version) {
    throw new CreditTopupError(
      'withdrawal_waiver_outdated',
      'The waiver text has changed. Load GET /v1/config and ask the buyer again.',
    );
  }
  return CURRENT_WITHDRAWAL_WAIVER.version;
}

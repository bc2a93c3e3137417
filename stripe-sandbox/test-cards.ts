// Stripe's test cards for saved cards and off-session payments, each with what Stripe's test mode does
// with it (docs.stripe.com/testing, "Declined payments" and "3D Secure authentication"): whether it can
// be saved (set up or attached to a customer), whether saving or paying asks the cardholder to
// authenticate, and how a payment ends. The PaymentMethod test tokens (`pm_card_visa`, …) stand for these
// numbers; attaching a token makes a new PaymentMethod of its card, as Stripe does.

export interface CardDecline {
  /** The error's and the charge's failure code. */
  code: string;
  /** The issuer's reason, where Stripe gives one (not for expired_card). */
  declineCode: string | null;
  message: string;
}

export interface TestCard {
  number: string;
  brand: 'visa';
  last4: string;
  /** Stripe's test cards are issued in the US. */
  country: string;
  funding: 'credit';
  /**
   * Saving it (a SetupIntent, or attaching it to a customer): done, refused, or done once the cardholder
   * authenticated (a SetupIntent only; attaching through the API asks nobody).
   */
  onSave: 'saved' | 'authenticate' | CardDecline;
  /**
   * A payment: `authenticate` asks the cardholder (on session: a challenge; off session: declined with
   * authentication_required), `authenticate_unless_set_up` only when the card was not set up for
   * off-session use; after authenticating (or without needing to) the payment ends in `payment`.
   */
  authentication: 'none' | 'authenticate' | 'authenticate_unless_set_up';
  payment: 'succeeds' | CardDecline;
}

export const DECLINES = {
  generic: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  expired: { code: 'expired_card', declineCode: null, message: 'Your card has expired.' },
  authenticationRequired: {
    code: 'authentication_required',
    declineCode: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
} satisfies Record<string, CardDecline>;

const visa = (
  number: string,
  behaviour: Pick<TestCard, 'onSave' | 'authentication' | 'payment'>,
): TestCard => ({
  number,
  brand: 'visa',
  last4: number.slice(-4),
  country: 'US',
  funding: 'credit',
  ...behaviour,
});

/** The cards the sandbox knows for saving, by number. */
export const SAVED_CARD_TEST_CARDS: Record<string, TestCard> = Object.fromEntries(
  [
    visa('4242424242424242', { onSave: 'saved', authentication: 'none', payment: 'succeeds' }),
    // "Authenticate unless set up": saving it asks once; a card set up for off-session use then pays
    // off session without asking again.
    visa('4000002500003155', {
      onSave: 'authenticate',
      authentication: 'authenticate_unless_set_up',
      payment: 'succeeds',
    }),
    // "Always authenticate": every payment asks the cardholder, however the card was set up.
    visa('4000002760003184', { onSave: 'authenticate', authentication: 'authenticate', payment: 'succeeds' }),
    // "Decline after attaching": saving works, every payment is declined.
    visa('4000000000000341', { onSave: 'saved', authentication: 'none', payment: DECLINES.generic }),
    // "Insufficient funds" (3-D Secure section): authenticates, then every payment is declined.
    visa('4000008260003178', {
      onSave: 'authenticate',
      authentication: 'authenticate_unless_set_up',
      payment: DECLINES.insufficientFunds,
    }),
    // Stripe's decline cards "can't be attached to a Customer object": saving them is declined as paying is.
    visa('4000000000000002', { onSave: DECLINES.generic, authentication: 'none', payment: DECLINES.generic }),
    visa('4000000000009995', {
      onSave: DECLINES.insufficientFunds,
      authentication: 'none',
      payment: DECLINES.insufficientFunds,
    }),
    visa('4000000000000069', { onSave: DECLINES.expired, authentication: 'none', payment: DECLINES.expired }),
  ].map((card) => [card.number, card]),
);

/** Stripe's PaymentMethod test tokens and the card behind each. */
export const PAYMENT_METHOD_TEST_TOKENS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_authenticationRequiredChargeDeclinedInsufficientFunds: '4000008260003178',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
};

export const cardOfNumber = (typed: string): TestCard | undefined =>
  SAVED_CARD_TEST_CARDS[typed.replace(/\D/g, '')];

/** The error's link to Stripe's description of its code, as Stripe sets `doc_url`. */
export const docUrlOf = (code: string) => `https://docs.stripe.com/error-codes/${code.replaceAll('_', '-')}`;

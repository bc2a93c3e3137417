// Saving the tenant's card for automatic top-up: an embedded Checkout in setup mode (Stripe collects the
// card and the customer's consent to later charges; nothing is bought), and recording the card it saved,
// once, whoever hears of it first: the webhook's checkout.session.completed or the element's own call
// right after Stripe said complete.

import type Stripe from 'stripe';
import type { CheckoutLocale } from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY } from '../../credit-packages.ts';
import { CreditTopupError } from '../errors.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { callStripe } from '../stripe/call-stripe.ts';
import { CHECKOUT_SESSION_LIFETIME_S } from '../stripe/checkout-session-params.ts';
import { idOf } from '../stripe/expandable-id.ts';

/** The metadata of a setup session, and what tells it apart from a purchase's. */
export const SETUP_PURPOSE = 'auto_recharge_setup';

/** The consent the customer gives by saving, shown above Stripe's button (a merchant-initiated payment's mandate). */
const CONSENT: Record<CheckoutLocale, string> = {
  de: 'Mit dem Speichern erlauben Sie uns, diese Karte für automatische Aufladungen Ihres Guthabens zu belasten, höchstens bis zu der monatlichen Obergrenze, die Sie festlegen. Sie können die automatische Aufladung jederzeit ausschalten.',
  en: 'By saving, you allow us to charge this card for automatic top-ups of your credit balance, at most up to the monthly cap you set. You can turn automatic top-up off at any time.',
};

export function setupSessionParams(input: {
  tenantId: string;
  userId: string;
  customerId: string;
  locale: CheckoutLocale;
  returnUrl: string;
  nowSeconds: number;
}): Stripe.Checkout.SessionCreateParams {
  const metadata = { tenant_id: input.tenantId, user_id: input.userId, purpose: SETUP_PURPOSE };
  return {
    mode: 'setup',
    ui_mode: 'embedded_page',
    redirect_on_completion: 'if_required',
    return_url: input.returnUrl,
    customer: input.customerId,
    currency: CREDIT_CURRENCY,
    allowed_payment_method_types: ['card'],
    locale: input.locale,
    metadata,
    setup_intent_data: { metadata },
    expires_at: input.nowSeconds + CHECKOUT_SESSION_LIFETIME_S,
    custom_text: { submit: { message: CONSENT[input.locale] } },
  };
}

export function isSetupSession(session: Stripe.Checkout.Session): boolean {
  return session.mode === 'setup' && session.metadata?.purpose === SETUP_PURPOSE;
}

/**
 * Records the card a completed setup session saved, for the tenant its metadata names. `tenantId`, when
 * given (the element's call), must be that tenant: nobody records a card into another tenant.
 */
export async function recordCardOfSetupSession(
  session: Stripe.Checkout.Session,
  deps: { store: CreditStore; stripe: Stripe; livemode: boolean },
  expectedTenantId?: string,
): Promise<'recorded' | 'not_complete'> {
  const tenantId = session.metadata?.tenant_id;
  const userId = session.metadata?.user_id;
  if (!isSetupSession(session) || !tenantId || !userId) {
    throw new CreditTopupError('not_found', 'No such card set-up.');
  }
  if (expectedTenantId !== undefined && tenantId !== expectedTenantId) {
    throw new CreditTopupError('not_found', 'No such card set-up.');
  }
  if (session.status !== 'complete') return 'not_complete';
  const setupIntentId = idOf(session.setup_intent);
  if (!setupIntentId) return 'not_complete';
  const setupIntent = await callStripe(() =>
    deps.stripe.setupIntents.retrieve(setupIntentId, { expand: ['payment_method'] }),
  );
  const paymentMethod = setupIntent.payment_method;
  if (setupIntent.status !== 'succeeded' || !paymentMethod || typeof paymentMethod === 'string') {
    return 'not_complete';
  }
  const card = paymentMethod.card;
  await deps.store.saveAutoRechargePaymentMethod({
    tenantId,
    userId,
    livemode: deps.livemode,
    customerId: idOf(setupIntent.customer) ?? idOf(session.customer) ?? '',
    paymentMethodId: paymentMethod.id,
    brand: card?.display_brand ?? card?.brand ?? null,
    last4: card?.last4 ?? null,
    expMonth: card?.exp_month ?? null,
    expYear: card?.exp_year ?? null,
  });
  return 'recorded';
}

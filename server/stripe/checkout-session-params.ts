// The parameters of one embedded Checkout Session, decided by the server alone: the package's price,
// the tenant and the purchase come from our records, never from the browser.

import type Stripe from 'stripe';
import type { CheckoutLocale, ReturnSessionParameter } from '../../contract/credit-topup-api.ts';
import type { CreditPackage } from '../../credit-packages.ts';
import type { Purchase } from '../ledger/credit-store.ts';

export interface CheckoutOptions {
  returnUrl: string;
  invoiceCreation: boolean;
  allowPromotionCodes: boolean;
  automaticTax: boolean;
  /** Stripe's Adaptive Pricing (the buyer's own currency); sent on every session either way. */
  adaptivePricing: boolean;
}

/** Checkout Sessions live 30 minutes (Stripe's minimum), so an abandoned one is closed soon. */
export const CHECKOUT_SESSION_LIFETIME_S = 30 * 60;

/** The query parameter the return URL carries; the element resumes from it. */
export const RETURN_SESSION_PARAMETER: ReturnSessionParameter = 'credit_topup_session';

export function checkoutSessionParams(input: {
  purchase: Purchase;
  creditPackage: CreditPackage;
  priceId: string | null;
  locale: CheckoutLocale;
  options: CheckoutOptions;
  nowSeconds: number;
}): Stripe.Checkout.SessionCreateParams {
  const { purchase, creditPackage, priceId, locale, options } = input;
  // Stripe maps refunds and disputes back through the payment intent: the same metadata goes on both.
  const metadata = {
    purchase_id: purchase.id,
    tenant_id: purchase.tenantId,
    user_id: purchase.userId,
    package_id: creditPackage.id,
    credits: String(creditPackage.credits),
  };
  const lineItem: Stripe.Checkout.SessionCreateParams.LineItem = priceId
    ? { price: priceId, quantity: 1 }
    : {
        quantity: 1,
        price_data: {
          currency: purchase.currency,
          unit_amount: purchase.amountCents,
          product_data: {
            name: `${creditPackage.credits} Credits (${creditPackage.name})`,
            metadata: { package_id: creditPackage.id },
          },
        },
      };
  return {
    mode: 'payment',
    ui_mode: 'embedded_page',
    line_items: [lineItem],
    // Cards finish inside the page; only payment methods that must leave it come back by return_url.
    redirect_on_completion: 'if_required',
    return_url: withSessionPlaceholder(options.returnUrl),
    client_reference_id: purchase.tenantId,
    metadata,
    payment_intent_data: { metadata },
    locale,
    expires_at: input.nowSeconds + CHECKOUT_SESSION_LIFETIME_S,
    ...(options.invoiceCreation ? { invoice_creation: { enabled: true, invoice_data: { metadata } } } : {}),
    ...(options.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
    ...(options.automaticTax ? { automatic_tax: { enabled: true } } : {}),
    // Said on every session, so the account's dashboard default never decides. With it on, the session
    // and its charge keep our currency and amounts (the buyer's are in presentment_details), which is
    // what the ledger compares and claws back by.
    adaptive_pricing: { enabled: options.adaptivePricing },
  };
}

// Stripe replaces the literal {CHECKOUT_SESSION_ID}; URL-encoding its braces would break that, so the
// parameter is appended as text.
function withSessionPlaceholder(returnUrl: string): string {
  const url = new URL(returnUrl);
  url.searchParams.delete(RETURN_SESSION_PARAMETER);
  const base = url.toString();
  const separator = url.search ? '&' : '?';
  const hashIndex = base.indexOf('#');
  const [beforeHash, hash] =
    hashIndex === -1 ? [base, ''] : [base.slice(0, hashIndex), base.slice(hashIndex)];
  return `${beforeHash}${separator}${RETURN_SESSION_PARAMETER}={CHECKOUT_SESSION_ID}${hash}`;
}

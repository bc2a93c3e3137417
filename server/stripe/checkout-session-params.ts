// The parameters of one embedded Checkout Session, decided by the server alone: the package's price,
// the tenant and the purchase come from our records, never from the browser.

import type Stripe from 'stripe';
import type { CheckoutLocale, CheckoutUi, ReturnSessionParameter } from '../../contract/credit-topup-api.ts';
import { type CreditPackage, CUSTOM_AMOUNT_ID } from '../../credit-packages.ts';
import type { CustomAmountSettings, SellingSettings } from '../config.ts';
import type { Purchase } from '../ledger/credit-store.ts';
import { checkoutTexts, invoiceDescription } from '../selling/checkout-texts.ts';

export interface CheckoutOptions {
  returnUrl: string;
  invoiceCreation: boolean;
  allowPromotionCodes: boolean;
  automaticTax: boolean;
  /** Stripe's Adaptive Pricing (the buyer's own currency); sent on every session either way. */
  adaptivePricing: boolean;
  /** To whom the portal sells, how its prices relate to VAT, its legal pages and invoice footer. */
  selling: SellingSettings;
  /** Whether (and within which bounds) a buyer may choose any amount of credits; null or absent: not. */
  customAmount?: CustomAmountSettings | null;
}

/** How a package's price relates to VAT, said on every price so Stripe Tax never changes what was shown. */
export function packageTaxBehavior(selling: SellingSettings): 'inclusive' | 'exclusive' {
  return selling.vat === 'added' ? 'exclusive' : 'inclusive';
}

/** Checkout Sessions live 30 minutes (Stripe's minimum), so an abandoned one is closed soon. */
export const CHECKOUT_SESSION_LIFETIME_S = 30 * 60;

/** The query parameter the return URL carries; the element resumes from it. */
export const RETURN_SESSION_PARAMETER: ReturnSessionParameter = 'credit_topup_session';

export function checkoutSessionParams(input: {
  /** The purchase the session is for, recorded or about to be (its id is decided before). */
  purchase: Pick<Purchase, 'id' | 'tenantId' | 'userId' | 'currency' | 'amountCents'>;
  creditPackage: CreditPackage;
  priceId: string | null;
  /** The tenant's Stripe customer: invoices, tax IDs and addresses accrue to the organisation. */
  customerId: string;
  locale: CheckoutLocale;
  options: CheckoutOptions;
  nowSeconds: number;
  /** Embedded in the page (the default), or Stripe's own page in a new tab. */
  ui?: CheckoutUi;
}): Stripe.Checkout.SessionCreateParams {
  const { purchase, creditPackage, priceId, locale, options } = input;
  const { selling } = options;
  const businesses = selling.sellTo === 'businesses';
  const texts = checkoutTexts(selling, locale);
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
          tax_behavior: packageTaxBehavior(selling),
          product_data: {
            // A custom amount has no package name to show: its credits say what it is.
            name:
              creditPackage.id === CUSTOM_AMOUNT_ID
                ? `${creditPackage.credits} Credits`
                : `${creditPackage.credits} Credits (${creditPackage.name})`,
            metadata: { package_id: creditPackage.id },
          },
        },
      };
  // Hosted: Stripe's page sends the buyer (in the new tab) to the host page, which confirms the session
  // by its id as after a redirecting payment method; "back" leads to the host page as it is.
  const ui =
    input.ui === 'hosted'
      ? {
          ui_mode: 'hosted_page' as const,
          success_url: withSessionPlaceholder(options.returnUrl),
          cancel_url: options.returnUrl,
        }
      : {
          ui_mode: 'embedded_page' as const,
          // Cards finish inside the page; only payment methods that must leave it come back by return_url.
          redirect_on_completion: 'if_required' as const,
          return_url: withSessionPlaceholder(options.returnUrl),
        };
  return {
    mode: 'payment',
    line_items: [lineItem],
    ...ui,
    client_reference_id: purchase.tenantId,
    metadata,
    payment_intent_data: { metadata },
    locale,
    expires_at: input.nowSeconds + CHECKOUT_SESSION_LIFETIME_S,
    customer: input.customerId,
    // Stripe asks for the terms checkbox only where the account has a terms URL in its settings too.
    ...(selling.legal.termsUrl ? { consent_collection: { terms_of_service: 'required' as const } } : {}),
    custom_text: {
      submit: { message: texts.submit },
      after_submit: { message: texts.afterSubmit },
      ...(texts.termsAcceptance ? { terms_of_service_acceptance: { message: texts.termsAcceptance } } : {}),
    },
    ...(options.invoiceCreation
      ? {
          invoice_creation: {
            enabled: true,
            invoice_data: {
              description: invoiceDescription(creditPackage, locale),
              ...(selling.invoiceFooter ? { footer: selling.invoiceFooter } : {}),
              metadata,
            },
          },
        }
      : {}),
    // A business may enter its VAT ID and must give its billing address: both go on the invoice and
    // are kept on the tenant's customer (Stripe asks for customer_update.name with tax IDs).
    ...(businesses
      ? {
          tax_id_collection: { enabled: true },
          billing_address_collection: 'required' as const,
          customer_update: { name: 'auto' as const, address: 'auto' as const },
        }
      : // Stripe Tax needs the buyer's address on the customer: the one the checkout collects.
        options.automaticTax
        ? { customer_update: { address: 'auto' as const } }
        : {}),
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

// The only place that touches Stripe.js: loaded on first use, never at page load. In the offline
// sandbox (GET /v1/config says so) the sandbox's stand-in script is loaded instead of js.stripe.com.

import type { StripeEmbeddedCheckout, StripeEmbeddedCheckoutOptions } from '@stripe/stripe-js';
// The `pure` entry injects Stripe.js only when loadStripe() is called (first open of the dialog), never at
// import; being small it is bundled rather than fetched as a second file.
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PublicConfigResponse as PublicConfig } from '../contract/credit-topup-api.ts';

export interface EmbeddedCheckoutFactory {
  createEmbeddedCheckoutPage(options: StripeEmbeddedCheckoutOptions): Promise<StripeEmbeddedCheckout>;
  /**
   * Completes a payment the bank wants the customer for (3-D Secure of an automatic top-up): Stripe.js
   * shows the bank's challenge itself. Resolves to the payment intent, or to Stripe's error.
   */
  confirmCardPayment(
    clientSecret: string,
    data: { payment_method: string },
  ): Promise<{ paymentIntent?: { status: string }; error?: { code?: string; type?: string } }>;
}

type StripeConstructor = (key: string, options?: { locale?: string }) => EmbeddedCheckoutFactory;

export async function loadStripeFor(
  config: PublicConfig,
  publishableKey: string,
  locale: string,
): Promise<EmbeddedCheckoutFactory> {
  const standIn = config.stripe_mode === 'sandbox' && config.stripe_js_url;
  if (!standIn) {
    const stripe = await loadStripe(publishableKey, { locale: locale as 'de' });
    if (!stripe) throw new Error('Stripe.js did not load');
    return stripe;
  }
  const global = window as unknown as { Stripe?: StripeConstructor };
  if (!global.Stripe) {
    await new Promise((resolve, reject) => {
      document.head.append(
        Object.assign(document.createElement('script'), { src: standIn, onload: resolve, onerror: reject }),
      );
    });
  }
  if (!global.Stripe) throw new Error('the Stripe.js stand-in did not load');
  return global.Stripe(publishableKey, { locale });
}

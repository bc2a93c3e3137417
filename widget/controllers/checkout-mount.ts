// Embedded Stripe Checkout inside the element. Stripe.js refuses to mount inside a shadow root
// (stripe/stripe-js#399, #662), so the checkout goes into a light-DOM child the element owns
// (<div slot="checkout">), which the dialog slots in. Only one embedded Checkout may live on a page, and
// a left-over instance breaks the next purchase: every instance is destroyed exactly once, when the
// dialog closes, the package changes, the payment completes or the element leaves the page.

import type { StripeEmbeddedCheckout } from '@stripe/stripe-js';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiError } from '../api-client.ts';
import type { EmbeddedCheckoutFactory } from '../stripe-loader.ts';

export class CheckoutMount implements ReactiveController {
  #stripe?: Promise<EmbeddedCheckoutFactory>;
  #checkout?: StripeEmbeddedCheckout;
  #mountPoint?: HTMLElement;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    /** Loads Stripe.js (or the sandbox's stand-in) for this element's key and language. */
    private readonly loadStripe: () => Promise<EmbeddedCheckoutFactory>,
  ) {
    host.addController(this);
  }

  /** Stripe.js, loaded once; a failed load is tried again next time. */
  stripe(): Promise<EmbeddedCheckoutFactory> {
    this.#stripe ??= this.loadStripe();
    const loading = this.#stripe;
    loading.catch(() => {
      if (this.#stripe === loading) this.#stripe = undefined;
    });
    return loading;
  }

  /** Creates an embedded Checkout for a session; nothing is shown until `mount`. */
  async create(clientSecret: string, onComplete: () => void): Promise<StripeEmbeddedCheckout> {
    const stripe = await this.stripe();
    try {
      return await stripe.createEmbeddedCheckoutPage({
        fetchClientSecret: async () => clientSecret,
        onComplete,
      });
    } catch (error) {
      // Stripe.js allows one embedded Checkout per page and refuses a second ("IntegrationError: You cannot
      // have multiple Embedded Checkout objects."): the page's own, or another element's, is open.
      if (error instanceof Error && error.name === 'IntegrationError' && /multiple/i.test(error.message)) {
        throw new ApiError('checkout_already_open', 'Another embedded Checkout is open on this page.');
      }
      throw error;
    }
  }

  /** Shows `checkout` in the element, in place of any other. */
  mount(checkout: StripeEmbeddedCheckout) {
    this.destroy();
    this.#checkout = checkout;
    this.#mountPoint = Object.assign(document.createElement('div'), { slot: 'checkout' });
    this.host.append(this.#mountPoint);
    checkout.mount(this.#mountPoint);
  }

  destroy() {
    const checkout = this.#checkout;
    this.#checkout = undefined;
    checkout?.destroy();
    this.#mountPoint?.remove();
    this.#mountPoint = undefined;
  }

  hostDisconnected() {
    this.destroy();
  }
}

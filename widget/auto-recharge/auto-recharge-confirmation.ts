// "Jetzt bestätigen": an automatic top-up the bank wants the customer for (3-D Secure, `requires_action`)
// is completed in the page. Its own chunk, loaded by the banner's button: the server hands out the waiting
// payment (POST /v1/auto-recharge/confirmation), Stripe.js (loaded as the purchase dialog loads it; the
// sandbox's stand-in in sandbox mode) shows the bank's challenge through confirmCardPayment, and the
// payment is credited the usual way (payment_intent.succeeded). Until the credits arrive the element's
// balance is read again now and then, for servers without a balance stream. What happens is told in a
// line under the banner: <credit-topup-auto-recharge-confirmation>, added to the element's shadow root on
// first use, like the history.

import { html, LitElement, nothing } from 'lit';
import { type ApiClient, ApiError, type Problem, reportProblem } from '../api-client.ts';
import { errorText, formatCredits, type Locale, toLocale } from '../i18n.ts';
// The element's texts with the checkout's errors (stripe_load_failed among them).
import { purchaseMessages } from '../purchase/purchase-messages.ts';
import { loadStripeFor } from '../stripe-loader.ts';
import { addAutoRechargeErrorTexts } from './auto-recharge-error-texts.ts';
import { autoRechargeConfirmation } from './auto-recharge-requests.ts';

/** The element, as the confirmation sees it. */
export interface ConfirmationHost extends LitElement {
  locale: string;
  publishableKey?: string;
  refresh(): Promise<void>;
}

const de = {
  confirming: 'Aufladung wird bestätigt …',
  confirmed: 'Aufladung bestätigt.',
  arriving: 'Die Credits werden gutgeschrieben …',
  arrived: (credits: string) => `${credits}\u00a0Credits wurden gutgeschrieben.`,
  declined: 'Die Zahlung wurde nicht bestätigt, es wurde nichts belastet. Sie können es erneut versuchen.',
};
const en: typeof de = {
  confirming: 'Confirming the top-up …',
  confirmed: 'Top-up confirmed.',
  arriving: 'Your credits are being added …',
  arrived: (credits) => `${credits}\u00a0credits were added.`,
  declined: 'The payment was not confirmed and nothing was charged. You can try again.',
};

addAutoRechargeErrorTexts();

/** How often the balance is read again while the credits are on their way, and for how long at most. */
const REREAD_EVERY_MS = 2_000;
const REREAD_FOR_MS = 60_000;

type Step = 'confirming' | 'arriving' | 'arrived' | 'declined' | 'error';

const styles = html`<style>
  credit-topup-auto-recharge-confirmation p {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 8px 0 0;
  }
</style>`;

export class CreditTopupAutoRechargeConfirmation extends LitElement {
  static override properties = {
    _step: { state: true },
    _problem: { state: true },
    _credits: { state: true },
  };

  declare host: ConfirmationHost;
  declare private _step?: Step;
  declare private _problem?: Problem;
  declare private _credits?: number;
  /** A confirmation runs at most once at a time per element. */
  #running?: Promise<void>;

  protected override createRenderRoot() {
    return this;
  }

  confirm(client: ApiClient | undefined): Promise<void> {
    this.#running ??= this.#confirm(client).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #confirm(client: ApiClient | undefined) {
    const host = this.host;
    const locale = toLocale(host.locale);
    this._step = 'confirming';
    this._problem = undefined;
    // Heard from the start: Stripe's webhook may credit the payment (and the element tell it) before
    // confirmCardPayment has read the payment intent again and resolved.
    let credited = false;
    const onState = (event: Event) => {
      if ((event as CustomEvent<{ kind: string }>).detail.kind !== 'succeeded') return;
      credited = true;
      if (this._step === 'arriving') this._step = 'arrived';
    };
    host.addEventListener('credit-topup-auto-recharge', onState);
    try {
      if (!client) throw new ApiError('internal_error', 'the api-base attribute is not set');
      const [waiting, config] = await Promise.all([autoRechargeConfirmation(client), client.config()]);
      const stripe = await loadStripeFor(config, host.publishableKey || config.publishable_key, locale).catch(
        () => {
          throw new ApiError('stripe_load_failed', 'Stripe.js could not be loaded');
        },
      );
      const result = await stripe.confirmCardPayment(waiting.client_secret, {
        payment_method: waiting.payment_method,
      });
      const status = result.paymentIntent?.status;
      if (result.error || (status !== 'succeeded' && status !== 'processing')) {
        // The customer cancelled the challenge, or the bank refused it: the banner stays for another try.
        // Unless the payment was no longer waiting (paid in another tab): then the state is read again.
        if (result.error?.code === 'payment_intent_unexpected_state') await host.refresh();
        this._step = 'declined';
        reportProblem(this, new ApiError('payment_failed', 'The automatic top-up was not confirmed.'));
        return;
      }
      this._credits = waiting.credits;
      this._step = credited ? 'arrived' : 'arriving';
      // Until the credits arrive: the element's live balance tells it, or, for a server or deployment
      // without a stream, a re-read of the balance now and then.
      for (
        let waited = 0;
        !credited && waited < REREAD_FOR_MS && host.isConnected;
        waited += REREAD_EVERY_MS
      ) {
        await new Promise((resolve) => setTimeout(resolve, REREAD_EVERY_MS));
        if (!credited) await host.refresh();
      }
    } catch (error) {
      this._problem = reportProblem(this, error);
      this._step = 'error';
      // Nothing waits any more (confirmed elsewhere, or switched off): the banner goes with a fresh read.
      if (error instanceof ApiError && error.code === 'nothing_to_confirm') await host.refresh();
    } finally {
      host.removeEventListener('credit-topup-auto-recharge', onState);
    }
  }

  protected override render() {
    const locale: Locale = toLocale(this.host?.locale);
    const t = locale === 'en' ? en : de;
    switch (this._step) {
      case 'confirming':
        return html`${styles}<p class="muted" role="status">${t.confirming}</p>`;
      case 'arriving':
        return html`${styles}<p class="success" role="status">✓ ${t.confirmed} ${t.arriving}</p>`;
      case 'arrived':
        return html`${styles}<p class="success" role="status">
            ✓ ${t.confirmed}
            ${this._credits ? t.arrived(formatCredits(locale, this._credits)) : nothing}
          </p>`;
      case 'declined':
        return html`${styles}<p part="error" role="alert">${t.declined}</p>`;
      case 'error':
        return html`${styles}<p part="error" role="alert">
            ${errorText(purchaseMessages(locale), this._problem?.code ?? 'internal_error')}
          </p>`;
      default:
        return nothing;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup-auto-recharge-confirmation': CreditTopupAutoRechargeConfirmation;
  }
}

/** Confirms the recharge waiting for the customer; what happens shows under the element's banner. */
export function confirmAutoRecharge(host: ConfirmationHost, client: ApiClient | undefined): Promise<void> {
  if (!customElements.get('credit-topup-auto-recharge-confirmation'))
    customElements.define('credit-topup-auto-recharge-confirmation', CreditTopupAutoRechargeConfirmation);
  const root = host.renderRoot;
  let line = root.querySelector('credit-topup-auto-recharge-confirmation');
  if (!line) {
    line = document.createElement('credit-topup-auto-recharge-confirmation');
    line.host = host;
    // After everything Lit renders there: Lit never touches what follows its own content.
    root.append(line);
  }
  return line.confirm(client);
}

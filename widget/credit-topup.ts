// <credit-topup>: the tenant's balance and a button that buys credits with embedded Stripe Checkout in a
// dialog. The first paint needs only this file (balance, button, errors); what happens inside the dialog
// is purchase/purchase-flow.ts, loaded right after the first paint.

import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { PackageListResponse, ReturnSessionParameter } from '../contract/credit-topup-api.ts';
import { ApiClient, ApiError } from './api-client.ts';
import {
  AccessTokenController,
  type AccessTokenSources,
  type SupabaseAuthLike,
} from './controllers/access-token-controller.ts';
import { styles } from './credit-topup.styles.ts';
import { formatCredits, type Locale, type Messages, messages, toLocale } from './i18n.ts';
import type { Problem, PurchaseFlow, PurchaseFlowContext } from './purchase/purchase-flow.ts';

export type { SupabaseAuthLike };

// What the dialog shows for the moment its code is still on its way.
const loadingPackages = html`<ul>
  ${[1, 2, 3].map(() => html`<li><span class="skeleton"></span></li>`)}
</ul>`;

/** Every event of the element bubbles out of its shadow root into the page. */
const topupEvent = (name: string, detail: unknown) =>
  new CustomEvent(name, { detail, bubbles: true, composed: true });

/** The query parameter Stripe's return URL carries (server/stripe/checkout-session-params.ts sets it). */
export const RETURN_PARAMETER: ReturnSessionParameter = 'credit_topup_session';

/**
 * Shows the tenant's available credits and buys more with embedded Stripe Checkout, in German or English.
 *
 * @summary Balance and "Credits aufladen" with embedded Stripe Checkout.
 *
 * @attr recommended - The id of the package to mark as recommended, e.g. `standard`; none if unset.
 *
 * @fires credit-topup-completed - A purchase was credited.
 *   detail: `{ sessionId, packageId, credits, balance }`
 * @fires credit-topup-balance - The balance shown changed. detail: `{ balance }`
 * @fires credit-topup-error - Something failed. detail: `{ code, message }`; `code` is one of the server's
 *   error codes, `network_error`, `stripe_load_failed` or `payment_failed`.
 *
 * @slot checkout - Filled by the element itself with Stripe's embedded Checkout (Stripe.js cannot mount
 *   inside a shadow root); do not slot anything here.
 *
 * @csspart balance - The card with the balance and the button.
 * @csspart button - The "Buy credits" button.
 * @csspart dialog - The purchase dialog.
 * @csspart close - The dialog's close button.
 * @csspart package - Each package's button.
 * @csspart recommended - The recommended package's button (it has the part `package` too).
 * @csspart error - Every error message.
 * @csspart retry - Every "Try again" button.
 *
 * @cssprop [--credit-topup-accent=light-dark(#4f46e5, #a5b4fc)] - Buttons, focus ring, spinner.
 * @cssprop [--credit-topup-on-accent=the background] - Text on the accent colour.
 * @cssprop [--credit-topup-background=light-dark(#fff, #1f2937)] - Card and dialog background.
 * @cssprop [--credit-topup-color=light-dark(#1f2937, #f9fafb)] - Text.
 * @cssprop [--credit-topup-muted=light-dark(#4b5563, #d1d5db)] - Secondary text.
 * @cssprop [--credit-topup-border=light-dark(#d1d5db, #4b5563)] - Borders.
 * @cssprop [--credit-topup-error=light-dark(#b91c1c, #fca5a5)] - Error messages.
 * @cssprop [--credit-topup-radius=10px] - Corner radius of the card, the dialog, buttons, packages and
 *   loading placeholders.
 * @cssprop [--credit-topup-font=system-ui, sans-serif] - Font family.
 */
export class CreditTopup extends LitElement implements AccessTokenSources {
  static override styles = styles;
  static override properties = {
    apiBase: { attribute: 'api-base' },
    locale: { reflect: true },
    publishableKey: { attribute: 'publishable-key' },
    recommended: {},
    accessToken: { attribute: false },
    getAccessToken: { attribute: false },
    supabase: { attribute: false },
    _balance: { state: true },
    _balanceProblem: { state: true },
    _packages: { state: true },
    _packagesProblem: { state: true },
    _flowProblem: { state: true },
    _signedOut: { state: true },
    _offline: { state: true },
  };

  /** URL of the credit-topup server, e.g. `https://credits.example.com`. */
  declare apiBase: string;
  /** `de` (default) or `en`. */
  declare locale: Locale;
  /** Stripe publishable key; optional, otherwise taken from the server's `GET /v1/config`. */
  declare publishableKey: string | undefined;
  /** The id of the package shown as recommended (`recommended="standard"`); none if unset. */
  declare recommended: string | undefined;
  /** The signed-in user's Supabase access token. */
  declare accessToken: string | undefined;
  /** Called for a fresh access token before every request; takes precedence over the others. */
  declare getAccessToken: (() => Promise<string | null | undefined>) | undefined;
  /** A SupabaseClient: its session's token is used and its sign-in and sign-out are followed. */
  declare supabase: SupabaseAuthLike | undefined;

  // Unset state is undefined: no balance yet, no problem, not signed out.
  declare private _balance?: number;
  declare private _balanceProblem?: Problem;
  declare private _packages?: PackageListResponse;
  declare private _packagesProblem?: Problem;
  declare private _flowProblem?: Problem;
  declare private _signedOut?: boolean;
  declare private _offline?: boolean;

  readonly #auth = new AccessTokenController(this, () => void this.refresh());
  #client?: ApiClient;
  #flow?: PurchaseFlow;
  #flowLoad?: Promise<PurchaseFlow>;
  #balanceRequest = 0;
  readonly #onNetworkChange = () => {
    this._offline = !navigator.onLine;
    if (!this._offline) void this.refresh();
  };

  constructor() {
    super();
    this.apiBase = '';
    this.locale = 'de';
  }

  override connectedCallback() {
    super.connectedCallback();
    this._offline = !navigator.onLine;
    addEventListener('online', this.#onNetworkChange);
    addEventListener('offline', this.#onNetworkChange);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('online', this.#onNetworkChange);
    removeEventListener('offline', this.#onNetworkChange);
  }

  // Loading starts before rendering, so its first state changes join this update instead of forcing another.
  protected override willUpdate(changed: PropertyValues<this>) {
    if (!this.apiBase) return;
    if (changed.has('apiBase')) {
      this.#client = new ApiClient(this.apiBase, () => this.#auth.token());
      void this.#loadPackages();
      this.#resumeFromReturnUrl();
    }
    if (
      ['apiBase', 'accessToken', 'getAccessToken', 'supabase'].some((name) =>
        changed.has(name as keyof CreditTopup),
      )
    ) {
      void this.refresh();
    }
  }

  protected override firstUpdated() {
    // The dialog's code is fetched now, after the first paint, so that it is there when the button is used.
    void this.#purchaseFlow().catch(() => {});
  }

  /** Reloads the balance (and the packages, if they failed before). */
  async refresh(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    if (this._packagesProblem) void this.#loadPackages();
    const request = ++this.#balanceRequest;
    if (!this.#auth.configured) {
      this._signedOut = true;
      return;
    }
    this._balanceProblem = undefined;
    try {
      const balance = await client.balance();
      if (request !== this.#balanceRequest) return;
      this._signedOut = false;
      this.#showBalance(balance.available_credits);
    } catch (error) {
      if (request !== this.#balanceRequest) return;
      const problem = this.#report(error);
      if (problem.code !== 'unauthorized') this._balanceProblem = problem;
    }
  }

  async #loadPackages() {
    this._packagesProblem = undefined;
    try {
      this._packages = await this.#client?.packages();
    } catch (error) {
      this._packagesProblem = this.#report(error);
    }
  }

  #showBalance(balance: number) {
    if (this._balance !== balance) {
      this._balance = balance;
      this.#emit('credit-topup-balance', { balance });
    }
  }

  /** Turns any failure into { code, message }, fires credit-topup-error, and notices a lost session. */
  #report(error: unknown): Problem {
    const problem =
      error instanceof ApiError
        ? { code: error.code, message: error.message }
        : { code: 'internal_error', message: String(error) };
    if (problem.code === 'unauthorized') {
      this._signedOut = true;
      this._balance = undefined;
    }
    this.#emit('credit-topup-error', problem);
    return problem;
  }

  #emit(name: string, detail: unknown) {
    this.dispatchEvent(topupEvent(name, detail));
  }

  get #dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  /** The dialog's code, loaded once; a failed load (the network) is tried again next time. */
  #purchaseFlow(): Promise<PurchaseFlow> {
    this.#flowLoad ??= import('./purchase/purchase-flow.ts').then(
      ({ PurchaseFlow }) => {
        this.#flow = new PurchaseFlow(this, this.#flowContext());
        this._flowProblem = undefined;
        // The closed dialog gets its content now, so that it opens without a loading state.
        this.requestUpdate();
        return this.#flow;
      },
      (error: unknown) => {
        this.#flowLoad = undefined;
        throw new ApiError('network_error', String(error));
      },
    );
    return this.#flowLoad;
  }

  #flowContext(): PurchaseFlowContext {
    return {
      client: () => {
        if (!this.#client) throw new ApiError('internal_error', 'the api-base attribute is not set');
        return this.#client;
      },
      locale: () => toLocale(this.locale),
      publishableKey: () => this.publishableKey,
      packages: () => this._packages,
      packagesProblem: () => this._packagesProblem,
      reloadPackages: () => void this.#loadPackages(),
      showBalance: (balance) => this.#showBalance(balance),
      report: (error) => this.#report(error),
      emit: (name, detail) => this.#emit(name, detail),
      dialog: () => this.#dialog as HTMLDialogElement,
      renderProblem: (problem, retry) => this.#problem(messages(toLocale(this.locale)), problem, retry),
      forgetReturnUrl: () => this.#forgetReturnUrl(),
      recommended: () => this.recommended,
    };
  }

  /** Opens the dialog at once (its content follows as soon as its code is there). */
  async #openDialog(resumeSessionId?: string) {
    const dialog = this.#dialog;
    if (!dialog || dialog.open) return;
    dialog.showModal();
    // Every engine starts on the title, from where Tab leads on (Firefox would pick the close button).
    this.renderRoot.querySelector('h2')?.focus();
    try {
      const flow = await this.#purchaseFlow();
      if (resumeSessionId) flow.resume(resumeSessionId);
      else flow.begin();
    } catch (error) {
      this._flowProblem = this.#report(error);
    }
  }

  #resumeFromReturnUrl() {
    const sessionId = new URL(location.href).searchParams.get(RETURN_PARAMETER);
    if (sessionId) void this.updateComplete.then(() => this.#openDialog(sessionId));
  }

  #forgetReturnUrl() {
    const url = new URL(location.href);
    if (!url.searchParams.has(RETURN_PARAMETER)) return;
    url.searchParams.delete(RETURN_PARAMETER);
    history.replaceState(history.state, '', url);
  }

  readonly #onBuy = () => void this.#openDialog();

  #onDialogClose() {
    // 'close' is dispatched as a task: the dialog may have been opened again since.
    if (!this.#dialog?.open) this.#flow?.closed();
  }

  protected override render() {
    const locale = toLocale(this.locale);
    const t = messages(locale);
    return html`
      <section class="card" part="balance">
        <div aria-live="polite">
          <p class="label" id="balance-label">${t.balance}</p>
          ${this.#balance(locale, t)}
        </div>
        <button class="primary" part="button" ?disabled=${this._signedOut} @click=${this.#onBuy}
          >${t.buy}</button>
      </section>
      ${this._offline ? html`<p part="error" role="alert">${t.offline}</p>` : nothing}
      <dialog part="dialog" aria-labelledby="dialog-title" @close=${this.#onDialogClose}>
        <header>
          <h2 id="dialog-title" tabindex="-1">${t.buy}</h2>
          <button part="close" aria-label=${t.close} @click=${() => this.#dialog?.close()}>✕</button>
        </header>
        ${
          this._flowProblem
            ? this.#problem(t, this._flowProblem, () => {
                this.#dialog?.close();
                void this.#openDialog();
              })
            : (this.#flow?.render() ?? loadingPackages)
        }
      </dialog>
    `;
  }

  #balance(locale: Locale, t: Messages) {
    if (this._signedOut) return html`<p class="muted">${t.signedOut}</p>`;
    if (this._balanceProblem) return this.#problem(t, this._balanceProblem, () => this.refresh());
    if (this._balance === undefined) return html`<span class="skeleton"></span>`;
    const amount = formatCredits(locale, this._balance);
    return html`<p class="amount" aria-describedby="balance-label">${amount}</p>`;
  }

  #problem(t: Messages, problem: Problem, retry: () => unknown): TemplateResult {
    const text = t.errors[problem.code as keyof Messages['errors']] ?? problem.message;
    return html`<p part="error" role="alert">${text}</p>
      <button part="retry" @click=${retry}>${t.retry}</button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup': CreditTopup;
  }
}

if (!customElements.get('credit-topup')) customElements.define('credit-topup', CreditTopup);

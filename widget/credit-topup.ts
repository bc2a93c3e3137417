// <credit-topup>: the tenant's balance, the credit packages, and embedded Stripe Checkout in a dialog.
// Inputs are properties/attributes; outputs are bubbling, composed events:
//   credit-topup-completed { sessionId, packageId, credits, balance }
//   credit-topup-balance   { balance }  on every change
//   credit-topup-error     { code, message }
// Stripe.js cannot mount inside a shadow root, so embedded Checkout goes into a light-DOM child that the
// element owns (<div slot="checkout">), slotted into the dialog.

import type { StripeEmbeddedCheckout } from '@stripe/stripe-js';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { ApiClient, ApiError, type CreditPackageView, type PackageList } from './api-client.ts';
import { styles } from './credit-topup.styles.ts';
import { formatCredits, formatMoney, type Locale, type Messages, messages, toLocale } from './i18n.ts';
import { type EmbeddedCheckoutFactory, loadStripeFor } from './stripe-loader.ts';

/** The query parameter Stripe's return URL carries (see server/stripe/checkout-session-params.ts). */
export const RETURN_PARAMETER = 'credit_topup_session';

/** The part of a SupabaseClient the element uses; supabase-js is a peer, never bundled. */
export interface SupabaseAuthLike {
  auth: {
    getSession(): Promise<{ data: { session: { access_token: string } | null } }>;
    onAuthStateChange(callback: (event: string) => void): { data: { subscription: { unsubscribe(): void } } };
  };
}

// 'pending': paid, credits not there yet; 'debit': a direct debit that settles in days.
type View =
  | 'packages'
  | 'creating'
  | 'checkout'
  | 'confirming'
  | 'pending'
  | 'debit'
  | 'success'
  | 'failed'
  | 'error';
interface Problem {
  code: string;
  message: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CreditTopup extends LitElement {
  static override styles = styles;
  static override properties = {
    apiBase: { attribute: 'api-base' },
    locale: { reflect: true },
    publishableKey: { attribute: 'publishable-key' },
    accessToken: { attribute: false },
    getAccessToken: { attribute: false },
    supabase: { attribute: false },
    _balance: { state: true },
    _balanceProblem: { state: true },
    _packages: { state: true },
    _packagesProblem: { state: true },
    _view: { state: true },
    _problem: { state: true },
    _signedOut: { state: true },
    _offline: { state: true },
    _result: { state: true },
  };

  /** Base URL of the credit-topup server, e.g. https://api.example.com */
  declare apiBase: string;
  /** 'de' (default) or 'en'. */
  declare locale: Locale;
  /** Optional; otherwise taken from GET /v1/config. */
  declare publishableKey: string | undefined;
  declare accessToken: string | undefined;
  declare getAccessToken: (() => Promise<string | null | undefined>) | undefined;
  declare supabase: SupabaseAuthLike | undefined;

  // Unset state is undefined: no balance yet, no problem, not signed out.
  declare private _balance?: number;
  declare private _balanceProblem?: Problem;
  declare private _packages?: PackageList;
  declare private _packagesProblem?: Problem;
  declare private _view: View;
  declare private _problem?: Problem;
  declare private _signedOut?: boolean;
  declare private _offline?: boolean;
  declare private _result?: { credits: number; balance: number };

  #client?: ApiClient;
  #stripeLoad?: Promise<EmbeddedCheckoutFactory>;
  #checkout?: StripeEmbeddedCheckout;
  #mountPoint?: HTMLElement;
  #chosen?: CreditPackageView;
  #idempotencyKeys = new Map<string, string>();
  #polling = 0;
  #balanceRequest = 0;
  #authSubscription?: { unsubscribe(): void };
  readonly #onNetworkChange = () => {
    this._offline = !navigator.onLine;
    if (!this._offline) void this.refresh();
  };

  constructor() {
    super();
    this.apiBase = '';
    this.locale = 'de';
    this._view = 'packages';
  }

  override connectedCallback() {
    super.connectedCallback();
    this._offline = !navigator.onLine;
    if (this.supabase) this.#followAuth();
    addEventListener('online', this.#onNetworkChange);
    addEventListener('offline', this.#onNetworkChange);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('online', this.#onNetworkChange);
    removeEventListener('offline', this.#onNetworkChange);
    this.#authSubscription?.unsubscribe();
    this.#destroyCheckout();
    this.#polling++;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('_view' as keyof CreditTopup) && this.#dialog.open) {
      // Keyboard users land on the view's action, or on the title from where Tab leads on.
      (
        this.renderRoot.querySelector<HTMLElement>('dialog [autofocus]') ??
        this.renderRoot.querySelector('h2')
      )?.focus();
    }
  }

  // Loading starts before rendering, so its first state changes join this update instead of forcing another.
  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('supabase')) this.#followAuth();
    if (!this.apiBase) return;
    if (changed.has('apiBase')) {
      this.#client = new ApiClient(this.apiBase, () => this.#token());
      this.#stripeLoad = undefined;
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

  /** Reloads the balance (and the packages, if they failed before). */
  async refresh(): Promise<void> {
    if (!this.#client) return;
    if (this._packagesProblem) void this.#loadPackages();
    const request = ++this.#balanceRequest;
    if (!this.accessToken && !this.getAccessToken && !this.supabase) {
      this._signedOut = true;
      return;
    }
    this._balanceProblem = undefined;
    try {
      const balance = await this.#client.balance();
      if (request !== this.#balanceRequest) return;
      this._signedOut = false;
      this.#showBalance(balance.available_credits);
    } catch (error) {
      if (request !== this.#balanceRequest) return;
      const problem = this.#report(error);
      if (problem.code !== 'unauthorized') this._balanceProblem = problem;
    }
  }

  async #token(): Promise<string | null> {
    if (this.getAccessToken) return (await this.getAccessToken()) ?? null;
    if (this.supabase) return (await this.supabase.auth.getSession()).data.session?.access_token ?? null;
    return this.accessToken ?? null;
  }

  #followAuth() {
    this.#authSubscription?.unsubscribe();
    this.#authSubscription = this.supabase?.auth.onAuthStateChange((event) => {
      // The initial session is already read by the first refresh; token refreshes change nothing shown.
      if (event !== 'INITIAL_SESSION' && event !== 'TOKEN_REFRESHED') void this.refresh();
    }).data.subscription;
  }

  async #loadPackages() {
    this._packagesProblem = undefined;
    try {
      this._packages = await this.#client!.packages();
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
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  get #dialog() {
    return this.renderRoot.querySelector('dialog')!;
  }

  async #openDialog(view: View = 'packages') {
    if (!this.#dialog.open) {
      this.#idempotencyKeys.clear();
      this._view = view;
      this._problem = undefined;
      this.#dialog.showModal();
    }
    // Stripe.js loads with the first open, not with the page.
    void this.#stripe().catch(() => {});
  }

  #closeDialog() {
    this.#dialog.close();
  }

  #onDialogClose() {
    // 'close' is dispatched as a task: the dialog may have been opened again since.
    if (this.#dialog.open) return;
    this.#destroyCheckout();
    if (['creating', 'checkout', 'error', 'failed', 'success'].includes(this._view)) this._view = 'packages';
  }

  /** Stripe (or the sandbox's stand-in), loaded once; a failed load is tried again next time. */
  #stripe() {
    this.#stripeLoad ??= this.#client!.config().then((config) =>
      loadStripeFor(config, this.publishableKey || config.publishable_key, this.locale).catch(() => {
        throw new ApiError('stripe_load_failed', 'Stripe.js could not be loaded');
      }),
    );
    this.#stripeLoad.catch(() => (this.#stripeLoad = undefined));
    return this.#stripeLoad;
  }

  async #choose(creditPackage: CreditPackageView) {
    if (this._view === 'creating') return;
    this.#destroyCheckout();
    this.#chosen = creditPackage;
    this._view = 'creating';
    this._problem = undefined;
    // One key per package per opening of the dialog: a double click or a retry gets the same session.
    let key = this.#idempotencyKeys.get(creditPackage.id);
    if (!key) this.#idempotencyKeys.set(creditPackage.id, (key = crypto.randomUUID()));
    try {
      const [session, stripe] = await Promise.all([
        this.#client!.createSession(creditPackage.id, this.locale, key),
        this.#stripe(),
      ]);
      const checkout = await stripe.createEmbeddedCheckoutPage({
        fetchClientSecret: async () => session.client_secret,
        onComplete: () => this.#paid(session.id),
      });
      if (this._view !== 'creating' || this.#chosen !== creditPackage || !this.#dialog.open) {
        checkout.destroy();
        return;
      }
      this.#checkout = checkout;
      this._view = 'checkout';
      await this.updateComplete;
      this.#mountPoint = Object.assign(document.createElement('div'), { slot: 'checkout' });
      this.append(this.#mountPoint);
      checkout.mount(this.#mountPoint);
    } catch (error) {
      this.#fail(error);
    }
  }

  #backToPackages() {
    this.#destroyCheckout();
    this._view = 'packages';
  }

  #destroyCheckout() {
    this.#checkout?.destroy();
    this.#checkout = undefined;
    this.#mountPoint?.remove();
    this.#mountPoint = undefined;
  }

  #fail(error: unknown) {
    this.#destroyCheckout();
    this._problem = this.#report(error);
    this._view = 'error';
  }

  #retry() {
    if (this.#chosen && this._problem?.code !== 'unauthorized') void this.#choose(this.#chosen);
    else this._view = 'packages';
  }

  #paid(sessionId: string) {
    this.#destroyCheckout();
    this.#idempotencyKeys.clear();
    this._view = 'confirming';
    void this.#watch(sessionId);
  }

  #resumeFromReturnUrl() {
    const sessionId = new URL(location.href).searchParams.get(RETURN_PARAMETER);
    if (!sessionId) return;
    void this.updateComplete.then(() => {
      void this.#openDialog('confirming');
      void this.#watch(sessionId);
    });
  }

  /** Polls the session with backoff until it is credited, failed or abandoned. */
  async #watch(sessionId: string) {
    const run = ++this.#polling;
    const started = Date.now();
    for (
      let delay = 400;
      run === this.#polling && Date.now() - started < 30 * 60_000;
      delay = Math.min(delay * 1.5, this._view === 'debit' ? 10_000 : 2_000)
    ) {
      try {
        const state = await this.#client!.session(sessionId);
        if (run !== this.#polling) return;
        this.#showBalance(state.balance);
        if (state.credited) {
          this._result = { credits: state.credits, balance: state.balance };
          this._view = 'success';
          this.#forgetReturnUrl();
          this.#emit('credit-topup-completed', {
            sessionId,
            packageId: state.package_id,
            credits: state.credits,
            balance: state.balance,
          });
          return;
        }
        if (state.purchase_status === 'failed' || state.status === 'expired') {
          this._view = 'failed';
          this.#forgetReturnUrl();
          this.#emit('credit-topup-error', { code: 'payment_failed', message: 'The payment failed.' });
          return;
        }
        if (state.status === 'open') {
          // Back from a payment method's page without paying: offer the packages again.
          this._view = 'packages';
          this.#forgetReturnUrl();
          return;
        }
        // A direct debit settles in days; a paid session not credited after a while: say so, keep watching.
        if (state.payment_status === 'unpaid') this._view = 'debit';
        else if (Date.now() - started > 20_000) this._view = 'pending';
      } catch (error) {
        if (run !== this.#polling) return;
        const problem = this.#report(error);
        if (problem.code === 'unauthorized' || problem.code === 'not_found') {
          this.#fail(error);
          return;
        }
      }
      await sleep(delay);
    }
  }

  #forgetReturnUrl() {
    const url = new URL(location.href);
    if (!url.searchParams.has(RETURN_PARAMETER)) return;
    url.searchParams.delete(RETURN_PARAMETER);
    history.replaceState(history.state, '', url);
  }

  protected override render() {
    const locale = toLocale(this.locale);
    const t = messages(locale);
    const balance = this._balance;
    return html`
      <section class="card" part="balance">
        <div aria-live="polite">
          <p class="label" id="balance-label">${t.balance}</p>
          ${
            this._signedOut
              ? html`<p class="muted">${t.signedOut}</p>`
              : this._balanceProblem
                ? this.#problem(t, this._balanceProblem, () => this.refresh())
                : balance === undefined
                  ? html`<span class="skeleton" style="width:5em;height:2rem"></span>`
                  : html`<p class="amount" aria-describedby="balance-label">${formatCredits(locale, balance)}</p>`
          }
        </div>
        <button class="primary" part="button" ?disabled=${this._signedOut} @click=${() => this.#openDialog()}>${t.buy}</button>
      </section>
      ${this._offline ? html`<p part="error" role="alert">${t.offline}</p>` : nothing}
      <dialog part="dialog" aria-labelledby="dialog-title" @close=${this.#onDialogClose}>
        <header>
          <h2 id="dialog-title" tabindex="-1">${t.buy}</h2>
          <button part="close" aria-label=${t.close} @click=${this.#closeDialog}>✕</button>
        </header>
        ${this.#view(locale, t)}
      </dialog>
    `;
  }

  #view(locale: Locale, t: Messages) {
    const status = (text: string) =>
      html`<div class="status" role="status"><span class="spinner" aria-hidden="true"></span>${text}</div>`;
    const done = (text: string, role: 'status' | 'alert' = 'status', detail: unknown = nothing) =>
      html`<p class=${role === 'status' ? 'success' : ''} part=${role === 'alert' ? 'error' : nothing} role=${role}>${text}</p>
        ${detail}
        <div class="row"><button class="primary" autofocus @click=${this.#closeDialog}>${t.done}</button></div>`;
    switch (this._view) {
      case 'creating':
        return status(t.creating);
      case 'checkout':
        return html`<slot name="checkout"></slot>
          <div class="row"><button @click=${this.#backToPackages}>${t.back}</button></div>`;
      case 'confirming':
        return status(t.confirming);
      case 'pending':
        return done(t.pending);
      case 'debit':
        return done(t.pendingDebit);
      case 'success':
        return done(
          t.success(formatCredits(locale, this._result!.credits)),
          'status',
          html`<p class="muted">${t.newBalance(formatCredits(locale, this._result!.balance))}</p>`,
        );
      case 'failed':
        return done(t.failed, 'alert');
      case 'error':
        return this.#problem(t, this._problem!, () => this.#retry());
      default:
        return this.#packageList(locale, t);
    }
  }

  #packageList(locale: Locale, t: Messages) {
    if (this._packagesProblem) return this.#problem(t, this._packagesProblem, () => this.#loadPackages());
    const list = this._packages;
    return html`<p class="muted">${t.choose}</p>
      <ul>
        ${
          list
            ? list.packages.map((creditPackage) => {
                const price = formatMoney(locale, creditPackage.amount, list.currency);
                const credits = formatCredits(locale, creditPackage.credits);
                return html`<li>
                <button class="package" part="package" @click=${() => this.#choose(creditPackage)}>
                  <strong>${creditPackage.name}</strong>
                  <span class="price">${price}</span>
                  <small>${t.credits(credits)} · ${t.perCredit(formatMoney(locale, creditPackage.amount / creditPackage.credits, list.currency))}</small>
                </button>
              </li>`;
              })
            : [1, 2, 3].map(() => html`<li><span class="skeleton"></span></li>`)
        }
      </ul>`;
  }

  #problem(t: Messages, problem: Problem, retry: () => unknown) {
    return html`<p part="error" role="alert">${t.errors[problem.code] ?? problem.message}</p>
      <button part="retry" @click=${retry}>${t.retry}</button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup': CreditTopup;
  }
}

if (!customElements.get('credit-topup')) customElements.define('credit-topup', CreditTopup);

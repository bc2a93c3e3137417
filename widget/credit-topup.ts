// <credit-topup>: the tenant's balance and a button that buys credits with embedded Stripe Checkout in a
// dialog. The first paint needs only this file (balance, button, errors); what happens inside the dialog
// is purchase/purchase-flow.ts, loaded right after the first paint.

import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type {
  AutoRechargeEventDetail,
  AutoRechargeState,
  AutoRechargeSummary,
  PackageListResponse,
  ReturnSessionParameter,
} from '../contract/credit-topup-api.ts';
import { ApiClient, ApiError, type Problem, problemOf } from './api-client.ts';
import {
  AccessTokenController,
  type AccessTokenSources,
  type SupabaseAuthLike,
} from './controllers/access-token-controller.ts';
import { styles } from './credit-topup.styles.ts';
import { errorText, formatCredits, type Locale, type Messages, messages, toLocale } from './i18n.ts';
import type { PurchaseFlow, PurchaseFlowContext } from './purchase/purchase-flow.ts';

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
 * The sessions of return URLs an element of this page confirms already: with several elements on the page
 * one opens its dialog, and the others hear the new balance. Claimed only by an element whose dialog opens,
 * and given back when it leaves the page unconfirmed, so that its replacement confirms it.
 */
const resumedSessions = new Set<string>();

/** A balance that failed to load is asked for again after this long, then twice as long each time … */
const FIRST_RETRY_MS = 1_000;
/** … up to this. */
const LONGEST_RETRY_MS = 60_000;
/** Refusals that asking again does not change. */
const FINAL_CODES = ['unauthorized', 'no_tenant', 'origin_not_allowed'];

/** What a change of the automatic top-up's state into each of these tells the page (`on` depends on from where). */
const AUTO_RECHARGE_EVENTS: Partial<Record<AutoRechargeState, AutoRechargeEventDetail['kind']>> = {
  charging: 'started',
  retrying: 'failed',
  // The month's cap stopped a recharge: it failed for a reason (monthly_cap_reached).
  capped: 'failed',
  needs_confirmation: 'needs_confirmation',
  disabled: 'disabled',
};

/**
 * Shows the tenant's available credits and buys more with embedded Stripe Checkout, in German or English.
 *
 * @summary Balance and "Credits aufladen" with embedded Stripe Checkout.
 *
 * @attr recommended - The id of the package to mark as recommended, e.g. `standard`; none if unset.
 * @attr terms-url - The seller's terms, linked under the packages; replaces the server's (`/v1/config`).
 * @attr privacy-url - The privacy policy, likewise.
 * @attr withdrawal-policy-url - The withdrawal policy (Widerrufsbelehrung), likewise.
 * @attr checkout - `hosted`: pay on Stripe's own page in a new tab (for pages whose CSP forbids Stripe's
 *   frames); otherwise embedded in the dialog.
 * @attr low-balance-threshold - Credits: below this the element shows a warning and fires
 *   `credit-topup-low-balance`; no warning if unset.
 *
 * @fires credit-topup-completed - A purchase was credited.
 *   detail: `{ sessionId, packageId, credits, balance }`
 * @fires credit-topup-balance - The balance shown changed, here or in another element of the same tenant
 *   (on this page or in another tab of the same origin). detail: `{ balance }`
 * @fires credit-topup-low-balance - The balance fell below `low-balance-threshold` (once per crossing).
 *   detail: `{ balance, threshold }`
 * @fires credit-topup-auto-recharge - The tenant's automatic top-up changed state while the element was
 *   shown (never for the state it first reads): `started` (a recharge is being paid), `succeeded` (it was
 *   paid and credited), `failed` (declined and to be retried, or stopped by the month's cap: see
 *   `reason`), `needs_confirmation` (the bank wants the customer: the element shows a banner whose button
 *   completes it), `disabled` (it switched itself off, `reason` says why).
 *   detail: `{ kind, state, reason }`
 * @fires credit-topup-error - Something failed. detail: `{ code, message }`; `code` is one of the server's
 *   error codes, `network_error`, `stripe_load_failed`, `payment_failed` or `checkout_already_open`
 *   (another embedded Checkout is open on the page). A balance that fails to load is tried again by
 *   itself; only the first failure of a row is fired, but `unauthorized`, `no_tenant` and
 *   `origin_not_allowed` always are.
 *
 * @slot checkout - Filled by the element itself with Stripe's embedded Checkout (Stripe.js cannot mount
 *   inside a shadow root); do not slot anything here.
 *
 * @csspart balance - The card with the balance and the button.
 * @csspart button - The "Buy credits" button.
 * @csspart history-button - The "History" button; it opens the purchases and credit movements (loaded then).
 * @csspart auto-recharge-button - The "Automatic top-up" button; it opens its settings (loaded then).
 * @csspart auto-recharge-banner - "Please confirm the automatic top-up", shown while a recharge waits for
 *   the customer (3-D Secure).
 * @csspart confirm-button - The banner's "Confirm now" button.
 * @csspart dialog - The purchase dialog.
 * @csspart close - The dialog's close button.
 * @csspart package - Each package's button.
 * @csspart recommended - The recommended package's button (it has the part `package` too).
 * @csspart low-balance - The low-balance warning.
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
    termsUrl: { attribute: 'terms-url' },
    privacyUrl: { attribute: 'privacy-url' },
    withdrawalPolicyUrl: { attribute: 'withdrawal-policy-url' },
    checkout: {},
    lowBalanceThreshold: { attribute: 'low-balance-threshold', type: Number },
    accessToken: { attribute: false },
    getAccessToken: { attribute: false },
    supabase: { attribute: false },
    _balance: { state: true },
    _balanceProblem: { state: true },
    _packages: { state: true },
    _packagesProblem: { state: true },
    _flowProblem: { state: true },
    _signedOut: { state: true },
    _expired: { state: true },
    _stale: { state: true },
    _offline: { state: true },
    _autoRecharge: { state: true },
  };

  /** URL of the credit-topup server, e.g. `https://credits.example.com`. */
  declare apiBase: string;
  /** `de` (default) or `en`. */
  declare locale: Locale;
  /** Stripe publishable key; optional, otherwise taken from the server's `GET /v1/config`. */
  declare publishableKey: string | undefined;
  /** The id of the package shown as recommended (`recommended="standard"`); none if unset. */
  declare recommended: string | undefined;
  /** The seller's terms page; otherwise the server's, if configured. */
  declare termsUrl: string | undefined;
  /** The privacy policy; otherwise the server's, if configured. */
  declare privacyUrl: string | undefined;
  /** The withdrawal policy; otherwise the server's, if configured. */
  declare withdrawalPolicyUrl: string | undefined;
  /** `hosted`: Stripe's own page in a new tab; otherwise (`embedded`) Stripe's frame in the dialog. */
  declare checkout: 'embedded' | 'hosted' | undefined;
  /** Below this many credits the balance shows a warning (`low-balance-threshold="20"`). */
  declare lowBalanceThreshold: number | undefined;
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
  /** Signed out because the server refused the token (it expired), not because there is none. */
  declare private _expired?: boolean;
  /** The balance shown is the last one known; a newer one could not be loaded yet. */
  declare private _stale?: boolean;
  declare private _offline?: boolean;
  /** The automatic top-up's state as the balance (read or streamed) last told it. */
  declare private _autoRecharge?: AutoRechargeSummary;

  readonly #auth = new AccessTokenController(this, () => void this.refresh());
  #client?: ApiClient;
  #flow?: PurchaseFlow;
  #flowLoad?: Promise<PurchaseFlow>;
  #balanceRequest = 0;
  #packagesLoad?: Promise<void>;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #retryDelay = 0;
  /** The tenant of the balance shown: news from other elements is taken only for the same tenant. */
  #tenant?: string;
  /** When the request for the balance shown was sent (Date.now()): an older one never replaces it. */
  #shownAt = 0;
  /** The return URL's session this element claimed in resumedSessions. */
  #resumedSession?: string;
  /** Shown below the threshold; the event fires only when this turns true. */
  #low = false;
  /** The live balance (live/live-balance.ts), loaded once the first balance names the tenant. */
  #live?: Promise<unknown>;
  /** The confirmation of a recharge the bank wants the customer for, while it runs. */
  #confirming?: Promise<unknown>;
  /** Every element of this origin and server hears every other, in this tab and in others. */
  #channel?: BroadcastChannel;
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
    // Inserted again (a single-page app moved it): listen again and reload what may have changed meanwhile.
    if (this.hasUpdated) {
      this.#listen();
      void this.refresh();
      this.#resumeFromReturnUrl();
    }
  }

  override disconnectedCallback() {
    // The controllers destroy the checkout and stop watching a payment; the purchase flow picks the
    // watching up again when the element comes back.
    super.disconnectedCallback();
    // Removed while its code was still loading; a dialog left open would come back inline, not modal.
    this.#dialog?.close();
    removeEventListener('online', this.#onNetworkChange);
    removeEventListener('offline', this.#onNetworkChange);
    clearTimeout(this.#retryTimer);
    this.#channel?.close();
    this.#channel = undefined;
    if (this.#resumedSession) resumedSessions.delete(this.#resumedSession);
    this.#resumedSession = undefined;
  }

  #listen() {
    this.#channel?.close();
    // Lit also renders an element removed before its first render: it listens once it is inserted again.
    if (!this.apiBase || !this.isConnected) return;
    this.#channel = new BroadcastChannel(`credit-topup ${this.apiBase}`);
    this.#channel.onmessage = ({ data }: MessageEvent<{ tenant: string; balance: number; at: number }>) => {
      if (data.tenant === this.#tenant && this.#showBalance(data.balance, data.at, false))
        this._stale = false;
    };
  }

  // Loading starts before rendering, so its first state changes join this update instead of forcing another.
  protected override willUpdate(changed: PropertyValues<this>) {
    const low = (this._balance as number) < (this.lowBalanceThreshold as number);
    if (low && !this.#low)
      this.#emit('credit-topup-low-balance', { balance: this._balance, threshold: this.lowBalanceThreshold });
    this.#low = low;
    if (!this.apiBase) return;
    if (changed.has('apiBase')) {
      this.#client = new ApiClient(this.apiBase, () => this.#auth.token());
      this.#listen();
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

  // The first balance names the tenant: the live balance is loaded now, after the first paint, and follows
  // the tenant from then on (a controller of this element: it stops when the element leaves the page).
  protected override updated() {
    this.#live ??= this.#tenant
      ? import('./live/live-balance.ts').then(
          ({ LiveBalance }) =>
            new LiveBalance(
              this,
              () => this.#tenant,
              this.#auth,
              (balance, autoRecharge) => this.#showBalance(balance) && this.#showAutoRecharge(autoRecharge),
            ),
          // Not loaded (the network): tried again with the next update.
          () => (this.#live = undefined),
        )
      : undefined;
  }

  protected override firstUpdated() {
    // The dialog's code is fetched now, after the first paint, so that it is there when the button is used.
    void this.#purchaseFlow().catch(() => {});
  }

  /** Reloads the balance (and the packages, if they failed before); every other element hears the result. */
  async refresh(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    clearTimeout(this.#retryTimer);
    if (this._packagesProblem) void this.#loadPackages();
    const request = ++this.#balanceRequest;
    if (!this.#auth.configured) {
      this._signedOut = true;
      this._expired = false;
      this.#dropBalance();
      return;
    }
    // A retry keeps what is shown (the last balance, or the error) until it knows better.
    if (!this.#retryDelay) this._balanceProblem = undefined;
    const sentAt = Date.now();
    try {
      const balance = await client.balance();
      if (request !== this.#balanceRequest) return;
      this._signedOut = this._stale = false;
      this._balanceProblem = undefined;
      this.#retryDelay = 0;
      // Another tenant: its first state is read, not a change to tell.
      if (balance.tenant_id !== this.#tenant) this.#shownAt = 0;
      if (balance.tenant_id !== this.#tenant) this._autoRecharge = undefined;
      this.#tenant = balance.tenant_id;
      if (this.#showBalance(balance.available_credits, sentAt)) this.#showAutoRecharge(balance.auto_recharge);
    } catch (error) {
      if (request !== this.#balanceRequest) return;
      // A page origin the server refuses fails here like an unreachable server (the browser's preflight is
      // refused); the packages request, which needs none, says why, and that is what is shown.
      if (error instanceof ApiError && error.code === 'network_error') await this.#packagesLoad;
      if (request !== this.#balanceRequest || this._packagesProblem?.code === 'origin_not_allowed') return;
      // Of a row of failures only the first is told, but a final refusal (an expired token) always is, and
      // it ends the row.
      const final = error instanceof ApiError && FINAL_CODES.includes(error.code);
      const problem = this.#report(error, this.#retryDelay > 0 && !final);
      if (final) {
        this.#retryDelay = 0;
        if (problem.code !== 'unauthorized') this._balanceProblem = problem;
        return;
      }
      // The last balance stays, marked as not current; without one, the error shows. Either way the
      // element asks again by itself, less often the longer the server is away (and at once when online);
      // one that left the page meanwhile asks again when it is inserted again, not before.
      if (this._balance === undefined) this._balanceProblem = problem;
      else this._stale = true;
      if (!this.isConnected) return;
      this.#retryDelay = Math.min(this.#retryDelay * 2 || FIRST_RETRY_MS, LONGEST_RETRY_MS);
      this.#retryTimer = setTimeout(() => void this.refresh(), this.#retryDelay);
    }
  }

  #loadPackages() {
    this._packagesProblem = undefined;
    this.#packagesLoad = this.#client?.packages().then(
      (packages) => {
        this._packages = packages;
      },
      (error: unknown) => {
        const problem = this.#report(error);
        this._packagesProblem = problem;
        if (problem.code !== 'origin_not_allowed') return;
        this._balanceProblem = problem;
        console.error(
          `<credit-topup>: ${this.apiBase} does not allow this page's origin ${location.origin}. ` +
            "Add it to the server's ALLOWED_ORIGINS.",
        );
      },
    );
    return this.#packagesLoad;
  }

  /**
   * Shows a balance unless a newer one is shown (whether it did is returned); one this element learned
   * itself is told to the others of the same tenant. `at` orders balances across elements and tabs: the
   * server's answers carry no version, so it is when the request was sent (Date.now(), one clock for all
   * tabs). The server reads the balance after that moment, so a slow answer is older than the answer to a
   * request sent after it, which the time of receipt would get the wrong way round.
   */
  #showBalance(balance: number, at = Date.now(), tell = true) {
    if (at < this.#shownAt) return false;
    this.#shownAt = at;
    if (tell && this.#tenant) this.#channel?.postMessage({ tenant: this.#tenant, balance, at });
    if (this._balance !== balance) {
      this._balance = balance;
      this.#emit('credit-topup-balance', { balance });
    }
    return true;
  }

  /**
   * Shows the automatic top-up's state (none in a Realtime row: the last one stays); a change from a known
   * state is told to the page as credit-topup-auto-recharge.
   */
  #showAutoRecharge(summary?: AutoRechargeSummary) {
    const before = this._autoRecharge?.state;
    if (!summary) return;
    this._autoRecharge = summary;
    const { state, reason } = summary;
    // Back to `on` after paying (or after the customer confirmed) is a success; off → on is a member's doing.
    const kind =
      state === 'on'
        ? ['charging', 'retrying', 'needs_confirmation'].includes(before as string) && 'succeeded'
        : AUTO_RECHARGE_EVENTS[state];
    if (before && before !== state && kind) this.#emit('credit-topup-auto-recharge', { kind, state, reason });
  }

  /** Signed out: nothing of the former tenant is shown, nor taken from other elements any more. */
  #dropBalance() {
    this._autoRecharge = undefined;
    this._balance = this.#tenant = undefined;
    this.#shownAt = 0;
  }

  /**
   * Turns any failure into { code, message }, fires credit-topup-error (unless `quiet`: a retry that failed
   * again), and notices a lost or expired session.
   */
  #report(error: unknown, quiet = false): Problem {
    const problem = problemOf(error);
    if (problem.code === 'unauthorized') {
      this._signedOut = true;
      this._expired = error instanceof ApiError && error.status === 401;
      this.#dropBalance();
    }
    if (!quiet) this.#emit('credit-topup-error', problem);
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
    // Its texts are a chunk of their own that the dialog imports: asked for at the same time, not after it.
    this.#flowLoad ??= Promise.all([
      import('./purchase/purchase-flow.ts'),
      import('./purchase/purchase-messages.ts'),
    ]).then(
      ([{ PurchaseFlow }]) => {
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
      renderProblem: (problem, retry, back) =>
        this.#problem(messages(toLocale(this.locale)), problem, retry, back),
      forgetReturnUrl: () => this.#forgetReturnUrl(),
      recommended: () => this.recommended,
      legal: () => ({
        terms_url: this.termsUrl,
        privacy_url: this.privacyUrl,
        withdrawal_policy_url: this.withdrawalPolicyUrl,
      }),
      hosted: () => this.checkout === 'hosted',
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
    if (!sessionId || resumedSessions.has(sessionId)) return;
    void this.updateComplete.then(() => {
      // Claimed when the dialog can open: a framework may have replaced this element before it rendered.
      if (!this.isConnected || resumedSessions.has(sessionId)) return;
      resumedSessions.add(sessionId);
      this.#resumedSession = sessionId;
      return this.#openDialog(sessionId);
    });
  }

  #forgetReturnUrl() {
    // The session has its outcome: it stays claimed, also when this element leaves the page.
    this.#resumedSession = undefined;
    const url = new URL(location.href);
    if (!url.searchParams.has(RETURN_PARAMETER)) return;
    url.searchParams.delete(RETURN_PARAMETER);
    history.replaceState(history.state, '', url);
  }

  readonly #onBuy = () => void this.#openDialog();

  // The history's view is a chunk of its own that adds itself to the shadow root on first use.
  readonly #onHistory = () =>
    import('./history/credit-topup-history.ts').then(
      ({ openHistory }) => openHistory(this, this.#client, this._packages?.packages),
      () => this.#report(new ApiError('network_error', 'history')),
    );

  // The automatic top-up's settings: a view of its own chunk, added to the shadow root on first use like the
  // history's. Its texts are a chunk of their own, asked for at the same time.
  readonly #onAutoRecharge = () =>
    Promise.all([
      import('./auto-recharge/credit-topup-auto-recharge.ts'),
      import('./auto-recharge/auto-recharge-messages.ts'),
    ]).then(
      ([{ openAutoRecharge }]) => openAutoRecharge(this, this.#client),
      () => this.#report(new ApiError('network_error', 'auto-recharge')),
    );

  // "Confirm now": completes the recharge the bank wants the customer for, with Stripe.js (its own chunk).
  readonly #onConfirm = () =>
    (this.#confirming ??= import('./auto-recharge/auto-recharge-confirmation.ts')
      .then(({ confirmAutoRecharge }) => confirmAutoRecharge(this, this.#client))
      .catch(() => this.#report(new ApiError('network_error', 'confirmation')))
      .finally(() => (this.#confirming = undefined)));

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
        <div class="actions">
          <button class="primary" part="button" ?disabled=${this._signedOut} @click=${this.#onBuy}
            >${t.buy}</button>
          <button part="history-button" ?disabled=${this._signedOut} @click=${this.#onHistory}
            >${t.history}</button>
          <button part="auto-recharge-button" ?disabled=${this._signedOut} @click=${this.#onAutoRecharge}
            >${t.autoRecharge}</button>
        </div>
      </section>
      ${
        this._autoRecharge?.state === 'needs_confirmation'
          ? html`<p class="card" part="auto-recharge-banner" role="alert">
              ${t.confirmAutoRecharge}
              <button class="primary" part="confirm-button" @click=${this.#onConfirm}>${t.confirmNow}</button>
            </p>`
          : nothing
      }
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
                void this.#openDialog(this.#resumedSession);
              })
            : (this.#flow?.render() ?? loadingPackages)
        }
      </dialog>
    `;
  }

  #balance(locale: Locale, t: Messages) {
    if (this._signedOut)
      return html`<p class="muted">${this._expired ? t.errors.unauthorized : t.signedOut}</p>`;
    if (this._balanceProblem) return this.#problem(t, this._balanceProblem, () => this.refresh());
    if (this._balance === undefined) return html`<span class="skeleton"></span>`;
    const amount = formatCredits(locale, this._balance);
    return html`<p class="amount" aria-describedby="balance-label">${amount}</p>
      ${this.#low ? html`<strong part="low-balance" role="status">⚠ ${t.low}</strong>` : nothing}${this._stale ? html`<p class="muted">${t.stale}</p>` : nothing}`;
  }

  /** The element's own text for a problem (never the server's or Stripe's), a retry, and maybe a way back. */
  #problem(t: Messages, problem: Problem, retry: () => unknown, back?: () => unknown): TemplateResult {
    return html`<p part="error" role="alert">${errorText(t, problem.code)}</p>
      <div class="actions">
        <button part="retry" @click=${retry}>${t.retry}</button>
        ${back ? html`<button @click=${back}>${t.back}</button>` : nothing}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup': CreditTopup;
  }
}

if (!customElements.get('credit-topup')) customElements.define('credit-topup', CreditTopup);

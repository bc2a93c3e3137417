// Everything inside the element's dialog, from choosing a package to the new balance: loaded only when
// the element first needs it (after its first paint), so the balance and the button paint without it.
// Views: the packages → a session is being created → Stripe's embedded Checkout → the payment is being
// confirmed → credited, or failed, or (SEPA) waiting for the debit to settle.
// Selling lawfully in Germany (the server's GET /v1/config says how): every price carries its VAT note; a
// consumer ticks the withdrawal-right waiver (§ 356 Abs. 5 BGB) before a checkout is created, since Stripe
// Checkout has only its terms checkbox; the seller's legal pages are linked under the packages; the success
// state links the receipt and the invoice once Stripe has them.

import type { StripeEmbeddedCheckout } from '@stripe/stripe-js';
import {
  adoptStyles,
  html,
  nothing,
  type ReactiveController,
  type ReactiveControllerHost,
  type TemplateResult,
} from 'lit';
import type {
  CheckoutSessionStatusResponse,
  CreateHostedCheckoutSessionResponse,
  CreditPackageView,
  LegalLinks,
  PackageListResponse,
  PublicConfigResponse,
} from '../../contract/credit-topup-api.ts';
import { type ApiClient, ApiError, type Problem } from '../api-client.ts';
import { CheckoutMount } from '../controllers/checkout-mount.ts';
import { SessionWatcher } from '../controllers/session-watcher.ts';
import { errorText, formatCredits, formatMoney, type Locale } from '../i18n.ts';
import { type EmbeddedCheckoutFactory, loadStripeFor } from '../stripe-loader.ts';
import type { CustomAmount } from './custom-amount.ts';
import type { HostedCheckout } from './hosted-checkout.ts';
import { purchaseFlowStyles } from './purchase-flow.styles.ts';
import { type PurchaseMessages, purchaseMessages } from './purchase-messages.ts';
import { type SellingMessages, sellingMessages } from './selling-messages.ts';

export type { Problem };

type View =
  | 'packages'
  | 'creating'
  | 'checkout'
  /** checkout="hosted": Stripe's page is open in another tab. */
  | 'away'
  | 'confirming'
  /** Paid; the credits are taking longer than usual. */
  | 'pending'
  /** A direct debit that settles in days. */
  | 'debit'
  | 'success'
  | 'failed'
  | 'error';

/** What the flow needs of the element, handed over as functions so the element's own API stays small. */
export interface PurchaseFlowContext {
  client(): ApiClient;
  locale(): Locale;
  publishableKey(): string | undefined;
  packages(): PackageListResponse | undefined;
  packagesProblem(): Problem | undefined;
  reloadPackages(): void;
  showBalance(balance: number): void;
  /** Fires credit-topup-error and notices a lost session; returns what to show. */
  report(error: unknown): Problem;
  emit(name: string, detail: unknown): void;
  dialog(): HTMLDialogElement;
  /** The element's own error message with a retry button, and a way back if given. */
  renderProblem(problem: Problem, retry: () => unknown, back?: () => unknown): TemplateResult;
  /** The query parameter that brought the buyer back is removed once its session has an outcome. */
  forgetReturnUrl(): void;
  /** The id of the package to mark as recommended (the element's `recommended` attribute). */
  recommended(): string | undefined;
  /** Legal pages the page sets by attribute; each one set replaces the server's. */
  legal(): Partial<Record<keyof LegalLinks, string | undefined>>;
  /** checkout="hosted": pay on Stripe's own page in a new tab instead of the embedded frame. */
  hosted(): boolean;
}

/** The refusals that mean: ask the buyer for the withdrawal waiver (again) before any checkout. */
const WAIVER_CODES = ['withdrawal_waiver_required', 'withdrawal_waiver_outdated'];

export class PurchaseFlow implements ReactiveController {
  #view: View = 'packages';
  #renderedView?: View;
  #problem?: Problem;
  #result?: { credits: number; balance: number };
  /** The purchase's receipt and invoice links, as the session status last reported them. */
  #documents?: CheckoutSessionStatusResponse;
  /** The server's selling rules (mode, VAT, the waiver text and version, legal pages), loaded once. */
  #config?: PublicConfigResponse;
  #configLoad?: Promise<PublicConfigResponse>;
  #configProblem?: Problem;
  /** Whether the buyer ticked the withdrawal waiver in this opening of the dialog. */
  #waiverTicked = false;
  /** Why a package was not taken: the waiver is not ticked, or its text changed (an error code). */
  #waiverProblem?: string;
  #chosen?: CreditPackageView;
  /** The session whose payment is being watched, until it has an outcome. */
  #watching?: string;
  /** The package of a failed payment, to try again with (also after coming back from a return URL). */
  #failedPackage?: string;
  /** Whether the dialog was open when the element left the page. */
  #openWhenRemoved = false;
  /** One key per package per opening of the dialog: a double click or a retry gets the same session. */
  #idempotencyKeys = new Map<string, string>();
  readonly #checkout: CheckoutMount;
  readonly #watcher: SessionWatcher;
  /** The custom amount's field, from its own chunk once the server offers one. */
  #customAmount?: CustomAmount;
  #customAmountLoad?: Promise<void>;
  /** checkout="hosted": the tab with Stripe's page, from its own chunk once first used. */
  #hosted?: HostedCheckout;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly context: PurchaseFlowContext,
  ) {
    host.addController(this);
    // The views' styles come with their code, so that the first load carries only the first paint's.
    const root = host.shadowRoot;
    if (root) adoptStyles(root, [...root.adoptedStyleSheets, purchaseFlowStyles]);
    this.#checkout = new CheckoutMount(host, () => this.#loadStripe());
    this.#watcher = new SessionWatcher(host, (sessionId) => context.client().session(sessionId));
    // Loaded with the dialog's code, so that the packages show with their VAT note at once.
    void this.#loadConfig().catch(() => {});
  }

  /** The configuration, asked for once (again after a failure, or `fresh` when the waiver changed). */
  #loadConfig(fresh = false): Promise<PublicConfigResponse> {
    if (this.#configLoad && !fresh) return this.#configLoad;
    const load = Promise.resolve()
      .then(() => this.context.client().config(fresh))
      .then(
        (config) => {
          this.#config = config;
          this.#configProblem = undefined;
          this.host.requestUpdate();
          return config;
        },
        (error: unknown) => {
          if (this.#configLoad === load) this.#configLoad = undefined;
          throw error;
        },
      );
    this.#configLoad = load;
    return load;
  }

  #reloadConfig() {
    this.#configProblem = undefined;
    this.host.requestUpdate();
    this.#loadConfig(true).catch((error: unknown) => {
      this.#configProblem = this.context.report(error);
      this.host.requestUpdate();
    });
  }

  /** A new opening of the dialog, on `view`. Stripe.js starts loading now, not with the page. */
  begin(view: View = 'packages') {
    this.#renderedView = undefined; // a new opening places the focus again
    this.#idempotencyKeys.clear();
    this.#problem = undefined;
    // Every purchase is agreed to anew: the waiver starts unticked in each opening.
    this.#waiverTicked = false;
    this.#waiverProblem = undefined;
    if (!this.#config) {
      this.#configProblem = undefined;
      this.#loadConfig().catch((error: unknown) => {
        this.#configProblem = this.context.report(error);
        this.host.requestUpdate();
      });
    }
    this.#show(view);
    // Hosted checkouts never load Stripe.js: the host page may forbid its script.
    if (!this.context.hosted()) void this.#checkout.stripe().catch(() => {});
  }

  /** The buyer is back from a payment method's own page: confirm that session. */
  resume(sessionId: string) {
    this.begin('confirming');
    void this.#watch(sessionId);
  }

  /** The dialog was closed (close button, Escape, Done). */
  closed() {
    this.#checkout.destroy();
    if (['creating', 'checkout', 'error', 'failed', 'success'].includes(this.#view)) this.#show('packages');
  }

  // A single-page app removed the element (and may insert the same node again): a removed modal dialog
  // would come back inline, and Stripe's frame does not survive the move. Close the dialog and destroy the
  // checkout now (the CheckoutMount does); the watching of a payment stops (the SessionWatcher does) …
  hostDisconnected() {
    const dialog = this.context.dialog();
    this.#openWhenRemoved = dialog.open;
    dialog.close();
    this.closed();
  }

  // … and goes on once the element is back, in the dialog again if it was open.
  hostConnected() {
    const sessionId = this.#watching;
    if (!sessionId) return;
    const dialog = this.context.dialog();
    if (this.#openWhenRemoved && !dialog.open) {
      this.#renderedView = undefined;
      dialog.showModal();
    }
    void this.#watch(sessionId);
  }

  hostUpdated() {
    if (this.#renderedView === this.#view) return;
    this.#renderedView = this.#view;
    const root = this.host.shadowRoot;
    if (!this.context.dialog().open || !root) return;
    // Keyboard users land on the view's action, or on the title from where Tab leads on.
    (root.querySelector<HTMLElement>('dialog [autofocus]') ?? root.querySelector('h2'))?.focus();
  }

  #show(view: View) {
    this.#view = view;
    this.host.requestUpdate();
  }

  #loadStripe(): Promise<EmbeddedCheckoutFactory> {
    const { context } = this;
    return this.#loadConfig()
      .then((config) =>
        loadStripeFor(config, context.publishableKey() || config.publishable_key, context.locale()),
      )
      .catch((error: unknown) => {
        // The server's own answer (it is down, say) is more telling than "Stripe.js did not load".
        throw error instanceof ApiError
          ? error
          : new ApiError('stripe_load_failed', 'Stripe.js could not be loaded');
      });
  }

  async #choose(creditPackage: CreditPackageView) {
    if (this.#view === 'creating') return;
    const waiver = this.#config?.withdrawal_waiver;
    if (waiver && !this.#waiverTicked) return this.#askForWaiver('withdrawal_waiver_required');
    this.#checkout.destroy();
    this.#chosen = creditPackage;
    this.#problem = undefined;
    this.#show('creating');
    const offer = creditPackage.id === 'custom' ? creditPackage.credits : creditPackage.id;
    const hosted = this.context.hosted();
    // Safari lets a page open a tab only within the person's click itself, not after the session is made:
    // an empty tab now, Stripe's page in it once the session exists (hosted-checkout.ts).
    const tab = hosted ? openEmptyTab() : null;
    const keyName = `${hosted} ${offer}`;
    let key = this.#idempotencyKeys.get(keyName);
    if (!key) {
      key = crypto.randomUUID();
      this.#idempotencyKeys.set(keyName, key);
    }
    try {
      if (hosted) return await this.#away(offer, key, waiver?.version, tab);
      const session = await this.context
        .client()
        .createSession(offer, this.context.locale(), key, waiver?.version);
      const checkout: StripeEmbeddedCheckout = await this.#checkout.create(session.client_secret, () =>
        this.#paid(session.id),
      );
      // The buyer may have closed the dialog or chosen another package meanwhile.
      if (
        (this.#view as View) !== 'creating' ||
        this.#chosen !== creditPackage ||
        !this.context.dialog().open
      ) {
        checkout.destroy();
        return;
      }
      this.#show('checkout');
      await this.host.updateComplete;
      this.#checkout.mount(checkout);
    } catch (error) {
      if (error instanceof ApiError && WAIVER_CODES.includes(error.code)) {
        // The server's waiver changed (or it sells to consumers now): its new text is asked for anew.
        this.context.report(error);
        this.#idempotencyKeys.clear();
        await this.#loadConfig(true).catch(() => {});
        return this.#askForWaiver(error.code);
      }
      this.#fail(error);
    }
  }

  /** checkout="hosted": the session's page in a new tab, and this dialog waiting for the buyer's return. */
  async #away(offer: string | number, key: string, waiverVersion: string | undefined, tab: Window | null) {
    const chosen = this.#chosen;
    let made: [CreateHostedCheckoutSessionResponse, typeof import('./hosted-checkout.ts')];
    try {
      made = await Promise.all([
        this.context
          .client()
          .createSession<CreateHostedCheckoutSessionResponse>(
            offer,
            this.context.locale(),
            key,
            waiverVersion,
            true,
          ),
        import('./hosted-checkout.ts'),
      ]);
    } catch (error) {
      tab?.close();
      throw error;
    }
    const [session, { HostedCheckout }] = made;
    if ((this.#view as View) !== 'creating' || this.#chosen !== chosen || !this.context.dialog().open) {
      tab?.close();
      return;
    }
    this.#hosted ??= new HostedCheckout(
      this.host,
      (sessionId) => this.context.client().session(sessionId),
      (sessionId) => this.#paid(sessionId),
      () => this.#back(),
    );
    this.#hosted.open(session, tab);
    this.#show('away');
  }

  /** No checkout without the waiver: the package view says why, at the unticked checkbox, which gets the focus. */
  async #askForWaiver(code: string) {
    this.#waiverTicked = false;
    this.#waiverProblem = code;
    this.#show('packages');
    await this.host.updateComplete;
    this.host.shadowRoot?.querySelector<HTMLInputElement>('#waiver')?.focus();
  }

  #onWaiverChange(event: Event) {
    this.#waiverTicked = (event.target as HTMLInputElement).checked;
    if (this.#waiverTicked) this.#waiverProblem = undefined;
    this.host.requestUpdate();
  }

  #back() {
    this.#checkout.destroy();
    this.#hosted?.stop();
    this.#show('packages');
  }

  #fail(error: unknown) {
    this.#showProblem(this.context.report(error));
  }

  #showProblem(problem: Problem) {
    this.#checkout.destroy();
    this.#problem = problem;
    this.#show('error');
  }

  #retry() {
    if (this.#chosen && this.#problem?.code !== 'unauthorized') void this.#choose(this.#chosen);
    else this.#show('packages');
  }

  /** After a failed payment: a new checkout for the same package, in which any payment method can be chosen. */
  #payAgain() {
    const again = this.context.packages()?.packages.find((offer) => offer.id === this.#failedPackage);
    if (again) void this.#choose(again);
    else this.#show('packages');
  }

  #paid(sessionId: string) {
    this.#checkout.destroy();
    this.#idempotencyKeys.clear();
    this.#show('confirming');
    void this.#watch(sessionId);
  }

  #watch(sessionId: string) {
    const { context } = this;
    this.#watching = sessionId;
    return this.#watcher.watch(sessionId, {
      onState: (state) => context.showBalance(state.balance),
      onProgress: (progress) => this.#show(progress === 'debit' ? 'debit' : 'pending'),
      onOutcome: (outcome, state) => {
        this.#watching = undefined;
        context.forgetReturnUrl();
        if (outcome === 'credited') {
          this.#result = { credits: state.credits, balance: state.balance };
          this.#documents = state;
          this.#show('success');
          context.emit('credit-topup-completed', {
            sessionId,
            packageId: state.package_id,
            credits: state.credits,
            balance: state.balance,
          });
        } else if (outcome === 'failed') {
          this.#failedPackage = state.package_id;
          this.#show('failed');
          context.emit('credit-topup-error', { code: 'payment_failed', message: 'The payment failed.' });
        } else {
          // Back from a payment method's page without paying: offer the packages again.
          this.#show('packages');
        }
      },
      onDocuments: (state) => {
        this.#documents = state;
        this.host.requestUpdate();
      },
      onProblem: (error) => {
        const problem = context.report(error);
        const final = problem.code === 'unauthorized' || problem.code === 'not_found';
        if (final) {
          this.#watching = undefined;
          this.#showProblem(problem);
        }
        return final;
      },
    });
  }

  render(): TemplateResult {
    const locale = this.context.locale();
    const t = purchaseMessages(locale);
    const selling = sellingMessages(locale);
    const close = () => this.context.dialog().close();
    const status = (text: string) =>
      html`<div class="status" role="status"><span class="spinner" aria-hidden="true"></span>${text}</div>`;
    // An outcome: what happened (with a tick, or as an alert), what it means, and the way out.
    const done = (
      text: string,
      detail: unknown = nothing,
      alert = false,
      actions: unknown = html`<button class="primary" autofocus @click=${close}>${t.done}</button>`,
    ) =>
      html`<div class="done">
        <span class="tick ${alert ? 'failed' : ''}" aria-hidden="true">${alert ? '!' : '✓'}</span>
        ${
          alert
            ? html`<p part="error" role="alert">${text}</p>`
            : html`<p class="success" role="status">${text}</p>`
        }
        ${detail}
        ${actions}
      </div>`;
    switch (this.#view) {
      case 'creating':
        return status(t.creating);
      case 'checkout':
        return html`${this.#summary(locale, t, selling)}<slot name="checkout"></slot>
          <div class="row"><button @click=${() => this.#back()}>${t.back}</button></div>`;
      case 'away':
        return this.#hosted?.render(locale) ?? status(t.creating);
      case 'confirming':
        return status(t.confirming);
      case 'pending':
        return done(t.pending);
      case 'debit':
        return done(t.debit, html`<p class="muted">${t.debitTakes}</p>`);
      case 'success': {
        const result = this.#result ?? { credits: 0, balance: 0 };
        return done(
          t.success(formatCredits(locale, result.credits)),
          html`<p class="muted">${t.newBalance}</p>
            <p class="new-balance">${t.credits(formatCredits(locale, result.balance))}</p>
            ${this.#documentLinks(selling)}`,
        );
      }
      case 'failed':
        return done(
          errorText(t, 'payment_failed'),
          html`<p class="muted">${t.failedHint}</p>`,
          true,
          html`<div class="row">
            <button class="primary" part="retry" autofocus @click=${() => this.#payAgain()}>${t.retry}</button>
            <button @click=${close}>${t.done}</button>
          </div>`,
        );
      case 'error':
        return this.context.renderProblem(
          this.#problem ?? { code: 'internal_error', message: '' },
          () => this.#retry(),
          () => this.#back(),
        );
      default:
        return this.#packageList(locale, t, selling);
    }
  }

  /** The purchase's invoice (its PDF, else its page) and receipt, each in a new tab, once Stripe has them. */
  #documentLinks(selling: SellingMessages) {
    const documents = this.#documents;
    const invoice = documents?.invoice_pdf_url
      ? { href: documents.invoice_pdf_url, label: selling.invoicePdf }
      : documents?.invoice_url
        ? { href: documents.invoice_url, label: selling.invoice }
        : undefined;
    const links = [
      invoice,
      documents?.receipt_url ? { href: documents.receipt_url, label: selling.receipt } : undefined,
    ].filter((link): link is { href: string; label: string } => link !== undefined);
    if (!links.length) return nothing;
    return html`<p class="documents">
      ${links.map(({ href, label }) => html`<a href=${href} target="_blank" rel="noopener">${label}</a>`)}
    </p>`;
  }

  /** The price with its VAT note, one phrase each: "25,00 € inkl. MwSt.". */
  #vatNote(selling: SellingMessages) {
    return this.#config ? selling.vat[this.#config.vat] : '';
  }

  /** What is being bought, above the checkout: "Standard · 100 Credits · 25,00 €", each part unbroken. */
  #summary(locale: Locale, t: PurchaseMessages, selling: SellingMessages) {
    const chosen = this.#chosen;
    const currency = this.context.packages()?.currency;
    if (!chosen || !currency) return nothing;
    return html`<h3 class="summary">
      <span>${chosen.name}</span> · <span>${t.credits(formatCredits(locale, chosen.credits))}</span> ·
      <span>${formatMoney(locale, chosen.amount, currency)} ${this.#vatNote(selling)}</span>
    </h3>`;
  }

  #packageList(locale: Locale, t: PurchaseMessages, selling: SellingMessages) {
    const problem = this.context.packagesProblem();
    if (problem) return this.context.renderProblem(problem, () => this.context.reloadPackages());
    if (this.#configProblem)
      return this.context.renderProblem(this.#configProblem, () => this.#reloadConfig());
    // No price without its VAT note: the packages wait for the configuration too.
    const config = this.#config;
    const list = config && this.context.packages();
    const vat = this.#vatNote(selling);
    const recommended = this.context.recommended();
    const perCredit = (creditPackage: CreditPackageView) =>
      t.perCredit(formatMoney(locale, creditPackage.amount / creditPackage.credits, list?.currency ?? ''));
    // One price per credit for all packages is said once, under the list (where a VAT note will go too);
    // only prices that differ are told on each package.
    const perCreditTexts = new Set(list?.packages.map(perCredit));
    const sharedPerCredit = perCreditTexts.size === 1 ? [...perCreditTexts][0] : undefined;
    // The badge follows the name, so that a package's accessible name starts with it ("Standard Empfohlen
    // 25,00 € …"); the styles set it on the card's top edge.
    return html`<p class="muted">${t.choose}</p>
      <ul>
        ${
          list
            ? list.packages.map((creditPackage) => {
                const isRecommended = creditPackage.id === recommended;
                return html`<li>
                  <button
                    class="package"
                    part=${isRecommended ? 'package recommended' : 'package'}
                    @click=${() => this.#choose(creditPackage)}
                  >
                    <span class="name">${creditPackage.name}</span>
                    ${isRecommended ? html`<span class="badge">${t.recommended}</span>` : nothing}
                    <span class="price">${formatMoney(locale, creditPackage.amount, list.currency)}</span>
                    <small class="vat">${vat}</small>
                    <span class="credits">${t.credits(formatCredits(locale, creditPackage.credits))}</span>
                    ${sharedPerCredit ? nothing : html`<small>${perCredit(creditPackage)} ${vat}</small>`}
                  </button>
                </li>`;
              })
            : [1, 2, 3].map(() => html`<li><span class="skeleton"></span></li>`)
        }
      </ul>
      ${sharedPerCredit ? html`<p class="muted note">${t.everyPackage(sharedPerCredit)}, ${vat}</p>` : nothing}
      ${list ? this.#customAmountField(locale, list, vat) : nothing}
      ${config ? this.#waiver(locale, t, config) : nothing}
      ${config ? this.#legalLinks(selling, config) : nothing}`;
  }

  /** The custom amount's field where the server offers one; its chunk is loaded on first sight. */
  #customAmountField(locale: Locale, list: PackageListResponse, vat: string) {
    const offer = list.custom_amount;
    if (!offer) return nothing;
    this.#customAmountLoad ??= import('./custom-amount.ts').then(
      ({ CustomAmount }) => {
        this.#customAmount = new CustomAmount(this.host, offer, (chosen) => void this.#choose(chosen));
        this.host.requestUpdate();
      },
      () => {
        this.#customAmountLoad = undefined; // the network: tried again at the next render
      },
    );
    return this.#customAmount?.render(locale, list.currency, vat) ?? nothing;
  }

  /**
   * Selling to consumers: the server's waiver text beside its own checkbox, unticked, apart from Stripe's
   * terms checkbox. A package chosen without the tick says why here, for screen readers too.
   */
  #waiver(locale: Locale, t: PurchaseMessages, config: PublicConfigResponse) {
    const waiver = config.withdrawal_waiver;
    if (!waiver) return nothing;
    const problem = this.#waiverProblem;
    return html`<div class="waiver">
      <label>
        <input
          id="waiver"
          type="checkbox"
          .checked=${this.#waiverTicked}
          aria-invalid=${problem ? 'true' : 'false'}
          aria-describedby=${problem ? 'waiver-problem' : nothing}
          @change=${(event: Event) => this.#onWaiverChange(event)}
        />
        <span>${waiver[locale]}</span>
      </label>
      ${problem ? html`<p id="waiver-problem" part="error" role="alert">${errorText(t, problem)}</p>` : nothing}
    </div>`;
  }

  /** The seller's terms, privacy and withdrawal pages (attributes before the server's), each in a new tab. */
  #legalLinks(selling: SellingMessages, config: PublicConfigResponse) {
    const own = this.context.legal();
    const links = [
      [own.terms_url || config.legal?.terms_url, selling.terms],
      [own.privacy_url || config.legal?.privacy_url, selling.privacy],
      [own.withdrawal_policy_url || config.legal?.withdrawal_policy_url, selling.withdrawalPolicy],
    ].filter((link): link is [string, string] => Boolean(link[0]));
    if (!links.length) return nothing;
    return html`<p class="legal">
      ${links.map(([href, label]) => html`<a href=${href} target="_blank" rel="noopener">${label}</a>`)}
    </p>`;
  }
}

/** An empty tab for Stripe's page, or null where the browser refuses (a popup blocker, a sandboxed frame). */
function openEmptyTab(): Window | null {
  try {
    // The tab keeps its opener: WebKit lets no script close a tab whose opener was cut (the element's
    // own clean-up, and the tests'), and the page it gets is Stripe's, already trusted with the payment.
    return window.open('', '_blank');
  } catch {
    return null; // Firefox throws where popups are forbidden
  }
}

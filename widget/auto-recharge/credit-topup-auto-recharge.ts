// <credit-topup-auto-recharge>: the "Automatische Aufladung" view of <credit-topup>, in its own chunk,
// loaded on the first click on its button. It shows the state in words (and why it stopped), the saved
// card, the last automatic charge and this month's use of the cap, and lets owners and admins set the
// threshold, what is bought and the monthly cap, turn it on and off, and save a card through an embedded
// Checkout in setup mode. Like the history it renders into the element's shadow root (no shadow root of
// its own), so the element's styles and ::part names hold here too, and Stripe's frame (which cannot live
// in a shadow root) is slotted in from the element's light DOM, as the purchase dialog does it.

import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import type {
  AutoRechargeResponse,
  AutoRechargeSettings,
  PackageListResponse,
  PublicConfigResponse,
  SaveAutoRechargeRequest,
} from '../../contract/credit-topup-api.ts';
import { type ApiClient, ApiError, type Problem, reportProblem } from '../api-client.ts';
import { CheckoutMount } from '../controllers/checkout-mount.ts';
import { errorText, formatCredits, formatMoney, type Locale, messages, toLocale } from '../i18n.ts';
// The element's texts with the checkout's errors (stripe_load_failed, checkout_already_open among them).
import { purchaseMessages } from '../purchase/purchase-messages.ts';
import { sellingMessages } from '../purchase/selling-messages.ts';
import { type EmbeddedCheckoutFactory, loadStripeFor } from '../stripe-loader.ts';
import { type AutoRechargeMessages, autoRechargeMessages, reasonText } from './auto-recharge-messages.ts';
import {
  autoRechargeOf,
  createSetupSession,
  saveAutoRecharge,
  saveCardOfSetupSession,
} from './auto-recharge-requests.ts';
import { euroFieldText, parseEuroCents } from './euro-amount.ts';

/** The element, as this view sees it. */
export interface AutoRechargeHost extends LitElement {
  locale: string;
  publishableKey?: string;
  refresh(): Promise<void>;
}

/** The form as typed: text, checked only when saving. */
interface FormFields {
  threshold: string;
  /** A package id, or `custom`. */
  offer: string;
  credits: string;
  cap: string;
}

/** Why a field cannot be saved (a text for the person). */
type FieldProblems = Partial<Record<'threshold' | 'credits' | 'cap', string>>;

/** Saving a card: the session is made, Stripe's form is shown, the completed session's card is recorded. */
type CardStep = 'preparing' | 'checkout' | 'saving';

/** Where a tenant starts that never set it up (the server's defaults for a card saved first, too). */
const DEFAULT_THRESHOLD = 20;
const DEFAULT_CAP_CENTS = 5000;
const DEFAULT_PACKAGE = 'standard';

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
};

const styles = html`<style>
  .auto-recharge dl {
    display: grid;
    grid-template-columns: minmax(8rem, 14rem) 1fr;
    gap: 8px 16px;
    margin: 16px 0;
  }
  .auto-recharge dt {
    color: var(--_muted);
  }
  .auto-recharge dd {
    margin: 0;
    display: grid;
    gap: 4px;
  }
  .auto-recharge dd button {
    justify-self: start;
    margin-top: 4px;
  }
  .auto-recharge meter {
    width: 100%;
    max-width: 16rem;
  }
  .auto-recharge meter::-webkit-meter-optimum-value {
    background: var(--_accent);
  }
  .auto-recharge meter::-moz-meter-bar {
    background: var(--_accent);
  }
  /* A phone: each fact's name above it. */
  @media (max-width: 479px) {
    .auto-recharge dl {
      grid-template-columns: minmax(0, 1fr);
      gap: 2px;
    }
    .auto-recharge dd {
      margin-bottom: 10px;
    }
  }
  .auto-recharge form,
  .auto-recharge fieldset {
    display: grid;
    gap: 14px;
  }
  .auto-recharge form {
    border-top: 1px solid var(--_border);
    padding-top: 16px;
  }
  /* A fieldset is as wide as its widest content by default: a long option would push the dialog wider. */
  .auto-recharge fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  .auto-recharge .field {
    display: grid;
    gap: 4px;
  }
  .auto-recharge label {
    font-weight: 600;
  }
  .auto-recharge input:not([type='checkbox']),
  .auto-recharge select {
    font: inherit;
    padding: 9px 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: inherit;
    width: 100%;
    box-sizing: border-box;
  }
  .auto-recharge input:not([type='checkbox']) {
    max-width: 14rem;
  }
  .auto-recharge [aria-invalid='true'] {
    border-color: var(--_error);
  }
  .auto-recharge .field [part~='error'],
  .auto-recharge .field small {
    margin: 0;
    font-size: 0.875rem;
  }
  .auto-recharge .switch {
    display: flex;
    align-items: center;
    gap: 12px;
  }
  .auto-recharge [role='switch'] {
    appearance: none;
    flex: none;
    width: 44px;
    height: 24px;
    margin: 0;
    border-radius: 12px;
    background: var(--_border);
    position: relative;
    cursor: pointer;
  }
  .auto-recharge [role='switch']::after {
    content: '';
    position: absolute;
    top: 3px;
    left: 3px;
    width: 18px;
    height: 18px;
    border-radius: 50%;
    background: var(--_background);
    transition: translate 0.15s;
  }
  .auto-recharge [role='switch']:checked {
    background: var(--_accent);
  }
  .auto-recharge [role='switch']:checked::after {
    translate: 20px;
  }
  .auto-recharge :disabled {
    cursor: default;
  }
  .auto-recharge input:disabled,
  .auto-recharge select:disabled {
    opacity: 0.6;
  }
  .auto-recharge time {
    white-space: nowrap;
  }
  .auto-recharge .note {
    margin: 12px 0;
  }
  .auto-recharge .saved {
    margin: 0;
  }
  .auto-recharge ::slotted([slot='checkout']) {
    display: block;
    min-height: 360px;
    margin: 12px 0;
  }
  @media (prefers-reduced-motion: reduce) {
    .auto-recharge [role='switch']::after {
      transition: none;
    }
  }
</style>`;

export class CreditTopupAutoRecharge extends LitElement {
  static override properties = {
    opened: { attribute: false },
    _data: { state: true },
    _loadProblem: { state: true },
    _saveProblem: { state: true },
    _problems: { state: true },
    _saving: { state: true },
    _notice: { state: true },
    _cardStep: { state: true },
  };

  declare host: AutoRechargeHost;
  declare client: ApiClient | undefined;
  /** Counts the openings: each new value opens the dialog and reads the settings afresh. */
  declare opened: number;
  declare private _data?: AutoRechargeResponse;
  declare private _loadProblem?: Problem;
  declare private _saveProblem?: Problem;
  declare private _problems: FieldProblems;
  /** The value of `enabled` being saved, shown by the switch until the server answers. */
  declare private _saving?: boolean;
  declare private _notice?: 'saved' | 'cardSaved';
  declare private _cardStep?: CardStep;
  #packages?: PackageListResponse;
  #config?: PublicConfigResponse;
  #fields: FormFields = { threshold: '', offer: '', credits: '', cap: '' };
  /** The person changed a field since it was last filled from the server: a reload keeps what they typed. */
  #edited = false;
  #checkout?: CheckoutMount;
  /** Answers to an earlier opening are dropped. */
  #generation = 0;

  constructor() {
    super();
    this.opened = 0;
    this._problems = {};
  }

  protected override createRenderRoot() {
    return this;
  }

  get #locale(): Locale {
    return toLocale(this.host?.locale);
  }

  get #dialog() {
    return this.querySelector('dialog');
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!changed.has('opened') || !this.opened || this.#dialog?.open) return;
    this._data = this._loadProblem = this._saveProblem = this._notice = undefined;
    this._problems = {};
    this.#edited = false;
    void this.load();
  }

  protected override updated(changed: PropertyValues<this>) {
    const dialog = this.#dialog;
    if (!changed.has('opened') || !this.opened || !dialog || dialog.open) return;
    dialog.showModal();
    this.querySelector('h2')?.focus();
  }

  /** Reads the settings (and the packages and selling rules the form shows); called again on news. */
  async load() {
    const client = this.client;
    if (!client) return;
    const generation = ++this.#generation;
    this._loadProblem = undefined;
    try {
      const [data, packages, config] = await Promise.all([
        autoRechargeOf(client),
        client.packages(),
        client.config(),
      ]);
      if (generation !== this.#generation) return;
      this.#packages = packages;
      this.#config = config;
      this.#show(data);
    } catch (error) {
      if (generation === this.#generation) this._loadProblem = reportProblem(this, error);
    }
  }

  /** Shows the server's answer; the form takes its settings unless the person is editing it. */
  #show(data: AutoRechargeResponse) {
    this._data = data;
    if (!this.#edited) this.#fill(data);
  }

  #fill(data: AutoRechargeResponse) {
    const settings = data.settings;
    const packages = this.#packages?.packages ?? [];
    const custom = this.#packages?.custom_amount;
    const known = (id: string | undefined) =>
      (id === 'custom' && custom) || packages.some((offer) => offer.id === id) ? id : undefined;
    const offer =
      known(settings?.package_id) ?? known(DEFAULT_PACKAGE) ?? packages[0]?.id ?? (custom ? 'custom' : '');
    this.#fields = {
      threshold: String(
        settings?.threshold_credits ?? Math.max(DEFAULT_THRESHOLD, data.min_threshold_credits),
      ),
      offer,
      credits: String(settings?.package_id === 'custom' ? settings.credits : (custom?.min_credits ?? '')),
      cap: euroFieldText(this.#locale, settings?.monthly_cap_cents ?? DEFAULT_CAP_CENTS),
    };
    this._problems = {};
  }

  #onInput(name: keyof FormFields, event: Event) {
    this.#fields = { ...this.#fields, [name]: (event.target as HTMLInputElement).value };
    this.#edited = true;
    this._notice = undefined;
    this.requestUpdate();
  }

  /** The price of one recharge as the form has it, in cents, or undefined while it names none. */
  #price(fields: FormFields): number | undefined {
    const list = this.#packages;
    if (fields.offer === 'custom') {
      const credits = Number(fields.credits);
      return list?.custom_amount && /^\d+$/.test(fields.credits.trim())
        ? credits * list.custom_amount.cents_per_credit
        : undefined;
    }
    return list?.packages.find((offer) => offer.id === fields.offer)?.amount;
  }

  /** The form as the server's request, or why it cannot be saved. */
  #request(enabled: boolean): { request?: SaveAutoRechargeRequest; problems: FieldProblems } {
    const t = autoRechargeMessages(this.#locale);
    const n = (count: number) => formatCredits(this.#locale, count);
    const fields = this.#fields;
    const problems: FieldProblems = {};
    const min = this._data?.min_threshold_credits ?? 10;
    const threshold = Number(fields.threshold);
    if (!/^\d+$/.test(fields.threshold.trim()) || threshold < min)
      problems.threshold = t.thresholdProblem(n(min));
    const custom = this.#packages?.custom_amount;
    const credits = Number(fields.credits);
    if (fields.offer === 'custom' && custom) {
      const { min_credits: low, max_credits: high, step_credits: step } = custom;
      const allowed =
        /^\d+$/.test(fields.credits.trim()) &&
        credits >= low &&
        credits <= high &&
        (credits - low) % step === 0;
      if (!allowed) problems.credits = t.customProblem(n(low), n(high), n(step));
    }
    const cap = parseEuroCents(fields.cap);
    const price = this.#price(fields);
    if (cap === undefined || cap === 0) problems.cap = t.capProblem;
    else if (price !== undefined && cap < price)
      problems.cap = t.capTooLow(formatMoney(this.#locale, price, this.#packages?.currency ?? 'eur'));
    if (Object.keys(problems).length || cap === undefined) return { problems };
    const base = { enabled, threshold_credits: threshold, monthly_cap_cents: cap };
    return {
      problems,
      request: fields.offer === 'custom' ? { ...base, credits } : { ...base, package_id: fields.offer },
    };
  }

  async #save(request: SaveAutoRechargeRequest) {
    const client = this.client;
    if (!client || this._saving !== undefined) return;
    this._saving = request.enabled;
    this._saveProblem = this._notice = undefined;
    try {
      const saved = await saveAutoRecharge(client, request);
      this.#edited = false;
      this.#show(saved);
      this._notice = 'saved';
      // The element's own state (its banner, its events) follows the new settings.
      void this.host.refresh();
    } catch (error) {
      this._saveProblem = reportProblem(this, error);
    } finally {
      this._saving = undefined;
    }
  }

  #onSubmit(event: Event) {
    event.preventDefault();
    const { request, problems } = this.#request(this._data?.enabled ?? false);
    this._problems = problems;
    if (request) void this.#save(request);
    else void this.#focusFirstProblem();
  }

  /** The switch saves at once: turning on saves the form as it is, turning off the settings as saved. */
  #onSwitch(event: Event) {
    const on = (event.target as HTMLInputElement).checked;
    if (on) {
      const { request, problems } = this.#request(true);
      this._problems = problems;
      if (request) void this.#save(request);
      else {
        this.requestUpdate(); // the switch goes back to off (bound with live())
        void this.#focusFirstProblem();
      }
      return;
    }
    const settings = this._data?.settings;
    if (settings) void this.#save(settingsRequest(settings, false));
  }

  async #focusFirstProblem() {
    await this.updateComplete;
    this.querySelector<HTMLElement>('.auto-recharge [aria-invalid="true"]')?.focus();
  }

  // Saving a card: Stripe's embedded Checkout in setup mode, mounted in the element's light DOM and slotted
  // into this dialog, exactly as the purchase dialog mounts a payment's.
  async #saveCard() {
    const client = this.client;
    if (!client || this._cardStep) return;
    this.#checkout ??= new CheckoutMount(this.host, () => this.#loadStripe());
    this._cardStep = 'preparing';
    this._saveProblem = this._notice = undefined;
    try {
      const session = await createSetupSession(client, this.#locale);
      const checkout = await this.#checkout.create(
        session.client_secret,
        () => void this.#cardSaved(session.id),
      );
      // Cancelled or closed meanwhile.
      if (this._cardStep !== 'preparing' || !this.#dialog?.open) {
        checkout.destroy();
        return;
      }
      this._cardStep = 'checkout';
      await this.updateComplete;
      this.#checkout.mount(checkout);
    } catch (error) {
      this._cardStep = undefined;
      this._saveProblem = reportProblem(this, error);
    }
  }

  async #cardSaved(setupSessionId: string) {
    this.#checkout?.destroy();
    this._cardStep = 'saving';
    try {
      const client = this.client;
      if (!client) return;
      this.#show(await saveCardOfSetupSession(client, setupSessionId));
      this._notice = 'cardSaved';
    } catch (error) {
      this._saveProblem = reportProblem(this, error);
    } finally {
      this._cardStep = undefined;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>('.auto-recharge .card-line')?.focus();
  }

  #cancelCard() {
    this.#checkout?.destroy();
    this._cardStep = undefined;
  }

  #loadStripe(): Promise<EmbeddedCheckoutFactory> {
    const client = this.client;
    if (!client) return Promise.reject(new ApiError('internal_error', 'no client'));
    return client
      .config()
      .then((config) =>
        loadStripeFor(config, this.host.publishableKey || config.publishable_key, this.#locale),
      )
      .catch((error: unknown) => {
        throw error instanceof ApiError
          ? error
          : new ApiError('stripe_load_failed', 'Stripe.js could not be loaded');
      });
  }

  /** "Confirm now" inside the view: the dialog closes first, since the bank's challenge must be on top. */
  async #confirm() {
    this.#dialog?.close();
    try {
      const { confirmAutoRecharge } = await import('./auto-recharge-confirmation.ts');
      await confirmAutoRecharge(this.host, this.client);
    } catch {
      reportProblem(this, new ApiError('network_error', 'confirmation'));
    }
  }

  #onClose() {
    this.#cancelCard();
  }

  protected override render() {
    const locale = this.#locale;
    const t = messages(locale);
    return html`${styles}
      <dialog part="dialog" aria-labelledby="auto-recharge-title" @close=${() => this.#onClose()}>
        <header>
          <h2 id="auto-recharge-title" tabindex="-1">${t.autoRecharge}</h2>
          <button part="close" aria-label=${t.close} @click=${() => this.#dialog?.close()}>✕</button>
        </header>
        <div class="auto-recharge">${this.#content(locale)}</div>
      </dialog>`;
  }

  #content(locale: Locale) {
    const t = messages(locale);
    const a = autoRechargeMessages(locale);
    if (this._loadProblem)
      return html`<p part="error" role="alert">${errorText(purchaseMessages(locale), this._loadProblem.code)}</p>
        <div class="actions"><button part="retry" @click=${() => this.load()}>${t.retry}</button></div>`;
    const data = this._data;
    if (!data) return html`<p class="muted" role="status">${a.loading}</p>`;
    if (this._cardStep) return this.#cardView(a);
    return html`<p class="muted">${a.intro}</p>
      ${this.#facts(locale, a, data)} ${this.#form(locale, a, data)}`;
  }

  /** Saving a card: Stripe's form (slotted), or what is happening, and a way back. */
  #cardView(a: AutoRechargeMessages) {
    const step = this._cardStep;
    return html`<p class="muted">${a.cardNote}</p>
      ${
        step === 'checkout'
          ? html`<slot name="checkout"></slot>`
          : html`<p class="muted" role="status">${step === 'saving' ? a.savingCard : a.preparing}</p>`
      }
      ${step === 'saving' ? nothing : html`<div class="actions"><button @click=${() => this.#cancelCard()}>${a.cancel}</button></div>`}`;
  }

  /** The state in words, the card, the last charge and this month's use. */
  #facts(locale: Locale, a: AutoRechargeMessages, data: AutoRechargeResponse) {
    const currency = this.#packages?.currency ?? 'eur';
    const money = (cents: number) => formatMoney(locale, cents, currency);
    const vat = this.#config ? sellingMessages(locale).vat[this.#config.vat] : '';
    const credits = (count: number) => messages(locale).credits(formatCredits(locale, count));
    const card = data.payment_method;
    const charge = data.last_charge;
    const { month } = data;
    const [year, monthNumber] = month.month.split('-').map(Number);
    const monthName = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'de-DE', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(Date.UTC(year ?? 1970, (monthNumber ?? 1) - 1, 1));
    return html`<dl>
      <dt>${a.status}</dt>
      <dd class="state">
        <strong>${a.state[data.state]}</strong>
        ${this.#stateDetail(locale, a, data)}
      </dd>
      <dt>${a.card}</dt>
      <dd class="card-line" tabindex="-1">
        ${
          card
            ? a.cardText(
                BRANDS[card.brand] ?? card.brand.charAt(0).toUpperCase() + card.brand.slice(1),
                card.last4,
                `${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`,
              )
            : a.noCard
        }
        ${this._notice === 'cardSaved' ? html`<span class="success" role="status">✓ ${a.cardSaved}</span>` : nothing}
        ${
          data.can_manage
            ? html`<button @click=${() => this.#saveCard()}>${card ? a.replaceCard : a.saveCard}</button>`
            : nothing
        }
      </dd>
      <dt>${a.lastCharge}</dt>
      <dd class="last-charge">
        ${
          charge
            ? html`<span
                  >${credits(charge.credits)} · ${money(charge.amount_cents)} ${vat} ·
                  ${dateTime(locale, charge.created_at)} · ${a.charge[charge.status] ?? charge.status}</span
                >
                ${charge.failure_code ? html`<small>${reasonText(a, charge.failure_code)}</small>` : nothing}`
            : a.noCharge
        }
      </dd>
      <dt>${a.month(monthName)}</dt>
      <dd class="month">
        ${
          month.cap_cents === null
            ? a.usedNoCap(money(month.used_cents))
            : html`<span>${a.used(money(month.used_cents), money(month.cap_cents))}</span>
                <meter min="0" max=${month.cap_cents} value=${month.used_cents} aria-hidden="true"></meter>`
        }
      </dd>
    </dl>`;
  }

  #stateDetail(locale: Locale, a: AutoRechargeMessages, data: AutoRechargeResponse) {
    const detail = (text: string) => html`<span>${text}</span>`;
    switch (data.state) {
      case 'on':
        return data.settings
          ? detail(a.watching(formatCredits(locale, data.settings.threshold_credits)))
          : nothing;
      case 'retrying':
        return detail(reasonText(a, data.reason));
      case 'capped':
        return detail(a.cappedHint);
      case 'needs_confirmation':
        return html`${detail(a.confirmHint)}
          <span
            ><button class="primary" @click=${() => this.#confirm()}>${messages(locale).confirmNow}</button></span
          >`;
      case 'disabled':
        return html`${detail(reasonText(a, data.reason))} ${data.can_manage ? detail(a.disabledHint) : nothing}`;
      default:
        return nothing;
    }
  }

  #form(locale: Locale, a: AutoRechargeMessages, data: AutoRechargeResponse) {
    const t = messages(locale);
    const fields = this.#fields;
    const problems = this._problems;
    const list = this.#packages;
    const vat = this.#config ? sellingMessages(locale).vat[this.#config.vat] : '';
    const money = (cents: number) => formatMoney(locale, cents, list?.currency ?? 'eur');
    const readOnly = !data.can_manage;
    // Never set up: a member who may not change it sees no made-up values, only who can set it up.
    if (readOnly && !data.settings) return html`<p class="muted note">${a.readOnly}</p>`;
    const saving = this._saving !== undefined;
    const enabled = this._saving ?? data.enabled;
    // A field's hint, or its problem once saving was tried; either describes the field.
    const below = (name: keyof FieldProblems, hint: unknown) =>
      problems[name]
        ? html`<p id="${name}-problem" part="error">${problems[name]}</p>`
        : hint === nothing
          ? nothing
          : html`<small id="${name}-hint" class="muted">${hint}</small>`;
    const described = (name: keyof FieldProblems, hint: boolean) =>
      problems[name] ? `${name}-problem` : hint ? `${name}-hint` : nothing;
    const custom = list?.custom_amount;
    const customCredits = Number(fields.credits);
    const customPreview =
      custom && /^\d+$/.test(fields.credits.trim())
        ? `${t.credits(formatCredits(locale, customCredits))} = ${money(customCredits * custom.cents_per_credit)} ${vat}`
        : nothing;
    return html`<form novalidate @submit=${(event: Event) => this.#onSubmit(event)} aria-busy=${saving}>
      ${readOnly ? html`<p class="muted note">${a.readOnly}</p>` : nothing}
      <fieldset ?disabled=${readOnly}>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(enabled)}
            ?disabled=${saving}
            @change=${(event: Event) => this.#onSwitch(event)}
          />
          <span>${a.enabled}</span>
        </label>
        <div class="field">
          <label for="auto-recharge-threshold">${a.threshold}</label>
          <input
            id="auto-recharge-threshold"
            type="number"
            inputmode="numeric"
            min=${data.min_threshold_credits}
            step="1"
            .value=${live(fields.threshold)}
            aria-invalid=${problems.threshold ? 'true' : 'false'}
            aria-describedby=${described('threshold', true)}
            @input=${(event: Event) => this.#onInput('threshold', event)}
          />
          ${below('threshold', a.thresholdHint(formatCredits(locale, data.min_threshold_credits)))}
        </div>
        <div class="field">
          <label for="auto-recharge-offer">${a.offer}</label>
          <select
            id="auto-recharge-offer"
            .value=${live(fields.offer)}
            @change=${(event: Event) => this.#onInput('offer', event)}
          >
            ${list?.packages.map(
              (offer) =>
                html`<option value=${offer.id} ?selected=${offer.id === fields.offer}>
                  ${offer.name} – ${t.credits(formatCredits(locale, offer.credits))} – ${money(offer.amount)} ${vat}
                </option>`,
            )}
            ${custom ? html`<option value="custom" ?selected=${fields.offer === 'custom'}>${a.custom}</option>` : nothing}
          </select>
        </div>
        ${
          custom && fields.offer === 'custom'
            ? html`<div class="field">
                <label for="auto-recharge-credits">${a.customCredits}</label>
                <input
                  id="auto-recharge-credits"
                  type="number"
                  inputmode="numeric"
                  min=${custom.min_credits}
                  max=${custom.max_credits}
                  step=${custom.step_credits}
                  .value=${live(fields.credits)}
                  aria-invalid=${problems.credits ? 'true' : 'false'}
                  aria-describedby=${described('credits', customPreview !== nothing)}
                  @input=${(event: Event) => this.#onInput('credits', event)}
                />
                ${below('credits', customPreview)}
              </div>`
            : nothing
        }
        <div class="field">
          <label for="auto-recharge-cap">${a.cap}</label>
          <input
            id="auto-recharge-cap"
            type="text"
            inputmode="decimal"
            autocomplete="off"
            .value=${live(fields.cap)}
            aria-invalid=${problems.cap ? 'true' : 'false'}
            aria-describedby=${described('cap', true)}
            @input=${(event: Event) => this.#onInput('cap', event)}
          />
          ${below('cap', a.capHint)}
        </div>
        ${readOnly ? nothing : html`<div class="actions"><button class="primary" type="submit" ?disabled=${saving}>${saving ? a.saving : a.save}</button></div>`}
      </fieldset>
      ${
        this._saveProblem
          ? html`<p part="error" role="alert">${errorText(purchaseMessages(locale), this._saveProblem.code)}</p>`
          : nothing
      }
      ${this._notice === 'saved' ? html`<p class="saved" role="status">✓ ${a.saved}</p>` : nothing}
    </form>`;
  }
}

/** Saved settings as a request, with `enabled` as given. */
function settingsRequest(settings: AutoRechargeSettings, enabled: boolean): SaveAutoRechargeRequest {
  const base = {
    enabled,
    threshold_credits: settings.threshold_credits,
    monthly_cap_cents: settings.monthly_cap_cents,
  };
  return settings.package_id === 'custom'
    ? { ...base, credits: settings.credits }
    : { ...base, package_id: settings.package_id };
}

function dateTime(locale: Locale, value: string) {
  const formatted = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(value));
  return html`<time datetime=${value}>${formatted}</time>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup-auto-recharge': CreditTopupAutoRecharge;
  }
}

/**
 * Opens the automatic top-up of the element's tenant: adds the view to the element's shadow root the first
 * time; while it is open, the element's news of the state (credit-topup-auto-recharge) reloads it.
 */
export function openAutoRecharge(host: AutoRechargeHost, client: ApiClient | undefined): void {
  if (!customElements.get('credit-topup-auto-recharge'))
    customElements.define('credit-topup-auto-recharge', CreditTopupAutoRecharge);
  const root = host.renderRoot;
  let view = root.querySelector('credit-topup-auto-recharge');
  if (!view) {
    view = document.createElement('credit-topup-auto-recharge');
    const added = view;
    host.addEventListener('credit-topup-auto-recharge', () => {
      if (added.querySelector('dialog')?.open) void added.load();
    });
    // After everything Lit renders there: Lit never touches what follows its own content.
    root.append(view);
  }
  view.host = host;
  view.client = client;
  view.opened += 1;
}

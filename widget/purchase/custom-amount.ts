// Any number of credits, where the server offers it (GET /v1/packages: custom_amount): a number field
// under the packages with a live price preview ("200 Credits = 50,00 € inkl. MwSt."), and why a number is
// not possible (outside the bounds, off the step, not whole). Its own chunk, loaded only when the server
// offers a custom amount, with its texts and styles. The server prices and checks the amount again; the
// preview only repeats its rule (credits × cents per credit, integers).

import { adoptStyles, css, html, nothing, type ReactiveControllerHost } from 'lit';
import type { CreditPackageView, CustomAmountOffer } from '../../contract/credit-topup-api.ts';
import { formatCredits, formatMoney, type Locale } from '../i18n.ts';

const de = {
  label: 'Oder eine eigene Anzahl Credits',
  name: 'Eigene Anzahl',
  buy: 'Kaufen',
  preview: (credits: string, price: string) => `${credits}\u00a0Credits = ${price}`,
  bounds: (min: string, max: string) => `Bitte geben Sie zwischen ${min} und ${max}\u00a0Credits an.`,
  step: (step: string, below: string, above: string) =>
    `Bitte geben Sie die Anzahl in Schritten von ${step} an, z.\u00a0B. ${below} oder ${above}.`,
  whole: 'Bitte geben Sie eine ganze Zahl an.',
};

const en: typeof de = {
  label: 'Or a number of credits of your own',
  name: 'Custom amount',
  buy: 'Buy',
  preview: (credits, price) => `${credits}\u00a0credits = ${price}`,
  bounds: (min, max) => `Please enter between ${min} and ${max}\u00a0credits.`,
  step: (step, below, above) => `Please enter the number in steps of ${step}, e.g. ${below} or ${above}.`,
  whole: 'Please enter a whole number.',
};

const styles = css`
  .custom {
    margin-top: 16px;
  }
  .custom label {
    display: block;
    font-weight: 600;
    margin-bottom: 6px;
  }
  .custom-row {
    display: flex;
    gap: 8px;
  }
  .custom input {
    flex: 1;
    min-width: 0;
    font: inherit;
    padding: 9px 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: none;
    color: inherit;
  }
  .custom input[aria-invalid='true'] {
    border-color: var(--_error);
  }
  .preview {
    margin-top: 6px;
  }
`;

/** The amount the field starts with: 200 credits where allowed, else the nearest allowed. */
const FAVOURITE = 200;

export class CustomAmount {
  #typed: string;
  /** Shown once the buyer left the field or tried to buy, until the number is allowed. */
  #showProblem = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly offer: CustomAmountOffer,
    private readonly buy: (offer: CreditPackageView) => void,
  ) {
    const root = host.shadowRoot;
    if (root) adoptStyles(root, [...root.adoptedStyleSheets, styles]);
    this.#typed = String(this.#allowed(FAVOURITE) ? FAVOURITE : offer.min_credits);
  }

  #allowed(credits: number) {
    const { min_credits: min, max_credits: max, step_credits: step } = this.offer;
    return Number.isSafeInteger(credits) && credits >= min && credits <= max && (credits - min) % step === 0;
  }

  /** Why the typed number cannot be bought, or undefined when it can. */
  #problem(locale: Locale): string | undefined {
    const t = locale === 'en' ? en : de;
    const { min_credits: min, max_credits: max, step_credits: step } = this.offer;
    const n = (count: number) => formatCredits(locale, count);
    if (!/^\d+$/.test(this.#typed.trim())) return t.whole;
    const credits = Number(this.#typed);
    if (credits < min || credits > max) return t.bounds(n(min), n(max));
    if (this.#allowed(credits)) return undefined;
    const below = min + Math.floor((credits - min) / step) * step;
    return t.step(n(step), n(below), n(Math.min(below + step, max)));
  }

  #onInput(event: Event) {
    this.#typed = (event.target as HTMLInputElement).value;
    this.host.requestUpdate();
  }

  #onSubmit(event: Event, locale: Locale) {
    event.preventDefault();
    this.#showProblem = true;
    const t = locale === 'en' ? en : de;
    if (this.#problem(locale)) {
      this.host.requestUpdate();
      return;
    }
    const credits = Number(this.#typed);
    this.buy({ id: 'custom', name: t.name, credits, amount: credits * this.offer.cents_per_credit });
  }

  /** The field, its preview (with `vat`, the note every price carries) and its problem, if shown. */
  render(locale: Locale, currency: string, vat: string) {
    const t = locale === 'en' ? en : de;
    const { min_credits: min, max_credits: max, step_credits: step, cents_per_credit } = this.offer;
    const problem = this.#problem(locale);
    const shown = this.#showProblem && problem;
    const credits = Number(this.#typed);
    return html`<form class="custom" novalidate @submit=${(event: Event) => this.#onSubmit(event, locale)}>
      <label for="custom-credits">${t.label}</label>
      <div class="custom-row">
        <input
          id="custom-credits"
          type="number"
          inputmode="numeric"
          min=${min}
          max=${max}
          step=${step}
          .value=${this.#typed}
          aria-invalid=${shown ? 'true' : 'false'}
          aria-describedby=${shown ? 'custom-problem' : 'custom-preview'}
          @input=${(event: Event) => this.#onInput(event)}
          @change=${() => {
            this.#showProblem = true;
            this.host.requestUpdate();
          }}
        />
        <button class="primary" type="submit">${t.buy}</button>
      </div>
      ${
        shown
          ? html`<p id="custom-problem" part="error" role="alert">${problem}</p>`
          : html`<p id="custom-preview" class="preview muted" aria-live="polite">
              ${
                problem
                  ? nothing
                  : `${t.preview(formatCredits(locale, credits), formatMoney(locale, credits * cents_per_credit, currency))} ${vat}`
              }
            </p>`
      }
    </form>`;
  }
}

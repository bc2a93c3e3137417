// <credit-topup-history>: the "Verlauf" view of <credit-topup>, in its own chunk, loaded on the first
// click on "Verlauf": the tenant's purchases (status, money, credits, dates, invoice and receipt links)
// and its credit movements, a page at a time, and each as a CSV download. It renders into the element's
// shadow root (no shadow root of its own), so the element's styles and ::part names hold here too.
// openHistory, the one thing <credit-topup> calls, defines it and adds it to the shadow root once: nothing
// of it is in the element's first load but the button and the import.

import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type { CreditPackageView, LedgerEntry, PurchaseHistoryItem } from '../../contract/credit-topup-api.ts';
import { type ApiClient, type Problem, reportProblem } from '../api-client.ts';
import { errorText, formatCredits, formatMoney, type Locale, messages, toLocale } from '../i18n.ts';
import { type HistoryMessages, historyMessages } from './history-messages.ts';
import { downloadCsv, type HistoryKind, historyPage } from './history-requests.ts';

interface Listing<T> {
  rows: T[];
  cursor: string | null;
  loading: boolean;
  problem?: Problem;
}

const empty = <T>(): Listing<T> => ({ rows: [], cursor: null, loading: false });

const styles = html`<style>
  .tabs {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  [aria-pressed='true'] {
    border-color: var(--_accent);
    box-shadow: inset 0 -3px var(--_accent);
  }
  /* One column at every width: the packages' list (same ul) goes into columns on wide screens. */
  ul.history {
    grid-template-columns: 1fr;
    gap: 10px;
  }
  .history li {
    border-bottom: 1px solid var(--_border);
    padding-bottom: 10px;
  }
  .history p {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 4px 12px;
  }
  .history .links {
    justify-content: start;
  }
  a {
    color: var(--_accent);
  }
  .history + .actions,
  .history + p + .actions,
  .empty {
    margin-top: 16px;
  }
</style>`;

export class CreditTopupHistory extends LitElement {
  static override properties = {
    client: { attribute: false },
    locale: { attribute: false },
    packages: { attribute: false },
    opened: { attribute: false },
    _kind: { state: true },
    _purchases: { state: true },
    _ledger: { state: true },
    _exportProblem: { state: true },
  };

  declare client: ApiClient | undefined;
  declare locale: Locale;
  declare packages: CreditPackageView[] | undefined;
  /** Counts the openings: each new value opens the dialog with fresh first pages. */
  declare opened: number;
  declare private _kind: HistoryKind;
  declare private _purchases: Listing<PurchaseHistoryItem>;
  declare private _ledger: Listing<LedgerEntry>;
  declare private _exportProblem?: Problem;
  /** Answers to an earlier opening are dropped. */
  #generation = 0;

  constructor() {
    super();
    this.locale = 'de';
    this.opened = 0;
    this._kind = 'purchases';
    this._purchases = empty();
    this._ledger = empty();
  }

  protected override createRenderRoot() {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (!changed.has('opened') || !this.opened || this.querySelector('dialog')?.open) return;
    this.#generation += 1;
    this._purchases = empty();
    this._ledger = empty();
    this._exportProblem = undefined;
    void this.#load(this._kind);
  }

  protected override updated(changed: PropertyValues<this>) {
    const dialog = this.querySelector('dialog');
    if (!changed.has('opened') || !this.opened || !dialog || dialog.open) return;
    dialog.showModal();
    this.querySelector('h2')?.focus();
  }

  #listing(kind: HistoryKind): Listing<PurchaseHistoryItem | LedgerEntry> {
    return kind === 'purchases' ? this._purchases : this._ledger;
  }

  #set(kind: HistoryKind, listing: Listing<PurchaseHistoryItem | LedgerEntry>) {
    if (kind === 'purchases') this._purchases = listing as Listing<PurchaseHistoryItem>;
    else this._ledger = listing as Listing<LedgerEntry>;
  }

  /** The next page of a listing (the first, when it has none), appended to what is shown. */
  async #load(kind: HistoryKind) {
    const client = this.client;
    const before = this.#listing(kind);
    if (!client || before.loading) return;
    const generation = this.#generation;
    this.#set(kind, { ...before, loading: true, problem: undefined });
    try {
      const page = await historyPage<PurchaseHistoryItem | LedgerEntry>(client, kind, before.cursor);
      if (generation !== this.#generation) return;
      this.#set(kind, { rows: [...before.rows, ...page.data], cursor: page.next_cursor, loading: false });
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#set(kind, { ...before, loading: false, problem: reportProblem(this, error) });
    }
  }

  #show(kind: HistoryKind) {
    this._kind = kind;
    this._exportProblem = undefined;
    const listing = this.#listing(kind);
    if (!listing.rows.length && !listing.cursor && !listing.problem) void this.#load(kind);
  }

  async #export() {
    if (!this.client) return;
    this._exportProblem = undefined;
    try {
      await downloadCsv(this.client, this._kind, toLocale(this.locale));
    } catch (error) {
      this._exportProblem = reportProblem(this, error);
    }
  }

  protected override render() {
    const locale = toLocale(this.locale);
    const t = messages(locale);
    const h = historyMessages(locale);
    const kind = this._kind;
    const listing = this.#listing(kind);
    const tab = (name: HistoryKind) =>
      html`<button aria-pressed=${kind === name} @click=${() => this.#show(name)}>${h[name]}</button>`;
    return html`${styles}
      <dialog part="dialog" aria-labelledby="history-title">
        <header>
          <h2 id="history-title" tabindex="-1">${t.history}</h2>
          <button part="close" aria-label=${t.close} @click=${() => this.querySelector('dialog')?.close()}
            >✕</button>
        </header>
        <div class="tabs" role="group" aria-label=${t.history}>${tab('purchases')} ${tab('ledger')}</div>
        ${this.#rows(locale, h, kind, listing)}
        ${listing.problem ? html`<p part="error" role="alert">${errorText(t, listing.problem.code)}</p>` : nothing}
        <div class="actions">
          ${
            listing.problem
              ? html`<button part="retry" @click=${() => this.#load(kind)}>${t.retry}</button>`
              : listing.cursor
                ? html`<button ?disabled=${listing.loading} @click=${() => this.#load(kind)}>${h.more}</button>`
                : nothing
          }
          ${listing.rows.length ? html`<button @click=${() => this.#export()}>${h.export}</button>` : nothing}
        </div>
        ${
          this._exportProblem
            ? html`<p part="error" role="alert">${errorText(t, this._exportProblem.code)}</p>`
            : nothing
        }
      </dialog>`;
  }

  #rows(
    locale: Locale,
    h: HistoryMessages,
    kind: HistoryKind,
    listing: Listing<PurchaseHistoryItem | LedgerEntry>,
  ) {
    if (!listing.rows.length) {
      if (listing.loading) return html`<p class="empty muted" role="status">${h.loading}</p>`;
      if (listing.problem) return nothing;
      return html`<p class="empty muted">${kind === 'purchases' ? h.noPurchases : h.noMovements}</p>`;
    }
    return html`<ul class="history" aria-label=${h[kind]} aria-busy=${listing.loading}>
      ${listing.rows.map((row) =>
        kind === 'purchases'
          ? this.#purchase(locale, h, row as PurchaseHistoryItem)
          : this.#movement(locale, h, row as LedgerEntry),
      )}
    </ul>`;
  }

  #purchase(locale: Locale, h: HistoryMessages, row: PurchaseHistoryItem) {
    const name =
      this.packages?.find((known) => known.id === row.package_id)?.name ??
      (row.package_id === 'custom' ? h.custom : row.package_id);
    const money = (cents: number) => formatMoney(locale, cents, row.currency);
    const link = (href: string | null, label: string) =>
      href ? html`<a href=${href} target="_blank" rel="noopener">${label}</a>` : nothing;
    const hasDocuments = row.invoice_url || row.invoice_pdf_url || row.receipt_url;
    return html`<li>
      <p>
        <strong>${name} · ${messages(locale).credits(formatCredits(locale, row.credits))}</strong>
        <span>${money(row.amount_paid_cents ?? row.amount_cents)}</span>
      </p>
      <p class="muted">
        ${date(locale, row.created_at)}
        <span
          >${h.status[row.status] ?? row.status}${
            row.refunded_cents ? ` · ${h.refunded(money(row.refunded_cents))}` : ''
          }</span
        >
      </p>
      ${
        hasDocuments
          ? html`<p class="links">
              ${link(row.invoice_url, h.invoice(row.invoice_number))} ${link(row.invoice_pdf_url, h.invoicePdf)}
              ${link(row.receipt_url, h.receipt)}
            </p>`
          : nothing
      }
    </li>`;
  }

  #movement(locale: Locale, h: HistoryMessages, row: LedgerEntry) {
    const reason =
      row.ref_type === 'stripe_checkout'
        ? h.purchase
        : row.ref_type === 'stripe_reversal'
          ? h.reversal
          : row.ref_type === 'stripe_reversal_restored'
            ? h.restored
            : [row.amount < 0 ? h.spent : h.credited, row.action_code ?? row.ref_type]
                .filter(Boolean)
                .join(' · ');
    const credits = messages(locale).credits(formatCredits(locale, Math.abs(row.amount)));
    return html`<li>
      <p>
        <strong>${reason}</strong>
        <span>${row.amount < 0 ? '−' : '+'}${credits}</span>
      </p>
      <p class="muted">${date(locale, row.created_at)}</p>
    </li>`;
  }
}

function date(locale: Locale, value: string) {
  const formatted = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(value));
  return html`<time datetime=${value}>${formatted}</time>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'credit-topup-history': CreditTopupHistory;
  }
}

/** Opens the history of the element's tenant: adds the view to the element's shadow root the first time. */
export function openHistory(
  host: LitElement & { locale: string },
  client: ApiClient | undefined,
  packages: CreditPackageView[] | undefined,
): void {
  if (!customElements.get('credit-topup-history'))
    customElements.define('credit-topup-history', CreditTopupHistory);
  const root = host.renderRoot;
  let view = root.querySelector('credit-topup-history');
  if (!view) {
    view = document.createElement('credit-topup-history');
    // After everything Lit renders there: Lit never touches what follows its own content.
    root.append(view);
  }
  view.client = client;
  view.packages = packages;
  view.locale = toLocale(host.locale);
  view.opened += 1;
}

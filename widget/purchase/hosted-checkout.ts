// checkout="hosted": Stripe's own page in a new tab, for host pages whose Content-Security-Policy forbids
// Stripe's frames (and scripts). The element opens the session's page (a button opens it where the browser
// blocked the tab), waits, and looks at the session whenever the buyer comes back to this tab; once paid,
// the purchase flow confirms it and shows the new balance exactly as after an embedded checkout. Stripe's
// page itself sends the buyer to the host page's return URL, where an element confirms the same session.
// Its own chunk, with its texts, loaded only by an element that uses it.

import { html, type ReactiveControllerHost } from 'lit';
import type {
  CheckoutSessionStatusResponse,
  CreateHostedCheckoutSessionResponse,
} from '../../contract/credit-topup-api.ts';
import type { Locale } from '../i18n.ts';

const de = {
  waiting: 'Bitte schließen Sie die Zahlung im neuen Tab ab.',
  waitingHint: 'Sobald Sie zurück sind, zeigen wir Ihnen hier Ihren neuen Kontostand.',
  blocked: 'Ihr Browser hat das neue Tab blockiert.',
  openHint: 'Öffnen Sie die Zahlungsseite mit der Schaltfläche unten.',
  open: 'Zahlungsseite öffnen',
  cancel: 'Abbrechen',
};

const en: typeof de = {
  waiting: 'Please complete the payment in the new tab.',
  waitingHint: 'Once you are back, your new balance shows here.',
  blocked: 'Your browser blocked the new tab.',
  openHint: 'Open the payment page with the button below.',
  open: 'Open payment page',
  cancel: 'Cancel',
};

export class HostedCheckout {
  #session?: CreateHostedCheckoutSessionResponse;
  #blocked = false;
  #looking = false;
  readonly #onReturn = () => void this.#look();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly lookUp: (sessionId: string) => Promise<CheckoutSessionStatusResponse>,
    /** Paid (or a direct debit given): the flow confirms the session as after an embedded checkout. */
    private readonly onPaid: (sessionId: string) => void,
    /** The session expired or the buyer cancelled here: back to the packages. */
    private readonly onBack: () => void,
  ) {}

  /**
   * Shows the session's page in `tab` (opened empty during the buyer's click, as Safari requires) or, where
   * there is none, in a new tab, and waits for the buyer to come back.
   */
  open(session: CreateHostedCheckoutSessionResponse, tab: Window | null = null) {
    this.stop();
    this.#session = session;
    if (tab && !tab.closed) {
      tab.location.href = session.url;
      this.#blocked = false;
      this.host.requestUpdate();
    } else {
      this.#openTab();
    }
    addEventListener('focus', this.#onReturn);
    document.addEventListener('visibilitychange', this.#onReturn);
  }

  #openTab() {
    if (!this.#session) return;
    // Not 'noopener' (which always answers null): the answer says whether a popup blocker stopped it.
    // Firefox throws instead of answering null where popups are forbidden (a sandboxed frame, say).
    let tab: Window | null = null;
    try {
      tab = window.open(this.#session.url, '_blank');
    } catch {}
    try {
      // Stripe's page gets no handle on this one. Firefox refuses the write once the tab is another
      // origin's; Stripe's page does not use its opener either way.
      if (tab) tab.opener = null;
    } catch {}
    this.#blocked = !tab;
    this.host.requestUpdate();
  }

  async #look() {
    const session = this.#session;
    if (!session || this.#looking || document.visibilityState !== 'visible') return;
    this.#looking = true;
    try {
      const state = await this.lookUp(session.id);
      if (this.#session !== session) return;
      if (state.status === 'complete' || state.credited) {
        this.stop();
        this.onPaid(session.id);
      } else if (state.status === 'expired') {
        this.stop();
        this.onBack();
      }
    } catch {
      // Asked again at the next return; the webhook credits the payment either way.
    } finally {
      this.#looking = false;
    }
  }

  stop() {
    this.#session = undefined;
    removeEventListener('focus', this.#onReturn);
    document.removeEventListener('visibilitychange', this.#onReturn);
  }

  render(locale: Locale) {
    const t = locale === 'en' ? en : de;
    // Blocked, nothing is open yet to wait for: the way to open it instead.
    return html`${
      this.#blocked
        ? html`<p part="error" role="alert">${t.blocked}</p>
            <p class="muted">${t.openHint}</p>`
        : html`<div class="status" role="status">
              <span class="spinner" aria-hidden="true"></span>${t.waiting}
            </div>
            <p class="muted">${t.waitingHint}</p>`
    }
      <div class="row">
        <button class="primary" ?autofocus=${this.#blocked} @click=${() => this.#openTab()}>${t.open}</button>
        <button
          @click=${() => {
            this.stop();
            this.onBack();
          }}
        >${t.cancel}</button>
      </div>`;
  }
}

// After a payment, the element asks the server about the Checkout Session until the credits are there,
// the payment failed, or the buyer came back without paying. Card payments are credited within seconds;
// a SEPA Direct Debit settles in days, so it is asked about far less often.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CheckoutSessionStatusResponse } from '../../contract/credit-topup-api.ts';

/** The first look is at once (Stripe reported the payment complete); the second this much later … */
export const FIRST_WAIT_MS = 400;
/** … each further wait this much longer than the one before … */
export const BACKOFF_FACTOR = 1.5;
/** … up to this, while the credits are expected any moment … */
export const LONGEST_WAIT_MS = 2_000;
/** … or up to this while a direct debit settles. */
export const LONGEST_WAIT_FOR_DEBIT_MS = 10_000;
/** Paid but not credited after this long: the buyer is told it may take a little longer. */
export const SLOW_CREDIT_AFTER_MS = 20_000;
/** The element stops asking after this long; the webhook still credits, and the balance follows. */
export const GIVE_UP_AFTER_MS = 30 * 60_000;
/**
 * Credited, the receipt and (invoices on) the invoice may still be on their way from Stripe: the element
 * looks again for them this often at most, then leaves the success state as it is. The server says no
 * more whether invoices are on, so this also bounds the looks when they are off.
 */
export const DOCUMENT_LOOKS = 6;

export type WatchOutcome =
  /** The credits are on the balance. */
  | 'credited'
  /** The payment failed or the session expired: nothing is credited. */
  | 'failed'
  /** The session is still open: the buyer came back without paying. */
  | 'abandoned';

export type WatchProgress =
  /** A direct debit that settles later. */
  | 'debit'
  /** Paid, and the credits are taking longer than usual. */
  | 'slow';

export interface WatchHandlers {
  /** Every answer, for the balance it carries. */
  onState(state: CheckoutSessionStatusResponse): void;
  onProgress(progress: WatchProgress): void;
  onOutcome(outcome: WatchOutcome, state: CheckoutSessionStatusResponse): void;
  /** After 'credited': a later answer that brought a receipt or invoice link the earlier ones lacked. */
  onDocuments?(state: CheckoutSessionStatusResponse): void;
  /** A failed look; return true to stop watching. */
  onProblem(error: unknown): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SessionWatcher implements ReactiveController {
  #run = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly lookUp: (sessionId: string) => Promise<CheckoutSessionStatusResponse>,
  ) {
    host.addController(this);
  }

  /** Watches one session; any watch before it ends. */
  async watch(sessionId: string, handlers: WatchHandlers): Promise<void> {
    const run = ++this.#run;
    const started = Date.now();
    let debit = false;
    for (let wait = FIRST_WAIT_MS; Date.now() - started < GIVE_UP_AFTER_MS; ) {
      try {
        const state = await this.lookUp(sessionId);
        if (run !== this.#run) return;
        handlers.onState(state);
        if (state.credited) {
          handlers.onOutcome('credited', state);
          return await this.#followDocuments(run, sessionId, state, handlers);
        }
        if (state.purchase_status === 'failed' || state.status === 'expired') {
          return handlers.onOutcome('failed', state);
        }
        if (state.status === 'open') return handlers.onOutcome('abandoned', state);
        debit = state.payment_status === 'unpaid';
        if (debit) handlers.onProgress('debit');
        else if (Date.now() - started > SLOW_CREDIT_AFTER_MS) handlers.onProgress('slow');
      } catch (error) {
        if (run !== this.#run || handlers.onProblem(error)) return;
      }
      await sleep(wait);
      if (run !== this.#run) return;
      wait = Math.min(wait * BACKOFF_FACTOR, debit ? LONGEST_WAIT_FOR_DEBIT_MS : LONGEST_WAIT_MS);
    }
  }

  /** Looks again, a bounded number of times, until both the receipt and the invoice links are there. */
  async #followDocuments(
    run: number,
    sessionId: string,
    credited: CheckoutSessionStatusResponse,
    handlers: WatchHandlers,
  ) {
    const complete = (state: CheckoutSessionStatusResponse) =>
      Boolean(state.receipt_url && (state.invoice_pdf_url || state.invoice_url));
    const links = (state: CheckoutSessionStatusResponse) =>
      [state.receipt_url, state.invoice_url, state.invoice_pdf_url].join(' ');
    let known = credited;
    for (let look = 0, wait = FIRST_WAIT_MS; look < DOCUMENT_LOOKS && !complete(known); look++) {
      await sleep(wait);
      if (run !== this.#run) return;
      wait = Math.min(wait * BACKOFF_FACTOR, LONGEST_WAIT_MS);
      try {
        const state = await this.lookUp(sessionId);
        if (run !== this.#run) return;
        if (links(state) !== links(known)) handlers.onDocuments?.(state);
        known = state;
      } catch {
        // The credits are there; a missing link is no reason to tell the buyer of a failure.
      }
    }
  }

  stop() {
    this.#run++;
  }

  hostDisconnected() {
    this.stop();
  }
}

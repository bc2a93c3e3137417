// Delivers sandbox events the way Stripe does: signed `Stripe-Signature: t=…,v1=HMAC-SHA256(secret,
// "t.payload")`, at least once, each event on its own (so they can overtake each other), retried with
// exponential backoff on anything but a 2xx or when the endpoint cannot be reached.

import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';

export interface WebhookSenderOptions {
  url: string | null;
  secret: string;
  /** First retry delay; each further one doubles (Stripe: minutes to days; tests: milliseconds). */
  retryBaseMs: number;
  /** Longest wait between two attempts. */
  maxRetryDelayMs?: number;
  maxAttempts: number;
  /** Per delivery attempt. */
  timeoutMs: number;
  /** Share of delivery attempts silently dropped (lost webhooks), 0..1. */
  dropRate: number;
}

export interface Delivery {
  eventId: string;
  type: string;
  attempts: number;
  statuses: (number | string)[];
  delivered: boolean;
  gaveUp: boolean;
}

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(readonly options: WebhookSenderOptions) {}

  send(event: Stripe.Event): Delivery {
    const delivery: Delivery = {
      eventId: event.id,
      type: event.type,
      attempts: 0,
      statuses: [],
      delivered: false,
      gaveUp: false,
    };
    this.deliveries.push(delivery);
    this.attempt(event, delivery);
    return delivery;
  }

  /** Sends an event again now, as the Dashboard's "resend" does. */
  resend(event: Stripe.Event): Delivery {
    return this.send(event);
  }

  /** Resolves when no delivery is in flight or waiting for a retry. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.timers.size > 0 || this.inFlight.size > 0) {
      if (Date.now() > deadline) throw new Error('webhook deliveries did not settle in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private attempt(event: Stripe.Event, delivery: Delivery): void {
    if (this.closed) return;
    const run = this.deliver(event, delivery).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async deliver(event: Stripe.Event, delivery: Delivery): Promise<void> {
    const { url, secret, timeoutMs, dropRate } = this.options;
    delivery.attempts++;
    let status: number | string;
    if (!url) {
      status = 'no_endpoint';
    } else if (dropRate > 0 && Math.random() < dropRate) {
      status = 'dropped';
    } else {
      const payload = JSON.stringify(event, null, 2);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Stripe-Signature': signPayload(payload, secret, Math.floor(Date.now() / 1000)),
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) credit-topup-sandbox',
          },
          body: payload,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
    }
    delivery.statuses.push(status);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      delivery.delivered = true;
      return;
    }
    // A dropped delivery is a lost webhook: Stripe never heard of a failure, so it never retries. Without
    // an endpoint there is nobody to retry for (tests that deliver events themselves).
    if (
      status === 'dropped' ||
      status === 'no_endpoint' ||
      delivery.attempts >= this.options.maxAttempts ||
      this.closed
    ) {
      delivery.gaveUp = true;
      return;
    }
    const delay = Math.min(
      this.options.retryBaseMs * 2 ** (delivery.attempts - 1),
      this.options.maxRetryDelayMs ?? Infinity,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(event, delivery);
    }, delay);
    this.timers.add(timer);
  }
}

// The account's event log: every change to an object becomes an event, kept (GET /v1/events) and sent
// to the webhook endpoint. Also the clock for what happens later (a SEPA debit settling).

import type Stripe from 'stripe';
import { eventObject } from './stripe-objects.ts';
import type { WebhookSender } from './webhook-sender.ts';

export class SandboxEvents {
  readonly all: Stripe.Event[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly sender: WebhookSender) {}

  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): Stripe.Event {
    const event = eventObject(type, object, previousAttributes);
    this.all.push(event);
    this.sender.send(event);
    return event;
  }

  later(task: () => void, delayMs: number) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    this.timers.add(timer);
  }

  close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

// Model-based: fast-check generates purchases and what Stripe says about them (payment, delayed payment,
// failure, expiry, refunds, disputes), duplicates and reorders the events at random, and applies them
// through the ledger. The final database must equal a simple model's, and for every tenant
// balance = opening + sum(ledger) after every run.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { CREDIT_CURRENCY, creditPackages } from '../../credit-packages.ts';
import type { CreditStore } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { applyStripeEvent } from '../../server/purchases/apply-stripe-event.ts';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import {
  chargeObject,
  checkoutSessionObject,
  disputeObject,
  eventObject,
  paymentIntentObject,
} from '../../stripe-sandbox/stripe-objects.ts';
import { report, size } from '../support/reliability.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';
import { createTenant, ledgerInvariants, purchaseInput } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

type Outcome = 'card' | 'sepa_paid' | 'sepa_failed' | 'expired';
interface PurchasePlan {
  packageIndex: number;
  outcome: Outcome;
  /** Cumulative refunded amounts in the order Stripe created them, in per-mille of the price. */
  refunds: number[];
  dispute: null | 'open' | 'won' | 'lost';
}

const planArbitrary = fc.record({
  packageIndex: fc.integer({ min: 0, max: creditPackages.length - 1 }),
  outcome: fc.constantFrom<Outcome>('card', 'card', 'sepa_paid', 'sepa_failed', 'expired'),
  refunds: fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 3 }).map((steps) => {
    let total = 0;
    return steps.map((step) => (total = Math.min(1000, total + step)));
  }),
  dispute: fc.constantFrom<PurchasePlan['dispute']>(null, null, 'open', 'won', 'lost'),
});

/**
 * The Stripe events of one purchase, shaped like Stripe's (from its fixtures, as the sandbox builds them),
 * each applied through the server's own event handler.
 */
function eventsFor(
  plan: PurchasePlan,
  ids: { sessionId: string; purchaseId: string; paymentIntentId: string },
): Stripe.Event[] {
  const creditPackage = creditPackages[plan.packageIndex]!;
  const session = (paymentStatus: 'paid' | 'unpaid', status: 'complete' | 'expired' = 'complete') =>
    checkoutSessionObject({
      id: ids.sessionId,
      amount_subtotal: creditPackage.amountCents,
      amount_total: creditPackage.amountCents,
      currency: CREDIT_CURRENCY,
      payment_intent: status === 'expired' ? null : ids.paymentIntentId,
      payment_status: paymentStatus,
      status,
      metadata: { purchase_id: ids.purchaseId },
    });
  const events: Stripe.Event[] = [];
  if (plan.outcome === 'card') events.push(eventObject('checkout.session.completed', session('paid')));
  if (plan.outcome === 'sepa_paid' || plan.outcome === 'sepa_failed')
    events.push(eventObject('checkout.session.completed', session('unpaid')));
  if (plan.outcome === 'sepa_paid')
    events.push(eventObject('checkout.session.async_payment_succeeded', session('paid')));
  if (plan.outcome === 'sepa_failed')
    events.push(eventObject('checkout.session.async_payment_failed', session('unpaid')));
  if (plan.outcome === 'expired')
    events.push(eventObject('checkout.session.expired', session('unpaid', 'expired')));
  if (plan.outcome === 'card' || plan.outcome === 'sepa_paid') {
    for (const perMille of plan.refunds) {
      const refunded = Math.floor((creditPackage.amountCents * perMille) / 1000);
      events.push(
        eventObject(
          'charge.refunded',
          chargeObject({
            id: `ch_${ids.paymentIntentId}`,
            amount: creditPackage.amountCents,
            amount_refunded: refunded,
            refunded: refunded === creditPackage.amountCents,
            currency: CREDIT_CURRENCY,
            payment_intent: ids.paymentIntentId,
            metadata: {},
          }),
        ),
      );
    }
    if (plan.dispute) {
      const dispute = (status: Stripe.Dispute.Status) =>
        disputeObject({
          id: `dp_${ids.paymentIntentId}`,
          amount: creditPackage.amountCents,
          charge: `ch_${ids.paymentIntentId}`,
          payment_intent: ids.paymentIntentId,
          currency: CREDIT_CURRENCY,
          status,
          metadata: {},
        });
      events.push(eventObject('charge.dispute.created', dispute('needs_response')));
      if (plan.dispute !== 'open') events.push(eventObject('charge.dispute.closed', dispute(plan.dispute)));
    }
  }
  return events;
}

/** What the ledger must end with for one purchase, whatever the order and duplication of its events. */
function model(plan: PurchasePlan) {
  const creditPackage = creditPackages[plan.packageIndex]!;
  const money = plan.outcome === 'card' || plan.outcome === 'sepa_paid';
  if (!money) return { status: plan.outcome === 'expired' ? 'expired' : 'failed', credited: 0, clawed: 0 };
  const refunded = Math.floor((creditPackage.amountCents * Math.max(0, ...plan.refunds)) / 1000);
  const held = plan.dispute === 'open' || plan.dispute === 'lost' ? creditPackage.amountCents : 0;
  const reversed = Math.min(creditPackage.amountCents, refunded + held);
  const clawed = Math.floor((creditPackage.credits * reversed) / creditPackage.amountCents);
  const status =
    held > 0
      ? 'disputed'
      : refunded >= creditPackage.amountCents
        ? 'refunded'
        : refunded > 0
          ? 'partially_refunded'
          : 'credited';
  return { status, credited: creditPackage.credits, clawed };
}

let database: TestDatabase;
let store: CreditStore;
let sandbox: StripeSandbox;
let stripe: Stripe;
before(async () => {
  database = await createTestDatabase();
  store = createPostgresCreditStore(database.url, { maxConnections: 8 });
  sandbox = await startStripeSandbox();
  stripe = sandboxStripeClient(sandbox);
});
after(async () => {
  await sandbox.close();
  await store.close();
  await database.drop();
  await stopOwnTestCluster();
});

test('any interleaving of duplicated and reordered Stripe events ends in the model state', async () => {
  const runs = size(40, 300);
  let purchases = 0;
  let deliveries = 0;
  let duplicates = 0;
  let invariantChecks = 0;
  let runIndex = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(planArbitrary, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
      fc.boolean(),
      async (plans, randomness, concurrent) => {
        const run = runIndex++;
        const tenant = await createTenant(database.sql);
        const all: Stripe.Event[] = [];
        const created = [];
        for (const [index, plan] of plans.entries()) {
          const creditPackage = creditPackages[plan.packageIndex]!;
          const opened = await store.openPurchase(purchaseInput(tenant, creditPackage));
          assert.ok(opened.ok);
          const ids = {
            sessionId: `cs_test_model_${run}_${index}`,
            purchaseId: opened.purchase.id,
            paymentIntentId: `pi_model_${run}_${index}`,
          };
          await store.attachCheckoutSession(ids.purchaseId, ids.sessionId, null);
          // Stripe's side: the payment intent carries the metadata set at session creation.
          sandbox.account.payments.paymentIntents.set(
            ids.paymentIntentId,
            paymentIntentObject({ id: ids.paymentIntentId, metadata: { purchase_id: ids.purchaseId } }),
          );
          created.push({ plan, ids });
          all.push(...eventsFor(plan, ids));
        }
        // Stripe delivers at least once: some events twice or three times, in any order.
        const delivered = all.flatMap((event, index) =>
          Array.from(
            {
              length:
                1 +
                ((randomness[index % randomness.length] ?? 0) % 3 === 0 ? 1 : 0) +
                ((randomness[(index + 7) % randomness.length] ?? 0) % 7 === 0 ? 1 : 0),
            },
            () => event,
          ),
        );
        const order = delivered.map((event, index) => ({
          event,
          key: randomness[(index * 13) % randomness.length]! * 31 + index,
        }));
        order.sort((a, b) => a.key - b.key);
        const deliver = (event: Stripe.Event) => applyStripeEvent(event, { store, stripe, livemode: false });
        if (concurrent) await Promise.all(order.map(({ event }) => deliver(event)));
        else for (const { event } of order) await deliver(event);
        purchases += plans.length;
        deliveries += delivered.length;
        duplicates += delivered.length - all.length;

        let expectedBalance = 100;
        for (const { plan, ids } of created) {
          const expected = model(plan);
          const [row] = await database.sql`
            select status, credited_credits, clawed_back_credits + unrecovered_credits as clawed from public.credit_purchases where id = ${ids.purchaseId}`;
          assert.deepEqual(
            { status: row!.status, credited: row!.credited_credits, clawed: row!.clawed },
            expected,
            JSON.stringify(plan),
          );
          expectedBalance += expected.credited - expected.clawed;
        }
        const invariants = await ledgerInvariants(database.sql, tenant.tenantId).catch(() => null);
        if (invariants) {
          assert.equal(invariants.balance, expectedBalance);
          assert.equal(invariants.balance, invariants.openingPlusLedger);
          assert.equal(invariants.lifetimePurchased, invariants.creditedByPurchases);
          invariantChecks += 3;
        } else {
          assert.equal(expectedBalance, 100, 'no row means nothing was credited');
        }
      },
    ),
    { numRuns: runs },
  );
  report('model-based event interleavings', {
    runs,
    purchases,
    deliveries_sent: deliveries,
    duplicates,
    invariant_checks: invariantChecks,
  });
});

// How a verified Stripe event becomes (at most) one ledger call, against a fake store that records the
// calls; where the event does not name our purchase, Stripe's side is the offline sandbox.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import type { Purchase } from '../../server/ledger/credit-store.ts';
import { applyStripeEvent } from '../../server/purchases/apply-stripe-event.ts';
import { refusalReasonOf } from '../../server/purchases/event-refusal.ts';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import {
  chargeObject,
  checkoutSessionObject,
  disputeObject,
  eventObject,
  invoiceObject,
} from '../../stripe-sandbox/stripe-objects.ts';
import { fakeCreditStore } from '../support/fake-credit-store.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

const purchase = { id: randomUUID() } as Purchase;
const change = { ok: true as const, purchase, newBalance: 200, duplicateEvent: false };

describe('applying Stripe events to the ledger', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox);
  });
  after(() => sandbox.close());

  /** A card payment in the sandbox, with `metadata` on its payment intent as our sessions set it. */
  const payInSandbox = (metadata: Record<string, string>, currency = 'eur') => {
    const created = sandbox.account.checkoutSessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/',
      line_items: [
        { quantity: '1', price_data: { currency, unit_amount: '2500', product_data: { name: 'x' } } },
      ],
      payment_intent_data: { metadata },
    });
    const paid = sandbox.account.checkoutSessions.pay(created.id, {
      type: 'card',
      number: '4242424242424242',
    });
    assert.ok(paid.ok);
    return { session: paid.session, charge: sandbox.account.payments.chargeOfSession(paid.session) };
  };

  const paidSession = (fields: Partial<Stripe.Checkout.Session> = {}) =>
    checkoutSessionObject({
      id: 'cs_test_paid',
      amount_subtotal: 2500,
      amount_total: 2975,
      currency: 'eur',
      payment_status: 'paid',
      status: 'complete',
      payment_intent: 'pi_paid',
      ...fields,
    });

  test('a paid session is fulfilled with its subtotal, currency, payment intent and the event', async () => {
    const store = fakeCreditStore({ fulfilCheckoutSession: async () => ({ ...change, credited: true }) });
    const event = eventObject('checkout.session.completed', paidSession());
    const outcome = await applyStripeEvent(event, { store, stripe, livemode: false });
    assert.deepEqual(outcome, { outcome: 'credited', purchaseId: purchase.id });
    assert.deepEqual(store.calls, [
      {
        method: 'fulfilCheckoutSession',
        args: [
          {
            checkoutSessionId: 'cs_test_paid',
            amountCents: 2500,
            currency: 'eur',
            paymentIntentId: 'pi_paid',
            amountPaidCents: 2975,
            event: { eventId: event.id, eventType: 'checkout.session.completed' },
          },
        ],
      },
    ]);
  });

  test('a completed but unpaid session (SEPA) and an event of the other mode change nothing', async () => {
    const store = fakeCreditStore();
    const unpaid = eventObject('checkout.session.completed', paidSession({ payment_status: 'unpaid' }));
    assert.deepEqual(await applyStripeEvent(unpaid, { store, stripe, livemode: false }), {
      outcome: 'pending',
    });
    const live = { ...eventObject('checkout.session.completed', paidSession()), livemode: true };
    assert.deepEqual(await applyStripeEvent(live, { store, stripe, livemode: false }), {
      outcome: 'ignored_livemode',
    });
    const other = eventObject('customer.created', {});
    assert.deepEqual(await applyStripeEvent(other, { store, stripe, livemode: false }), {
      outcome: 'ignored_type',
    });
    assert.deepEqual(store.calls, []);
  });

  test("receipt and invoice links come from Stripe's charge and invoice events, with no Stripe request", async () => {
    const store = fakeCreditStore({
      recordDocumentsOfPurchase: async (input) =>
        input.purchaseId === purchase.id || input.paymentIntentId === 'pi_paid'
          ? { ok: true as const, recorded: true, purchase }
          : { ok: false as const, code: 'unknown_purchase' as const },
    });
    const requestsBefore = sandbox.apiRequests.length;
    const apply = (type: string, object: unknown) =>
      applyStripeEvent(eventObject(type, object), { store, stripe, livemode: false });
    const receiptUrl = 'https://pay.example.test/receipts/r1';
    const charge = (fields: Partial<Stripe.Charge>) =>
      chargeObject({ payment_intent: 'pi_paid', receipt_url: receiptUrl, metadata: {}, ...fields });
    const invoice = (fields: Partial<Stripe.Invoice>) =>
      invoiceObject({
        id: 'in_paid',
        number: 'NR-0001',
        currency: 'eur',
        customer: null,
        subtotal: 2500,
        total: 2500,
        amount_paid: 2500,
        lines: { object: 'list', data: [], has_more: false, url: '/v1/invoices/in_paid/lines' },
        hosted_invoice_url: 'https://invoice.example.test/i/1',
        invoice_pdf: 'https://invoice.example.test/i/1/pdf',
        metadata: { purchase_id: purchase.id },
        ...fields,
      });

    const outcomes = [
      await apply('charge.succeeded', charge({ metadata: { purchase_id: purchase.id } })),
      // A charge without the metadata is found by its payment intent, recorded at fulfilment.
      await apply('charge.succeeded', charge({})),
      await apply('charge.succeeded', charge({ payment_intent: 'pi_someone_elses' })),
      await apply('charge.succeeded', charge({ payment_intent: null })),
      await apply('charge.succeeded', charge({ receipt_url: null, metadata: { purchase_id: purchase.id } })),
      await apply('invoice.finalized', invoice({})),
      await apply('invoice.paid', invoice({})),
      await apply('invoice.paid', invoice({ metadata: {} })),
      await apply('invoice.paid', invoice({ metadata: { purchase_id: randomUUID() } })),
      await apply(
        'invoice.finalized',
        invoice({ status: 'draft', hosted_invoice_url: null, invoice_pdf: null }),
      ),
    ].map((outcome) => outcome.outcome);
    assert.deepEqual(outcomes, [
      'documents_recorded',
      'documents_recorded',
      'not_ours',
      'not_ours',
      'no_documents',
      'documents_recorded',
      'documents_recorded',
      'not_ours',
      'not_ours',
      'no_documents',
    ]);
    const noInvoice = { stripeInvoiceId: null, invoiceNumber: null, invoiceUrl: null, invoicePdfUrl: null };
    assert.deepEqual(store.calls[0]?.args[0], {
      purchaseId: purchase.id,
      paymentIntentId: 'pi_paid',
      receiptUrl,
      ...noInvoice,
    });
    assert.deepEqual(store.calls[1]?.args[0], {
      purchaseId: null,
      paymentIntentId: 'pi_paid',
      receiptUrl,
      ...noInvoice,
    });
    assert.deepEqual(store.calls[3]?.args[0], {
      purchaseId: purchase.id,
      paymentIntentId: null,
      receiptUrl: null,
      stripeInvoiceId: 'in_paid',
      invoiceNumber: 'NR-0001',
      invoiceUrl: 'https://invoice.example.test/i/1',
      invoicePdfUrl: 'https://invoice.example.test/i/1/pdf',
    });
    assert.equal(store.calls.length, 6, 'nothing asked of the ledger for drafts and strangers without ids');
    assert.equal(sandbox.apiRequests.length, requestsBefore, 'nothing asked of Stripe');
  });

  test('a failed debit and an expiry mark the session; a session we do not know is not ours', async () => {
    const store = fakeCreditStore({
      markCheckoutSession: async (input) =>
        input.status === 'failed'
          ? { ...change, changed: true }
          : { ok: false as const, code: 'unknown_checkout_session' as const },
    });
    const failed = eventObject('checkout.session.async_payment_failed', paidSession());
    assert.equal(
      (await applyStripeEvent(failed, { store, stripe, livemode: false })).outcome,
      'marked_failed',
    );
    const expired = eventObject('checkout.session.expired', paidSession());
    assert.equal((await applyStripeEvent(expired, { store, stripe, livemode: false })).outcome, 'not_ours');
    assert.deepEqual(
      store.calls.map(
        ({ args }) => (args[0] as { status: string; failureCode?: string }).failureCode ?? null,
      ),
      ['async_payment_failed', null],
    );
  });

  test('a refund names the purchase through its metadata and carries the cumulative amount', async () => {
    const store = fakeCreditStore({ applyRefund: async () => change });
    const charge = chargeObject({
      payment_intent: 'pi_paid',
      currency: 'eur',
      amount: 2500,
      amount_refunded: 1250,
      metadata: { purchase_id: purchase.id },
    });
    const outcome = await applyStripeEvent(eventObject('charge.refunded', charge), {
      store,
      stripe,
      livemode: false,
    });
    assert.equal(outcome.outcome, 'applied');
    const [call] = store.calls;
    assert.deepEqual(
      { ...(call?.args[0] as object), event: undefined },
      {
        purchaseId: purchase.id,
        paymentIntentId: 'pi_paid',
        chargeAmountCents: 2500,
        amountRefundedCents: 1250,
        event: undefined,
      },
    );
  });

  test('a refund that arrives before the payment news finds its purchase in the payment intent on Stripe', async () => {
    // A real payment in the sandbox: its payment intent carries the purchase id, as our sessions set it.
    const { charge } = payInSandbox({ purchase_id: purchase.id });
    const store = fakeCreditStore({
      applyRefund: async (input) =>
        input.purchaseId === purchase.id ? change : { ok: false as const, code: 'unknown_purchase' as const },
    });
    const outcome = await applyStripeEvent(eventObject('charge.refunded', { ...charge, metadata: {} }), {
      store,
      stripe,
      livemode: false,
    });
    assert.deepEqual(outcome, { outcome: 'applied', purchaseId: purchase.id });
    assert.deepEqual(
      store.calls.map(({ args }) => (args[0] as { purchaseId: string | null }).purchaseId),
      [null, purchase.id],
      'first by payment intent alone, then with the purchase id Stripe gave',
    );
  });

  test('a refund of a charge in another currency, also as Stripe reads it today, is refused, not counted', async () => {
    const { charge } = payInSandbox({ purchase_id: purchase.id }, 'usd');
    const store = fakeCreditStore({ applyRefund: async () => change });
    await assert.rejects(
      applyStripeEvent(eventObject('charge.refunded', { ...charge, amount_refunded: 2500 }), {
        store,
        stripe,
        livemode: false,
      }),
      (error) => refusalReasonOf(error) === 'currency_mismatch',
    );
    assert.equal(store.calls.length, 0, 'the ledger is not asked');
  });

  test('a dispute that names only its charge is traced to the payment intent; Stripe down is a retryable failure', async () => {
    const { session: sandboxSession, charge } = payInSandbox({});
    const dispute = disputeObject({
      id: 'dp_only_charge',
      charge: charge.id,
      payment_intent: null,
      currency: 'eur',
      amount: 2500,
      status: 'needs_response',
      metadata: { purchase_id: purchase.id },
    });
    const store = fakeCreditStore({ applyDispute: async () => change });
    const outcome = await applyStripeEvent(eventObject('charge.dispute.created', dispute), {
      store,
      stripe,
      livemode: false,
    });
    assert.equal(outcome.outcome, 'applied');
    assert.equal(
      (store.calls[0]?.args[0] as { paymentIntentId?: string } | undefined)?.paymentIntentId,
      sandboxSession.payment_intent,
    );

    const unreachable = sandboxStripeClient({ secretKey: sandbox.secretKey, url: 'http://127.0.0.1:9' });
    await assert.rejects(
      applyStripeEvent(eventObject('charge.dispute.created', dispute), {
        store,
        stripe: unreachable,
        livemode: false,
      }),
      (error: { code?: string }) => error.code === 'stripe_unavailable',
    );
  });
});

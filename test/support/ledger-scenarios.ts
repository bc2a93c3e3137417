// The ledger's behaviour, written once and run against every CreditStore adapter, so that "the supabase
// adapter runs the same scenarios" is true by construction.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CREDIT_CURRENCY, type CreditPackage, creditPackages } from '../../credit-packages.ts';
import type { CreditStore, Purchase } from '../../server/ledger/credit-store.ts';
import { enableAutoRecharge } from './auto-recharge-setup.ts';
import {
  balanceOf,
  createMember,
  createTenant,
  ledgerInvariants,
  purchaseInput,
  type TestTenant,
} from './tenants.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface AdapterUnderTest {
  store: CreditStore;
  close(): Promise<void>;
}

const standard = creditPackages.find((creditPackage) => creditPackage.id === 'standard')!;
const power = creditPackages.find((creditPackage) => creditPackage.id === 'power')!;

export function defineLedgerScenarios(
  adapterName: string,
  connect: (database: TestDatabase) => Promise<AdapterUnderTest>,
) {
  describe(`credit ledger through the ${adapterName} adapter`, () => {
    let database: TestDatabase;
    let adapter: AdapterUnderTest;
    let store: CreditStore;

    before(async () => {
      database = await createTestDatabase();
      adapter = await connect(database);
      store = adapter.store;
    });
    after(async () => {
      await adapter.close();
      await database.drop();
    });

    async function openSession(tenant: TestTenant, creditPackage: CreditPackage = standard) {
      const opened = await store.openPurchase(purchaseInput(tenant, creditPackage));
      assert.ok(opened.ok, 'purchase opened');
      const sessionId = `cs_test_${randomUUID().replaceAll('-', '')}`;
      const attached = await store.attachCheckoutSession(
        opened.purchase.id,
        sessionId,
        new Date(Date.now() + 1800e3),
      );
      assert.ok(attached.ok, 'session attached');
      return {
        sessionId,
        purchase: attached.purchase,
        paymentIntentId: `pi_${randomUUID().replaceAll('-', '')}`,
      };
    }

    function fulfil(
      sessionId: string,
      creditPackage: CreditPackage = standard,
      extra: { paymentIntentId?: string; eventId?: string } = {},
    ) {
      return store.fulfilCheckoutSession({
        checkoutSessionId: sessionId,
        amountCents: creditPackage.amountCents,
        amountPaidCents: creditPackage.amountCents,
        currency: CREDIT_CURRENCY,
        paymentIntentId: extra.paymentIntentId ?? null,
        event: extra.eventId ? { eventId: extra.eventId, eventType: 'checkout.session.completed' } : null,
      });
    }

    async function spend(tenant: TestTenant, credits: number) {
      const [row] = await database.sql<{ result: { success: boolean } }[]>`
        select public.rpc_credit_deduct(${tenant.tenantId}, ${credits}, 'test_spend', null, null, ${tenant.userId}) as result`;
      assert.equal(row!.result.success, true, 'credits spent');
    }

    async function assertInvariants(tenantId: string) {
      const invariants = await ledgerInvariants(database.sql, tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger, 'balance = opening + sum(ledger)');
      assert.equal(
        invariants.lifetimePurchased,
        invariants.creditedByPurchases,
        'lifetime_purchased = credited purchases',
      );
    }

    test('the tenant of a user is the active tenant, and only with a membership behind it', async () => {
      const tenant = await createTenant(database.sql);
      assert.equal(await store.resolveTenant(tenant.userId), tenant.tenantId);

      const other = await createTenant(database.sql);
      // The user points their profile at a tenant they do not belong to.
      await database.sql`update public.profiles set active_tenant_id = ${other.tenantId} where id = ${tenant.userId}`;
      assert.equal(await store.resolveTenant(tenant.userId), null);
      assert.equal(await store.resolveTenant(randomUUID()), null);
    });

    test("a user's balance is their active tenant's, in one call, and none without a membership", async () => {
      const tenant = await createTenant(database.sql);
      const expected = {
        tenantId: tenant.tenantId,
        balanceCredits: 100,
        reservedCredits: 0,
        availableCredits: 100,
        autoRecharge: { state: 'off', reason: null },
      };
      // The first look creates the balance row (through the function), the second reads the view.
      assert.deepEqual(await store.getBalanceOfUser(tenant.userId), expected);
      assert.deepEqual(await store.getBalanceOfUser(tenant.userId), expected);
      const other = await createTenant(database.sql);
      await database.sql`update public.profiles set active_tenant_id = ${other.tenantId} where id = ${tenant.userId}`;
      assert.equal(await store.getBalanceOfUser(tenant.userId), null);
      assert.equal(await store.getBalanceOfUser(randomUUID()), null);
    });

    test('a new tenant reads the 100 free credits', async () => {
      const tenant = await createTenant(database.sql);
      assert.deepEqual(await store.getBalance(tenant.tenantId), {
        tenantId: tenant.tenantId,
        balanceCredits: 100,
        reservedCredits: 0,
        availableCredits: 100,
        autoRecharge: { state: 'off', reason: null },
      });
    });

    test('a paid session is credited once, with the paying user on the ledger row and a receipt line', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId, purchase, paymentIntentId } = await openSession(tenant);

      const first = await fulfil(sessionId, standard, { paymentIntentId });
      assert.ok(first.ok);
      assert.equal(first.credited, true);
      assert.equal(first.newBalance, 200);
      assert.equal(first.purchase.status, 'credited');
      assert.equal(first.purchase.creditedCredits, 100);
      assert.equal(first.purchase.stripePaymentIntentId, paymentIntentId);

      const again = await fulfil(sessionId);
      assert.ok(again.ok);
      assert.equal(again.credited, false);
      assert.equal(again.newBalance, 200);

      const ledger = await database.sql`
        select user_id, kind, amount, ref_type, ref_id from public.credit_ledger where tenant_id = ${tenant.tenantId}`;
      assert.deepEqual(
        ledger.map((row) => ({ ...row })),
        [
          {
            user_id: tenant.userId,
            kind: 'credit',
            amount: 100,
            ref_type: 'stripe_checkout',
            ref_id: purchase.id,
          },
        ],
      );
      const receipts = await database.sql`
        select action_code, cost_cents, credits_charged from public.armstrong_billing_events where org_id = ${tenant.tenantId}`;
      assert.deepEqual(
        receipts.map((row) => ({ ...row })),
        [{ action_code: 'credit_topup', cost_cents: 2500, credits_charged: 0 }],
      );
      await assertInvariants(tenant.tenantId);
    });

    test('50 concurrent fulfilments of one session credit once', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant);
      const results = await Promise.all(Array.from({ length: 50 }, () => fulfil(sessionId)));
      assert.equal(results.filter((result) => result.ok && result.credited).length, 1);
      assert.ok(results.every((result) => result.ok));
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200);
      await assertInvariants(tenant.tenantId);
    });

    test('200 sessions with 5 concurrent duplicates each are each credited once', async () => {
      const tenants = await Promise.all(Array.from({ length: 20 }, () => createTenant(database.sql)));
      const sessions = [];
      for (let index = 0; index < 200; index++) {
        const tenant = tenants[index % tenants.length]!;
        const creditPackage = creditPackages[index % creditPackages.length]!;
        sessions.push({ tenant, creditPackage, ...(await openSession(tenant, creditPackage)) });
      }
      const deliveries = sessions.flatMap((session) =>
        Array.from({ length: 5 }, () => () => fulfil(session.sessionId, session.creditPackage)),
      );
      // Interleave the duplicates so that copies of one session race each other and other sessions.
      deliveries.sort(() => Math.random() - 0.5);
      const results = await Promise.all(deliveries.map((deliver) => deliver()));
      assert.equal(results.filter((result) => result.ok && result.credited).length, 200);

      for (const tenant of tenants) {
        const expected: number = sessions
          .filter((session) => session.tenant === tenant)
          .reduce((sum, session) => sum + session.creditPackage.credits, 100);
        assert.equal(await balanceOf(database.sql, tenant.tenantId), expected);
        await assertInvariants(tenant.tenantId);
      }
    });

    test('an amount mismatch is not credited and flags the purchase for good', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant, standard);
      const mismatch = await store.fulfilCheckoutSession({
        checkoutSessionId: sessionId,
        amountCents: 1,
        currency: CREDIT_CURRENCY,
      });
      assert.equal(mismatch.ok, false);
      assert.equal(!mismatch.ok && mismatch.code, 'amount_mismatch');
      assert.equal(!mismatch.ok && mismatch.purchase?.status, 'failed');
      assert.equal(!mismatch.ok && mismatch.purchase?.failureCode, 'amount_mismatch');
      // Even a later, correct-looking delivery does not credit a flagged purchase.
      const later = await fulfil(sessionId, standard);
      assert.equal(!later.ok && later.code, 'amount_mismatch');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 100);
    });

    test('a currency mismatch is not credited', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant, standard);
      const result = await store.fulfilCheckoutSession({
        checkoutSessionId: sessionId,
        amountCents: standard.amountCents,
        currency: 'usd',
      });
      assert.equal(!result.ok && result.code, 'currency_mismatch');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 100);
    });

    test('an unknown session is refused without a change', async () => {
      const result = await fulfil('cs_test_not_ours');
      assert.deepEqual(result, { ok: false, code: 'unknown_checkout_session' });
    });

    test('opening with the same idempotency key returns the same purchase; with another package it is refused', async () => {
      const tenant = await createTenant(database.sql);
      const input = { ...purchaseInput(tenant, standard), idempotencyKey: `key-${randomUUID()}` };
      const [first, second] = await Promise.all([store.openPurchase(input), store.openPurchase(input)]);
      assert.ok(first.ok && second.ok);
      assert.equal(first.purchase.id, second.purchase.id);
      assert.equal([first.created, second.created].filter(Boolean).length, 1);

      const reused = await store.openPurchase({
        ...input,
        packageId: power.id,
        credits: power.credits,
        amountCents: power.amountCents,
      });
      assert.deepEqual(reused, { ok: false, code: 'idempotency_key_reused' });
    });

    test('preparing a checkout counts the limit, resolves the tenant and finds the purchase a key names, in one call', async () => {
      const tenant = await createTenant(database.sql);
      const { tenantId: _resolvedByTheLedger, ...fields } = purchaseInput(tenant, standard);
      const input = {
        ...fields,
        idempotencyKey: `key-${randomUUID()}`,
        livemode: false,
        limit: { limitName: 'checkout_create', maxRequests: 2, windowSeconds: 60 },
      };
      assert.deepEqual(await store.prepareCheckout(input), {
        ok: true,
        tenantId: tenant.tenantId,
        stripeCustomerId: null,
        purchase: null,
      });
      // The server decides the id before anything is written; the purchase is recorded under it.
      const purchaseId = randomUUID();
      const opened = await store.openPurchase({ ...purchaseInput(tenant, standard), ...input, purchaseId });
      assert.ok(opened.ok && opened.created);
      assert.equal(opened.purchase.id, purchaseId);
      const customer = await store.rememberStripeCustomer(
        tenant.tenantId,
        false,
        `cus_${randomUUID().slice(0, 8)}`,
      );

      const again = await store.prepareCheckout(input);
      assert.ok(again.ok);
      assert.deepEqual([again.purchase?.id, again.stripeCustomerId], [purchaseId, customer]);
      const limited = await store.prepareCheckout(input);
      assert.ok(!limited.ok && limited.code === 'rate_limited');
      assert.ok(limited.retryAfterSeconds >= 1 && limited.retryAfterSeconds <= 60, 'seconds to wait');

      const otherPackage = {
        ...input,
        packageId: power.id,
        credits: power.credits,
        amountCents: power.amountCents,
      };
      assert.deepEqual(await store.prepareCheckout({ ...otherPackage, limit: null }), {
        ok: false,
        code: 'idempotency_key_reused',
      });
      await database.sql`delete from public.memberships where user_id = ${tenant.userId}`;
      assert.deepEqual(await store.prepareCheckout({ ...input, limit: null }), {
        ok: false,
        code: 'no_tenant',
      });
    });

    test('two openings with one key and the id derived from it record one purchase under that id', async () => {
      const tenant = await createTenant(database.sql);
      const purchaseId = randomUUID();
      const input = { ...purchaseInput(tenant, standard), idempotencyKey: `key-${randomUUID()}`, purchaseId };
      const both = await Promise.all([store.openPurchase(input), store.openPurchase(input)]);
      for (const opened of both) {
        assert.ok(opened.ok);
        assert.equal(opened.purchase.id, purchaseId);
      }
      assert.equal(both.filter((opened) => opened.ok && opened.created).length, 1);
      const quick = await store.attachCheckoutSession(purchaseId, 'cs_test_quick', null, { durable: false });
      assert.ok(quick.ok);
      assert.equal(quick.purchase.stripeCheckoutSessionId, 'cs_test_quick');
    });

    test('opening for a user resolves their tenant in the same call, and refuses a user without one', async () => {
      const tenant = await createTenant(database.sql);
      const { tenantId: _resolvedByTheLedger, ...input } = purchaseInput(tenant, standard);
      const opened = await store.openPurchaseForUser(input);
      assert.ok(opened.ok && opened.created);
      assert.equal(opened.purchase.tenantId, tenant.tenantId);
      await database.sql`delete from public.memberships where user_id = ${tenant.userId}`;
      assert.deepEqual(await store.openPurchaseForUser(input), { ok: false, code: 'no_tenant' });
    });

    test('a purchase cannot be opened for a tenant the user does not belong to', async () => {
      const tenant = await createTenant(database.sql);
      const stranger = await createTenant(database.sql);
      const result = await store.openPurchase({
        ...purchaseInput(tenant, standard),
        userId: stranger.userId,
      });
      assert.deepEqual(result, { ok: false, code: 'not_a_member' });
    });

    test('a second session cannot be attached to a purchase', async () => {
      const tenant = await createTenant(database.sql);
      const { purchase, sessionId } = await openSession(tenant);
      const same = await store.attachCheckoutSession(purchase.id, sessionId, null);
      assert.ok(same.ok);
      const other = await store.attachCheckoutSession(purchase.id, 'cs_test_other', null);
      assert.equal(!other.ok && other.code, 'session_already_attached');
      assert.equal(
        !other.ok && other.purchase?.stripeCheckoutSessionId,
        sessionId,
        'the refusal names the session that won',
      );
    });

    test('a failed async payment and an expiry mark a pending purchase; a credited one keeps its credits', async () => {
      const tenant = await createTenant(database.sql);
      const failedSession = await openSession(tenant);
      const failed = await store.markCheckoutSession({
        checkoutSessionId: failedSession.sessionId,
        status: 'failed',
        failureCode: 'async_payment_failed',
      });
      assert.ok(failed.ok && failed.changed);
      assert.equal(failed.purchase.status, 'failed');
      assert.equal(failed.purchase.failureCode, 'async_payment_failed');

      const credited = await openSession(tenant);
      await fulfil(credited.sessionId);
      const expiredLate = await store.markCheckoutSession({
        checkoutSessionId: credited.sessionId,
        status: 'expired',
      });
      assert.ok(expiredLate.ok && !expiredLate.changed);
      assert.equal(expiredLate.purchase.status, 'credited');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200);
    });

    test('money that arrives after an expiry is still credited: nothing paid is lost', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant);
      await store.markCheckoutSession({ checkoutSessionId: sessionId, status: 'expired' });
      const result = await fulfil(sessionId);
      assert.ok(result.ok && result.credited);
      assert.equal(result.newBalance, 200);
    });

    test('a redelivered Stripe event is recognised and applies nothing', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant);
      const eventId = `evt_${randomUUID()}`;
      const first = await fulfil(sessionId, standard, { eventId });
      const second = await fulfil(sessionId, standard, { eventId });
      assert.ok(first.ok && first.credited && !first.duplicateEvent);
      assert.ok(second.ok && !second.credited && second.duplicateEvent);
      const [recorded] =
        await database.sql`select event_type, outcome from public.stripe_webhook_events where event_id = ${eventId}`;
      assert.deepEqual({ ...recorded }, { event_type: 'checkout.session.completed', outcome: 'credited' });
    });

    async function creditedPurchase(tenant: TestTenant, creditPackage: CreditPackage = standard) {
      const session = await openSession(tenant, creditPackage);
      const result = await fulfil(session.sessionId, creditPackage, {
        paymentIntentId: session.paymentIntentId,
      });
      assert.ok(result.ok && result.credited);
      return session;
    }

    function refund(
      session: { purchase: Purchase; paymentIntentId: string },
      refundedCents: number,
      byPaymentIntent = false,
    ) {
      return store.applyRefund({
        purchaseId: byPaymentIntent ? null : session.purchase.id,
        paymentIntentId: session.paymentIntentId,
        chargeAmountCents: session.purchase.amountCents,
        amountRefundedCents: refundedCents,
      });
    }

    test('partial, repeated, reordered and full refunds claw back proportionally and only once', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant); // 100 credits for 25,00 €; balance 200

      const half = await refund(session, 1250, true);
      assert.ok(half.ok);
      assert.equal(half.purchase.status, 'partially_refunded');
      assert.equal(half.purchase.clawedBackCredits, 50);
      assert.equal(half.newBalance, 150);

      const repeated = await refund(session, 1250);
      assert.ok(repeated.ok);
      assert.equal(repeated.newBalance, 150);

      // Cumulative amounts: an older, smaller figure arriving late changes nothing.
      const stale = await refund(session, 500);
      assert.ok(stale.ok);
      assert.equal(stale.newBalance, 150);

      const full = await refund(session, 2500);
      assert.ok(full.ok);
      assert.equal(full.purchase.status, 'refunded');
      assert.equal(full.purchase.clawedBackCredits, 100);
      assert.equal(full.purchase.unrecoveredCredits, 0);
      assert.equal(full.newBalance, 100);
      await assertInvariants(tenant.tenantId);
    });

    test('a refund after the credits were spent leaves balance 0 and records the shortfall', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant); // balance 200
      await spend(tenant, 170); // balance 30
      const result = await refund(session, 2500);
      assert.ok(result.ok);
      assert.equal(result.newBalance, 0);
      assert.equal(result.purchase.clawedBackCredits, 30);
      assert.equal(result.purchase.unrecoveredCredits, 70);
      assert.equal(result.purchase.status, 'refunded');
      await assertInvariants(tenant.tenantId);
    });

    test('a claw-back leaves reserved credits of running actions alone', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant); // balance 200
      await database.sql`update public.tenant_credit_balance set reserved_credits = 180 where tenant_id = ${tenant.tenantId}`;
      const result = await refund(session, 2500);
      assert.ok(result.ok);
      assert.equal(result.newBalance, 180);
      assert.equal(result.purchase.clawedBackCredits, 20);
      assert.equal(result.purchase.unrecoveredCredits, 80);
      await assertInvariants(tenant.tenantId);
    });

    test('a dispute takes the credits back, a won dispute restores them, a stale event after closing is ignored', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant, power); // 500 credits; balance 600
      const dispute = (status: string) =>
        store.applyDispute({
          paymentIntentId: session.paymentIntentId,
          disputeId: 'dp_test_1',
          disputeAmountCents: power.amountCents,
          disputeStatus: status,
        });

      const opened = await dispute('needs_response');
      assert.ok(opened.ok);
      assert.equal(opened.purchase.status, 'disputed');
      assert.equal(opened.newBalance, 100);

      const won = await dispute('won');
      assert.ok(won.ok);
      assert.equal(won.purchase.status, 'credited');
      assert.equal(won.purchase.clawedBackCredits, 0);
      assert.equal(won.newBalance, 600);

      const stale = await dispute('needs_response');
      assert.ok(stale.ok);
      assert.equal(stale.newBalance, 600);
      await assertInvariants(tenant.tenantId);
    });

    test('a lost dispute keeps the credits taken; a later win forgives the shortfall before restoring', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant); // balance 200
      await spend(tenant, 160); // balance 40
      const dispute = (status: string) =>
        store.applyDispute({
          purchaseId: session.purchase.id,
          disputeId: 'dp_test_2',
          disputeAmountCents: standard.amountCents,
          disputeStatus: status,
        });
      const lost = await dispute('lost');
      assert.ok(lost.ok);
      assert.equal(lost.newBalance, 0);
      assert.equal(lost.purchase.clawedBackCredits, 40);
      assert.equal(lost.purchase.unrecoveredCredits, 60);
      assert.equal(lost.purchase.status, 'disputed');

      // Stripe can reverse a decision (e.g. after an appeal).
      const won = await dispute('won');
      assert.ok(won.ok);
      assert.equal(won.purchase.unrecoveredCredits, 0);
      assert.equal(won.purchase.clawedBackCredits, 0);
      assert.equal(won.newBalance, 40);
      await assertInvariants(tenant.tenantId);
    });

    test('an inquiry (warning_needs_response) takes nothing back', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant);
      const inquiry = await store.applyDispute({
        purchaseId: session.purchase.id,
        disputeId: 'dp_inquiry',
        disputeAmountCents: standard.amountCents,
        disputeStatus: 'warning_needs_response',
      });
      assert.ok(inquiry.ok);
      assert.equal(inquiry.newBalance, 200);
    });

    test('two disputes on one payment: A lost, then B won, keeps what A took; replays and reordering change nothing', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant, power); // 500 credits for 125,00 €; balance 600
      const half = power.amountCents / 2;
      const eventsOf = (disputeId: string) =>
        (['needs_response', 'funds_withdrawn', 'closed'] as const).map((step) => ({
          disputeId,
          step,
          eventId: `evt_${randomUUID()}`,
        }));
      const [aOpened, aWithdrawn, aClosed] = eventsOf(`dp_a_${randomUUID()}`);
      const [bOpened, bWithdrawn, bClosed] = eventsOf(`dp_b_${randomUUID()}`);
      const deliver = (
        event: { disputeId: string; step: string; eventId: string },
        closedAs: 'won' | 'lost',
      ) =>
        store.applyDispute({
          paymentIntentId: session.paymentIntentId,
          disputeId: event.disputeId,
          disputeAmountCents: half,
          disputeStatus: event.step === 'closed' ? closedAs : 'needs_response',
          event: {
            eventId: event.eventId,
            eventType:
              event.step === 'closed'
                ? 'charge.dispute.closed'
                : event.step === 'funds_withdrawn'
                  ? 'charge.dispute.funds_withdrawn'
                  : 'charge.dispute.created',
          },
        });

      for (const event of [aOpened!, aWithdrawn!]) assert.ok((await deliver(event, 'lost')).ok);
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 350, 'A holds half the payment');
      const aLost = await deliver(aClosed!, 'lost');
      assert.ok(aLost.ok);
      assert.equal(aLost.newBalance, 350, 'A lost: its credits stay taken');

      for (const event of [bOpened!, bWithdrawn!]) assert.ok((await deliver(event, 'won')).ok);
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 100, 'B holds the other half');
      const bWon = await deliver(bClosed!, 'won');
      assert.ok(bWon.ok);
      assert.equal(bWon.newBalance, 350, "B won gives back B's credits, not A's");
      assert.equal(bWon.purchase.status, 'disputed');
      assert.equal(bWon.purchase.clawedBackCredits, 250);

      // Stripe delivers again, and in any order: the same events, then fresh deliveries of A's and B's
      // older news, change nothing.
      for (const event of [bClosed!, aOpened!, bOpened!, aClosed!, bWithdrawn!, aWithdrawn!]) {
        const again = await deliver(event, event.disputeId === aOpened!.disputeId ? 'lost' : 'won');
        assert.ok(again.ok && again.duplicateEvent);
      }
      for (const stale of [bOpened!, bWithdrawn!, aOpened!]) {
        const late = await deliver({ ...stale, eventId: `evt_${randomUUID()}` }, 'won');
        assert.ok(late.ok);
      }
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 350);
      await assertInvariants(tenant.tenantId);
    });

    test('the same two disputes delivered in reverse order end in the same place', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant, power); // balance 600
      const half = power.amountCents / 2;
      const dispute = (disputeId: string, status: string, eventType: string) =>
        store.applyDispute({
          paymentIntentId: session.paymentIntentId,
          disputeId,
          disputeAmountCents: half,
          disputeStatus: status,
          event: { eventId: `evt_${randomUUID()}`, eventType },
        });
      const [a, b] = [`dp_a_${randomUUID()}`, `dp_b_${randomUUID()}`];
      for (const [disputeId, status, type] of [
        [b, 'won', 'charge.dispute.funds_reinstated'],
        [b, 'won', 'charge.dispute.closed'],
        [a, 'lost', 'charge.dispute.closed'],
        [b, 'needs_response', 'charge.dispute.funds_withdrawn'],
        [a, 'needs_response', 'charge.dispute.funds_withdrawn'],
        [b, 'needs_response', 'charge.dispute.created'],
        [a, 'needs_response', 'charge.dispute.created'],
      ] as const) {
        assert.ok((await dispute(disputeId, status, type)).ok);
      }
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 350);
      await assertInvariants(tenant.tenantId);
    });

    test('a refused Stripe event is recorded once, with its reason, however often it is delivered', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant);
      const event = { eventId: `evt_${randomUUID()}`, eventType: 'charge.refunded' };
      const refusal = { event, reason: 'invalid_amount', purchaseId: session.purchase.id };
      assert.deepEqual(await store.recordRefusedEvent(refusal), { recorded: true });
      assert.deepEqual(await store.recordRefusedEvent(refusal), { recorded: false });
      // A purchase id that names nothing is not kept (it came from an event's metadata).
      const stray = { eventId: `evt_${randomUUID()}`, eventType: 'charge.dispute.created' };
      assert.deepEqual(
        await store.recordRefusedEvent({ event: stray, reason: 'unknown_charge', purchaseId: randomUUID() }),
        { recorded: true },
      );
      const rows = await database.sql`
        select event_id, event_type, reason, purchase_id from public.stripe_refused_events
         where event_id in (${event.eventId}, ${stray.eventId}) order by refused_at`;
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [
          {
            event_id: event.eventId,
            event_type: 'charge.refunded',
            reason: 'invalid_amount',
            purchase_id: session.purchase.id,
          },
          {
            event_id: stray.eventId,
            event_type: 'charge.dispute.created',
            reason: 'unknown_charge',
            purchase_id: null,
          },
        ],
      );
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200, 'a refusal moves no credits');
    });

    test('a refund delivered before the payment news is applied when the session is credited', async () => {
      const tenant = await createTenant(database.sql);
      const session = await openSession(tenant);
      const early = await refund(session, 2500);
      assert.ok(early.ok);
      assert.equal(early.purchase.status, 'pending');
      assert.equal(early.newBalance, 100, 'nothing was credited, so nothing is taken yet');

      const credited = await fulfil(session.sessionId, standard, {
        paymentIntentId: session.paymentIntentId,
      });
      assert.ok(credited.ok && credited.credited);
      assert.equal(credited.purchase.status, 'refunded');
      assert.equal(credited.newBalance, 100);
      await assertInvariants(tenant.tenantId);
    });

    test('a charge of another payment intent is not applied to a purchase', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant);
      const result = await store.applyRefund({
        purchaseId: session.purchase.id,
        paymentIntentId: 'pi_someone_else',
        chargeAmountCents: 2500,
        amountRefundedCents: 2500,
      });
      assert.deepEqual(result, { ok: false, code: 'payment_intent_mismatch' });
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200);
    });

    test('refunds and disputes pass the same guards: unknown purchase, another payment, a redelivered event', async () => {
      const tenant = await createTenant(database.sql);
      const session = await creditedPurchase(tenant);
      const refundOf = (input: Partial<Parameters<CreditStore['applyRefund']>[0]>) =>
        store.applyRefund({
          purchaseId: session.purchase.id,
          paymentIntentId: session.paymentIntentId,
          chargeAmountCents: 2500,
          amountRefundedCents: 1250,
          ...input,
        });
      const disputeOf = (input: Partial<Parameters<CreditStore['applyDispute']>[0]>) =>
        store.applyDispute({
          purchaseId: session.purchase.id,
          paymentIntentId: session.paymentIntentId,
          disputeId: 'dp_guard',
          disputeAmountCents: 2500,
          disputeStatus: 'needs_response',
          ...input,
        });
      const nobody = { purchaseId: null, paymentIntentId: 'pi_nobody' };
      assert.deepEqual(await refundOf(nobody), { ok: false, code: 'unknown_purchase' });
      assert.deepEqual(await disputeOf(nobody), { ok: false, code: 'unknown_purchase' });
      const stranger = { paymentIntentId: 'pi_someone_else' };
      assert.deepEqual(await refundOf(stranger), { ok: false, code: 'payment_intent_mismatch' });
      assert.deepEqual(await disputeOf(stranger), { ok: false, code: 'payment_intent_mismatch' });

      const refundEvent = { eventId: `evt_${randomUUID()}`, eventType: 'charge.refunded' };
      const firstRefund = await refundOf({ event: refundEvent });
      assert.ok(firstRefund.ok && !firstRefund.duplicateEvent);
      assert.equal(firstRefund.newBalance, 150);
      const againRefund = await refundOf({ event: refundEvent, amountRefundedCents: 2500 });
      assert.ok(againRefund.ok && againRefund.duplicateEvent, 'the same event is not applied twice');
      assert.equal(againRefund.newBalance, 150);

      const disputeEvent = { eventId: `evt_${randomUUID()}`, eventType: 'charge.dispute.created' };
      const firstDispute = await disputeOf({ event: disputeEvent });
      assert.ok(firstDispute.ok && !firstDispute.duplicateEvent);
      const againDispute = await disputeOf({ event: disputeEvent, disputeStatus: 'lost' });
      assert.ok(againDispute.ok && againDispute.duplicateEvent);
      assert.equal(againDispute.purchase.disputeStatus, 'needs_response', 'the redelivery changed nothing');
      await assertInvariants(tenant.tenantId);
    });

    test('purchases are listed and found only within their tenant', async () => {
      const tenant = await createTenant(database.sql);
      const other = await createTenant(database.sql);
      const first = await openSession(tenant, standard);
      const second = await openSession(tenant, power);
      await fulfil(second.sessionId, power);
      await createMember(database.sql, tenant.tenantId);

      const listed = await store.listPurchases(tenant.tenantId, 10);
      assert.deepEqual(
        listed.map((purchase) => purchase.id),
        [second.purchase.id, first.purchase.id],
      );
      assert.equal(listed[0]!.status, 'credited');
      assert.equal(listed[0]!.creditedCredits, 500);

      assert.equal(
        (await store.findPurchaseBySession(tenant.tenantId, first.sessionId))?.id,
        first.purchase.id,
      );
      assert.equal(await store.findPurchaseBySession(other.tenantId, first.sessionId), null);
      assert.deepEqual(await store.listPurchases(other.tenantId, 10), []);
    });

    test('opening a purchase records the waiver (version, user, time) and answers the tenant’s Stripe customer', async () => {
      const tenant = await createTenant(database.sql);
      const withWaiver = await store.openPurchaseForUser({
        ...purchaseInput(tenant, standard),
        withdrawalWaiverVersion: '2026-11-26',
      });
      assert.ok(withWaiver.ok);
      assert.equal(withWaiver.purchase.withdrawalWaiverVersion, '2026-11-26');
      assert.equal(withWaiver.purchase.withdrawalWaiverUserId, tenant.userId);
      assert.ok(withWaiver.purchase.withdrawalWaiverAt);
      assert.equal(withWaiver.stripeCustomerId, null, 'no customer yet');

      const kept = await store.rememberStripeCustomer(tenant.tenantId, false, 'cus_First0000000001');
      assert.equal(kept, 'cus_First0000000001');
      // Another customer for the same tenant and mode comes second: the first one stays and is answered.
      assert.equal(
        await store.rememberStripeCustomer(tenant.tenantId, false, 'cus_Second000000002'),
        'cus_First0000000001',
      );
      // Live mode keeps a customer of its own.
      assert.equal(
        await store.rememberStripeCustomer(tenant.tenantId, true, 'cus_Live00000000003'),
        'cus_Live00000000003',
      );

      const business = await store.openPurchase(purchaseInput(tenant, power));
      assert.ok(business.ok);
      assert.equal(business.purchase.withdrawalWaiverVersion, null, 'none asked, none recorded');
      assert.equal(business.purchase.withdrawalWaiverUserId, null);
      assert.equal(business.stripeCustomerId, 'cus_First0000000001');
      const live = await store.openPurchase({ ...purchaseInput(tenant, power), livemode: true });
      assert.ok(live.ok);
      assert.equal(live.stripeCustomerId, 'cus_Live00000000003');
    });

    test('receipt and invoice links are recorded once: a later or concurrent report never replaces them', async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId } = await openSession(tenant);
      await fulfil(sessionId);
      const documents = (suffix: string) => ({
        checkoutSessionId: sessionId,
        receiptUrl: `https://pay.example.test/receipts/${suffix}`,
        stripeInvoiceId: `in_${suffix}`,
        invoiceNumber: `NR-${suffix}`,
        invoiceUrl: `https://invoice.example.test/i/${suffix}`,
        invoicePdfUrl: `https://invoice.example.test/i/${suffix}/pdf`,
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => store.recordPurchaseDocuments(documents(`r${index}`))),
      );
      const recorded = results.filter((result) => result.ok && result.recorded);
      assert.equal(recorded.length, 1, 'one call recorded them');
      const winner = recorded[0]!.ok ? recorded[0]!.purchase : null;
      for (const result of results) {
        assert.ok(result.ok);
        assert.equal(result.purchase.receiptUrl, winner?.receiptUrl);
        assert.equal(result.purchase.invoicePdfUrl, winner?.invoicePdfUrl);
      }
      const found = await store.findPurchaseBySession(tenant.tenantId, sessionId);
      assert.deepEqual(
        [
          found?.receiptUrl,
          found?.stripeInvoiceId,
          found?.invoiceNumber,
          found?.invoiceUrl,
          found?.invoicePdfUrl,
        ],
        [
          winner?.receiptUrl,
          winner?.stripeInvoiceId,
          winner?.invoiceNumber,
          winner?.invoiceUrl,
          winner?.invoicePdfUrl,
        ],
      );
      assert.deepEqual(
        await store.recordPurchaseDocuments({ ...documents('x'), checkoutSessionId: 'cs_test_none' }),
        {
          ok: false,
          code: 'unknown_checkout_session',
        },
      );
    });

    test("links from Stripe's charge and invoice events: by purchase id before the payment news, by payment intent after, each once", async () => {
      const tenant = await createTenant(database.sql);
      const { sessionId, purchase, paymentIntentId } = await openSession(tenant);
      const none = { receiptUrl: null, stripeInvoiceId: null, invoiceNumber: null, invoiceUrl: null };
      const receipt = {
        ...none,
        invoicePdfUrl: null,
        purchaseId: purchase.id,
        paymentIntentId,
        receiptUrl: 'https://pay.example.test/receipts/first',
      };
      // The charge's event before the session is credited: the purchase is found by its id.
      const early = await store.recordDocumentsOfPurchase(receipt);
      assert.ok(early.ok && early.recorded, 'recorded before the payment news');
      assert.equal(early.purchase.receiptUrl, receipt.receiptUrl);
      assert.equal(early.purchase.creditedCredits, 0);
      const credited = await fulfil(sessionId, standard, { paymentIntentId });
      assert.ok(credited.ok && credited.credited, 'crediting is untouched by the links');

      // The invoice, 20 times at once: one call records it, updated_at moves once.
      const invoice = (suffix: string) => ({
        ...none,
        purchaseId: purchase.id,
        paymentIntentId: null,
        stripeInvoiceId: `in_${suffix}`,
        invoiceNumber: `NR-${suffix}`,
        invoiceUrl: `https://invoice.example.test/i/${suffix}`,
        invoicePdfUrl: `https://invoice.example.test/i/${suffix}/pdf`,
      });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => store.recordDocumentsOfPurchase(invoice(`i${index}`))),
      );
      const recorded = results.filter((result) => result.ok && result.recorded);
      assert.equal(recorded.length, 1, 'one call recorded the invoice');
      const winner = recorded[0]!.ok ? recorded[0]!.purchase : null;
      const updatedAt = winner?.updatedAt;
      for (const result of results) {
        assert.ok(result.ok);
        assert.equal(result.purchase.invoiceUrl, winner?.invoiceUrl);
        assert.equal(result.purchase.receiptUrl, receipt.receiptUrl, 'the receipt stays');
      }

      // A later charge report, found by the payment intent alone, replaces nothing and moves nothing.
      const later = await store.recordDocumentsOfPurchase({
        ...receipt,
        purchaseId: null,
        receiptUrl: 'https://pay.example.test/receipts/second',
      });
      assert.ok(later.ok && !later.recorded);
      const found = await store.findPurchaseBySession(tenant.tenantId, sessionId);
      assert.deepEqual(
        [
          found?.receiptUrl,
          found?.stripeInvoiceId,
          found?.invoiceNumber,
          found?.invoicePdfUrl,
          found?.updatedAt,
        ],
        [
          receipt.receiptUrl,
          winner?.stripeInvoiceId,
          winner?.invoiceNumber,
          winner?.invoicePdfUrl,
          updatedAt,
        ],
      );

      // Not ours, and a charge of another payment naming this purchase: nothing recorded.
      assert.deepEqual(await store.recordDocumentsOfPurchase({ ...receipt, purchaseId: randomUUID() }), {
        ok: false,
        code: 'unknown_purchase',
      });
      assert.deepEqual(
        await store.recordDocumentsOfPurchase({
          ...receipt,
          purchaseId: null,
          paymentIntentId: 'pi_unknown',
        }),
        { ok: false, code: 'unknown_purchase' },
      );
      const other = await openSession(tenant);
      const mismatch = await store.recordDocumentsOfPurchase({
        ...receipt,
        purchaseId: other.purchase.id,
        paymentIntentId: 'pi_of_another_payment',
      });
      assert.equal(mismatch.ok, true, 'a purchase without a payment intent yet takes the receipt');
      const mismatched = await store.recordDocumentsOfPurchase({
        ...receipt,
        paymentIntentId: 'pi_of_another_payment',
        receiptUrl: 'https://pay.example.test/receipts/other',
      });
      assert.deepEqual(mismatched.ok ? null : mismatched.code, 'payment_intent_mismatch');
    });

    test('an automatic recharge through the port: switched on, crossed, declined once, retried and paid once', async () => {
      const tenant = await createTenant(database.sql);
      const { paymentMethodId } = await enableAutoRecharge(database.sql, store, tenant, {
        thresholdCredits: 50,
      });
      const overview = await store.autoRechargeOfUser(tenant.userId);
      assert.equal(overview!.state, 'on');
      assert.equal(overview!.canManage, true);
      assert.deepEqual(overview!.paymentMethod, {
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2034,
      });

      await spend(tenant, 60);
      assert.deepEqual((await store.getBalanceOfUser(tenant.userId))!.autoRecharge, {
        state: 'charging',
        reason: null,
      });
      const mine = async () =>
        (await store.claimAutoRecharges(50, 60)).filter((claim) => claim.tenantId === tenant.tenantId);
      const [first] = await mine();
      assert.ok(first, 'claimed');
      assert.equal(first.paymentMethodId, paymentMethodId);
      const declined = await store.recordAutoRechargeAttempt({
        rechargeId: first.rechargeId,
        attempt: first.attempt,
        outcome: 'failed',
        failureCode: 'insufficient_funds',
        retryBaseSeconds: 0,
      });
      assert.ok(declined.ok && declined.applied && declined.recharge.status === 'pending');
      assert.deepEqual((await store.getBalance(tenant.tenantId)).autoRecharge, {
        state: 'retrying',
        reason: 'insufficient_funds',
      });

      const [second] = await mine();
      assert.ok(second, 'due again at once with a base of 0 s');
      assert.equal(second.idempotencyKey, `auto-recharge-${first.rechargeId}-2`);
      const fulfil = () =>
        store.fulfilPaymentIntent({
          purchaseId: second.purchaseId,
          paymentIntentId: 'pi_port_recharge',
          amountCents: second.amountCents,
          currency: second.currency,
          event: { eventId: `evt_${randomUUID()}`, eventType: 'payment_intent.succeeded' },
        });
      const results = await Promise.all([fulfil(), fulfil(), fulfil()]);
      assert.equal(results.filter((result) => result.ok && result.credited).length, 1);
      const credited = results.find((result) => result.ok && result.credited);
      assert.ok(credited?.ok);
      assert.equal(credited.purchase.autoRechargeId, first.rechargeId);
      assert.equal(credited.newBalance, 140);
      await assertInvariants(tenant.tenantId);

      const after = await store.autoRechargeOfUser(tenant.userId);
      assert.equal(after!.state, 'on');
      assert.equal(after!.month.usedCents, 2500);
      assert.equal(after!.lastCharge!.status, 'succeeded');
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ClaimedAutoRecharge, CreditStore } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { BALANCE_CHANNEL, parseAnnouncement } from '../../server/live/balance-updates.ts';
import { deduct, enableAutoRecharge, rechargesOf } from '../support/auto-recharge-setup.ts';
import {
  balanceOf,
  createMember,
  createTenant,
  ledgerInvariants,
  type TestTenant,
} from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { until } from '../support/until.ts';

after(stopOwnTestCluster);

describe('automatic top-up in the database (0015_automatic_topup.sql)', () => {
  let database: TestDatabase;
  let store: CreditStore;
  const wakeUps: string[] = [];
  const balanceNews: string[] = [];

  before(async () => {
    database = await createTestDatabase();
    store = createPostgresCreditStore(database.url, { maxConnections: 24 });
    await database.sql.listen('credit_topup_auto_recharge', (payload) => wakeUps.push(payload));
    await database.sql.listen(BALANCE_CHANNEL, (payload) => balanceNews.push(payload));
  });
  after(async () => {
    await store.close();
    await database.drop();
  });

  /** Claims everything due and keeps what belongs to `tenant` (other tests' tenants may be due too). */
  async function claimFor(tenant: TestTenant, leaseSeconds = 60): Promise<ClaimedAutoRecharge[]> {
    const claimed = await store.claimAutoRecharges(100, leaseSeconds);
    return claimed.filter((claim) => claim.tenantId === tenant.tenantId);
  }

  async function claimOne(tenant: TestTenant, leaseSeconds = 60): Promise<ClaimedAutoRecharge> {
    const claimed = await claimFor(tenant, leaseSeconds);
    assert.equal(claimed.length, 1, 'one attempt handed out');
    return claimed[0]!;
  }

  /** What a decline or retry delay would make the sweep wait for: the clock moved on. */
  async function makeDue(rechargeId: string) {
    await database.sql`
      update public.credit_topup_auto_recharges set next_attempt_at = now() - interval '1 second' where id = ${rechargeId}`;
  }

  function paid(claim: ClaimedAutoRecharge, paymentIntentId = `pi_${randomUUID().replaceAll('-', '')}`) {
    return store.fulfilPaymentIntent({
      purchaseId: claim.purchaseId,
      paymentIntentId,
      amountCents: claim.amountCents,
      currency: claim.currency,
      event: { eventId: `evt_${randomUUID()}`, eventType: 'payment_intent.succeeded' },
    });
  }

  async function settingsOf(tenant: TestTenant) {
    const [row] = await database.sql`
      select enabled, consecutive_failures, disabled_reason from public.credit_topup_auto_recharge_settings
       where tenant_id = ${tenant.tenantId}`;
    return { ...row };
  }

  async function stateOf(tenant: TestTenant) {
    const [row] =
      await database.sql`select public.credit_topup_auto_recharge_state(${tenant.tenantId}) as state`;
    return row!.state as { state: string; reason: string | null };
  }

  describe('the trigger', () => {
    test('forty concurrent deductions crossing the threshold start exactly one recharge, announced once', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await Promise.all(Array.from({ length: 40 }, () => deduct(database.sql, tenant, 2)));
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 20);

      const recharges = await rechargesOf(database.sql, tenant);
      assert.equal(recharges.length, 1);
      const [recharge] = recharges;
      assert.equal(recharge!.status, 'pending');
      assert.equal(recharge!.attempt, 0);
      assert.equal(recharge!.balance_at_trigger, 48, 'recorded by the deduction that crossed');
      await until('the server woken', () => wakeUps.includes(recharge!.id));
      assert.equal(wakeUps.filter((id) => id === recharge!.id).length, 1);
    });

    test('no recharge without automatic top-up, above the threshold, or for a second crossing while one is open', async () => {
      const without = await createTenant(database.sql);
      await deduct(database.sql, without, 90);
      assert.deepEqual(await rechargesOf(database.sql, without), [], 'never set up');

      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 50);
      assert.deepEqual(await rechargesOf(database.sql, tenant), [], 'exactly at the threshold: not below it');
      await deduct(database.sql, tenant, 1);
      assert.equal((await rechargesOf(database.sql, tenant)).length, 1, 'below it');
      await deduct(database.sql, tenant, 10);
      assert.equal((await rechargesOf(database.sql, tenant)).length, 1, 'already below: no crossing');

      // The portal credits some back and spends again: a second crossing while the first is still open.
      await database.sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: tenant.userId })}, true)`;
        await tx`select public.rpc_credit_topup(${tenant.tenantId}, 40, 'manual', null)`;
      });
      await deduct(database.sql, tenant, 40);
      const open = await rechargesOf(database.sql, tenant);
      assert.equal(open.length, 1, 'one open recharge per tenant');

      const switchedOff = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, switchedOff, { thresholdCredits: 50 });
      const off = await store.saveAutoRecharge({
        userId: switchedOff.userId,
        enabled: false,
        thresholdCredits: 50,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 10_000,
        livemode: false,
      });
      assert.ok(off.ok);
      assert.equal(off.autoRecharge.state, 'off');
      await deduct(database.sql, switchedOff, 90);
      assert.deepEqual(await rechargesOf(database.sql, switchedOff), [], 'switched off by a member');
    });

    test('switching on below the threshold starts one recharge at once; switching off drops it before Stripe', async () => {
      const tenant = await createTenant(database.sql);
      await deduct(database.sql, tenant, 80);
      const { overview } = await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      assert.equal(overview.state, 'charging');
      const [pending] = await rechargesOf(database.sql, tenant);
      assert.equal(pending!.status, 'pending');
      assert.equal(pending!.balance_at_trigger, 20);

      const off = await store.saveAutoRecharge({
        userId: tenant.userId,
        enabled: false,
        thresholdCredits: 50,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 10_000,
        livemode: false,
      });
      assert.ok(off.ok);
      const [canceled] = await rechargesOf(database.sql, tenant);
      assert.equal(canceled!.status, 'canceled');
      assert.equal(canceled!.failure_code, 'disabled');
      assert.deepEqual(await claimFor(tenant), []);
    });
  });

  describe('claiming', () => {
    test('a claim reserves an attempt with its own purchase and key; leased, it is not handed out again; after the lease the same attempt and key come back', async () => {
      const tenant = await createTenant(database.sql);
      const { paymentMethodId } = await enableAutoRecharge(database.sql, store, tenant, {
        thresholdCredits: 50,
      });
      await deduct(database.sql, tenant, 60);
      const [recharge] = await rechargesOf(database.sql, tenant);

      const claim = await claimOne(tenant, 1);
      assert.equal(claim.rechargeId, recharge!.id);
      assert.equal(claim.attempt, 1);
      assert.equal(claim.idempotencyKey, `auto-recharge-${recharge!.id}-1`);
      assert.equal(claim.paymentMethodId, paymentMethodId);
      assert.match(claim.customerId, /^cus_/);
      assert.deepEqual(
        [claim.amountCents, claim.currency, claim.credits, claim.livemode],
        [2500, 'eur', 100, false],
      );

      const [purchase] =
        await database.sql`select * from public.credit_purchases where id = ${claim.purchaseId}`;
      assert.equal(purchase!.status, 'pending');
      assert.equal(purchase!.user_id, tenant.userId, 'the member who switched it on');
      assert.equal(purchase!.auto_recharge_id, recharge!.id);
      assert.equal(purchase!.idempotency_key, claim.idempotencyKey);
      assert.deepEqual(
        [purchase!.package_id, purchase!.credits, purchase!.amount_cents],
        ['standard', 100, 2500],
      );
      const [charging] = await rechargesOf(database.sql, tenant);
      assert.equal(charging!.status, 'charging');
      assert.equal((await stateOf(tenant)).state, 'charging');

      assert.deepEqual(await claimFor(tenant), [], 'leased to the first claimer');
      // Meanwhile an owner saves another card: the attempt already at Stripe keeps the one it was sent with.
      const replaced = await store.saveAutoRechargePaymentMethod({
        tenantId: tenant.tenantId,
        livemode: false,
        customerId: claim.customerId,
        paymentMethodId: 'pm_saved_while_charging',
        brand: 'mastercard',
        last4: '4444',
        expMonth: 1,
        expYear: 2035,
        userId: tenant.userId,
      });
      assert.equal(replaced.ok, true);
      // The first claimer died without recording anything; its lease of one second runs out.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await claimOne(tenant);
      assert.deepEqual(again, claim, 'the same attempt, purchase, card and Idempotency-Key');
      const purchases = await database.sql`
        select id from public.credit_purchases where auto_recharge_id = ${recharge!.id}`;
      assert.equal(purchases.length, 1, 'no second purchase');
    });

    test('concurrent claimers hand out each due recharge once', async () => {
      const tenants = await Promise.all(Array.from({ length: 12 }, () => createTenant(database.sql)));
      for (const tenant of tenants) {
        await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
        await deduct(database.sql, tenant, 60);
      }
      const ours = new Set(tenants.map((tenant) => tenant.tenantId));
      const claims = (
        await Promise.all(Array.from({ length: 8 }, () => store.claimAutoRecharges(3, 60)))
      ).flat();
      const leftovers = await store.claimAutoRecharges(100, 60);
      const handedOut = [...claims, ...leftovers].filter((claim) => ours.has(claim.tenantId));
      assert.equal(handedOut.length, 12);
      assert.equal(new Set(handedOut.map((claim) => claim.rechargeId)).size, 12, 'none twice');
      assert.equal(new Set(handedOut.map((claim) => claim.purchaseId)).size, 12);
    });
  });

  describe('the monthly cap', () => {
    test('a new month gives a capped tenant its cap back: the next claim asks for one recharge, once', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50, monthlyCapCents: 2500 });
      await deduct(database.sql, tenant, 60);
      assert.ok((await paid(await claimOne(tenant))).ok);
      await deduct(database.sql, tenant, (await balanceOf(database.sql, tenant.tenantId)) - 40);
      assert.deepEqual(await claimFor(tenant), [], 'the cap of 25 € is used');
      assert.equal((await stateOf(tenant)).state, 'capped');
      assert.deepEqual(await claimFor(tenant), [], 'still this month: nothing');
      // The month ends: everything of this tenant so far belongs to the month before.
      await database.sql`
        update public.credit_topup_auto_recharges
           set cap_month = (cap_month - interval '1 month')::date, created_at = created_at - interval '31 days'
         where tenant_id = ${tenant.tenantId}`;
      const [claim] = await claimFor(tenant);
      assert.ok(claim, 'a recharge in the new month');
      const [row] = await database.sql<{ cause: string }[]>`
        select cause from public.credit_topup_auto_recharges where id = ${claim!.rechargeId}`;
      assert.equal(row!.cause, 'new_month');
      assert.deepEqual(await claimFor(tenant), [], 'one, not one per claim');
      assert.ok((await paid(claim!)).ok);
      assert.deepEqual(await claimFor(tenant), [], 'above the threshold again: nothing more');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 140);
    });

    test('a reservation over the cap is canceled with monthly_cap_reached, and raising the cap starts one again', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50, monthlyCapCents: 6000 });
      for (let round = 0; round < 2; round++) {
        await deduct(database.sql, tenant, (await balanceOf(database.sql, tenant.tenantId)) - 40);
        const fulfilled = await paid(await claimOne(tenant));
        assert.ok(fulfilled.ok && fulfilled.credited);
      }
      await deduct(database.sql, tenant, (await balanceOf(database.sql, tenant.tenantId)) - 40);
      assert.deepEqual(await claimFor(tenant), [], '2 × 25 € used, 25 € more would exceed 60 €');
      const latest = (await rechargesOf(database.sql, tenant)).at(-1)!;
      assert.deepEqual(
        [latest.status, latest.failure_code, latest.purchase_id],
        ['canceled', 'monthly_cap_reached', null],
      );
      const rows = (await rechargesOf(database.sql, tenant)).length;
      await deduct(database.sql, tenant, 5);
      assert.equal(
        (await rechargesOf(database.sql, tenant)).length,
        rows,
        'spending on below the threshold is no crossing',
      );

      const overview = await store.autoRechargeOfUser(tenant.userId);
      assert.equal(overview!.state, 'capped');
      assert.equal(overview!.reason, 'monthly_cap_reached');
      assert.deepEqual(overview!.month, {
        month: overview!.month.month,
        usedCents: 5000,
        capCents: 6000,
      });
      assert.match(overview!.month.month, /^\d{4}-\d{2}$/);

      const raised = await store.saveAutoRecharge({
        userId: tenant.userId,
        enabled: true,
        thresholdCredits: 50,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 7500,
        livemode: false,
      });
      assert.ok(raised.ok);
      assert.equal(raised.autoRecharge.state, 'charging', 'still below the threshold: a recharge at once');
      assert.equal((await claimFor(tenant)).length, 1);
    });

    test('racing deductions, claimers and payments never reserve more than the cap in a month', async () => {
      const tenants = await Promise.all(Array.from({ length: 6 }, () => createTenant(database.sql)));
      for (const tenant of tenants) {
        await enableAutoRecharge(database.sql, store, tenant, {
          thresholdCredits: 50,
          monthlyCapCents: 8500,
        });
      }
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          tenants.map(async (tenant) => {
            const balance = await balanceOf(database.sql, tenant.tenantId);
            if (balance > 40) await deduct(database.sql, tenant, balance - 40);
          }),
        );
        const claims = (
          await Promise.all(Array.from({ length: 4 }, () => store.claimAutoRecharges(2, 60)))
        ).flat();
        await Promise.all(claims.map((claim) => paid(claim)));
      }
      for (const tenant of tenants) {
        const [month] = await database.sql`
          select coalesce(sum(amount_cents) filter (where status in ('charging', 'requires_action', 'succeeded')), 0)::int as used,
                 count(*) filter (where status = 'succeeded')::int as succeeded,
                 count(*) filter (where failure_code = 'monthly_cap_reached')::int as capped
            from public.credit_topup_auto_recharges where tenant_id = ${tenant.tenantId}`;
        assert.ok(month!.used <= 8500, `used ${month!.used} of 8500`);
        assert.equal(month!.succeeded, 3, 'three recharges fit under the cap');
        assert.ok(month!.capped >= 1, 'the fourth was refused');
        const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
        assert.equal(invariants.balance, invariants.openingPlusLedger);
        assert.equal(invariants.creditedByPurchases, 300);
      }
    });
  });

  describe('recording attempts', () => {
    test('a decline reported twice counts once; retries wait 1×, then 4× the base; the third decline in a row switches it off', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);

      const first = await claimOne(tenant);
      const declined = {
        rechargeId: first.rechargeId,
        attempt: 1,
        outcome: 'failed' as const,
        paymentIntentId: 'pi_declined_1',
        failureCode: 'insufficient_funds',
        retryBaseSeconds: 60,
      };
      const byApi = await store.recordAutoRechargeAttempt(declined);
      const byWebhook = await store.recordAutoRechargeAttempt({
        ...declined,
        event: { eventId: `evt_${randomUUID()}`, eventType: 'payment_intent.payment_failed' },
      });
      assert.ok(byApi.ok && byApi.applied && !byApi.disabled);
      assert.ok(byWebhook.ok && !byWebhook.applied, 'reported again: applied once');
      assert.equal((await settingsOf(tenant)).consecutive_failures, 1);
      const [retry] = await rechargesOf(database.sql, tenant);
      assert.deepEqual(
        [retry!.status, retry!.attempt, retry!.failure_code],
        ['pending', 1, 'insufficient_funds'],
      );
      const [delay1] = await database.sql`
        select extract(epoch from next_attempt_at - now())::int as seconds from public.credit_topup_auto_recharges
         where id = ${first.rechargeId}`;
      assert.ok(delay1!.seconds > 55 && delay1!.seconds <= 60, `first retry after ${delay1!.seconds} s`);
      const [failedPurchase] = await database.sql`
        select status, failure_code, stripe_payment_intent_id from public.credit_purchases where id = ${first.purchaseId}`;
      assert.deepEqual(
        { ...failedPurchase },
        {
          status: 'failed',
          failure_code: 'insufficient_funds',
          stripe_payment_intent_id: 'pi_declined_1',
        },
      );
      assert.deepEqual(await stateOf(tenant), { state: 'retrying', reason: 'insufficient_funds' });
      assert.deepEqual(await claimFor(tenant), [], 'not due before the delay');

      await makeDue(first.rechargeId);
      const second = await claimOne(tenant);
      assert.equal(second.attempt, 2);
      assert.equal(second.idempotencyKey, `auto-recharge-${first.rechargeId}-2`);
      assert.notEqual(second.purchaseId, first.purchaseId, 'each attempt its own purchase');
      await store.recordAutoRechargeAttempt({ ...declined, attempt: 2, paymentIntentId: 'pi_declined_2' });
      const [delay2] = await database.sql`
        select extract(epoch from next_attempt_at - now())::int as seconds from public.credit_topup_auto_recharges
         where id = ${first.rechargeId}`;
      assert.ok(delay2!.seconds > 235 && delay2!.seconds <= 240, `second retry after ${delay2!.seconds} s`);

      await makeDue(first.rechargeId);
      const third = await claimOne(tenant);
      const last = await store.recordAutoRechargeAttempt({
        ...declined,
        attempt: 3,
        paymentIntentId: 'pi_declined_3',
      });
      assert.ok(last.ok && last.applied && last.disabled);
      assert.equal(last.recharge.status, 'failed');
      assert.deepEqual(await settingsOf(tenant), {
        enabled: false,
        consecutive_failures: 3,
        disabled_reason: 'declined_3_times',
      });
      assert.deepEqual(await stateOf(tenant), { state: 'disabled', reason: 'declined_3_times' });
      await makeDue(third.rechargeId);
      assert.deepEqual(await claimFor(tenant), []);
      const purchases = await database.sql`
        select status from public.credit_purchases where auto_recharge_id = ${first.rechargeId}`;
      assert.deepEqual(
        purchases.map((row) => row.status),
        ['failed', 'failed', 'failed'],
        'the history shows every attempt',
      );
    });

    test('a permanent failure switches it off at once, with its code as the reason', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const claim = await claimOne(tenant);
      const recorded = await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: claim.attempt,
        outcome: 'failed',
        failureCode: 'expired_card',
        permanent: true,
      });
      assert.ok(recorded.ok && recorded.disabled);
      assert.deepEqual(await settingsOf(tenant), {
        enabled: false,
        consecutive_failures: 1,
        disabled_reason: 'expired_card',
      });
      assert.deepEqual(await stateOf(tenant), { state: 'disabled', reason: 'expired_card' });
    });

    test('a payment that needs the customer is not retried; a failure reported afterwards changes nothing', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const claim = await claimOne(tenant);
      const recorded = await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: claim.attempt,
        outcome: 'requires_action',
        paymentIntentId: 'pi_needs_3ds',
        failureCode: 'authentication_required',
      });
      assert.ok(recorded.ok && recorded.applied);
      assert.equal(recorded.recharge.status, 'requires_action');
      const [purchase] = await database.sql`
        select status, stripe_payment_intent_id from public.credit_purchases where id = ${claim.purchaseId}`;
      assert.deepEqual({ ...purchase }, { status: 'pending', stripe_payment_intent_id: 'pi_needs_3ds' });

      await makeDue(claim.rechargeId);
      assert.deepEqual(await claimFor(tenant), [], 'waits for the customer, never retried');
      const webhook = await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: claim.attempt,
        outcome: 'failed',
        failureCode: 'authentication_required',
      });
      assert.ok(webhook.ok && !webhook.applied);
      assert.equal((await settingsOf(tenant)).consecutive_failures, 0);

      const overview = await store.autoRechargeOfUser(tenant.userId);
      assert.equal(overview!.state, 'needs_confirmation');
      assert.deepEqual(overview!.confirmation, {
        rechargeId: claim.rechargeId,
        purchaseId: claim.purchaseId,
        paymentIntentId: 'pi_needs_3ds',
        paymentMethodId: claim.paymentMethodId,
        customerId: claim.customerId,
        credits: 100,
        amountCents: 2500,
      });
      assert.equal(overview!.lastCharge!.status, 'requires_action');
    });
  });

  describe('crediting a PaymentIntent', () => {
    test('twenty concurrent duplicate deliveries credit once, mark the recharge succeeded and forget earlier declines', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const declinedAttempt = await claimOne(tenant);
      await store.recordAutoRechargeAttempt({
        rechargeId: declinedAttempt.rechargeId,
        attempt: 1,
        outcome: 'failed',
        failureCode: 'card_declined',
      });
      await makeDue(declinedAttempt.rechargeId);
      const claim = await claimOne(tenant);
      const paymentIntentId = `pi_${randomUUID().replaceAll('-', '')}`;
      const sharedEvent = { eventId: `evt_${randomUUID()}`, eventType: 'payment_intent.succeeded' };

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.fulfilPaymentIntent({
            purchaseId: index % 2 ? claim.purchaseId : null,
            paymentIntentId,
            amountCents: 2500,
            currency: 'eur',
            // Half the same event redelivered, half the API's answer and other events of the payment.
            event:
              index % 2 ? sharedEvent : { eventId: `evt_${randomUUID()}`, eventType: 'charge.succeeded' },
          }),
        ),
      );
      // Without a purchase id the first deliveries cannot find it yet (the intent is recorded on crediting).
      const credited = results.filter((result) => result.ok && result.credited);
      assert.equal(credited.length, 1);
      for (const result of results) {
        assert.ok(result.ok || result.code === 'unknown_purchase', JSON.stringify(result));
      }
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 140);
      const [ledger] = await database.sql`
        select user_id, ref_type, amount from public.credit_ledger where ref_id = ${claim.purchaseId}`;
      assert.deepEqual(
        { ...ledger },
        { user_id: tenant.userId, ref_type: 'stripe_auto_recharge', amount: 100 },
      );
      const [purchase] = await database.sql`
        select status, credited_credits, amount_paid_cents, stripe_payment_intent_id from public.credit_purchases
         where id = ${claim.purchaseId}`;
      assert.deepEqual(
        { ...purchase },
        {
          status: 'credited',
          credited_credits: 100,
          amount_paid_cents: 2500,
          stripe_payment_intent_id: paymentIntentId,
        },
      );
      const [recharge] = await rechargesOf(database.sql, tenant);
      assert.deepEqual([recharge!.status, recharge!.purchase_id], ['succeeded', claim.purchaseId]);
      assert.equal((await settingsOf(tenant)).consecutive_failures, 0);
      assert.deepEqual(await stateOf(tenant), { state: 'on', reason: null });
      const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger);

      const late = await store.fulfilPaymentIntent({ paymentIntentId, amountCents: 2500, currency: 'eur' });
      assert.ok(late.ok && !late.credited, 'found by its intent now, and credited before');
      assert.equal(late.autoRechargeId, claim.rechargeId);
    });

    test('a recharge that leaves the balance still below the threshold asks for the next one; one that lifts it above does not', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, {
        thresholdCredits: 50,
        credits: 20,
        amountCents: 500,
        monthlyCapCents: 5000,
      });
      const pay = async (claim: ClaimedAutoRecharge) => {
        const paid = await store.fulfilPaymentIntent({
          purchaseId: claim.purchaseId,
          paymentIntentId: `pi_${claim.rechargeId.replaceAll('-', '').slice(0, 20)}`,
          amountCents: 500,
          currency: 'eur',
        });
        assert.ok(paid.ok && paid.credited);
      };
      await deduct(database.sql, tenant, 60); // 100 → 40: crosses
      const first = await claimOne(tenant);
      await deduct(database.sql, tenant, 30); // 40 → 10 while the recharge is being paid
      await pay(first); // 10 + 20 = 30: still below 50
      const causes = async () =>
        (
          await database.sql<{ cause: string; status: string }[]>`
            select cause, status from public.credit_topup_auto_recharges
             where tenant_id = ${tenant.tenantId} order by created_at`
        ).map((row) => `${row.cause}:${row.status}`);
      assert.deepEqual(await causes(), ['threshold:succeeded', 'still_below:pending']);
      assert.equal((await stateOf(tenant)).state, 'charging');
      await pay(await claimOne(tenant)); // 30 + 20 = 50: at the threshold, not below it
      assert.deepEqual(await causes(), ['threshold:succeeded', 'still_below:succeeded']);
      assert.deepEqual(await claimFor(tenant), []);
      assert.deepEqual(await stateOf(tenant), { state: 'on', reason: null });
      const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
      assert.equal(invariants.balance, 50);
      assert.equal(invariants.balance, invariants.openingPlusLedger);
    });

    test('a payment the customer confirmed after 3-D Secure is credited', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const claim = await claimOne(tenant);
      await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: 1,
        outcome: 'requires_action',
        paymentIntentId: 'pi_confirmed_later',
        failureCode: 'authentication_required',
      });
      const result = await paid(claim, 'pi_confirmed_later');
      assert.ok(result.ok && result.credited);
      assert.equal(result.newBalance, 140);
      assert.equal((await rechargesOf(database.sql, tenant))[0]!.status, 'succeeded');
      assert.deepEqual(await stateOf(tenant), { state: 'on', reason: null });
    });

    test('another payment intent, a wrong amount and a Checkout purchase are refused', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const claim = await claimOne(tenant);
      await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: 1,
        outcome: 'requires_action',
        paymentIntentId: 'pi_the_right_one',
      });
      const other = await paid(claim, 'pi_another_one');
      assert.deepEqual(other, { ok: false, code: 'payment_intent_mismatch' });
      const wrongAmount = await store.fulfilPaymentIntent({
        purchaseId: claim.purchaseId,
        paymentIntentId: 'pi_the_right_one',
        amountCents: 1,
        currency: 'eur',
      });
      assert.ok(!wrongAmount.ok && wrongAmount.code === 'amount_mismatch');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 40);

      const checkout = await store.openPurchase({
        tenantId: tenant.tenantId,
        userId: tenant.userId,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
      });
      assert.ok(checkout.ok);
      const notOurs = await store.fulfilPaymentIntent({
        purchaseId: checkout.purchase.id,
        paymentIntentId: 'pi_checkout',
        amountCents: 2500,
        currency: 'eur',
      });
      assert.ok(!notOurs.ok && notOurs.code === 'not_an_auto_recharge');
    });
  });

  describe('settings, card and who may change them', () => {
    test('owners and admins (any case) may change the settings; other members only look', async () => {
      const tenant = await createTenant(database.sql);
      const member = await createMember(database.sql, tenant.tenantId);
      const admin = await createMember(database.sql, tenant.tenantId);
      await database.sql`update public.memberships set role = 'ADMIN' where user_id = ${admin}`;
      const save = (userId: string, enabled: boolean, thresholdCredits = 30) =>
        store.saveAutoRecharge({
          userId,
          enabled,
          thresholdCredits,
          packageId: 'standard',
          credits: 100,
          amountCents: 2500,
          currency: 'eur',
          monthlyCapCents: 5000,
          livemode: false,
        });

      assert.deepEqual(await save(member, false), { ok: false, code: 'forbidden' });
      assert.deepEqual(await save(randomUUID(), false), { ok: false, code: 'no_tenant' });
      assert.deepEqual(await save(admin, true), { ok: false, code: 'payment_method_required' });
      assert.deepEqual(await save(admin, false, 9), { ok: false, code: 'invalid_threshold' });

      const card = await store.saveAutoRechargePaymentMethod({
        tenantId: tenant.tenantId,
        livemode: false,
        customerId: 'cus_Admin0000000001',
        paymentMethodId: 'pm_admin_visa',
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2034,
      });
      assert.ok(card.ok);
      assert.equal(card.autoRecharge.canManage, false, 'the webhook names no member');
      assert.equal(card.autoRecharge.enabled, false, 'a card alone switches nothing on');
      assert.deepEqual(card.autoRecharge.paymentMethod, {
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2034,
      });
      assert.equal(card.autoRecharge.settings, null);

      const saved = await save(admin, true);
      assert.ok(saved.ok);
      assert.equal(saved.autoRecharge.state, 'on');
      assert.deepEqual(saved.autoRecharge.settings, {
        thresholdCredits: 30,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 5000,
      });
      const seenByMember = await store.autoRechargeOfUser(member);
      assert.equal(seenByMember!.canManage, false);
      assert.equal(seenByMember!.enabled, true);
      assert.equal(seenByMember!.minThresholdCredits, 10);
      assert.equal((await store.autoRechargeOfUser(admin))!.canManage, true);
      assert.equal(await store.autoRechargeOfUser(randomUUID()), null);

      // A card of the other mode does not pay in this one.
      const live = await store.saveAutoRecharge({
        userId: admin,
        enabled: true,
        thresholdCredits: 30,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 5000,
        livemode: true,
      });
      assert.deepEqual(live, { ok: false, code: 'payment_method_required' });
    });

    test('a payment waiting for the customer: the confirmation names its own card; switching off ends the wait; after 7 days it ends by itself', async () => {
      const waitingFor = async () => {
        const tenant = await createTenant(database.sql);
        const { paymentMethodId } = await enableAutoRecharge(database.sql, store, tenant, {
          thresholdCredits: 50,
        });
        await deduct(database.sql, tenant, 60);
        const claim = await claimOne(tenant);
        await store.recordAutoRechargeAttempt({
          rechargeId: claim.rechargeId,
          attempt: claim.attempt,
          outcome: 'requires_action',
          paymentIntentId: `pi_wait_${claim.rechargeId.slice(0, 8)}`,
          failureCode: 'authentication_required',
        });
        return { tenant, claim, paymentMethodId };
      };

      const first = await waitingFor();
      await store.saveAutoRechargePaymentMethod({
        tenantId: first.tenant.tenantId,
        livemode: false,
        customerId: first.claim.customerId,
        paymentMethodId: 'pm_newer_card',
        brand: 'visa',
        last4: '1881',
        expMonth: 1,
        expYear: 2036,
        userId: first.tenant.userId,
      });
      const overview = await store.autoRechargeOfUser(first.tenant.userId);
      assert.equal(overview!.state, 'needs_confirmation');
      assert.equal(
        overview!.confirmation?.paymentMethodId,
        first.paymentMethodId,
        'the card the payment was made with',
      );
      const off = await store.saveAutoRecharge({
        userId: first.tenant.userId,
        enabled: false,
        thresholdCredits: 50,
        packageId: 'standard',
        credits: 100,
        amountCents: 2500,
        currency: 'eur',
        monthlyCapCents: 10_000,
        livemode: false,
      });
      assert.ok(off.ok);
      assert.equal(off.autoRecharge.state, 'off');
      assert.equal(off.autoRecharge.confirmation, null, 'nobody is asked to confirm a switched-off top-up');
      const [canceled] = await rechargesOf(database.sql, first.tenant);
      assert.deepEqual([canceled!.status, canceled!.failure_code], ['canceled', 'disabled']);

      const second = await waitingFor();
      await database.sql`
        update public.credit_topup_auto_recharges set updated_at = now() - interval '8 days'
         where id = ${second.claim.rechargeId}`;
      await store.claimAutoRecharges(1, 60);
      const [expired] = await rechargesOf(database.sql, second.tenant);
      assert.deepEqual([expired!.status, expired!.failure_code], ['canceled', 'confirmation_expired']);
      assert.equal((await stateOf(second.tenant)).state, 'on');
    });

    test('an attempt unrecorded after 23 hours is never sent again (Stripe forgets its key after 24): released as failed, not as a decline', async () => {
      const tenant = await createTenant(database.sql);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await deduct(database.sql, tenant, 60);
      const claim = await claimOne(tenant, 1);
      // Its process died, and nothing answered for a day.
      await database.sql`
        update public.credit_purchases set created_at = now() - interval '23 hours 1 minute'
         where id = ${claim.purchaseId}`;
      await database.sql`
        update public.credit_topup_auto_recharges set claimed_until = now() - interval '1 second'
         where id = ${claim.rechargeId}`;
      assert.deepEqual(await claimFor(tenant), [], 'not sent again');
      const [released] = await rechargesOf(database.sql, tenant);
      assert.deepEqual([released!.status, released!.failure_code], ['failed', 'unconfirmed_at_stripe']);
      assert.equal((await settingsOf(tenant)).consecutive_failures, 0);
      // Had Stripe charged it after all, the payment still credits (webhook or reconcile).
      const late = await store.fulfilPaymentIntent({
        purchaseId: claim.purchaseId,
        paymentIntentId: 'pi_charged_after_all',
        amountCents: 2500,
        currency: 'eur',
      });
      assert.ok(late.ok && late.credited);
      assert.equal((await rechargesOf(database.sql, tenant))[0]!.status, 'succeeded');
    });

    test('a detached card switches it off with the reason, drops the waiting recharge and is forgotten', async () => {
      const tenant = await createTenant(database.sql);
      const { paymentMethodId } = await enableAutoRecharge(database.sql, store, tenant, {
        thresholdCredits: 50,
      });
      await deduct(database.sql, tenant, 60);
      assert.deepEqual(
        await store.disableAutoRechargeForPaymentMethod(paymentMethodId, 'payment_method_detached'),
        {
          disabled: 1,
        },
      );
      assert.deepEqual(await settingsOf(tenant), {
        enabled: false,
        consecutive_failures: 0,
        disabled_reason: 'payment_method_detached',
      });
      const [recharge] = await rechargesOf(database.sql, tenant);
      assert.deepEqual([recharge!.status, recharge!.failure_code], ['canceled', 'payment_method_detached']);
      const overview = await store.autoRechargeOfUser(tenant.userId);
      assert.equal(overview!.state, 'disabled');
      assert.equal(overview!.reason, 'payment_method_detached');
      assert.equal(overview!.paymentMethod, null);
      assert.deepEqual(await store.disableAutoRechargeForPaymentMethod('pm_unknown', 'card_expired'), {
        disabled: 0,
      });
    });
  });

  describe('the state in balances', () => {
    test('balance notifications carry the state as it changes, and the balance view and getBalance give it', async () => {
      const tenant = await createTenant(database.sql);
      const heard = () =>
        balanceNews
          .map((payload) => JSON.parse(payload) as { tenant_id: string; auto_recharge: { state: string } })
          .filter((news) => news.tenant_id === tenant.tenantId)
          .map((news) => news.auto_recharge.state);
      await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
      await until('switched on, announced', () => heard().includes('on'));

      await deduct(database.sql, tenant, 60);
      await until('the crossing deduction announced with its recharge', () => heard().at(-1) === 'charging');
      const crossing = balanceNews
        .map((payload) => JSON.parse(payload))
        .filter((news) => news.tenant_id === tenant.tenantId && news.available_credits === 40);
      assert.deepEqual(
        crossing.map((news) => news.auto_recharge),
        [{ state: 'charging', reason: null }],
        'one notification for the deduction and the recharge it started',
      );

      const claim = await claimOne(tenant);
      await store.recordAutoRechargeAttempt({
        rechargeId: claim.rechargeId,
        attempt: 1,
        outcome: 'requires_action',
        paymentIntentId: 'pi_live_state',
      });
      await until('needs confirmation, announced', () => heard().at(-1) === 'needs_confirmation');
      const viaView = await store.getBalanceOfUser(tenant.userId);
      assert.deepEqual(viaView!.autoRecharge, { state: 'needs_confirmation', reason: null });
      const [row] = await database.sql`
        select auto_recharge_state, auto_recharge_reason from public.credit_topup_member_balances_with_auto_recharge
         where user_id = ${tenant.userId}`;
      assert.deepEqual({ ...row }, { auto_recharge_state: 'needs_confirmation', auto_recharge_reason: null });

      await paid(claim, 'pi_live_state');
      await until('credited, announced', () => heard().at(-1) === 'on');
      assert.deepEqual((await store.getBalance(tenant.tenantId)).autoRecharge, { state: 'on', reason: null });
    });

    test('the notification parser reads the state, and a payload without it (before 0015) is still a balance', () => {
      const tenantId = randomUUID();
      const figures = {
        tenant_id: tenantId,
        balance_credits: 40,
        reserved_credits: 0,
        available_credits: 40,
      };
      assert.deepEqual(parseAnnouncement(JSON.stringify(figures)), {
        tenantId,
        balanceCredits: 40,
        reservedCredits: 0,
        availableCredits: 40,
      });
      assert.deepEqual(
        parseAnnouncement(
          JSON.stringify({ ...figures, auto_recharge: { state: 'retrying', reason: 'card_declined' } }),
        )?.autoRecharge,
        { state: 'retrying', reason: 'card_declined' },
      );
      assert.equal(
        parseAnnouncement(JSON.stringify({ ...figures, auto_recharge: { state: 'teleporting' } }))
          ?.autoRecharge,
        undefined,
        'a state this server does not know is left out',
      );
    });
  });
});

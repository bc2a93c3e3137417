// Model-based: automatic top-up under everything that goes wrong at once. fast-check generates runs of
// tenants (each with one of Stripe's saved test cards: pays; always needs 3-D Secure off session; saves
// then declines every charge; saves with a challenge then declines insufficient_funds) and steps:
// deductions alone and racing each other and the charging; two worker processes sweeping at once;
// processes that claim a recharge and die before their charge finishes (the lease must run out), or
// whose answer from Stripe is lost after Stripe charged (the sandbox's lose_answer fault); such a dead
// process waking up late and sending its attempt after all; Stripe's events delivered late, duplicated,
// reordered, concurrently, and some never (lost); customers completing or failing 3-D Secure in the page;
// members switching automatic top-up off and on, or buying a package through Checkout while a recharge is
// open. Everything real: PostgreSQL with the migrations, the Stripe sandbox, the server's claim, charge,
// sweeper, event handler and reconcile job.
//
// After every step: at most one open recharge per tenant, no more recharges than the model counts
// crossings, the monthly cap kept (reserved in the ledger and succeeded at Stripe), one PaymentIntent per
// attempt's idempotency key, at most one succeeded payment per recharge, nothing credited twice or
// without a payment, balance = opening + sum(ledger) = the model's. After the run has settled (leases
// expired, swept, and every event delivered by Stripe's retries or the reconcile job run instead):
// nothing left charging, and every payment that succeeded at Stripe credited exactly once.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { creditPackages } from '../../credit-packages.ts';
import { type ChargeOutcome, chargeRecharge } from '../../server/auto-recharge/charge-recharge.ts';
import { createRechargeSweeper, type RechargeSweeper } from '../../server/auto-recharge/recharge-worker.ts';
import { reconcileRechargePayments } from '../../server/auto-recharge/reconcile-recharges.ts';
import { recordCardOfSetupSession, setupSessionParams } from '../../server/auto-recharge/saved-card.ts';
import type { Logger } from '../../server/http/logger.ts';
import type { ClaimedAutoRecharge, CreditStore } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { applyStripeEvent } from '../../server/purchases/apply-stripe-event.ts';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { report, size } from '../support/reliability.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';
import { createTenant, ledgerInvariants, purchaseInput, type TestTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

/** Stripe's test cards as a tenant saved them through the setup checkout. */
const CARDS = {
  pays: '4242424242424242',
  alwaysAuthenticate: '4000002760003184',
  declinesLater: '4000000000000341',
  insufficientFunds: '4000008260003178',
} as const;
type CardKind = keyof typeof CARDS;

/** The lease a claim takes; "time passing" beyond it is a step of its own (leasesExpire). */
const LEASE_SECONDS = 1;
/** Declined recharges are due again at once, so a run sees retries, the third decline and switching off. */
const RETRY_BASE_SECONDS = 0;
const OPENING_CREDITS = 100;

interface TenantPlan {
  card: CardKind;
  threshold: number;
  packageIndex: number;
  capCents: number;
}

type Step =
  | { kind: 'deduct'; tenant: number; credits: number }
  | { kind: 'race'; tenant: number; deductions: number[]; sweepers: number; deliver: boolean }
  | { kind: 'sweep'; sweepers: number }
  | { kind: 'claimAndDie'; limit: number }
  | { kind: 'zombieWakes' }
  | { kind: 'loseAnswer' }
  | { kind: 'leasesExpire' }
  | { kind: 'deliver'; take: number; seed: number; concurrent: boolean }
  | { kind: 'customerConfirms'; tenant: number; completes: boolean }
  | { kind: 'toggle'; tenant: number }
  | { kind: 'buysCredits'; tenant: number };

const tenantArbitrary = fc.record<TenantPlan>({
  card: fc.constantFrom<CardKind>('pays', 'pays', 'alwaysAuthenticate', 'declinesLater', 'insufficientFunds'),
  threshold: fc.constantFrom(30, 50, 80),
  packageIndex: fc.constantFrom(0, 1), // starter (50 credits, 12.50 €) or standard (100 credits, 25 €)
  capCents: fc.constantFrom(1250, 2500, 3750, 5000),
});

const stepArbitrary = (tenants: number): fc.Arbitrary<Step> => {
  const tenant = fc.nat({ max: tenants - 1 });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('deduct' as const),
        tenant,
        credits: fc.integer({ min: 5, max: 45 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('race' as const),
        tenant,
        deductions: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 2, maxLength: 6 }),
        sweepers: fc.integer({ min: 0, max: 2 }),
        deliver: fc.boolean(),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('sweep' as const), sweepers: fc.integer({ min: 1, max: 2 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('claimAndDie' as const),
        limit: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('zombieWakes' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('loseAnswer' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('leasesExpire' as const) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        take: fc.integer({ min: 1, max: 12 }),
        seed: fc.nat(),
        concurrent: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('customerConfirms' as const),
        tenant,
        completes: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggle' as const), tenant }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('buysCredits' as const), tenant }) },
  );
};

const runArbitrary = fc.array(tenantArbitrary, { minLength: 1, maxLength: 3 }).chain((tenants) =>
  fc.record({
    tenants: fc.constant(tenants),
    steps: fc.array(stepArbitrary(tenants.length), { minLength: 6, maxLength: 30 }),
    /** How the run settles: Stripe's retries deliver every event in the end, or they stay lost and reconcile runs. */
    settleBy: fc.constantFrom<'redelivery' | 'reconcile'>('redelivery', 'reconcile'),
    zombiesWakeAfterSettling: fc.boolean(),
    /** Customers whose payment waits for 3-D Secure come back and complete it while the run settles. */
    customersComeBack: fc.boolean(),
    seed: fc.nat(),
  }),
);

/** A small deterministic generator for the choices inside a step (order, duplicates, losses). */
function randomFrom(seed: number) {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

/**
 * A run takes about a second, and shrinking a long failing run tries hundreds: after a minute of
 * shrinking, every further candidate passes, so fast-check reports the smallest failure found so far.
 */
function shrinkingForAMinuteAtMost<T>(property: (value: T) => Promise<void>) {
  let firstFailureAt: number | null = null;
  return async (value: T) => {
    if (firstFailureAt !== null && Date.now() - firstFailureAt > 60_000) return;
    try {
      await property(value);
    } catch (error) {
      firstFailureAt ??= Date.now();
      throw error;
    }
  };
}

/** Events that make a PaymentIntent's money or failure known; what the model test delivers. */
const PAYMENT_EVENT = /^(payment_intent|charge)\./;

let database: TestDatabase;
let store: CreditStore;
let sandbox: StripeSandbox;
let stripe: Stripe;
const errorsLogged: string[] = [];
const logger: Logger = {
  info() {},
  warn() {},
  error(message, fields) {
    errorsLogged.push(`${message} ${String((fields?.error as Error | undefined)?.message ?? '')}`);
  },
};

before(async () => {
  database = await createTestDatabase();
  store = createPostgresCreditStore(database.url, { maxConnections: 10 });
  sandbox = await startStripeSandbox();
  stripe = sandboxStripeClient(sandbox);
});
after(async () => {
  await sandbox.close();
  await store.close();
  await database.drop();
  await stopOwnTestCluster();
});

async function control(path: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An owner saves the card through a setup checkout (3-D Secure when the card asks) and switches it on. */
async function tenantWithAutoRecharge(plan: TenantPlan) {
  const tenant = await createTenant(database.sql);
  await database.sql`update public.memberships set role = 'owner' where user_id = ${tenant.userId}`;
  const customer = await stripe.customers.create({ metadata: { tenant_id: tenant.tenantId } });
  const session = await stripe.checkout.sessions.create(
    setupSessionParams({
      tenantId: tenant.tenantId,
      userId: tenant.userId,
      customerId: customer.id,
      locale: 'de',
      returnUrl: 'https://portal.example.test/auto?s={CHECKOUT_SESSION_ID}',
      nowSeconds: Math.floor(Date.now() / 1000),
    }),
  );
  const paid = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
    card_number: CARDS[plan.card],
  });
  if (paid.setup_intent_status === 'requires_action') {
    await control(`/__sandbox/setup_intents/${String(paid.setup_intent)}/authenticate`, {
      outcome: 'complete',
    });
  }
  const recorded = await recordCardOfSetupSession(await stripe.checkout.sessions.retrieve(session.id), {
    store,
    stripe,
    livemode: false,
  });
  assert.equal(recorded, 'recorded');
  await switchOn(tenant, plan);
  return { tenant, customerId: customer.id, plan };
}

async function switchOn(tenant: TestTenant, plan: TenantPlan, enabled = true) {
  const creditPackage = creditPackages[plan.packageIndex]!;
  const saved = await store.saveAutoRecharge({
    userId: tenant.userId,
    enabled,
    thresholdCredits: plan.threshold,
    packageId: creditPackage.id,
    credits: creditPackage.credits,
    amountCents: creditPackage.amountCents,
    currency: 'eur',
    monthlyCapCents: plan.capCents,
    livemode: false,
  });
  assert.ok(saved.ok, JSON.stringify(saved));
}

interface Totals {
  runs: number;
  steps: number;
  deductions: number;
  refused_deductions: number;
  crossings: number;
  recharges: number;
  follow_up_recharges: number;
  payment_intents: number;
  succeeded_payment_intents: number;
  credits: number;
  declines: number;
  needs_confirmation: number;
  confirmed_3ds: number;
  capped: number;
  switched_off_by_itself: number;
  events_delivered: number;
  duplicates_delivered: number;
  events_lost: number;
  lost_answers: number;
  claims_died: number;
  zombies_woke: number;
  expired_leases: number;
  same_key_resends: number;
  invariant_checks: number;
}

const totals: Totals = {
  runs: 0,
  steps: 0,
  deductions: 0,
  refused_deductions: 0,
  crossings: 0,
  recharges: 0,
  follow_up_recharges: 0,
  payment_intents: 0,
  succeeded_payment_intents: 0,
  credits: 0,
  declines: 0,
  needs_confirmation: 0,
  confirmed_3ds: 0,
  capped: 0,
  switched_off_by_itself: 0,
  events_delivered: 0,
  duplicates_delivered: 0,
  events_lost: 0,
  lost_answers: 0,
  claims_died: 0,
  zombies_woke: 0,
  expired_leases: 0,
  same_key_resends: 0,
  invariant_checks: 0,
};

test('automatic top-up: racing deductions, crashes, lost answers, duplicated and lost events, declines and 3-D Secure keep every invariant', async () => {
  const runs = size(60, 400);
  await fc.assert(
    fc.asyncProperty(
      runArbitrary,
      shrinkingForAMinuteAtMost(async (run) => {
        const random = randomFrom(run.seed);
        const tenants: Awaited<ReturnType<typeof tenantWithAutoRecharge>>[] = [];
        for (const plan of run.tenants) tenants.push(await tenantWithAutoRecharge(plan));
        const tenantIds = tenants.map(({ tenant }) => tenant.tenantId);
        const customers = new Set(tenants.map(({ customerId }) => customerId));
        /** The model: what was spent, and how often the available credits crossed each threshold. */
        const model = tenants.map(() => ({ deducted: 0, bought: 0, crossings: 0, enabled: true }));
        const runStartedSeconds = Math.floor(Date.now() / 1000);
        const firstEvent = sandbox.account.events.length;
        let nextEvent = firstEvent;
        /** Events Stripe has yet to deliver (its retries), and those whose every delivery we drop. */
        const undelivered: Stripe.Event[] = [];
        const lost: Stripe.Event[] = [];
        const zombies: ClaimedAutoRecharge[] = [];
        let faultsInjected = 0;

        const sweepers: RechargeSweeper[] = [0, 1].map(() =>
          createRechargeSweeper({
            store,
            stripe,
            logger,
            settings: { leaseSeconds: LEASE_SECONDS, retryBaseSeconds: RETRY_BASE_SECONDS },
          }),
        );

        const takeNewEvents = () => {
          const events = sandbox.account.events;
          for (; nextEvent < events.length; nextEvent++) {
            const event = events[nextEvent]!;
            if (PAYMENT_EVENT.test(event.type)) undelivered.push(event);
          }
        };
        const deliverOne = async (event: Stripe.Event) => {
          await applyStripeEvent(event, {
            store,
            stripe,
            livemode: false,
            autoRechargeRetryBaseSeconds: RETRY_BASE_SECONDS,
          });
          totals.events_delivered++;
        };
        /** Stripe delivers `take` of the waiting events, in any order, some twice; some deliveries are lost. */
        const deliver = async (take: number, seed: number, concurrent: boolean, loseSome = true) => {
          takeNewEvents();
          const pick = randomFrom(seed);
          const batch: Stripe.Event[] = [];
          for (let index = 0; index < take && undelivered.length > 0; index++) {
            const [event] = undelivered.splice(pick(undelivered.length), 1);
            if (loseSome && pick(8) === 0) {
              lost.push(event!);
              totals.events_lost++;
              continue;
            }
            batch.push(event!);
            if (pick(3) === 0) {
              batch.push(event!);
              totals.duplicates_delivered++;
            }
            // Delivered, and Stripe may still send it again later (an answer that timed out).
            if (pick(6) === 0) undelivered.push(event!);
          }
          if (concurrent) await Promise.all(batch.map(deliverOne));
          else for (const event of batch) await deliverOne(event);
        };

        const deduct = async (index: number, credits: number) => {
          const { tenant, plan } = tenants[index]!;
          const [row] = await database.sql<{ result: { success: boolean; new_balance?: number } }[]>`
          select public.rpc_credit_deduct(${tenant.tenantId}, ${credits}, 'ai_action', null, null, ${tenant.userId}) as result`;
          totals.deductions++;
          if (!row!.result.success) {
            totals.refused_deductions++;
            return;
          }
          // Each deduction's balance is exact (the balance row's lock orders them): a crossing is from at
          // least the threshold to below it.
          const after = row!.result.new_balance!;
          model[index]!.deducted += credits;
          if (after < plan.threshold && after + credits >= plan.threshold) model[index]!.crossings++;
        };

        const expireLeases = async () => {
          const expired = await database.sql`
          update public.credit_topup_auto_recharges set claimed_until = now() - interval '1 millisecond'
           where status = 'charging' and claimed_until > now() - interval '1 millisecond'
             and tenant_id in ${database.sql(tenantIds)}
          returning id`;
          totals.expired_leases += expired.length;
        };

        const charge = (claimed: ClaimedAutoRecharge): Promise<ChargeOutcome> =>
          chargeRecharge(claimed, { store, stripe, retryBaseSeconds: RETRY_BASE_SECONDS });

        /** The worker's sweep, run by one process or by two at once. */
        const sweep = async (count: number) => {
          const claimed = await Promise.all(sweepers.slice(0, count).map((sweeper) => sweeper.sweep()));
          return claimed.reduce((sum, each) => sum + each, 0);
        };

        /** A customer whose tenant's payment waits for 3-D Secure (the `pick`-th of them) answers the challenge. */
        const customerConfirms = async (pick: number, completes: boolean) => {
          // What the element does: asks our server for the payment to confirm, then Stripe.js confirms it.
          const waiting = [];
          for (const { tenant } of tenants) {
            const confirmation = (await store.autoRechargeOfUser(tenant.userId))?.confirmation;
            if (confirmation?.paymentIntentId && confirmation.paymentMethodId) waiting.push(confirmation);
          }
          const confirmation = waiting[pick % Math.max(waiting.length, 1)];
          if (!confirmation?.paymentIntentId || !confirmation.paymentMethodId) return false;
          const paymentIntent = await stripe.paymentIntents.retrieve(confirmation.paymentIntentId);
          if (!['requires_payment_method', 'requires_action'].includes(paymentIntent.status)) return false;
          const confirmed = await fetch(`${sandbox.url}/v1/payment_intents/${paymentIntent.id}/confirm`, {
            method: 'POST',
            body: new URLSearchParams({
              key: sandbox.publishableKey,
              client_secret: String(paymentIntent.client_secret),
              payment_method: confirmation.paymentMethodId,
            }),
          });
          const body = (await confirmed.json()) as { status?: string };
          if (body.status !== 'requires_action') return false;
          await control(`/__sandbox/payment_intents/${paymentIntent.id}/authenticate`, {
            outcome: completes ? 'complete' : 'fail',
          });
          if (completes) totals.confirmed_3ds++;
          return completes;
        };

        const checkInvariants = async (settled: boolean) => {
          const recharges = await database.sql<
            {
              id: string;
              tenant_id: string;
              status: string;
              attempt: number;
              amount_cents: number;
              failure_code: string | null;
              cause: 'threshold' | 'still_below';
              balance_at_trigger: number;
              threshold_credits: number;
            }[]
          >`select id, tenant_id, status, attempt, amount_cents, failure_code, cause, balance_at_trigger, threshold_credits
            from public.credit_topup_auto_recharges where tenant_id in ${database.sql(tenantIds)}`;
          const purchases = await database.sql<
            {
              id: string;
              tenant_id: string;
              auto_recharge_id: string;
              credits: number;
              credited_credits: number;
              stripe_payment_intent_id: string | null;
            }[]
          >`select id, tenant_id, auto_recharge_id, credits, credited_credits, stripe_payment_intent_id
            from public.credit_purchases where tenant_id in ${database.sql(tenantIds)}`;
          const ledgerCredits = await database.sql<{ tenant_id: string; ref_id: string; amount: number }[]>`
          select tenant_id, ref_id, amount from public.credit_ledger
           where tenant_id in ${database.sql(tenantIds)} and kind = 'credit' and ref_type = 'stripe_auto_recharge'`;
          const paymentIntents = [...sandbox.account.payments.paymentIntents.values()].filter(
            (paymentIntent) => customers.has(String(paymentIntent.customer)),
          );
          const purchaseById = new Map(purchases.map((purchase) => [purchase.id, purchase]));

          // One PaymentIntent per attempt (its idempotency key), at most one paid per recharge.
          const perAttempt = new Map<string, number>();
          const paidPerRecharge = new Map<string, number>();
          for (const paymentIntent of paymentIntents) {
            const { auto_recharge_id: rechargeId, attempt } = paymentIntent.metadata;
            assert.ok(rechargeId && attempt, `${paymentIntent.id} is a recharge's payment`);
            const key = `${rechargeId}-${attempt}`;
            perAttempt.set(key, (perAttempt.get(key) ?? 0) + 1);
            assert.equal(perAttempt.get(key), 1, `two PaymentIntents for the attempt ${key}`);
            if (paymentIntent.status === 'succeeded') {
              paidPerRecharge.set(rechargeId, (paidPerRecharge.get(rechargeId) ?? 0) + 1);
              assert.equal(paidPerRecharge.get(rechargeId), 1, `two payments for the recharge ${rechargeId}`);
            }
          }

          for (const [index, { tenant, plan }] of tenants.entries()) {
            const own = recharges.filter((recharge) => recharge.tenant_id === tenant.tenantId);
            const open = own.filter((recharge) =>
              ['pending', 'charging', 'requires_action'].includes(recharge.status),
            );
            assert.ok(open.length <= 1, `${open.length} open recharges for one tenant`);
            // A crossing starts at most one recharge; a credited recharge that left the balance still below
            // the threshold asks for at most one more.
            const fromCrossings = own.filter((recharge) => recharge.cause === 'threshold').length;
            assert.ok(
              fromCrossings <= model[index]!.crossings,
              `${fromCrossings} recharges for ${model[index]!.crossings} crossings`,
            );
            const stillBelow = own.filter((recharge) => recharge.cause === 'still_below').length;
            const credited = own.filter((recharge) => recharge.status === 'succeeded').length;
            assert.ok(stillBelow <= credited, `${stillBelow} follow-up recharges after ${credited} credited`);
            for (const recharge of own) {
              assert.ok(
                recharge.balance_at_trigger < recharge.threshold_credits,
                `a ${recharge.cause} recharge asked for at ${recharge.balance_at_trigger} credits, threshold ${recharge.threshold_credits}`,
              );
            }
            // The cap: what the ledger reserved this month, and what Stripe took.
            const reserved = own
              .filter((recharge) => ['charging', 'requires_action', 'succeeded'].includes(recharge.status))
              .reduce((sum, recharge) => sum + recharge.amount_cents, 0);
            assert.ok(reserved <= plan.capCents, `reserved ${reserved} over the cap ${plan.capCents}`);
            const paidAtStripe = paymentIntents
              .filter((paymentIntent) => paymentIntent.metadata.tenant_id === tenant.tenantId)
              .filter((paymentIntent) => paymentIntent.status === 'succeeded');
            const paidCents = paidAtStripe.reduce((sum, paymentIntent) => sum + paymentIntent.amount, 0);
            assert.ok(
              paidCents <= plan.capCents,
              `Stripe charged ${paidCents} over the cap ${plan.capCents}`,
            );

            // Credits: each purchase once, only for a payment Stripe made, and balance = opening + ledger.
            const credits = ledgerCredits.filter((row) => row.tenant_id === tenant.tenantId);
            const perPurchase = new Map<string, number>();
            for (const row of credits) perPurchase.set(row.ref_id, (perPurchase.get(row.ref_id) ?? 0) + 1);
            for (const [purchaseId, count] of perPurchase) {
              assert.equal(count, 1, `purchase ${purchaseId} credited ${count} times`);
              const purchase = purchaseById.get(purchaseId);
              assert.ok(purchase?.auto_recharge_id, 'an automatic credit is a recharge purchase');
              const paymentIntent = sandbox.account.payments.paymentIntents.get(
                String(purchase.stripe_payment_intent_id),
              );
              assert.equal(
                paymentIntent?.status,
                'succeeded',
                `purchase ${purchaseId} credited without a payment`,
              );
              assert.equal(paymentIntent.metadata.purchase_id, purchaseId);
            }
            const creditedSum = credits.reduce((sum, row) => sum + row.amount, 0);
            const paidCredits = paidAtStripe.reduce(
              (sum, paymentIntent) => sum + purchaseById.get(paymentIntent.metadata.purchase_id!)!.credits,
              0,
            );
            assert.ok(creditedSum <= paidCredits, `credited ${creditedSum} for payments of ${paidCredits}`);
            const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
            assert.equal(invariants.balance, invariants.openingPlusLedger, 'balance = opening + sum(ledger)');
            assert.equal(
              invariants.balance,
              OPENING_CREDITS - model[index]!.deducted + model[index]!.bought + creditedSum,
            );
            assert.equal(invariants.lifetimePurchased, invariants.creditedByPurchases);
            totals.invariant_checks += 9;

            if (settled) {
              assert.deepEqual(
                own.filter((recharge) => ['pending', 'charging'].includes(recharge.status)),
                [],
                'nothing left to charge once settled',
              );
              // No money at Stripe that never reached the ledger.
              assert.equal(creditedSum, paidCredits, 'every payment Stripe made is credited');
              for (const paymentIntent of paidAtStripe) {
                const purchase = purchaseById.get(paymentIntent.metadata.purchase_id!)!;
                assert.equal(purchase.credited_credits, purchase.credits);
                assert.equal(purchase.stripe_payment_intent_id, paymentIntent.id);
                const recharge = own.find((each) => each.id === paymentIntent.metadata.auto_recharge_id);
                assert.equal(recharge?.status, 'succeeded');
              }
              totals.invariant_checks += 2 + paidAtStripe.length * 3;
            }
          }
        };

        for (const step of run.steps) {
          totals.steps++;
          switch (step.kind) {
            case 'deduct':
              await deduct(step.tenant, step.credits);
              break;
            case 'race':
              await Promise.all([
                ...step.deductions.map((credits) => deduct(step.tenant, credits)),
                sweep(step.sweepers),
                step.deliver ? deliver(6, random(1 << 30), true) : null,
              ]);
              break;
            case 'sweep':
              await sweep(step.sweepers);
              break;
            case 'claimAndDie': {
              // A process claims and dies before its charge finishes: it may yet wake up and send it.
              const claims = await store.claimAutoRecharges(step.limit, LEASE_SECONDS);
              zombies.push(...claims);
              totals.claims_died += claims.length;
              break;
            }
            case 'zombieWakes': {
              const zombie = zombies.splice(random(Math.max(zombies.length, 1)), 1)[0];
              if (zombie) {
                await charge(zombie);
                totals.zombies_woke++;
              }
              break;
            }
            case 'loseAnswer':
              sandbox.injectFaults({ kind: 'lose_answer', endpoint: 'payment_intents' });
              faultsInjected++;
              break;
            case 'leasesExpire':
              await expireLeases();
              break;
            case 'deliver':
              await deliver(step.take, step.seed, step.concurrent);
              break;
            case 'customerConfirms':
              await customerConfirms(step.tenant, step.completes);
              break;
            case 'buysCredits': {
              // A member buys a package through Checkout meanwhile (a recharge may be open): the balance
              // rises without a recharge, so a later deduction crosses the threshold again.
              const { tenant } = tenants[step.tenant]!;
              const starter = creditPackages[0]!;
              const opened = await store.openPurchase(purchaseInput(tenant, starter));
              assert.ok(opened.ok);
              const sessionId = `cs_test_model_buy_${opened.purchase.id}`;
              await store.attachCheckoutSession(opened.purchase.id, sessionId, null);
              const credited = await store.fulfilCheckoutSession({
                checkoutSessionId: sessionId,
                amountCents: starter.amountCents,
                currency: 'eur',
              });
              assert.ok(credited.ok && credited.credited);
              model[step.tenant]!.bought += starter.credits;
              break;
            }
            case 'toggle': {
              const state = model[step.tenant]!;
              const { tenant, plan } = tenants[step.tenant]!;
              state.enabled = !state.enabled;
              await switchOn(tenant, plan, state.enabled);
              // Switching on below the threshold starts a recharge without a crossing: the model counts it.
              if (state.enabled) {
                const invariants = await ledgerInvariants(database.sql, tenant.tenantId).catch(() => null);
                if ((invariants?.balance ?? OPENING_CREDITS) < plan.threshold) state.crossings++;
              }
              break;
            }
          }
          takeNewEvents();
          await checkInvariants(false);
        }

        // Settling: the lose_answer faults nobody suffered are dropped; time passes beyond every lease; the
        // processes sweep; Stripe's retries deliver what is left (or, with the deliveries lost for good,
        // the reconcile job runs). Until nothing changes any more.
        const faultsLeft = Number((await control('/__sandbox/faults', { faults: [] })).pending);
        totals.lost_answers += faultsInjected - faultsLeft;
        for (let index = 0; index < faultsLeft; index++) {
          // Suffered by a request of nobody's (a payment intent of no customer of the run).
          await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }).catch(() => null);
        }
        for (const [index, state] of model.entries()) {
          if (!state.enabled) {
            state.enabled = true;
            await switchOn(tenants[index]!.tenant, tenants[index]!.plan);
            const invariants = await ledgerInvariants(database.sql, tenants[index]!.tenant.tenantId).catch(
              () => null,
            );
            if ((invariants?.balance ?? OPENING_CREDITS) < tenants[index]!.plan.threshold) state.crossings++;
          }
        }
        for (let round = 0; ; round++) {
          assert.ok(round < 12, 'the run settles');
          await expireLeases();
          const claimed = await sweep(1);
          let confirmed = 0;
          if (run.customersComeBack) {
            for (let index = 0; index < tenants.length; index++) {
              if (await customerConfirms(index, true)) confirmed++;
            }
          }
          takeNewEvents();
          const waiting = undelivered.length + (run.settleBy === 'redelivery' ? lost.length : 0);
          if (run.settleBy === 'redelivery') {
            undelivered.push(...lost.splice(0));
            await deliver(undelivered.length, random(1 << 30), true, false);
          } else {
            await deliver(undelivered.length, random(1 << 30), true);
            await reconcileRechargePayments(
              { stripe, store, retryBaseSeconds: RETRY_BASE_SECONDS },
              { sinceSeconds: Math.floor(Date.now() / 1000) - runStartedSeconds + 2, dryRun: false },
            );
          }
          const open = await database.sql`
            select 1 from public.credit_topup_auto_recharges
             where tenant_id in ${database.sql(tenantIds)} and status in ('pending', 'charging')`;
          if (claimed === 0 && confirmed === 0 && waiting === 0 && open.length === 0) break;
        }
        await checkInvariants(true);
        if (run.zombiesWakeAfterSettling) {
          // A process that died mid-charge wakes up at last: its attempt's key finds the payment already made.
          for (const zombie of zombies.splice(0)) {
            await charge(zombie);
            totals.zombies_woke++;
          }
          takeNewEvents();
          await deliver(undelivered.length, random(1 << 30), true, false);
          await checkInvariants(true);
        }

        // The run's figures.
        totals.runs++;
        for (const state of model) totals.crossings += state.crossings;
        const [figures] = await database.sql<
          {
            recharges: number;
            follow_ups: number;
            declines: number;
            needs_confirmation: number;
            capped: number;
            switched_off: number;
            credits: number;
          }[]
        >`select (select count(*)::int from public.credit_topup_auto_recharges where tenant_id in ${database.sql(tenantIds)}) as recharges,
               (select count(*)::int from public.credit_topup_auto_recharges where tenant_id in ${database.sql(tenantIds)}
                  and cause = 'still_below') as follow_ups,
               (select count(*)::int from public.credit_purchases where tenant_id in ${database.sql(tenantIds)}
                  and status = 'failed') as declines,
               (select count(*)::int from public.credit_topup_auto_recharges where tenant_id in ${database.sql(tenantIds)}
                  and status = 'requires_action') as needs_confirmation,
               (select count(*)::int from public.credit_topup_auto_recharges where tenant_id in ${database.sql(tenantIds)}
                  and failure_code = 'monthly_cap_reached') as capped,
               (select count(*)::int from public.credit_topup_auto_recharge_settings where tenant_id in ${database.sql(tenantIds)}
                  and disabled_reason is not null) as switched_off,
               (select coalesce(sum(amount), 0)::int from public.credit_ledger where tenant_id in ${database.sql(tenantIds)}
                  and ref_type = 'stripe_auto_recharge') as credits`;
        totals.recharges += figures!.recharges;
        totals.follow_up_recharges += figures!.follow_ups;
        totals.declines += figures!.declines;
        totals.needs_confirmation += figures!.needs_confirmation;
        totals.capped += figures!.capped;
        totals.switched_off_by_itself += figures!.switched_off;
        totals.credits += figures!.credits;
        const ours = [...sandbox.account.payments.paymentIntents.values()].filter((paymentIntent) =>
          customers.has(String(paymentIntent.customer)),
        );
        totals.payment_intents += ours.length;
        totals.succeeded_payment_intents += ours.filter(
          (paymentIntent) => paymentIntent.status === 'succeeded',
        ).length;
        // Sends of an attempt after the first (a lost answer, an expired lease, a late process): same key.
        const keysSent = sandbox.apiRequests
          .filter((request) => request.path === '/v1/payment_intents' && request.method === 'POST')
          .filter((request) =>
            tenantIds.includes(String((request.form.metadata as Record<string, string>)?.tenant_id)),
          )
          .map((request) => request.idempotencyKey);
        totals.same_key_resends += keysSent.length - new Set(keysSent).size;
        assert.deepEqual(errorsLogged, [], 'no charge failed on our side');
      }),
    ),
    {
      numRuns: runs,
      // The failing step's error in the report: the test runner does not show an error's cause.
      includeErrorInReport: true,
      // Replaying a failure: AUTO_RECHARGE_MODEL_SEED and AUTO_RECHARGE_MODEL_PATH from its report.
      ...(process.env.AUTO_RECHARGE_MODEL_SEED
        ? { seed: Number(process.env.AUTO_RECHARGE_MODEL_SEED), path: process.env.AUTO_RECHARGE_MODEL_PATH }
        : {}),
    },
  );
  report('model-based automatic top-up', { ...totals });
  assert.ok(totals.crossings > 0 && totals.succeeded_payment_intents > 0, 'the runs exercised recharges');
});

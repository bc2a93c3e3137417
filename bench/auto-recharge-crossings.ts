// Automatic top-up for the bench: tenants set up as the product sets them up (a Stripe customer at the
// sandbox with Stripe's test card attached, the card kept and the settings saved through the ledger's own
// functions), and the delay from a deduction that crosses the threshold to the PaymentIntent request
// reaching Stripe. The sandbox runs in the bench's process, so its receive time (`receivedAt`, from
// performance.now()) and the bench's send time are read on one clock.

import type postgres from 'postgres';
import type Stripe from 'stripe';
import type { StripeSandbox } from '../stripe-sandbox/server.ts';

export interface BenchTenant {
  tenantId: string;
  userId: string;
}

export interface AutoRechargeTerms {
  thresholdCredits: number;
  packageId: string;
  credits: number;
  amountCents: number;
  currency: string;
  /** High enough that the bench's recharges never reach it. */
  monthlyCapCents: number;
}

/** Makes each tenant's member an owner, saves a Visa card at the sandbox for it and switches top-up on. */
export async function enableAutoRecharge(
  sql: postgres.Sql,
  stripe: Stripe,
  tenants: BenchTenant[],
  terms: AutoRechargeTerms,
) {
  await sql`update public.memberships set role = 'owner'
             where user_id = any(${tenants.map((tenant) => tenant.userId)}::uuid[])`;
  for (const tenant of tenants) {
    const customer = await stripe.customers.create({ metadata: { tenant_id: tenant.tenantId } });
    // Stripe's test token: attaching it makes a new card PaymentMethod (4242…) of the customer's.
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const [saved] = await sql<
      { card: { ok: boolean; code?: string }; settings: { ok: boolean; code?: string } }[]
    >`
      select public.credit_topup_save_auto_recharge_payment_method(
               ${tenant.tenantId}, false, ${customer.id}, ${card.id}, ${card.card!.brand}, ${card.card!.last4},
               ${card.card!.exp_month}, ${card.card!.exp_year}, ${tenant.userId}) as card,
             public.credit_topup_save_auto_recharge(
               ${tenant.userId}, true, ${terms.thresholdCredits}, ${terms.packageId}, ${terms.credits},
               ${terms.amountCents}, ${terms.currency}, ${terms.monthlyCapCents}, false) as settings`;
    if (!saved!.card.ok || !saved!.settings.ok) {
      throw new Error(`automatic top-up for the bench: ${saved!.card.code ?? saved!.settings.code}`);
    }
  }
}

/** Sets each tenant's balance: one figure for all, or one per tenant. */
export async function setBalances(sql: postgres.Sql, tenants: BenchTenant[], credits: number | number[]) {
  const each = tenants.map((_, index) => (typeof credits === 'number' ? credits : credits[index]!));
  await sql`
    insert into public.tenant_credit_balance (tenant_id, balance_credits)
    select * from unnest(${tenants.map((tenant) => tenant.tenantId)}::uuid[], ${each}::int[])
    on conflict (tenant_id) do update set balance_credits = excluded.balance_credits, reserved_credits = 0`;
}

const OPEN = ['pending', 'charging', 'requires_action'];

/** Waits until none of the tenants has a recharge open (each one charged and credited, or ended). */
export async function rechargesSettled(sql: postgres.Sql, tenants: BenchTenant[], timeoutMs = 30_000) {
  const ids = tenants.map((tenant) => tenant.tenantId);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ open: number }[]>`
      select count(*)::int as open from public.credit_topup_auto_recharges
       where tenant_id = any(${ids}::uuid[]) and status = any(${OPEN})`;
    if (row!.open === 0) return;
    if (performance.now() > deadline)
      throw new Error(`${row!.open} recharges still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Recharges of the tenants by status, and how many of their purchases were credited. */
export async function rechargeCounts(sql: postgres.Sql, tenants: BenchTenant[]) {
  const [row] = await sql<{ total: number; succeeded: number; credited: number }[]>`
    select count(*)::int as total,
           count(*) filter (where r.status = 'succeeded')::int as succeeded,
           count(*) filter (where p.credited_credits = r.credits)::int as credited
      from public.credit_topup_auto_recharges r
      left join public.credit_purchases p on p.id = r.purchase_id
     where r.tenant_id = any(${tenants.map((tenant) => tenant.tenantId)}::uuid[])`;
  return row!;
}

/**
 * How far the database's clock is ahead of this process's `performance.timeOrigin + performance.now()`
 * (one machine, so a few hundred microseconds at most; measured rather than assumed): the reading with
 * the shortest round trip of a few.
 */
async function databaseClockOffsetMs(sql: postgres.Sql) {
  let best = { roundTrip: Number.POSITIVE_INFINITY, offset: 0 };
  for (let sample = 0; sample < 20; sample++) {
    const before = performance.now();
    const [row] = await sql<
      { now_ms: string }[]
    >`select (extract(epoch from clock_timestamp()) * 1000)::text as now_ms`;
    const after = performance.now();
    if (after - before < best.roundTrip) {
      best = {
        roundTrip: after - before,
        offset: Number(row!.now_ms) - (performance.timeOrigin + (before + after) / 2),
      };
    }
  }
  return best.offset;
}

export interface CrossingDelays {
  crossings: number;
  /** Recharges that reached Stripe, and of those, charged and credited. */
  reachedStripe: number;
  credited: number;
  /** Sending the crossing deduction → Stripe receiving the PaymentIntent request, ms (sorted). */
  toStripe: number[];
  /** The parts, medians in ms: the deduction's round trip (with its commit); its answer → the claim's
   *  transaction starting at the server (NOTIFY → LISTEN → sweep); the claim's transaction, to its
   *  commit heard here (its balance notification); that → Stripe receiving the request (the server reading
   *  the claim and the SDK's request); Stripe receiving → the purchase credited. */
  parts: {
    deduction: number;
    toClaim: number;
    claim: number;
    claimedToStripe: number;
    stripeToCredited: number;
  };
}

/**
 * One crossing at a time, at `ratePerSecond`, over the tenants in turn: each brought from exactly the
 * threshold to one credit below it by one deduction (the portal's rpc_credit_deduct, as it spends).
 * A tenant's next crossing waits for its recharge to be credited, so every crossing starts one.
 */
export async function crossingToStripeDelays(
  sql: postgres.Sql,
  sandbox: Pick<StripeSandbox, 'apiRequests'>,
  tenants: BenchTenant[],
  options: { crossings: number; ratePerSecond: number; thresholdCredits: number },
): Promise<CrossingDelays> {
  const offsetMs = await databaseClockOffsetMs(sql);
  /** A database timestamp (epoch ms) on this process's performance.now() clock. */
  const local = (epochMs: number) => epochMs - offsetMs - performance.timeOrigin;
  const sent: { tenant: BenchTenant; sentAt: number; answeredAt: number }[] = [];
  // Every commit that changes a tenant's balance or top-up state notifies (0014, 0015): the crossing's,
  // then the claim's (the recharge turns `charging`), both with the balance one below the threshold.
  const heard: { tenantId: string; available: number; at: number }[] = [];
  const listening = await sql.listen('credit_topup_balance', (payload) => {
    const announced = JSON.parse(payload) as { tenant_id: string; available_credits: number };
    heard.push({
      tenantId: announced.tenant_id,
      available: announced.available_credits,
      at: performance.now(),
    });
  });
  const startAt = performance.now() + 100;
  for (let index = 0; index < options.crossings; index++) {
    const tenant = tenants[index % tenants.length]!;
    await rechargesSettled(sql, [tenant]);
    const [balance] = await sql<{ available: number }[]>`
      select balance_credits - reserved_credits as available from public.tenant_credit_balance
       where tenant_id = ${tenant.tenantId}`;
    const credits = balance!.available - options.thresholdCredits + 1;
    if (credits < 1) throw new Error(`tenant below the threshold before its crossing: ${balance!.available}`);
    const wait = startAt + (index * 1000) / options.ratePerSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    const [row] = await sql<{ result: { success: boolean } }[]>`
      select public.rpc_credit_deduct(${tenant.tenantId}, ${credits}, 'bench_crossing', null, null, ${tenant.userId}) as result`;
    const answeredAt = performance.now();
    if (!row!.result.success) throw new Error(`crossing deduction refused: ${JSON.stringify(row!.result)}`);
    sent.push({ tenant, sentAt, answeredAt });
  }
  await rechargesSettled(sql, tenants);
  await listening.unlisten();

  // The recharges each crossing started, per tenant in the order of its crossings.
  const recharges = await sql<
    { id: string; tenant_id: string; status: string; claimed_ms: string | null; credited_ms: string | null }[]
  >`
    select r.id, r.tenant_id, r.status,
           (extract(epoch from p.created_at) * 1000)::text as claimed_ms,
           case when p.credited_credits = r.credits then (extract(epoch from p.credited_at) * 1000)::text end as credited_ms
      from public.credit_topup_auto_recharges r
      left join public.credit_purchases p on p.id = r.purchase_id
     where r.tenant_id = any(${tenants.map((tenant) => tenant.tenantId)}::uuid[])
     order by r.created_at`;
  const rechargesOf = new Map<string, (typeof recharges)[number][]>();
  for (const recharge of recharges) {
    rechargesOf.set(recharge.tenant_id, [...(rechargesOf.get(recharge.tenant_id) ?? []), recharge]);
  }
  const receivedAt = new Map<string, number>();
  for (const request of sandbox.apiRequests) {
    const rechargeId = (request.form.metadata as Record<string, string> | undefined)?.auto_recharge_id;
    if (request.method === 'POST' && request.path === '/v1/payment_intents' && rechargeId) {
      // The first request for a recharge (a resend under its key would come later).
      if (!receivedAt.has(rechargeId)) receivedAt.set(rechargeId, request.receivedAt);
    }
  }

  const toStripe: number[] = [];
  const parts = {
    deduction: [] as number[],
    toClaim: [] as number[],
    claim: [] as number[],
    claimedToStripe: [] as number[],
    stripeToCredited: [] as number[],
  };
  let credited = 0;
  const taken = new Map<string, number>();
  for (const crossing of sent) {
    const position = taken.get(crossing.tenant.tenantId) ?? 0;
    taken.set(crossing.tenant.tenantId, position + 1);
    const recharge = rechargesOf.get(crossing.tenant.tenantId)?.[position];
    const atStripe = recharge && receivedAt.get(recharge.id);
    if (!recharge || atStripe === undefined) continue;
    toStripe.push(atStripe - crossing.sentAt);
    parts.deduction.push(crossing.answeredAt - crossing.sentAt);
    if (recharge.claimed_ms !== null) {
      const claimedAt = local(Number(recharge.claimed_ms));
      parts.toClaim.push(claimedAt - crossing.answeredAt);
      const claimCommitted = heard.filter(
        (note) =>
          note.tenantId === crossing.tenant.tenantId &&
          note.at >= crossing.sentAt &&
          note.available === options.thresholdCredits - 1,
      )[1]?.at;
      if (claimCommitted !== undefined && claimCommitted <= atStripe) {
        parts.claim.push(claimCommitted - claimedAt);
        parts.claimedToStripe.push(atStripe - claimCommitted);
      }
    }
    if (recharge.status === 'succeeded' && recharge.credited_ms !== null) {
      credited++;
      parts.stripeToCredited.push(local(Number(recharge.credited_ms)) - atStripe);
    }
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return {
    crossings: sent.length,
    reachedStripe: toStripe.length,
    credited,
    toStripe: toStripe.sort((a, b) => a - b),
    parts: {
      deduction: median(parts.deduction),
      toClaim: median(parts.toClaim),
      claim: median(parts.claim),
      claimedToStripe: median(parts.claimedToStripe),
      stripeToCredited: median(parts.stripeToCredited),
    },
  };
}

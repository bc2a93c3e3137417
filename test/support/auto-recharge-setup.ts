// Arranging automatic top-up for a test tenant the way the product does it: an owner saves a card (the
// setup checkout's result) and switches it on through the ledger's own functions.

import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import type { CreditStore } from '../../server/ledger/credit-store.ts';
import type { TestTenant } from './tenants.ts';

export interface AutoRechargeTerms {
  thresholdCredits?: number;
  credits?: number;
  amountCents?: number;
  monthlyCapCents?: number;
}

/** Makes the tenant's member an owner, saves a Visa card and switches automatic top-up on. */
export async function enableAutoRecharge(
  sql: postgres.Sql,
  store: CreditStore,
  tenant: TestTenant,
  terms: AutoRechargeTerms = {},
) {
  await sql`update public.memberships set role = 'owner' where user_id = ${tenant.userId} and tenant_id = ${tenant.tenantId}`;
  const paymentMethodId = `pm_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const card = await store.saveAutoRechargePaymentMethod({
    tenantId: tenant.tenantId,
    livemode: false,
    customerId: `cus_${randomUUID().replaceAll('-', '').slice(0, 14)}`,
    paymentMethodId,
    brand: 'visa',
    last4: '4242',
    expMonth: 12,
    expYear: 2034,
    userId: tenant.userId,
  });
  if (!card.ok) throw new Error(`saving the card failed: ${card.code}`);
  const saved = await store.saveAutoRecharge({
    userId: tenant.userId,
    enabled: true,
    thresholdCredits: terms.thresholdCredits ?? 50,
    packageId: 'standard',
    credits: terms.credits ?? 100,
    amountCents: terms.amountCents ?? 2500,
    currency: 'eur',
    monthlyCapCents: terms.monthlyCapCents ?? 10_000,
    livemode: false,
  });
  if (!saved.ok) throw new Error(`switching automatic top-up on failed: ${saved.code}`);
  return { paymentMethodId, overview: saved.autoRecharge };
}

/** The portal spending credits in SQL, as it does, without our server. */
export async function deduct(sql: postgres.Sql, tenant: TestTenant, credits: number) {
  const [row] = await sql<{ result: { success: boolean } }[]>`
    select public.rpc_credit_deduct(${tenant.tenantId}, ${credits}, 'ai_action', null, null, ${tenant.userId}) as result`;
  if (!row?.result.success) throw new Error(`the deduction of ${credits} was refused`);
}

export interface RechargeRow {
  id: string;
  status: string;
  attempt: number;
  purchase_id: string | null;
  failure_code: string | null;
  amount_cents: number;
  balance_at_trigger: number;
  next_attempt_at: Date;
}

export async function rechargesOf(sql: postgres.Sql, tenant: TestTenant): Promise<RechargeRow[]> {
  const rows = await sql<RechargeRow[]>`
    select id, status, attempt, purchase_id, failure_code, amount_cents, balance_at_trigger, next_attempt_at
      from public.credit_topup_auto_recharges where tenant_id = ${tenant.tenantId} order by created_at`;
  return [...rows];
}

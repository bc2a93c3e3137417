// Each test makes its own tenants and users, so tests can run in any order and side by side.

import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { CREDIT_CURRENCY, type CreditPackage } from '../../credit-packages.ts';
import type { OpenPurchaseInput } from '../../server/ledger/credit-store.ts';

export interface TestTenant {
  tenantId: string;
  /** A member whose active tenant is this one. */
  userId: string;
}

export async function createTenant(sql: postgres.Sql, name = 'Test GmbH'): Promise<TestTenant> {
  const tenantId = randomUUID();
  await sql`insert into public.organizations (id, name) values (${tenantId}, ${name})`;
  const userId = await createMember(sql, tenantId);
  return { tenantId, userId };
}

/** A new user who belongs to the tenant and works in it. */
export async function createMember(sql: postgres.Sql, tenantId: string): Promise<string> {
  const userId = randomUUID();
  await sql`insert into auth.users (id, email) values (${userId}, ${`${userId}@example.test`})`;
  await sql`insert into public.profiles (id, active_tenant_id) values (${userId}, ${tenantId})`;
  await sql`insert into public.memberships (user_id, tenant_id, role) values (${userId}, ${tenantId}, 'member')`;
  return userId;
}

export async function balanceOf(sql: postgres.Sql, tenantId: string): Promise<number> {
  const [row] = await sql<{ balance_credits: number }[]>`
    select balance_credits from public.tenant_credit_balance where tenant_id = ${tenantId}`;
  return row ? row.balance_credits : 100;
}

/**
 * The ledger's invariants for one tenant: the balance is the opening 100 free credits plus every ledger
 * row, and lifetime_purchased is what credited purchases brought in.
 */
export async function ledgerInvariants(sql: postgres.Sql, tenantId: string) {
  const [row] = await sql<
    { balance: number; ledger_sum: number; lifetime_purchased: number; credited: number }[]
  >`
    select b.balance_credits as balance,
           (select coalesce(sum(amount), 0)::int from public.credit_ledger where tenant_id = b.tenant_id) as ledger_sum,
           b.lifetime_purchased,
           (select coalesce(sum(credited_credits), 0)::int from public.credit_purchases where tenant_id = b.tenant_id) as credited
      from public.tenant_credit_balance b where b.tenant_id = ${tenantId}`;
  if (!row) throw new Error(`tenant ${tenantId} has no balance row`);
  return {
    balance: row.balance,
    openingPlusLedger: 100 + row.ledger_sum,
    lifetimePurchased: row.lifetime_purchased,
    creditedByPurchases: row.credited,
  };
}

/** What opening a purchase of `creditPackage` for the tenant's member asks of the ledger. */
export function purchaseInput(tenant: TestTenant, creditPackage: CreditPackage): OpenPurchaseInput {
  return {
    tenantId: tenant.tenantId,
    userId: tenant.userId,
    packageId: creditPackage.id,
    credits: creditPackage.credits,
    amountCents: creditPackage.amountCents,
    currency: CREDIT_CURRENCY,
  };
}

// History rows for tests and the bench, written straight into the tables as the ledger functions and
// the portal would have left them: purchases in every state, with documents, and credit movements.

import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';

export interface SeededPurchase {
  id?: string;
  packageId?: string;
  credits?: number;
  amountCents?: number;
  status?: string;
  createdAt: string;
  creditedAt?: string | null;
  refundedCents?: number;
  receiptUrl?: string | null;
  invoiceNumber?: string | null;
  invoiceUrl?: string | null;
  invoicePdfUrl?: string | null;
}

export async function seedPurchase(
  sql: postgres.Sql,
  tenant: { tenantId: string; userId: string },
  purchase: SeededPurchase,
): Promise<string> {
  const id = purchase.id ?? randomUUID();
  const credited = purchase.status === undefined || purchase.status !== 'pending';
  const credits = purchase.credits ?? 100;
  await sql`
    insert into public.credit_purchases (id, tenant_id, user_id, package_id, credits, amount_cents, currency,
      status, amount_paid_cents, refunded_cents, credited_credits, created_at, updated_at, credited_at,
      receipt_url, invoice_number, invoice_url, invoice_pdf_url)
    values (${id}, ${tenant.tenantId}, ${tenant.userId}, ${purchase.packageId ?? 'standard'}, ${credits},
      ${purchase.amountCents ?? credits * 25}, 'eur', ${purchase.status ?? 'credited'},
      ${credited ? (purchase.amountCents ?? credits * 25) : null}, ${purchase.refundedCents ?? 0},
      ${credited ? credits : 0}, ${purchase.createdAt}, ${purchase.createdAt},
      ${purchase.creditedAt === undefined ? (credited ? purchase.createdAt : null) : purchase.creditedAt},
      ${purchase.receiptUrl ?? null}, ${purchase.invoiceNumber ?? null}, ${purchase.invoiceUrl ?? null},
      ${purchase.invoicePdfUrl ?? null})`;
  return id;
}

export interface SeededMovement {
  id?: string;
  amount: number;
  refType?: string | null;
  refId?: string | null;
  createdAt: string;
}

export async function seedMovement(
  sql: postgres.Sql,
  tenant: { tenantId: string; userId: string },
  movement: SeededMovement,
): Promise<string> {
  const id = movement.id ?? randomUUID();
  await sql`
    insert into public.credit_ledger (id, tenant_id, user_id, kind, amount, ref_type, ref_id, created_at)
    values (${id}, ${tenant.tenantId}, ${tenant.userId}, ${movement.amount < 0 ? 'debit' : 'credit'},
      ${movement.amount}, ${movement.refType ?? null}, ${movement.refId ?? null}, ${movement.createdAt})`;
  return id;
}

/** `count` purchases and as many ledger rows for the tenant in one statement each, a second apart. */
export async function seedManyHistoryRows(
  sql: postgres.Sql,
  tenant: { tenantId: string; userId: string },
  count: number,
): Promise<void> {
  await sql`
    insert into public.credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency,
      status, amount_paid_cents, credited_credits, created_at, updated_at, credited_at)
    select ${tenant.tenantId}, ${tenant.userId}, 'standard', 100, 2500, 'eur', 'credited', 2500, 100,
           t, t, t
      from generate_series(1, ${count}::int) n,
           lateral (select timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => n) as t) at`;
  await sql`
    insert into public.credit_ledger (tenant_id, user_id, kind, amount, ref_type, created_at)
    select ${tenant.tenantId}, ${tenant.userId}, 'debit', -1, 'chat', timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => n)
      from generate_series(1, ${count}::int) n`;
  await sql`analyze public.credit_purchases`;
  await sql`analyze public.credit_ledger`;
}

/**
 * A history as a person sees it: `purchases` purchases a minute apart, the newest with its invoice and
 * receipt, one custom amount, one refunded, one pending; and their credit movements with some spending.
 */
export async function seedHistory(
  sql: postgres.Sql,
  tenant: { tenantId: string; userId: string },
  purchases: number,
): Promise<void> {
  const minute = (index: number) => new Date(Date.UTC(2026, 10, 20, 9, 0) - index * 60_000).toISOString();
  for (let index = 0; index < purchases; index++) {
    const newest = index === 0;
    const id = await seedPurchase(sql, tenant, {
      packageId: index === 1 ? 'custom' : index % 3 === 0 ? 'power' : 'standard',
      credits: index === 1 ? 230 : index % 3 === 0 ? 500 : 100,
      status: index === 2 ? 'pending' : index === 3 ? 'refunded' : 'credited',
      refundedCents: index === 3 ? 12_500 : 0,
      createdAt: minute(index),
      receiptUrl: newest ? 'https://pay.stripe.test/receipts/r_history' : null,
      invoiceNumber: newest ? 'CT-2026-0042' : null,
      invoiceUrl: newest ? 'https://invoice.stripe.test/i/history' : null,
      invoicePdfUrl: newest ? 'https://invoice.stripe.test/i/history/pdf' : null,
    });
    if (index === 2) continue;
    await seedMovement(sql, tenant, {
      amount: index === 1 ? 230 : index % 3 === 0 ? 500 : 100,
      refType: 'stripe_checkout',
      refId: id,
      createdAt: minute(index),
    });
    if (index === 3)
      await seedMovement(sql, tenant, {
        amount: -500,
        refType: 'stripe_reversal',
        refId: id,
        createdAt: minute(2),
      });
    if (index < 3)
      await seedMovement(sql, tenant, {
        amount: -7,
        refType: 'summarise_document',
        createdAt: minute(index - 0.5),
      });
  }
}

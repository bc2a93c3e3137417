// A recharge's receipt link and its crediting at the same moment (charge.succeeded and
// payment_intent.succeeded arrive together, or the webhook and the API's own answer): recording the link
// updates the purchase twice, and the second update checks the purchase's foreign key to its recharge
// (FOR KEY SHARE on the recharge row) while holding the purchase; the crediting locks the recharge, then
// the purchase. With the recharge locked FOR UPDATE that was a deadlock (found by the model test in
// test/reliability/auto-recharge-model.test.ts); 0015 now locks it FOR NO KEY UPDATE.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CreditStore } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { deduct, enableAutoRecharge } from '../support/auto-recharge-setup.ts';
import { createTenant, ledgerInvariants } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { until } from '../support/until.ts';

let database: TestDatabase;
let store: CreditStore;
before(async () => {
  database = await createTestDatabase();
  store = createPostgresCreditStore(database.url, { maxConnections: 4 });
});
after(async () => {
  await store.close();
  await database.drop();
  await stopOwnTestCluster();
});

/** Resolves once a backend runs `fn` and waits for a lock. */
const waitingFor = (fn: string) =>
  until(`${fn} waiting for a lock`, async () => {
    const rows = await database.sql`
      select 1 from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock' and query like ${`%${fn}%`}`;
    return rows.length > 0;
  });

test("a receipt link recorded while the recharge's payment is credited: both done, no deadlock", async () => {
  const tenant = await createTenant(database.sql);
  await enableAutoRecharge(database.sql, store, tenant, { thresholdCredits: 50 });
  await deduct(database.sql, tenant, 60);
  const [claim] = (await store.claimAutoRecharges(10, 60)).filter(
    (each) => each.tenantId === tenant.tenantId,
  );
  assert.ok(claim);
  const paymentIntentId = 'pi_lock_strength_1';

  // A third transaction holds the purchase, so that the receipt's recording queues for it first and the
  // crediting (which takes the recharge before it asks for the purchase) second: the order two webhook
  // deliveries arriving together can take.
  const holder = await database.sql.reserve();
  try {
    await holder`begin`;
    await holder`select 1 from public.credit_purchases where id = ${claim.purchaseId} for update`;
    const receipt = store.recordDocumentsOfPurchase({
      purchaseId: claim.purchaseId,
      paymentIntentId,
      receiptUrl: 'https://pay.stripe.com/receipts/lock-strength',
      stripeInvoiceId: null,
      invoiceNumber: null,
      invoiceUrl: null,
      invoicePdfUrl: null,
    });
    await waitingFor('credit_topup_record_documents_of_purchase');
    const credit = store.fulfilPaymentIntent({
      purchaseId: claim.purchaseId,
      paymentIntentId,
      amountCents: claim.amountCents,
      currency: claim.currency,
      event: { eventId: 'evt_lock_strength_1', eventType: 'payment_intent.succeeded' },
    });
    await waitingFor('credit_topup_fulfil_payment_intent');
    await holder`commit`;

    const [recorded, credited] = await Promise.all([receipt, credit]);
    assert.ok(recorded.ok && recorded.recorded, JSON.stringify(recorded));
    assert.ok(credited.ok && credited.credited, JSON.stringify(credited));
  } finally {
    holder.release();
  }
  const [purchase] = await database.sql`
    select status, credited_credits, receipt_url from public.credit_purchases where id = ${claim.purchaseId}`;
  assert.deepEqual(
    { ...purchase },
    {
      status: 'credited',
      credited_credits: claim.credits,
      receipt_url: 'https://pay.stripe.com/receipts/lock-strength',
    },
  );
  const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
  assert.equal(invariants.balance, 100 - 60 + claim.credits);
  assert.equal(invariants.balance, invariants.openingPlusLedger);
});

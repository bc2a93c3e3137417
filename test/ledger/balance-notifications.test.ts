import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BALANCE_CHANNEL } from '../../server/live/balance-updates.ts';
import { createTenant, type TestTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { until } from '../support/until.ts';

after(stopOwnTestCluster);

describe('balance notifications (0014_balance_notifications.sql)', () => {
  let database: TestDatabase;
  let tenant: TestTenant;
  const heard: string[] = [];
  const announced = () =>
    heard
      .map((payload) => JSON.parse(payload) as Record<string, unknown>)
      .filter((row) => row.tenant_id === tenant.tenantId);

  before(async () => {
    database = await createTestDatabase();
    tenant = await createTenant(database.sql);
    await database.sql.listen(BALANCE_CHANNEL, (payload) => heard.push(payload));
  });
  after(() => database.drop());

  test("the portal's rpc_credit_deduct, a purchase credited and a refund each announce the tenant's new figures", async () => {
    await database.sql`select public.rpc_credit_deduct(${tenant.tenantId}, 3, 'ai_action', null, null, ${tenant.userId})`;
    await until('the deduction announced', () => announced().some((row) => row.available_credits === 97));

    const [opened] = await database.sql`
      select public.credit_topup_open_purchase(${tenant.tenantId}, ${tenant.userId}, 'standard', 100, 2500, 'eur') as result`;
    const purchaseId = opened!.result.purchase.id as string;
    const sessionId = `cs_test_${randomUUID()}`;
    await database.sql`select public.credit_topup_attach_checkout_session(${purchaseId}, ${sessionId}, null)`;
    await database.sql`select public.credit_topup_fulfil_checkout_session(${sessionId}, 2500, 'eur')`;
    await until('the credit announced', () => announced().some((row) => row.available_credits === 197));

    await database.sql`select public.credit_topup_apply_refund(${purchaseId}, null, 2500, 2500)`;
    await until('the claw-back announced', () => announced().at(-1)?.available_credits === 97);

    const last = announced().at(-1)!;
    assert.deepEqual(Object.keys(last).sort(), [
      'auto_recharge',
      'available_credits',
      'balance_credits',
      'reserved_credits',
      'tenant_id',
    ]);
    assert.deepEqual(last.auto_recharge, { state: 'off', reason: null }, 'never set up: off');
    for (const payload of heard) assert.ok(Buffer.byteLength(payload) < 8000);
  });

  test('a rolled-back change announces nothing, and a change of nothing the element shows neither', async () => {
    const before = heard.length;
    await database.sql
      .begin(async (tx) => {
        await tx`select public.rpc_credit_deduct(${tenant.tenantId}, 1, 'ai_action', null, null, ${tenant.userId})`;
        throw new Error('rolled back');
      })
      .catch(() => {});
    await database.sql`update public.tenant_credit_balance set lifetime_consumed = lifetime_consumed + 1 where tenant_id = ${tenant.tenantId}`;
    // A change after both: once it is heard, anything the two had sent would have been heard before it.
    await database.sql`select public.rpc_credit_deduct(${tenant.tenantId}, 2, 'ai_action', null, null, ${tenant.userId})`;
    await until('the last change announced', () => heard.length > before);
    assert.deepEqual(
      heard.slice(before).map((payload) => JSON.parse(payload).available_credits),
      [95],
    );
  });
});

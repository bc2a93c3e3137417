import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTenant, type TestTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

after(stopOwnTestCluster);

describe('database security', () => {
  let database: TestDatabase;
  let tenant: TestTenant;
  let other: TestTenant;
  let moneyMovingFunctions: { signature: string; name: string }[];

  before(async () => {
    database = await createTestDatabase();
    tenant = await createTenant(database.sql, 'Mandant A');
    other = await createTenant(database.sql, 'Mandant B');
    for (const { tenantId, userId } of [tenant, other]) {
      const [opened] = await database.sql`
        select public.credit_topup_open_purchase(${tenantId}, ${userId}, 'standard', 100, 2500, 'eur') as result`;
      const sessionId = `cs_test_${randomUUID()}`;
      await database.sql`select public.credit_topup_attach_checkout_session(${opened!.result.purchase.id}, ${sessionId}, null)`;
      await database.sql`select public.credit_topup_fulfil_checkout_session(${sessionId}, 2500, 'eur')`;
    }
    moneyMovingFunctions = await database.sql<{ signature: string; name: string }[]>`
      select p.oid::regprocedure::text as signature, p.proname as name from pg_proc p
       where p.pronamespace = 'public'::regnamespace
         and (p.proname like 'credit\\_topup\\_%' or p.proname like 'rpc\\_credit\\_%')
         and p.proname <> 'credit_topup_is_member'`;
  });
  after(() => database.drop());

  /** Runs `query` in a transaction as `role`, signed in as `userId` the way PostgREST sets claims. */
  function as<T>(
    role: 'anon' | 'authenticated' | 'service_role',
    userId: string | null,
    query: (tx: TestDatabase['sql']) => Promise<T>,
  ) {
    return database.sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role })}, true)`;
      return query(tx as unknown as TestDatabase['sql']);
    });
  }

  test('every money-moving function exists and only service_role may execute it', async () => {
    const names = moneyMovingFunctions.map((fn) => fn.name);
    for (const expected of [
      'credit_topup_fulfil_checkout_session',
      'credit_topup_apply_refund',
      'credit_topup_apply_dispute',
      'credit_topup_mark_checkout_session',
      'credit_topup_open_purchase',
      'credit_topup_prepare_checkout',
      'credit_topup_attach_checkout_session',
      'credit_topup_purchase_history',
      'credit_topup_ledger_history',
      'rpc_credit_topup',
      'rpc_credit_deduct',
      'credit_topup_notify_balance_change',
      'credit_topup_auto_recharge_of_user',
      'credit_topup_save_auto_recharge',
      'credit_topup_save_auto_recharge_payment_method',
      'credit_topup_disable_auto_recharge_for_payment_method',
      'credit_topup_claim_auto_recharges',
      'credit_topup_record_auto_recharge_attempt',
      'credit_topup_fulfil_payment_intent',
      'credit_topup_auto_recharge_state',
      'credit_topup_enqueue_auto_recharge',
      'credit_topup_enqueue_recharges_of_new_month',
      'credit_topup_detect_auto_recharge_need',
      'credit_topup_notify_auto_recharge_change',
      'credit_topup_notify_auto_recharge_settings_change',
    ]) {
      assert.ok(names.includes(expected), `${expected} is covered`);
    }
    for (const { signature } of moneyMovingFunctions) {
      const [row] = await database.sql`
        select has_function_privilege('anon', ${signature}::regprocedure, 'execute') as anon,
               has_function_privilege('authenticated', ${signature}::regprocedure, 'execute') as authenticated,
               has_function_privilege('service_role', ${signature}::regprocedure, 'execute') as service_role`;
      assert.deepEqual({ ...row }, { anon: false, authenticated: false, service_role: true }, signature);
    }
  });

  test('a signed-in user cannot credit their own tenant, neither through our functions nor the portal one', async () => {
    await assert.rejects(
      as(
        'authenticated',
        tenant.userId,
        (tx) => tx`select public.rpc_credit_topup(${tenant.tenantId}, 1000, 'manual', null)`,
      ),
      { code: '42501' },
    );
    await assert.rejects(
      as(
        'authenticated',
        tenant.userId,
        (tx) => tx`select public.credit_topup_fulfil_checkout_session('cs_x', 2500, 'eur')`,
      ),
      { code: '42501' },
    );
    await assert.rejects(
      as('anon', null, (tx) => tx`select public.credit_topup_apply_dispute(null, 'pi_x', 'dp_x', 1, 'won')`),
      { code: '42501' },
    );
    await assert.rejects(
      as(
        'authenticated',
        tenant.userId,
        (tx) =>
          tx`update public.tenant_credit_balance set balance_credits = 1000000 where tenant_id = ${tenant.tenantId}`,
      ),
      { code: '42501' },
    );
    await assert.rejects(
      as(
        'authenticated',
        tenant.userId,
        (tx) =>
          tx`insert into public.credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency)
           values (${tenant.tenantId}, ${tenant.userId}, 'power', 500, 1, 'eur')`,
      ),
      { code: '42501' },
    );
  });

  test('the service role may call them', async () => {
    const balance = await as(
      'service_role',
      null,
      (tx) => tx`select public.credit_topup_get_balance(${tenant.tenantId}) as result`,
    );
    assert.equal(balance[0]!.result.balance_credits, 200);
  });

  test("a member reads their own tenant's balance, ledger and purchases through RLS, nothing of another tenant", async () => {
    const seen = await as('authenticated', tenant.userId, async (tx) => ({
      balances: await tx`select tenant_id, balance_credits from public.tenant_credit_balance`,
      purchases: await tx`select tenant_id from public.credit_purchases`,
      ledger: await tx`select tenant_id from public.credit_ledger`,
    }));
    assert.deepEqual(
      seen.balances.map((row) => ({ ...row })),
      [{ tenant_id: tenant.tenantId, balance_credits: 200 }],
    );
    assert.deepEqual(
      seen.purchases.map((row) => row.tenant_id),
      [tenant.tenantId],
    );
    assert.deepEqual(
      seen.ledger.map((row) => row.tenant_id),
      [tenant.tenantId],
    );
    await assert.rejects(
      as('authenticated', tenant.userId, (tx) => tx`select 1 from public.credit_topup_schema_migrations`),
      { code: '42501' },
    );

    const stranger = await as(
      'authenticated',
      randomUUID(),
      (tx) => tx`select 1 from public.tenant_credit_balance`,
    );
    assert.equal(stranger.length, 0);
    const anonymous = await as('anon', null, (tx) => tx`select 1 from public.tenant_credit_balance`).catch(
      (error) => error.code,
    );
    assert.equal(anonymous, '42501');
  });

  test('a signed-in owner can neither change automatic top-up nor charge or credit a recharge directly', async () => {
    await database.sql`update public.memberships set role = 'owner' where user_id = ${tenant.userId}`;
    const direct = [
      (tx: TestDatabase['sql']) =>
        tx`select public.credit_topup_save_auto_recharge(${tenant.userId}, false, 20, 'standard', 100, 2500, 'eur', 5000, false)`,
      (tx: TestDatabase['sql']) =>
        tx`select public.credit_topup_save_auto_recharge_payment_method(${tenant.tenantId}, false, 'cus_x', 'pm_x', 'visa', '4242', 12, 2034, ${tenant.userId})`,
      (tx: TestDatabase['sql']) => tx`select public.credit_topup_auto_recharge_of_user(${tenant.userId})`,
      (tx: TestDatabase['sql']) => tx`select public.credit_topup_claim_auto_recharges(10, 60)`,
      (tx: TestDatabase['sql']) =>
        tx`select public.credit_topup_record_auto_recharge_attempt(${randomUUID()}, 1, 'failed', null, null, false, 60, null, null)`,
      (tx: TestDatabase['sql']) =>
        tx`select public.credit_topup_fulfil_payment_intent(${randomUUID()}, 'pi_x', 2500, 'eur', null, null)`,
      (tx: TestDatabase['sql']) =>
        tx`select public.credit_topup_disable_auto_recharge_for_payment_method('pm_x', 'card_expired')`,
      (tx: TestDatabase['sql']) => tx`select * from public.credit_topup_auto_recharge_settings`,
      (tx: TestDatabase['sql']) => tx`select * from public.credit_topup_auto_recharges`,
      (tx: TestDatabase['sql']) => tx`select * from public.credit_topup_member_balances_with_auto_recharge`,
      (tx: TestDatabase['sql']) =>
        tx`insert into public.credit_topup_auto_recharge_settings (tenant_id, enabled) values (${tenant.tenantId}, false)`,
    ];
    for (const query of direct) {
      await assert.rejects(as('authenticated', tenant.userId, query), { code: '42501' });
      await assert.rejects(as('anon', null, query), { code: '42501' });
    }
  });

  test('processed Stripe events are not readable by signed-in users', async () => {
    await assert.rejects(
      as('authenticated', tenant.userId, (tx) => tx`select * from public.stripe_webhook_events`),
      { code: '42501' },
    );
  });
});

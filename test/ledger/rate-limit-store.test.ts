// The shared rate limit counters (supabase/migrations/0007_shared_rate_limits.sql) through both store
// adapters: the `postgres` one directly, the `supabase` one over HTTP (PostgREST rpc). Two stores on one
// database stand for two server instances.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CreditStore, RateLimitTake } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { createSupabaseCreditStore } from '../../server/ledger/supabase-credit-store.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

after(stopOwnTestCluster);

const limit = (key: string, overrides: Partial<RateLimitTake> = {}): RateLimitTake => ({
  limitName: 'checkout_create',
  key,
  maxRequests: 3,
  windowSeconds: 60,
  ...overrides,
});

for (const adapter of ['postgres', 'supabase'] as const) {
  describe(`shared rate limits through the ${adapter} adapter`, () => {
    let database: TestDatabase;
    let standIn: PostgrestStandIn | undefined;
    let one: CreditStore;
    let two: CreditStore;

    before(async () => {
      database = await createTestDatabase();
      if (adapter === 'postgres') {
        one = createPostgresCreditStore(database.url);
        two = createPostgresCreditStore(database.url);
      } else {
        standIn = await startPostgrestStandIn(database.url);
        one = createSupabaseCreditStore(standIn.url, standIn.serviceRoleKey);
        two = createSupabaseCreditStore(standIn.url, standIn.serviceRoleKey);
      }
    });
    after(async () => {
      await one.close();
      await two.close();
      await standIn?.close();
      await database.drop();
    });

    test('two instances count against one limit; then the seconds until the window ends', async () => {
      const key = randomUUID();
      const answers = [
        await one.takeRateLimit(limit(key)),
        await two.takeRateLimit(limit(key)),
        await one.takeRateLimit(limit(key)),
        await two.takeRateLimit(limit(key)),
        await one.takeRateLimit(limit(key)),
      ];
      assert.deepEqual(answers.slice(0, 3), [null, null, null]);
      for (const wait of answers.slice(3)) {
        assert.ok(Number.isInteger(wait) && wait! >= 1 && wait! <= 60, `${wait}`);
      }
      assert.equal(await one.takeRateLimit(limit(randomUUID())), null, 'another user: a limit of their own');
      assert.equal(
        await one.takeRateLimit(limit(key, { limitName: 'session_status' })),
        null,
        'another limit of the same user counts apart',
      );
    });

    test('concurrent requests of one user cannot take more than the limit together', async () => {
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) => (index % 2 ? one : two).takeRateLimit(limit(key))),
      );
      assert.equal(answers.filter((answer) => answer === null).length, 3);
    });

    test('a finished window starts again from one, and finished windows are removed as calls go by', async () => {
      const key = randomUUID();
      for (let index = 0; index < 4; index++) await one.takeRateLimit(limit(key));
      const stale = [randomUUID(), randomUUID()];
      for (const staleKey of stale) await one.takeRateLimit(limit(staleKey));
      await database.sql`
        update public.credit_topup_rate_limits set window_ends_at = now() - interval '1 second'
         where limit_key in ${database.sql([key, ...stale])}`;

      assert.equal(await two.takeRateLimit(limit(key)), null, 'a new window');
      const rows = await database.sql<{ limit_key: string; hits: number }[]>`
        select limit_key, hits from public.credit_topup_rate_limits
         where limit_key in ${database.sql([key, ...stale])}`;
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ limit_key: key, hits: 1 }],
        'the finished windows of others are gone',
      );
    });

    test('many users whose windows all just ended, at once: every check answers, none deadlocks', async () => {
      // Each call cleans finished windows of other users and then counts its own, whose finished window
      // other calls are cleaning at the same moment: the crossing that must never wait in a circle.
      const keys = Array.from({ length: 60 }, () => randomUUID());
      for (const key of keys) await one.takeRateLimit(limit(key));
      for (let round = 0; round < 5; round++) {
        await database.sql`
          update public.credit_topup_rate_limits set window_ends_at = now() - interval '1 second'
           where limit_key in ${database.sql(keys)}`;
        const answers = await Promise.allSettled(
          keys.flatMap((key) => [one.takeRateLimit(limit(key)), two.takeRateLimit(limit(key))]),
        );
        const failures = answers.filter((answer) => answer.status === 'rejected');
        assert.deepEqual(
          failures.map((failure) => String((failure as PromiseRejectedResult).reason)),
          [],
          `round ${round}`,
        );
      }
    });
  });
}

describe('shared rate limits: who may touch them', () => {
  test('only the service role may take a limit; the table is closed to the API roles; no wait for the disk', async () => {
    const database = await createTestDatabase();
    try {
      const [fn] = await database.sql`
        select has_function_privilege('anon', 'public.credit_topup_take_rate_limit(text,text,integer,integer)', 'execute') as anon,
               has_function_privilege('authenticated', 'public.credit_topup_take_rate_limit(text,text,integer,integer)', 'execute') as authenticated,
               has_function_privilege('service_role', 'public.credit_topup_take_rate_limit(text,text,integer,integer)', 'execute') as service_role`;
      assert.deepEqual({ ...fn }, { anon: false, authenticated: false, service_role: true });
      for (const role of ['anon', 'authenticated', 'service_role']) {
        const [table] = await database.sql`
          select has_table_privilege(${role}, 'public.credit_topup_rate_limits', 'select') as read,
                 has_table_privilege(${role}, 'public.credit_topup_rate_limits', 'insert, update, delete') as write`;
        assert.deepEqual({ ...table }, { read: false, write: false }, role);
      }
      // A lost counter costs nothing: the check's transaction does not wait for the disk (the hot path).
      const [setting] = await database.sql.begin(async (tx) => {
        await tx.unsafe('set local synchronous_commit = on'); // the test cluster runs with it off
        await tx`select public.credit_topup_take_rate_limit('checkout_create', 'someone', 1, 60)`;
        return tx`select current_setting('synchronous_commit') as synchronous_commit`;
      });
      assert.equal(setting!.synchronous_commit, 'off');
      await assert.rejects(
        database.sql.begin(async (tx) => {
          await tx.unsafe('set local role authenticated');
          await tx`select public.credit_topup_take_rate_limit('checkout_create', 'someone', 1, 60)`;
        }),
        { code: '42501' },
      );
    } finally {
      await database.drop();
    }
  });
});

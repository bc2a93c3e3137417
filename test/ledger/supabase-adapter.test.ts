import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createSupabaseCreditStore } from '../../server/ledger/supabase-credit-store.ts';
import { defineLedgerScenarios } from '../support/ledger-scenarios.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

let standIn: PostgrestStandIn | undefined;

defineLedgerScenarios('supabase', async (database) => {
  standIn = await startPostgrestStandIn(database.url);
  const store = createSupabaseCreditStore(standIn.url, standIn.serviceRoleKey);
  return {
    store,
    async close() {
      await store.close();
      await standIn!.close();
    },
  };
});

test('the supabase adapter reached the database through HTTP requests, rpc and table reads', () => {
  assert.ok(standIn, 'stand-in started');
  assert.ok(standIn.requests.includes('POST /rest/v1/rpc/credit_topup_fulfil_checkout_session'));
  assert.ok(standIn.requests.includes('GET /rest/v1/credit_purchases'));
});

after(stopOwnTestCluster);

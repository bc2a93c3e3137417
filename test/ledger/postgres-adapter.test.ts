import { after } from 'node:test';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { defineLedgerScenarios } from '../support/ledger-scenarios.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

defineLedgerScenarios('postgres', async (database) => {
  const store = createPostgresCreditStore(database.url, { maxConnections: 16 });
  return { store, close: () => store.close() };
});

after(stopOwnTestCluster);

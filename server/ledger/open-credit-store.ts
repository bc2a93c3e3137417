// Chooses the ledger adapter from the configuration: DATABASE_URL → postgres; SUPABASE_URL with the
// service-role key → supabase; neither → a real PostgreSQL started from npm in .data/ (the embedded
// default of `npm run demo` and `npm start`), migrated, behind the postgres adapter.

import type { CreditStore } from './credit-store.ts';
import { createPostgresCreditStore, type PostgresCreditStoreOptions } from './postgres-credit-store.ts';
import { createSupabaseCreditStore } from './supabase-credit-store.ts';

export type LedgerConfig =
  | ({ kind: 'postgres'; databaseUrl: string } & PostgresCreditStoreOptions)
  | { kind: 'supabase'; supabaseUrl: string; serviceRoleKey: string }
  | ({ kind: 'embedded'; dataDir: string; port: number } & PostgresCreditStoreOptions);

export interface OpenedCreditStore {
  store: CreditStore;
  kind: LedgerConfig['kind'];
  /** For the embedded database: where it listens, so that tools (demo, migrate) can reach it. */
  databaseUrl: string | null;
  close(): Promise<void>;
}

export async function openCreditStore(
  config: LedgerConfig,
  log: (line: string) => void = () => {},
): Promise<OpenedCreditStore> {
  switch (config.kind) {
    case 'postgres': {
      const store = createPostgresCreditStore(config.databaseUrl, config);
      return { store, kind: config.kind, databaseUrl: config.databaseUrl, close: () => store.close() };
    }
    case 'supabase': {
      const store = createSupabaseCreditStore(config.supabaseUrl, config.serviceRoleKey);
      return { store, kind: config.kind, databaseUrl: null, close: () => store.close() };
    }
    case 'embedded': {
      // Loaded only here: the embedded database is a Node-only convenience (not on Deno / Edge Functions).
      const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
      const { applyMigrations } = await import('./migrations.ts');
      const database = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.port });
      try {
        await applyMigrations(database.url, { log });
      } catch (error) {
        await database.stop();
        throw error;
      }
      log(`embedded PostgreSQL on 127.0.0.1:${database.port}, data in ${config.dataDir}`);
      const store = createPostgresCreditStore(database.url, config);
      return {
        store,
        kind: config.kind,
        databaseUrl: database.url,
        async close() {
          await store.close();
          await database.stop();
        },
      };
    }
  }
}

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { openCreditStore } from '../../server/ledger/open-credit-store.ts';
import { createTenant } from '../support/tenants.ts';

test('with no database configured, a real PostgreSQL starts from npm, is migrated, and keeps its data across restarts', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'credit-topup-embedded-'));
  await chmod(dir, 0o755);
  const config = {
    kind: 'embedded' as const,
    dataDir: path.join(dir, 'postgres'),
    port: await findFreePort(),
  };
  try {
    const first = await openCreditStore(config);
    assert.equal(first.kind, 'embedded');
    const sql = postgres(first.databaseUrl!, { max: 1, onnotice: () => {} });
    const tenant = await createTenant(sql);
    await sql.end();
    assert.equal(await first.store.resolveTenant(tenant.userId), tenant.tenantId);
    await first.close();

    const second = await openCreditStore(config);
    try {
      assert.equal(
        await second.store.resolveTenant(tenant.userId),
        tenant.tenantId,
        'data survived the restart',
      );
      const check = postgres(second.databaseUrl!, { max: 1, onnotice: () => {} });
      const [version] = await check`select current_setting('server_version_num')::int as v`;
      await check.end();
      assert.ok(version!.v >= 150000, 'a real PostgreSQL server');
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

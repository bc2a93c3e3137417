import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { openCreditStore } from '../../server/ledger/open-credit-store.ts';
import { firstFolderClosedTo } from '../../server/ledger/postgres-user-access.ts';
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

test('a data folder that PostgreSQL cannot enter stops the start with one sentence that says what to do', async () => {
  // mkdtemp makes a root-only 0700 folder, like a checkout under root's private temp folder.
  const closed = await mkdtemp(path.join(tmpdir(), 'credit-topup-closed-'));
  const config = {
    kind: 'embedded' as const,
    dataDir: path.join(closed, 'postgres'),
    port: await findFreePort(),
  };
  try {
    if (process.getuid?.() === 0) {
      await assert.rejects(openCreditStore(config), (error: Error) => {
        assert.equal(error.name, 'PostgresUserCannotEnterError');
        assert.match(
          error.message,
          new RegExp(`cannot enter ${closed}: allow it \\(chmod o\\+x ${closed}\\)`),
        );
        assert.match(error.message, /DATABASE_URL/);
        return true;
      });
    } else {
      // Not root: PostgreSQL runs as the current user, who owns the folder; the same start succeeds.
      const opened = await openCreditStore(config);
      await opened.close();
    }
  } finally {
    await rm(closed, { recursive: true, force: true });
  }
});

test('which folder the postgres user cannot enter: owner, group and other permission bits', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'credit-topup-access-'));
  const inner = path.join(dir, 'data');
  const owner = { uid: process.getuid?.() ?? 0, gids: [] };
  const stranger = { uid: 4_000_000, gids: [4_000_000] };
  try {
    await chmod(dir, 0o700);
    assert.equal(await firstFolderClosedTo(owner, inner), null, 'the owner enters');
    assert.equal(await firstFolderClosedTo(stranger, inner), dir, 'nobody else');
    assert.equal(await firstFolderClosedTo(null, inner), dir, 'nor a user not created yet');
    await chmod(dir, 0o711);
    assert.equal(await firstFolderClosedTo(stranger, inner), null, 'with o+x everybody enters');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

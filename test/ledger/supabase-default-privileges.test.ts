// A Supabase database grants everything new in `public` to anon and authenticated (its default
// privileges). The migrations run there, so every object they create must end up with exactly the access
// we mean, whatever those defaults gave it. The objects are read from the catalog, not from a list, so a
// table or function a later migration adds is checked too.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { applyMigrations } from '../../server/ledger/migrations.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

after(stopOwnTestCluster);

/** What a Supabase project has before any migration of ours: the API roles and its default privileges. */
async function withSupabaseDefaultPrivileges(database: TestDatabase) {
  for (const role of ['anon', 'authenticated', 'service_role']) {
    // Roles are cluster-wide; another test database may have created them already.
    await database.sql.unsafe(`
      do $$ begin create role ${role} nologin noinherit; exception when duplicate_object then null; end $$`);
  }
  await database.sql.unsafe(`
    grant usage on schema public to anon, authenticated, service_role;
    alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
    alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
    alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;`);
}

/** Every relation and function in a schema of ours, as `kind name`. */
async function objectsOf(database: TestDatabase) {
  const rows = await database.sql<{ oid: number; kind: string; name: string }[]>`
    select c.oid::int as oid, c.relkind::text as kind, c.oid::regclass::text as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('public', 'auth') and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    union all
    select p.oid::int, 'function', p.oid::regprocedure::text
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname in ('public', 'auth')`;
  return rows;
}

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
const SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT', 'UPDATE'];

/** The portal reads these through RLS (members see their own tenant's rows); nothing else, and only read. */
const MEMBER_READABLE = new Set([
  'organizations',
  'profiles',
  'memberships',
  'tenant_credit_balance',
  'credit_ledger',
  'armstrong_billing_events',
  'credit_purchases',
]);
/** Called by RLS policies and by the portal's own code as the signed-in user; they move no money. */
const CALLABLE_BY_API_ROLES = new Set(['credit_topup_is_member(uuid)', 'auth.uid()', 'auth.role()']);

async function accessOfApiRoles(database: TestDatabase, object: { oid: number; kind: string }) {
  const access: Record<string, string[]> = {};
  for (const role of ['anon', 'authenticated']) {
    const privileges =
      object.kind === 'function' ? ['EXECUTE'] : object.kind === 'S' ? SEQUENCE_PRIVILEGES : TABLE_PRIVILEGES;
    const held: string[] = [];
    for (const privilege of privileges) {
      const [row] =
        object.kind === 'function'
          ? await database.sql`select has_function_privilege(${role}, ${object.oid}::oid, ${privilege}) as held`
          : object.kind === 'S'
            ? await database.sql`select has_sequence_privilege(${role}, ${object.oid}::oid, ${privilege}) as held`
            : await database.sql`select has_table_privilege(${role}, ${object.oid}::oid, ${privilege}) as held`;
      if (row!.held) held.push(privilege);
    }
    // Column grants are separate from table grants: a default or a careless grant could add them too.
    if (object.kind !== 'function' && object.kind !== 'S') {
      const [columns] = await database.sql`
        select count(*)::int as granted from pg_attribute a, aclexplode(a.attacl) acl
         where a.attrelid = ${object.oid}::oid and acl.grantee = ${role}::regrole`;
      if (columns!.granted > 0) held.push('COLUMN GRANTS');
    }
    access[role] = held;
  }
  return access;
}

function intendedAccess(object: { kind: string; name: string }) {
  const name = object.name.replace(/^public\./, '');
  if (object.kind === 'function') {
    const execute = CALLABLE_BY_API_ROLES.has(name) ? ['EXECUTE'] : [];
    return { anon: execute, authenticated: execute };
  }
  return { anon: [], authenticated: MEMBER_READABLE.has(name) ? ['SELECT'] : [] };
}

describe('migrating a database with Supabase default privileges', () => {
  test('leaves anon and authenticated exactly the access intended on every object created', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      await withSupabaseDefaultPrivileges(database);
      const before = new Set((await objectsOf(database)).map((object) => object.oid));
      await applyMigrations(database.url);
      const created = (await objectsOf(database)).filter((object) => !before.has(object.oid));
      assert.ok(created.length > 20, 'the migrations created the objects to check');
      assert.ok(
        created.some((object) => object.name === 'credit_topup_schema_migrations'),
        "the migration runner's own table is among them",
      );

      const wrong: string[] = [];
      for (const object of created) {
        const actual = await accessOfApiRoles(database, object);
        const intended = intendedAccess(object);
        if (JSON.stringify(actual) !== JSON.stringify(intended)) {
          wrong.push(`${object.kind} ${object.name}: ${JSON.stringify(actual)}`);
        }
      }
      assert.deepEqual(wrong, [], 'objects with access other than intended');

      // What members may read, they read only through row level security.
      const readable = await database.sql<{ name: string; rls: boolean }[]>`
        select c.relname as name, c.relrowsecurity as rls from pg_class c
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
           and has_table_privilege('authenticated', c.oid, 'SELECT')`;
      for (const table of readable) assert.equal(table.rls, true, `${table.name} has RLS`);
    } finally {
      await database.drop();
    }
  });

  test('a migrations table opened up by an earlier run is closed again on the next run', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      await withSupabaseDefaultPrivileges(database);
      await applyMigrations(database.url);
      await database.sql`grant all on public.credit_topup_schema_migrations to anon, authenticated`;
      await applyMigrations(database.url);
      await assert.rejects(
        database.sql.begin(async (tx) => {
          await tx.unsafe('set local role anon');
          await tx`truncate public.credit_topup_schema_migrations`;
        }),
        { code: '42501' },
      );
      const [row] = await database.sql`
        select has_table_privilege('authenticated', 'public.credit_topup_schema_migrations', 'SELECT') as reads`;
      assert.equal(row!.reads, false);
    } finally {
      await database.drop();
    }
  });
});

// A text snapshot of everything a migration could change in the schemas we touch: function bodies and
// their grants, columns, constraints, indexes, triggers, policies, table grants, RLS flags and the API roles.

import type postgres from 'postgres';

export async function catalogSnapshot(sql: postgres.Sql): Promise<Map<string, string>> {
  const rows = await sql<{ key: string; value: string }[]>`
    with schemas as (select oid from pg_namespace where nspname in ('public', 'auth'))
    select 'function ' || p.oid::regprocedure::text as key,
           pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, 'default') as value
      from pg_proc p where p.pronamespace in (select oid from schemas)
    union all
    select 'column ' || c.table_schema || '.' || c.table_name || '.' || c.column_name,
           c.data_type || ' default=' || coalesce(c.column_default, '') || ' nullable=' || c.is_nullable
      from information_schema.columns c where c.table_schema in ('public', 'auth')
    union all
    select 'constraint ' || con.conrelid::regclass::text || '.' || con.conname, pg_get_constraintdef(con.oid)
      from pg_constraint con where con.connamespace in (select oid from schemas)
    union all
    select 'index ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
      from pg_index i join pg_class c on c.oid = i.indrelid where c.relnamespace in (select oid from schemas)
    union all
    select 'policy ' || pol.schemaname || '.' || pol.tablename || '.' || pol.policyname,
           pol.cmd || ' roles=' || pol.roles::text || ' using=' || coalesce(pol.qual, '') || ' check=' || coalesce(pol.with_check, '')
      from pg_policies pol where pol.schemaname in ('public', 'auth')
    union all
    select 'table ' || c.oid::regclass::text,
           'rls=' || c.relrowsecurity::text || ' acl=' || coalesce(c.relacl::text, 'default')
      from pg_class c where c.relnamespace in (select oid from schemas) and c.relkind in ('r', 'v', 'p')
    union all
    select 'trigger ' || t.tgrelid::regclass::text || '.' || t.tgname,
           pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where not t.tgisinternal and c.relnamespace in (select oid from schemas)
    union all
    select 'role ' || r.rolname,
           'login=' || r.rolcanlogin::text || ' inherit=' || r.rolinherit::text || ' bypassrls=' || r.rolbypassrls::text
      from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role')
    union all
    select 'schema ' || n.nspname, coalesce(n.nspacl::text, 'default')
      from pg_namespace n where n.oid in (select oid from schemas)`;
  return new Map(rows.map((row) => [row.key, row.value]));
}

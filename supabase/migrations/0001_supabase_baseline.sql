-- What every Supabase project already has and our functions and policies rely on: the API roles, the
-- `auth` schema and `auth.uid()`. On a Supabase database every object exists and nothing here changes
-- it; on a plain PostgreSQL (tests, the offline demo, self-hosting) it creates the minimum.

do $baseline$
begin
  -- Roles are cluster-wide: two databases of one cluster may migrate at the same moment, hence the
  -- duplicate_object guard instead of a bare existence check.
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    begin
      -- Supabase's service_role bypasses row level security; ours must behave the same.
      create role service_role nologin noinherit bypassrls;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end
$baseline$;

do $baseline$
begin
  if to_regnamespace('auth') is null then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;

  if to_regclass('auth.users') is null then
    create table auth.users (
      id uuid primary key,
      email text,
      created_at timestamptz not null default now()
    );
  end if;

  if to_regprocedure('auth.uid()') is null then
    -- Same lookup order as Supabase's own auth.uid(): the legacy single-claim setting first, then the
    -- JSON claims PostgREST sets for every request.
    create function auth.uid() returns uuid
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )::uuid
      $fn$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;

  if to_regprocedure('auth.role()') is null then
    create function auth.role() returns text
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.role', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
        )::text
      $fn$;
    grant execute on function auth.role() to anon, authenticated, service_role;
  end if;
end
$baseline$;

-- The portal's own tenancy and credit objects (../shared/portal-schema.md), created only where they are
-- missing. On the portal's database every object below already exists and is left exactly as it is:
-- no `create or replace`, no new grants, no new policies on objects we did not create.

-- Row level security policies below ask "is the signed-in user a member of this tenant?". The check
-- reads memberships with the definer's rights so that it works whatever policies memberships has.
-- plpgsql, so that it can be created before memberships exists on an empty database.
create or replace function public.credit_topup_is_member(p_tenant_id uuid) returns boolean
  language plpgsql stable security definer set search_path = public
  as $fn$
  begin
    return exists (select 1 from memberships where user_id = auth.uid() and tenant_id = p_tenant_id);
  end
  $fn$;
revoke all on function public.credit_topup_is_member(uuid) from public;
grant execute on function public.credit_topup_is_member(uuid) to anon, authenticated, service_role;

do $portal$
begin
  if to_regclass('public.organizations') is null then
    create table public.organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null default '',
      created_at timestamptz not null default now()
    );
    alter table public.organizations enable row level security;
    create policy organizations_member_read on public.organizations for select to authenticated
      using (public.credit_topup_is_member(id));
    revoke all on public.organizations from public, anon, authenticated;
    grant select on public.organizations to authenticated, service_role;
  end if;

  if to_regclass('public.profiles') is null then
    create table public.profiles (
      id uuid primary key,
      active_tenant_id uuid references public.organizations (id) on delete set null,
      display_name text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    alter table public.profiles enable row level security;
    create policy profiles_own_read on public.profiles for select to authenticated using (id = auth.uid());
    revoke all on public.profiles from public, anon, authenticated;
    grant select on public.profiles to authenticated, service_role;
  end if;

  if to_regclass('public.memberships') is null then
    create table public.memberships (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null,
      tenant_id uuid not null references public.organizations (id) on delete cascade,
      role text not null default 'member',
      created_at timestamptz not null default now(),
      unique (user_id, tenant_id)
    );
    alter table public.memberships enable row level security;
    create policy memberships_own_read on public.memberships for select to authenticated using (user_id = auth.uid());
    revoke all on public.memberships from public, anon, authenticated;
    grant select on public.memberships to authenticated, service_role;
  end if;

  if to_regclass('public.tenant_credit_balance') is null then
    create table public.tenant_credit_balance (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null unique references public.organizations (id) on delete cascade,
      balance_credits integer not null default 100 check (balance_credits >= 0),
      reserved_credits integer not null default 0,
      lifetime_purchased integer not null default 0,
      lifetime_consumed integer not null default 0,
      last_topup_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    alter table public.tenant_credit_balance enable row level security;
    -- Members read their tenant's balance; writes only through the security definer functions.
    create policy tenant_credit_balance_member_read on public.tenant_credit_balance for select to authenticated
      using (public.credit_topup_is_member(tenant_id));
    revoke all on public.tenant_credit_balance from public, anon, authenticated;
    grant select on public.tenant_credit_balance to authenticated, service_role;
  end if;

  if to_regclass('public.credit_ledger') is null then
    create table public.credit_ledger (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references public.organizations (id) on delete cascade,
      user_id uuid not null,
      kind text not null check (kind in ('credit', 'debit')),
      amount integer not null,
      ref_type text,
      ref_id uuid,
      created_at timestamptz not null default now()
    );
    create index credit_ledger_tenant_created_idx on public.credit_ledger (tenant_id, created_at desc);
    alter table public.credit_ledger enable row level security;
    create policy credit_ledger_member_read on public.credit_ledger for select to authenticated
      using (public.credit_topup_is_member(tenant_id));
    revoke all on public.credit_ledger from public, anon, authenticated;
    grant select on public.credit_ledger to authenticated, service_role;
  end if;

  if to_regclass('public.armstrong_billing_events') is null then
    create table public.armstrong_billing_events (
      id uuid primary key default gen_random_uuid(),
      action_run_id uuid,
      org_id uuid not null,
      action_code text,
      cost_model text check (cost_model in ('free', 'metered', 'premium')),
      cost_cents integer,
      credits_charged integer,
      created_at timestamptz not null default now()
    );
    create index armstrong_billing_events_org_created_idx on public.armstrong_billing_events (org_id, created_at desc);
    alter table public.armstrong_billing_events enable row level security;
    create policy armstrong_billing_events_member_read on public.armstrong_billing_events for select to authenticated
      using (public.credit_topup_is_member(org_id));
    revoke all on public.armstrong_billing_events from public, anon, authenticated;
    grant select on public.armstrong_billing_events to authenticated, service_role;
  end if;
end
$portal$;

-- The portal keeps profiles it made before tenancy existed; the column is the only part we read.
alter table public.profiles add column if not exists active_tenant_id uuid;

do $portal$
begin
  if not exists (select 1 from pg_proc where proname = 'rpc_credit_preflight' and pronamespace = 'public'::regnamespace) then
    create function public.rpc_credit_preflight(
      p_tenant_id uuid,
      p_required_credits integer,
      p_action_code text default null
    ) returns jsonb
      language plpgsql security definer set search_path = public
      as $fn$
      declare
        v_available integer;
        v_cost_cents integer := p_required_credits * 25;
      begin
        insert into tenant_credit_balance (tenant_id) values (p_tenant_id) on conflict (tenant_id) do nothing;
        select balance_credits - reserved_credits into v_available from tenant_credit_balance where tenant_id = p_tenant_id;
        if v_available >= p_required_credits then
          return jsonb_build_object('allowed', true, 'available_credits', v_available,
            'required_credits', p_required_credits, 'cost_cents', v_cost_cents, 'action_code', p_action_code);
        end if;
        return jsonb_build_object('allowed', false, 'available_credits', v_available,
          'required_credits', p_required_credits, 'cost_cents', v_cost_cents, 'action_code', p_action_code,
          'deficit_credits', p_required_credits - v_available, 'message', 'Insufficient credits');
      end
      $fn$;
    revoke all on function public.rpc_credit_preflight(uuid, integer, text) from public, anon, authenticated;
    grant execute on function public.rpc_credit_preflight(uuid, integer, text) to service_role;
  end if;

  if not exists (select 1 from pg_proc where proname = 'rpc_credit_deduct' and pronamespace = 'public'::regnamespace) then
    create function public.rpc_credit_deduct(
      p_tenant_id uuid,
      p_credits integer,
      p_action_code text,
      p_ref_type text default null,
      p_ref_id uuid default null,
      p_user_id uuid default null
    ) returns jsonb
      language plpgsql security definer set search_path = public
      as $fn$
      declare
        v_row tenant_credit_balance%rowtype;
      begin
        if p_credits is null or p_credits <= 0 then
          return jsonb_build_object('success', false, 'error', 'Invalid credit amount');
        end if;
        insert into tenant_credit_balance (tenant_id) values (p_tenant_id) on conflict (tenant_id) do nothing;
        select * into v_row from tenant_credit_balance where tenant_id = p_tenant_id for update;
        if v_row.balance_credits - v_row.reserved_credits < p_credits then
          return jsonb_build_object('success', false, 'error', 'Insufficient credits');
        end if;
        update tenant_credit_balance
           set balance_credits = balance_credits - p_credits,
               lifetime_consumed = coalesce(lifetime_consumed, 0) + p_credits,
               updated_at = now()
         where tenant_id = p_tenant_id
        returning * into v_row;
        insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
        values (p_tenant_id, coalesce(p_user_id, auth.uid()), 'debit', -p_credits, coalesce(p_ref_type, p_action_code), p_ref_id);
        return jsonb_build_object('success', true, 'credits_deducted', p_credits,
          'new_balance', v_row.balance_credits, 'cost_cents', p_credits * 25);
      end
      $fn$;
    revoke all on function public.rpc_credit_deduct(uuid, integer, text, text, uuid, uuid) from public, anon, authenticated;
    grant execute on function public.rpc_credit_deduct(uuid, integer, text, text, uuid, uuid) to service_role;
  end if;

  -- Deliberately the portal's semantics, not ours: not idempotent and the ledger's user is auth.uid().
  -- Our fulfilment wraps it (0003) instead of replacing it, so both databases behave the same.
  if not exists (select 1 from pg_proc where proname = 'rpc_credit_topup' and pronamespace = 'public'::regnamespace) then
    create function public.rpc_credit_topup(
      p_tenant_id uuid,
      p_credits integer,
      p_ref_type text default 'manual',
      p_ref_id uuid default null
    ) returns jsonb
      language plpgsql security definer set search_path = public
      as $fn$
      declare
        v_new_balance integer;
      begin
        insert into tenant_credit_balance (tenant_id, balance_credits, lifetime_purchased, last_topup_at)
        values (p_tenant_id, 100 + p_credits, p_credits, now())
        on conflict (tenant_id) do update
          set balance_credits = tenant_credit_balance.balance_credits + excluded.lifetime_purchased,
              lifetime_purchased = coalesce(tenant_credit_balance.lifetime_purchased, 0) + excluded.lifetime_purchased,
              last_topup_at = now(),
              updated_at = now()
        returning balance_credits into v_new_balance;
        insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
        values (p_tenant_id, auth.uid(), 'credit', p_credits, p_ref_type, p_ref_id);
        return jsonb_build_object('success', true, 'credits_added', p_credits, 'new_balance', v_new_balance);
      end
      $fn$;
    revoke all on function public.rpc_credit_topup(uuid, integer, text, uuid) from public, anon, authenticated;
    grant execute on function public.rpc_credit_topup(uuid, integer, text, uuid) to service_role;
  end if;
end
$portal$;

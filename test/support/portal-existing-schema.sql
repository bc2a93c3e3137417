-- The portal's database as it is before credit-topup arrives (../shared/portal-schema.md), written the
-- way the portal wrote it: Supabase's roles and auth schema, its own tables and policies, and its own
-- credit functions, including the older 5-argument rpc_credit_deduct and the non-idempotent
-- rpc_credit_topup whose ledger row needs auth.uid(). Migrations must leave every object here unchanged.

-- Roles belong to the whole cluster, which other test databases share: create them only once.
do $$ begin create role anon nologin noinherit; exception when duplicate_object then null; end $$;
do $$ begin create role authenticated nologin noinherit; exception when duplicate_object then null; end $$;
do $$ begin create role service_role nologin noinherit bypassrls; exception when duplicate_object then null; end $$;
create schema auth;
grant usage on schema auth to anon, authenticated, service_role;
create table auth.users (id uuid primary key, email text, raw_user_meta_data jsonb);
create function auth.uid() returns uuid language sql stable as $$
  select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
grant execute on function auth.uid() to anon, authenticated, service_role;

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text unique,
  created_at timestamptz default now()
);
create table public.profiles (
  id uuid primary key references auth.users (id),
  display_name text,
  active_tenant_id uuid references public.organizations (id),
  created_at timestamptz default now()
);
create table public.memberships (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id),
  tenant_id uuid not null references public.organizations (id),
  role text not null default 'member',
  unique (user_id, tenant_id)
);
create table public.tenant_credit_balance (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid unique references public.organizations (id),
  balance_credits integer not null default 100,
  reserved_credits integer not null default 0,
  lifetime_purchased integer default 0,
  lifetime_consumed integer default 0,
  last_topup_at timestamptz,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  constraint tenant_credit_balance_non_negative check (balance_credits >= 0)
);
alter table public.tenant_credit_balance enable row level security;
create policy "members read balance" on public.tenant_credit_balance for select
  using (tenant_id in (select tenant_id from public.memberships where user_id = auth.uid()));
grant select on public.tenant_credit_balance to authenticated;

create table public.credit_ledger (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  user_id uuid not null,
  kind text not null check (kind in ('credit', 'debit')),
  amount integer not null,
  ref_type text,
  ref_id uuid,
  created_at timestamptz default now()
);
alter table public.credit_ledger enable row level security;

create table public.armstrong_billing_events (
  id uuid primary key default gen_random_uuid(),
  action_run_id uuid,
  org_id uuid not null,
  action_code text,
  cost_model text check (cost_model in ('free', 'metered', 'premium')),
  cost_cents int,
  credits_charged int,
  created_at timestamptz default now()
);

create function public.rpc_credit_preflight(p_tenant_id uuid, p_required_credits integer, p_action_code text default null)
returns jsonb language plpgsql security definer set search_path = public as $$
declare v_bal tenant_credit_balance;
begin
  insert into tenant_credit_balance (tenant_id) values (p_tenant_id) on conflict (tenant_id) do nothing;
  select * into v_bal from tenant_credit_balance where tenant_id = p_tenant_id;
  return jsonb_build_object('allowed', v_bal.balance_credits - v_bal.reserved_credits >= p_required_credits,
    'available_credits', v_bal.balance_credits - v_bal.reserved_credits, 'required_credits', p_required_credits,
    'cost_cents', p_required_credits * 25, 'action_code', p_action_code);
end $$;

create function public.rpc_credit_deduct(p_tenant_id uuid, p_credits integer, p_action_code text,
  p_ref_type text default null, p_ref_id uuid default null)
returns jsonb language plpgsql security definer set search_path = public as $$
declare v_new integer;
begin
  update tenant_credit_balance set balance_credits = balance_credits - p_credits,
         lifetime_consumed = lifetime_consumed + p_credits, updated_at = now()
   where tenant_id = p_tenant_id and balance_credits - reserved_credits >= p_credits
  returning balance_credits into v_new;
  if not found then
    return jsonb_build_object('success', false, 'error', 'Insufficient credits');
  end if;
  insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
  values (p_tenant_id, auth.uid(), 'debit', -p_credits, p_ref_type, p_ref_id);
  return jsonb_build_object('success', true, 'credits_deducted', p_credits, 'new_balance', v_new, 'cost_cents', p_credits * 25);
end $$;

-- Not idempotent, and auth.uid() is null for the service role: the two defects we must not repeat.
create function public.rpc_credit_topup(p_tenant_id uuid, p_credits integer, p_ref_type text default 'manual',
  p_ref_id uuid default null)
returns jsonb language plpgsql security definer set search_path = public as $$
declare v_new integer;
begin
  update tenant_credit_balance set balance_credits = balance_credits + p_credits,
         lifetime_purchased = lifetime_purchased + p_credits, last_topup_at = now(), updated_at = now()
   where tenant_id = p_tenant_id
  returning balance_credits into v_new;
  if not found then
    insert into tenant_credit_balance (tenant_id, balance_credits, lifetime_purchased, last_topup_at)
    values (p_tenant_id, 100 + p_credits, p_credits, now())
    returning balance_credits into v_new;
  end if;
  insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
  values (p_tenant_id, auth.uid(), 'credit', p_credits, p_ref_type, p_ref_id);
  return jsonb_build_object('success', true, 'credits_added', p_credits, 'new_balance', v_new);
end $$;
-- The portal's grants as they are (Supabase grants new functions to its API roles by default).
grant execute on function public.rpc_credit_topup(uuid, integer, text, uuid) to anon, authenticated, service_role;

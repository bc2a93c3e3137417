-- Automatic top-up (issue 16): a tenant's saved card recharges its balance when the available credits
-- fall below a threshold, at most up to a monthly cap, exactly once per crossing.
--
-- The need is recorded by the database itself: the portal spends credits in SQL (rpc_credit_deduct)
-- without our server, so a trigger on tenant_credit_balance sees every crossing and writes an outbox row
-- (credit_topup_auto_recharges), which the server hears at once (NOTIFY credit_topup_auto_recharge) and
-- also finds by sweeping (credit_topup_claim_auto_recharges). Crossings are serialised by the balance
-- row's lock and at most one recharge per tenant is open (a partial unique index), so any number of
-- concurrent deductions start exactly one.
--
-- Every attempt to charge is a credit_purchases row of its own (history shows declined attempts too),
-- reserved in the transaction that checks the cap with the tenant's settings row locked, so the month's
-- charges never exceed the cap whatever runs at the same time. The Stripe Idempotency-Key is derived from
-- the recharge and the attempt: a process that died between asking Stripe and recording the answer
-- leaves the attempt `charging` with a lease; the next claimer gets the same attempt and key back, and
-- Stripe answers the first request again instead of charging twice.
--
-- Who may change the settings: members whose memberships.role is owner or admin (any case); every member
-- may look. The tables are read and written only by the service role (the server decides whose).

do $auto_recharge$
begin
  if to_regclass('public.credit_topup_auto_recharge_settings') is null then
    create table public.credit_topup_auto_recharge_settings (
      tenant_id uuid primary key references public.organizations (id) on delete cascade,
      enabled boolean not null default false,
      -- Null until a member configures them: saving a card first (the setup checkout) makes the row.
      threshold_credits integer check (threshold_credits >= 10),
      package_id text check (package_id ~ '^[a-z0-9_-]{1,64}$'),
      credits integer check (credits > 0),
      amount_cents integer check (amount_cents > 0),
      currency text check (currency ~ '^[a-z]{3}$'),
      monthly_cap_cents integer check (monthly_cap_cents > 0),
      -- The mode of the saved card's customer: a test card never pays in live mode.
      livemode boolean not null default false,
      stripe_customer_id text,
      stripe_payment_method_id text,
      card_brand text,
      card_last4 text check (card_last4 ~ '^[0-9]{4}$'),
      card_exp_month integer check (card_exp_month between 1 and 12),
      card_exp_year integer,
      -- Declines in a row, across recharges; a success or a member switching it on starts again at 0.
      consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
      -- Why it switched itself off (declined_3_times, payment_method_detached, card_expired, …); null
      -- when a member turned it off.
      disabled_reason text,
      disabled_at timestamptz,
      -- The member who last changed it: the user of the purchases its recharges make.
      updated_by uuid,
      created_at timestamptz not null default now(),
      -- Changed only by members (settings, card), so that a later cap cancellation can be told apart
      -- from one a member has since answered by raising the cap.
      updated_at timestamptz not null default now(),
      constraint credit_topup_auto_recharge_settings_enabled_complete check (not enabled or (
        threshold_credits is not null and package_id is not null and credits is not null
        and amount_cents is not null and currency is not null and monthly_cap_cents is not null
        and stripe_customer_id is not null and stripe_payment_method_id is not null and updated_by is not null))
    );
    create index credit_topup_auto_recharge_settings_payment_method_idx
      on public.credit_topup_auto_recharge_settings (stripe_payment_method_id)
      where stripe_payment_method_id is not null;
    alter table public.credit_topup_auto_recharge_settings enable row level security;
    -- Supabase's default privileges give anon and authenticated everything on new tables: take it back.
    revoke all on public.credit_topup_auto_recharge_settings from public, anon, authenticated;
    grant select on public.credit_topup_auto_recharge_settings to service_role;
  end if;

  if to_regclass('public.credit_topup_auto_recharges') is null then
    create table public.credit_topup_auto_recharges (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references public.organizations (id),
      status text not null default 'pending' check (status in
        ('pending', 'charging', 'requires_action', 'succeeded', 'failed', 'canceled')),
      -- Attempts reserved so far; the Idempotency-Key of attempt n is auto-recharge-<id>-<n>.
      attempt integer not null default 0 check (attempt >= 0),
      next_attempt_at timestamptz not null default now(),
      -- The lease of the process charging it: past this, it is taken to have died and the attempt is
      -- handed out again, with the same key.
      claimed_until timestamptz,
      -- What it buys, copied from the settings at every reservation.
      credits integer not null check (credits > 0),
      amount_cents integer not null check (amount_cents > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      purchase_id uuid references public.credit_purchases (id),
      stripe_payment_intent_id text,
      -- The customer and card the current attempt is sent with: a resend after an expired lease names
      -- them again, even if the settings hold a newer card by then (Stripe refuses a key reused with
      -- other parameters).
      stripe_customer_id text,
      stripe_payment_method_id text,
      -- What asked for it: a crossing of the threshold (or switching on below it); a credited recharge
      -- that left the balance still below the threshold; a new month after the cap had stopped it.
      cause text not null default 'threshold' check (cause in ('threshold', 'still_below', 'new_month')),
      -- Why the last attempt failed (card_declined, …) or why it was canceled (monthly_cap_reached, disabled).
      failure_code text,
      -- The calendar month (Europe/Berlin) whose cap the latest reservation counts against.
      cap_month date not null,
      balance_at_trigger integer not null,
      threshold_credits integer not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    -- One open recharge per tenant: a second crossing while one is open starts nothing.
    create unique index credit_topup_auto_recharges_one_open_idx on public.credit_topup_auto_recharges (tenant_id)
      where status in ('pending', 'charging', 'requires_action');
    -- The cap's sum and the month's latest recharge.
    create index credit_topup_auto_recharges_tenant_month_idx
      on public.credit_topup_auto_recharges (tenant_id, cap_month, created_at desc);
    -- The tenant's latest recharge (last_charge).
    create index credit_topup_auto_recharges_tenant_created_idx
      on public.credit_topup_auto_recharges (tenant_id, created_at desc);
    -- What a sweep claims: due pending rows, and charging rows whose lease ran out.
    create index credit_topup_auto_recharges_due_idx on public.credit_topup_auto_recharges (next_attempt_at)
      where status = 'pending';
    create index credit_topup_auto_recharges_lease_idx on public.credit_topup_auto_recharges (claimed_until)
      where status = 'charging';
    -- Payments that waited for the customer too long.
    create index credit_topup_auto_recharges_waiting_idx on public.credit_topup_auto_recharges (updated_at)
      where status = 'requires_action';
    -- The tenants a new month gives their cap back.
    create index credit_topup_auto_recharges_capped_idx
      on public.credit_topup_auto_recharges (cap_month, tenant_id, created_at desc)
      where failure_code = 'monthly_cap_reached';
    alter table public.credit_topup_auto_recharges enable row level security;
    revoke all on public.credit_topup_auto_recharges from public, anon, authenticated;
    grant select on public.credit_topup_auto_recharges to service_role;
  end if;
end
$auto_recharge$;

-- The recharge an attempt's purchase pays for (null for checkout purchases).
alter table public.credit_purchases
  add column if not exists auto_recharge_id uuid references public.credit_topup_auto_recharges (id);
create index if not exists credit_purchases_auto_recharge_idx
  on public.credit_purchases (auto_recharge_id) where auto_recharge_id is not null;

-- ---------------------------------------------------------------------------------------------------
-- Small pieces

-- The calendar month a moment belongs to in Germany: the cap is "per month" as the customer reads it.
create or replace function public.credit_topup_cap_month(p_at timestamptz) returns date
  language sql stable
  as $fn$
    select date_trunc('month', p_at at time zone 'Europe/Berlin')::date
  $fn$;

create or replace function public.credit_topup_auto_recharge_json(r public.credit_topup_auto_recharges) returns jsonb
  language sql immutable
  as $fn$
    select jsonb_build_object(
      'id', r.id, 'tenant_id', r.tenant_id, 'status', r.status, 'attempt', r.attempt,
      'next_attempt_at', r.next_attempt_at, 'credits', r.credits, 'amount_cents', r.amount_cents,
      'currency', r.currency, 'purchase_id', r.purchase_id,
      'stripe_payment_intent_id', r.stripe_payment_intent_id, 'failure_code', r.failure_code,
      'cap_month', r.cap_month, 'created_at', r.created_at, 'updated_at', r.updated_at)
  $fn$;

-- 0009's purchase JSON, now with the recharge an automatic purchase belongs to.
create or replace function public.credit_topup_purchase_json(p public.credit_purchases) returns jsonb
  language sql immutable
  as $fn$
    select jsonb_build_object(
      'id', p.id, 'tenant_id', p.tenant_id, 'user_id', p.user_id, 'package_id', p.package_id,
      'credits', p.credits, 'amount_cents', p.amount_cents, 'currency', p.currency,
      'stripe_checkout_session_id', p.stripe_checkout_session_id,
      'stripe_payment_intent_id', p.stripe_payment_intent_id,
      'session_expires_at', p.session_expires_at, 'status', p.status, 'failure_code', p.failure_code,
      'amount_paid_cents', p.amount_paid_cents, 'refunded_cents', p.refunded_cents,
      'dispute_status', p.dispute_status, 'disputed_cents', p.disputed_cents,
      'credited_credits', p.credited_credits, 'clawed_back_credits', p.clawed_back_credits,
      'unrecovered_credits', p.unrecovered_credits, 'created_at', p.created_at,
      'updated_at', p.updated_at, 'credited_at', p.credited_at,
      'withdrawal_waiver_version', p.withdrawal_waiver_version,
      'withdrawal_waiver_at', p.withdrawal_waiver_at,
      'withdrawal_waiver_user_id', p.withdrawal_waiver_user_id,
      'receipt_url', p.receipt_url, 'stripe_invoice_id', p.stripe_invoice_id,
      'invoice_number', p.invoice_number, 'invoice_url', p.invoice_url, 'invoice_pdf_url', p.invoice_pdf_url,
      'auto_recharge_id', p.auto_recharge_id)
  $fn$;

-- The tenant's automatic top-up in one word, and why: the one definition the balance (GET /v1/balance,
-- the live stream) and the settings view share. Index lookups only, since every balance notification
-- computes it: a tenant that never set it up costs one primary-key probe.
create or replace function public.credit_topup_auto_recharge_state(p_tenant_id uuid) returns jsonb
  language plpgsql stable security definer set search_path = public
  as $fn$
  declare
    v_settings credit_topup_auto_recharge_settings%rowtype;
    v_open credit_topup_auto_recharges%rowtype;
    v_latest credit_topup_auto_recharges%rowtype;
  begin
    select * into v_settings from credit_topup_auto_recharge_settings where tenant_id = p_tenant_id;
    if not found then
      return jsonb_build_object('state', 'off', 'reason', null);
    end if;
    -- An open recharge is shown whatever the switch says: a member turning it off does not stop a charge
    -- already at Stripe, and a payment waiting for 3-D Secure can still be completed.
    select * into v_open from credit_topup_auto_recharges
     where tenant_id = p_tenant_id and status in ('pending', 'charging', 'requires_action');
    if found then
      return case
        when v_open.status = 'requires_action' then jsonb_build_object('state', 'needs_confirmation', 'reason', null)
        when v_open.status = 'pending' and v_open.attempt > 0
          then jsonb_build_object('state', 'retrying', 'reason', v_open.failure_code)
        else jsonb_build_object('state', 'charging', 'reason', null) end;
    end if;
    if not v_settings.enabled then
      return case when v_settings.disabled_reason is null then jsonb_build_object('state', 'off', 'reason', null)
                  else jsonb_build_object('state', 'disabled', 'reason', v_settings.disabled_reason) end;
    end if;
    -- Capped until the month ends or a member changes the settings (a higher cap, say).
    select * into v_latest from credit_topup_auto_recharges
     where tenant_id = p_tenant_id and cap_month = credit_topup_cap_month(now())
     order by created_at desc limit 1;
    if v_latest.status = 'canceled' and v_latest.failure_code = 'monthly_cap_reached'
       and v_latest.updated_at >= v_settings.updated_at then
      return jsonb_build_object('state', 'capped', 'reason', 'monthly_cap_reached');
    end if;
    return jsonb_build_object('state', 'on', 'reason', null);
  end
  $fn$;

-- The payload of a balance notification (0014's, with the automatic top-up's state), built in one place
-- so that the balance trigger and the recharge triggers send byte-identical texts for the same state:
-- PostgreSQL delivers identical notifications of one transaction once.
create or replace function public.credit_topup_balance_announcement(
  p_tenant_id uuid, p_balance_credits integer, p_reserved_credits integer
) returns text
  language sql stable security definer set search_path = public
  as $fn$
    select json_build_object(
      'tenant_id', p_tenant_id,
      'balance_credits', p_balance_credits,
      'reserved_credits', p_reserved_credits,
      'available_credits', p_balance_credits - p_reserved_credits,
      'auto_recharge', credit_topup_auto_recharge_state(p_tenant_id))::text
  $fn$;

-- Announces the tenant's balance with its current state (for changes of the state alone).
create or replace function public.credit_topup_announce_balance_of(p_tenant_id uuid) returns void
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_balance tenant_credit_balance%rowtype;
  begin
    select * into v_balance from tenant_credit_balance where tenant_id = p_tenant_id;
    if found then
      perform pg_notify('credit_topup_balance',
        credit_topup_balance_announcement(v_balance.tenant_id, v_balance.balance_credits, v_balance.reserved_credits));
    end if;
  end
  $fn$;

-- Records the need for a recharge (pending, due now) unless one is open; answers its id, or null.
create or replace function public.credit_topup_enqueue_auto_recharge(p_tenant_id uuid, p_available_credits integer)
  returns uuid
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_settings credit_topup_auto_recharge_settings%rowtype;
    v_id uuid;
  begin
    select * into v_settings from credit_topup_auto_recharge_settings where tenant_id = p_tenant_id and enabled;
    if not found then
      return null;
    end if;
    insert into credit_topup_auto_recharges (tenant_id, credits, amount_cents, currency, cap_month,
                                             balance_at_trigger, threshold_credits)
    values (p_tenant_id, v_settings.credits, v_settings.amount_cents, v_settings.currency,
            credit_topup_cap_month(now()), p_available_credits, v_settings.threshold_credits)
    on conflict do nothing
    returning id into v_id;
    return v_id;
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Triggers

-- A crossing: the available credits went from at least the threshold to below it (a first balance row
-- below it counts as one). Security definer: the portal's own functions change the balance as whichever
-- role owns them, and the outbox is ours.
create or replace function public.credit_topup_detect_auto_recharge_need() returns trigger
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_threshold integer;
    v_available integer := new.balance_credits - new.reserved_credits;
  begin
    select threshold_credits into v_threshold from credit_topup_auto_recharge_settings
     where tenant_id = new.tenant_id and enabled;
    if v_threshold is null or v_available >= v_threshold then
      return null;
    end if;
    if tg_op = 'UPDATE' and old.balance_credits - old.reserved_credits < v_threshold then
      return null; -- already below: the crossing was recorded when it happened
    end if;
    perform credit_topup_enqueue_auto_recharge(new.tenant_id, v_available);
    return null;
  end
  $fn$;

-- Named to sort before 0014's credit_topup_balance_* triggers: triggers of one event fire in name order,
-- so the balance notification of the crossing deduction already carries the recharge it started.
create or replace trigger credit_topup_auto_recharge_balance_inserted
  after insert on public.tenant_credit_balance
  for each row execute function public.credit_topup_detect_auto_recharge_need();

-- Only a decrease can cross downwards; increases (top-ups) do not even call the function.
create or replace trigger credit_topup_auto_recharge_balance_decreased
  after update of balance_credits, reserved_credits on public.tenant_credit_balance
  for each row
  when (new.balance_credits - new.reserved_credits < old.balance_credits - old.reserved_credits)
  execute function public.credit_topup_detect_auto_recharge_need();

-- 0014's balance notification, now with the automatic top-up's state.
create or replace function public.credit_topup_notify_balance_change() returns trigger
  language plpgsql security definer set search_path = public
  as $fn$
  begin
    perform pg_notify('credit_topup_balance',
      credit_topup_balance_announcement(new.tenant_id, new.balance_credits, new.reserved_credits));
    return null;
  end
  $fn$;

-- A new recharge wakes the server (the recharge's id, nothing else); every change of a recharge's status
-- is news for the tenant's open elements.
create or replace function public.credit_topup_notify_auto_recharge_change() returns trigger
  language plpgsql security definer set search_path = public
  as $fn$
  begin
    if tg_op = 'INSERT' and new.status = 'pending' then
      perform pg_notify('credit_topup_auto_recharge', new.id::text);
    end if;
    perform credit_topup_announce_balance_of(new.tenant_id);
    return null;
  end
  $fn$;

create or replace trigger credit_topup_auto_recharge_inserted
  after insert on public.credit_topup_auto_recharges
  for each row execute function public.credit_topup_notify_auto_recharge_change();

create or replace trigger credit_topup_auto_recharge_status_changed
  after update of status on public.credit_topup_auto_recharges
  for each row
  when (old.status is distinct from new.status)
  execute function public.credit_topup_notify_auto_recharge_change();

-- Switched on or off (by a member or by itself), or changed by a member: the state may be another.
create or replace function public.credit_topup_notify_auto_recharge_settings_change() returns trigger
  language plpgsql security definer set search_path = public
  as $fn$
  begin
    perform credit_topup_announce_balance_of(new.tenant_id);
    return null;
  end
  $fn$;

create or replace trigger credit_topup_auto_recharge_settings_inserted
  after insert on public.credit_topup_auto_recharge_settings
  for each row execute function public.credit_topup_notify_auto_recharge_settings_change();

-- Not for the count of declines: the recharge's own status change announces those.
create or replace trigger credit_topup_auto_recharge_settings_changed
  after update on public.credit_topup_auto_recharge_settings
  for each row
  when (old.enabled is distinct from new.enabled or old.disabled_reason is distinct from new.disabled_reason
        or old.updated_at is distinct from new.updated_at)
  execute function public.credit_topup_notify_auto_recharge_settings_change();

-- ---------------------------------------------------------------------------------------------------
-- Reading

-- 0003's balance, now with the automatic top-up's state.
create or replace function public.credit_topup_get_balance(p_tenant_id uuid) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_row tenant_credit_balance%rowtype;
  begin
    select * into v_row from tenant_credit_balance where tenant_id = p_tenant_id;
    if not found then
      -- Same lazy creation as rpc_credit_preflight: a tenant's first look grants the free credits.
      insert into tenant_credit_balance (tenant_id) values (p_tenant_id) on conflict (tenant_id) do nothing;
      select * into v_row from tenant_credit_balance where tenant_id = p_tenant_id;
    end if;
    return jsonb_build_object(
      'tenant_id', v_row.tenant_id,
      'balance_credits', v_row.balance_credits,
      'reserved_credits', v_row.reserved_credits,
      'available_credits', v_row.balance_credits - v_row.reserved_credits,
      'auto_recharge', credit_topup_auto_recharge_state(p_tenant_id));
  end
  $fn$;

-- 0011's view with the state, under a name of its own: a view cannot lose columns, so re-running 0011
-- (as `supabase db push` might) over a widened credit_topup_member_balances would fail. The old view
-- stays as it was; the server reads this one.
create or replace view public.credit_topup_member_balances_with_auto_recharge as
  select p.id as user_id,
         p.active_tenant_id as tenant_id,
         b.balance_credits,
         b.reserved_credits,
         s.state ->> 'state' as auto_recharge_state,
         s.state ->> 'reason' as auto_recharge_reason
    from profiles p
    left join tenant_credit_balance b on b.tenant_id = p.active_tenant_id
    cross join lateral (select public.credit_topup_auto_recharge_state(p.active_tenant_id) as state) s
   where exists (select 1 from memberships m where m.user_id = p.id and m.tenant_id = p.active_tenant_id);

revoke all on public.credit_topup_member_balances_with_auto_recharge from public, anon, authenticated;
grant select on public.credit_topup_member_balances_with_auto_recharge to service_role;

-- Whether a user may change the tenant's automatic top-up: owners and admins.
create or replace function public.credit_topup_may_manage_auto_recharge(p_user_id uuid, p_tenant_id uuid)
  returns boolean
  language sql stable security definer set search_path = public
  as $fn$
    select exists (select 1 from memberships
                    where user_id = p_user_id and tenant_id = p_tenant_id and lower(role) in ('owner', 'admin'))
  $fn$;

-- Everything the settings view shows, for one tenant: the settings, the card, the state, this month's
-- use of the cap and the last recharge; `confirmation` is for the server (the payment that waits for
-- the customer's 3-D Secure), never shown as it is.
create or replace function public.credit_topup_auto_recharge_summary(p_tenant_id uuid, p_can_manage boolean)
  returns jsonb
  language plpgsql stable security definer set search_path = public
  as $fn$
  declare
    v_settings credit_topup_auto_recharge_settings%rowtype;
    v_state jsonb := credit_topup_auto_recharge_state(p_tenant_id);
    v_month date := credit_topup_cap_month(now());
    v_used bigint;
    v_last credit_topup_auto_recharges%rowtype;
    v_open credit_topup_auto_recharges%rowtype;
  begin
    select * into v_settings from credit_topup_auto_recharge_settings where tenant_id = p_tenant_id;
    select coalesce(sum(amount_cents), 0) into v_used from credit_topup_auto_recharges
     where tenant_id = p_tenant_id and cap_month = v_month and status in ('charging', 'requires_action', 'succeeded');
    select * into v_last from credit_topup_auto_recharges
     where tenant_id = p_tenant_id order by created_at desc limit 1;
    select * into v_open from credit_topup_auto_recharges
     where tenant_id = p_tenant_id and status = 'requires_action';
    return jsonb_build_object(
      'tenant_id', p_tenant_id,
      'enabled', coalesce(v_settings.enabled, false),
      'can_manage', p_can_manage,
      'livemode', v_settings.livemode,
      'state', v_state ->> 'state',
      'reason', v_state ->> 'reason',
      'min_threshold_credits', 10,
      'settings', case when v_settings.threshold_credits is not null then jsonb_build_object(
        'threshold_credits', v_settings.threshold_credits, 'package_id', v_settings.package_id,
        'credits', v_settings.credits, 'amount_cents', v_settings.amount_cents,
        'currency', v_settings.currency, 'monthly_cap_cents', v_settings.monthly_cap_cents) end,
      'payment_method', case when v_settings.stripe_payment_method_id is not null then jsonb_build_object(
        'brand', v_settings.card_brand, 'last4', v_settings.card_last4,
        'exp_month', v_settings.card_exp_month, 'exp_year', v_settings.card_exp_year) end,
      'month', jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'used_cents', v_used,
                                  'cap_cents', v_settings.monthly_cap_cents),
      'last_charge', case when v_last.id is not null then jsonb_build_object(
        'status', v_last.status, 'credits', v_last.credits, 'amount_cents', v_last.amount_cents,
        'failure_code', v_last.failure_code, 'created_at', v_last.created_at) end,
      'confirmation', case when v_open.id is not null then jsonb_build_object(
        'recharge_id', v_open.id, 'purchase_id', v_open.purchase_id,
        'payment_intent_id', v_open.stripe_payment_intent_id,
        -- The card the payment was made with (the settings may hold a newer one, or none after a detach).
        'payment_method_id', coalesce(v_open.stripe_payment_method_id, v_settings.stripe_payment_method_id),
        'customer_id', coalesce(v_open.stripe_customer_id, v_settings.stripe_customer_id),
        'credits', v_open.credits, 'amount_cents', v_open.amount_cents) end);
  end
  $fn$;

-- GET /v1/auto-recharge: the user's tenant, found as credit_topup_resolve_tenant finds it; null without one.
create or replace function public.credit_topup_auto_recharge_of_user(p_user_id uuid) returns jsonb
  language plpgsql stable security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
  begin
    if v_tenant_id is null then
      return null;
    end if;
    return credit_topup_auto_recharge_summary(v_tenant_id,
      credit_topup_may_manage_auto_recharge(p_user_id, v_tenant_id));
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Changing the settings. Lock order everywhere: the tenant's open recharge, its purchase, the balance,
-- then the settings row, so that these functions, the claim and the fulfilment never wait on each other
-- in a circle.

-- PUT /v1/auto-recharge. The package, credits and price come from the server's catalogue, never from
-- the browser; the cap is the member's.
create or replace function public.credit_topup_save_auto_recharge(
  p_user_id uuid,
  p_enabled boolean,
  p_threshold_credits integer,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_monthly_cap_cents integer,
  p_livemode boolean default false
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
    v_settings credit_topup_auto_recharge_settings%rowtype;
    v_open credit_topup_auto_recharges%rowtype;
    v_balance jsonb;
  begin
    if v_tenant_id is null then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    if not credit_topup_may_manage_auto_recharge(p_user_id, v_tenant_id) then
      return jsonb_build_object('ok', false, 'code', 'forbidden');
    end if;
    if p_threshold_credits is null or p_threshold_credits < 10 then
      return jsonb_build_object('ok', false, 'code', 'invalid_threshold');
    end if;
    if p_enabled is null or p_credits is null or p_credits <= 0 or p_amount_cents is null or p_amount_cents <= 0
       or p_monthly_cap_cents is null or p_monthly_cap_cents <= 0
       or p_package_id is null or p_package_id !~ '^[a-z0-9_-]{1,64}$'
       or p_currency is null or lower(p_currency) !~ '^[a-z]{3}$' then
      return jsonb_build_object('ok', false, 'code', 'invalid_settings');
    end if;

    select * into v_open from credit_topup_auto_recharges
     where tenant_id = v_tenant_id and status in ('pending', 'charging', 'requires_action') for no key update;
    select * into v_settings from credit_topup_auto_recharge_settings where tenant_id = v_tenant_id for update;
    -- Switching on needs a card of the mode the server charges in.
    if p_enabled and (v_settings.stripe_payment_method_id is null or v_settings.livemode <> coalesce(p_livemode, false)) then
      return jsonb_build_object('ok', false, 'code', 'payment_method_required');
    end if;

    if v_settings.tenant_id is null then
      -- Only switched off can it be new here: switching on needed a card, and a card makes the row.
      insert into credit_topup_auto_recharge_settings
        (tenant_id, enabled, threshold_credits, package_id, credits, amount_cents, currency, monthly_cap_cents,
         livemode, updated_by)
      values (v_tenant_id, false, p_threshold_credits, p_package_id, p_credits, p_amount_cents, lower(p_currency),
              p_monthly_cap_cents, coalesce(p_livemode, false), p_user_id);
    else
      update credit_topup_auto_recharge_settings
         set enabled = p_enabled,
             threshold_credits = p_threshold_credits,
             package_id = p_package_id,
             credits = p_credits,
             amount_cents = p_amount_cents,
             currency = lower(p_currency),
             monthly_cap_cents = p_monthly_cap_cents,
             updated_by = p_user_id,
             -- Switched on, or off by a member: no reason of its own to show any more. Settings changed
             -- while it stays off keep why it switched itself off.
             disabled_reason = case when p_enabled or v_settings.enabled then null else disabled_reason end,
             disabled_at = case when p_enabled then null when v_settings.enabled then now() else disabled_at end,
             -- Switching on starts the count of declines in a row again; a change while on does not.
             consecutive_failures = case when p_enabled and not v_settings.enabled then 0
                                         else consecutive_failures end,
             updated_at = now()
       where tenant_id = v_tenant_id;
    end if;

    if not p_enabled then
      -- A recharge not yet at Stripe is dropped, and so is one waiting for the customer (nobody is asked
      -- to confirm a top-up that was switched off; a payment confirmed meanwhile is still credited). One
      -- being charged right now runs on: Stripe may already have it.
      update credit_topup_auto_recharges
         set status = 'canceled', failure_code = 'disabled', claimed_until = null, updated_at = now()
       where id = v_open.id and status in ('pending', 'requires_action');
    elsif v_open.id is null then
      -- Switched on (or changed) below the threshold: there will be no crossing to wait for.
      v_balance := credit_topup_get_balance(v_tenant_id);
      if (v_balance ->> 'available_credits')::integer < p_threshold_credits then
        perform credit_topup_enqueue_auto_recharge(v_tenant_id, (v_balance ->> 'available_credits')::integer);
      end if;
    end if;
    return jsonb_build_object('ok', true, 'auto_recharge', credit_topup_auto_recharge_summary(v_tenant_id, true));
  end
  $fn$;

-- The card a completed setup checkout saved (webhook or return path; either may come first, both may
-- come). Makes a switched-off settings row when there is none: the member configures and switches it on
-- afterwards. A new card does not switch it on by itself.
create or replace function public.credit_topup_save_auto_recharge_payment_method(
  p_tenant_id uuid,
  p_livemode boolean,
  p_customer_id text,
  p_payment_method_id text,
  p_brand text,
  p_last4 text,
  p_exp_month integer,
  p_exp_year integer,
  p_user_id uuid default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  begin
    if p_tenant_id is null or not exists (select 1 from organizations where id = p_tenant_id) then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    if p_customer_id is null or p_payment_method_id is null then
      return jsonb_build_object('ok', false, 'code', 'invalid_payment_method');
    end if;
    insert into credit_topup_auto_recharge_settings as s
      (tenant_id, livemode, stripe_customer_id, stripe_payment_method_id, card_brand, card_last4,
       card_exp_month, card_exp_year, updated_by)
    values (p_tenant_id, coalesce(p_livemode, false), p_customer_id, p_payment_method_id, p_brand, p_last4,
            p_exp_month, p_exp_year, p_user_id)
    on conflict (tenant_id) do update
      set livemode = excluded.livemode,
          stripe_customer_id = excluded.stripe_customer_id,
          stripe_payment_method_id = excluded.stripe_payment_method_id,
          card_brand = excluded.card_brand,
          card_last4 = excluded.card_last4,
          card_exp_month = excluded.card_exp_month,
          card_exp_year = excluded.card_exp_year,
          updated_by = coalesce(excluded.updated_by, s.updated_by),
          updated_at = now()
      -- The same card reported again (webhook and return path) changes nothing, not even updated_at.
      where (s.livemode, s.stripe_customer_id, s.stripe_payment_method_id, s.card_brand, s.card_last4,
             s.card_exp_month, s.card_exp_year)
            is distinct from
            (excluded.livemode, excluded.stripe_customer_id, excluded.stripe_payment_method_id,
             excluded.card_brand, excluded.card_last4, excluded.card_exp_month, excluded.card_exp_year);
    return jsonb_build_object('ok', true, 'auto_recharge', credit_topup_auto_recharge_summary(p_tenant_id,
      coalesce(credit_topup_may_manage_auto_recharge(p_user_id, p_tenant_id), false)));
  end
  $fn$;

-- A card that can no longer pay (payment_method.detached, an expired card): switched off with the
-- reason, a recharge not yet at Stripe dropped. A detached card is forgotten, so that switching on again
-- asks for a new one.
create or replace function public.credit_topup_disable_auto_recharge_for_payment_method(
  p_payment_method_id text,
  p_reason text
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid;
    v_disabled integer := 0;
  begin
    if p_payment_method_id is null or p_reason is null or char_length(p_reason) not between 1 and 64 then
      return jsonb_build_object('ok', false, 'code', 'invalid_reason');
    end if;
    for v_tenant_id in
      select tenant_id from credit_topup_auto_recharge_settings where stripe_payment_method_id = p_payment_method_id
    loop
      perform 1 from credit_topup_auto_recharges
        where tenant_id = v_tenant_id and status in ('pending', 'charging', 'requires_action') for no key update;
      update credit_topup_auto_recharge_settings
         set disabled_reason = case when enabled then p_reason else disabled_reason end,
             disabled_at = case when enabled then now() else disabled_at end,
             enabled = false,
             stripe_payment_method_id = case when p_reason = 'payment_method_detached' then null
                                             else stripe_payment_method_id end,
             card_brand = case when p_reason = 'payment_method_detached' then null else card_brand end,
             card_last4 = case when p_reason = 'payment_method_detached' then null else card_last4 end,
             card_exp_month = case when p_reason = 'payment_method_detached' then null else card_exp_month end,
             card_exp_year = case when p_reason = 'payment_method_detached' then null else card_exp_year end
       where tenant_id = v_tenant_id and stripe_payment_method_id = p_payment_method_id;
      update credit_topup_auto_recharges
         set status = 'canceled', failure_code = p_reason, claimed_until = null, updated_at = now()
       where tenant_id = v_tenant_id and status in ('pending', 'requires_action');
      v_disabled := v_disabled + 1;
    end loop;
    return jsonb_build_object('ok', true, 'disabled', v_disabled);
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Charging

-- A recharge the month's cap refused leaves the balance below the threshold, and no later deduction
-- crosses it from above: so every claim first asks for one recharge for each tenant that is switched on,
-- below its threshold, has nothing open, and whose latest recharge was refused by the cap of an earlier
-- month. Otherwise nothing would start again on the 1st until someone bought credits by hand. The cap
-- counts a recharge in the month it was reserved (a 3-D Secure payment confirmed on the 2nd counts in
-- the month before, when it was asked for).
create or replace function public.credit_topup_enqueue_recharges_of_new_month() returns integer
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_due record;
    v_next uuid;
    v_count integer := 0;
  begin
    for v_due in
      select distinct on (capped.tenant_id) capped.tenant_id, capped.id as capped_id,
             b.balance_credits - b.reserved_credits as available, s.threshold_credits
        from credit_topup_auto_recharges capped
        join credit_topup_auto_recharge_settings s on s.tenant_id = capped.tenant_id and s.enabled
        join tenant_credit_balance b on b.tenant_id = capped.tenant_id
       where capped.failure_code = 'monthly_cap_reached'
         -- Last month's: a sweep runs every minute, so a tenant capped earlier was handled back then.
         and capped.cap_month = (credit_topup_cap_month(now()) - interval '1 month')::date
       order by capped.tenant_id, capped.created_at desc
    loop
      continue when v_due.available >= v_due.threshold_credits;
      -- Only if the cap's refusal is the tenant's latest word (nothing after it, nothing open).
      continue when exists (
        select 1 from credit_topup_auto_recharges later
         where later.tenant_id = v_due.tenant_id and later.id <> v_due.capped_id
           and later.created_at >= (select created_at from credit_topup_auto_recharges where id = v_due.capped_id));
      v_next := credit_topup_enqueue_auto_recharge(v_due.tenant_id, v_due.available);
      if v_next is not null then
        update credit_topup_auto_recharges set cause = 'new_month' where id = v_next;
        v_count := v_count + 1;
      end if;
    end loop;
    return v_count;
  end
  $fn$;

-- Hands out up to p_limit recharges to charge now, each leased for p_lease_seconds:
--   * a `charging` attempt whose lease ran out: its process died between asking Stripe and recording
--     the answer. The same attempt, purchase and Idempotency-Key again: Stripe answers the first
--     request again if it arrived, and charges once if it did not.
--   * a due `pending` recharge: reserved with the settings locked: switched off → canceled (disabled);
--     over this month's cap → canceled (monthly_cap_reached), no Stripe call; else a new attempt with
--     its own purchase.
-- Concurrent claimers skip each other's rows (skip locked) and never hand out one row twice.
create or replace function public.credit_topup_claim_auto_recharges(p_limit integer, p_lease_seconds integer)
  returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_claimed jsonb := '[]'::jsonb;
    v_count integer := 0;
    v_recharge credit_topup_auto_recharges%rowtype;
    v_settings credit_topup_auto_recharge_settings%rowtype;
    v_month date := credit_topup_cap_month(now());
    v_lease interval := make_interval(secs => greatest(coalesce(p_lease_seconds, 0), 1));
    v_used bigint;
    v_attempt integer;
    v_purchase_id uuid;
  begin
    if p_limit is null or p_limit < 1 then
      return v_claimed;
    end if;

    -- A new month gives a capped tenant its cap back.
    perform credit_topup_enqueue_recharges_of_new_month();

    -- Stripe keeps an Idempotency-Key for 24 hours: an attempt still unrecorded after 23 is never sent
    -- again (a new send could charge a second time). It is released as failed, not counted as a decline;
    -- if Stripe did charge, the webhook or `npm run reconcile` still credits its purchase. And nobody is
    -- asked for weeks to confirm a payment: after 7 days the banner goes (the recharge is canceled).
    update credit_topup_auto_recharges r
       set status = 'failed', failure_code = 'unconfirmed_at_stripe', claimed_until = null, updated_at = now()
      from credit_purchases p
     where r.status = 'charging' and r.claimed_until < now() and p.id = r.purchase_id
       and p.created_at < now() - interval '23 hours';
    update credit_topup_auto_recharges
       set status = 'canceled', failure_code = 'confirmation_expired', updated_at = now()
     where status = 'requires_action' and updated_at < now() - interval '7 days';

    for v_recharge in
      select * from credit_topup_auto_recharges
       where status = 'charging' and claimed_until < now()
       order by claimed_until limit p_limit
       for no key update skip locked
    loop
      update credit_topup_auto_recharges set claimed_until = now() + v_lease, updated_at = now()
       where id = v_recharge.id;
      select * into v_settings from credit_topup_auto_recharge_settings where tenant_id = v_recharge.tenant_id;
      v_claimed := v_claimed || jsonb_build_array(jsonb_build_object(
        'recharge_id', v_recharge.id, 'attempt', v_recharge.attempt, 'purchase_id', v_recharge.purchase_id,
        'tenant_id', v_recharge.tenant_id, 'livemode', v_settings.livemode,
        -- The attempt's own card, as it was first sent: the same key with other parameters is refused.
        'customer_id', coalesce(v_recharge.stripe_customer_id, v_settings.stripe_customer_id),
        'payment_method_id', coalesce(v_recharge.stripe_payment_method_id, v_settings.stripe_payment_method_id),
        'amount_cents', v_recharge.amount_cents, 'currency', v_recharge.currency, 'credits', v_recharge.credits,
        'idempotency_key', 'auto-recharge-' || v_recharge.id || '-' || v_recharge.attempt));
      v_count := v_count + 1;
    end loop;

    for v_recharge in
      select * from credit_topup_auto_recharges
       where status = 'pending' and next_attempt_at <= now()
       order by next_attempt_at limit p_limit - v_count
       for no key update skip locked
    loop
      select * into v_settings from credit_topup_auto_recharge_settings
       where tenant_id = v_recharge.tenant_id for update;
      if not coalesce(v_settings.enabled, false) or v_settings.stripe_payment_method_id is null then
        update credit_topup_auto_recharges
           set status = 'canceled', failure_code = 'disabled', claimed_until = null, updated_at = now()
         where id = v_recharge.id;
        continue;
      end if;

      select coalesce(sum(amount_cents), 0) into v_used from credit_topup_auto_recharges
       where tenant_id = v_recharge.tenant_id and cap_month = v_month
         and status in ('charging', 'requires_action', 'succeeded');
      if v_used + v_settings.amount_cents > v_settings.monthly_cap_cents then
        update credit_topup_auto_recharges
           set status = 'canceled', failure_code = 'monthly_cap_reached', cap_month = v_month,
               credits = v_settings.credits, amount_cents = v_settings.amount_cents,
               currency = v_settings.currency, claimed_until = null, updated_at = now()
         where id = v_recharge.id;
        continue;
      end if;

      v_attempt := v_recharge.attempt + 1;
      insert into credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency,
                                    idempotency_key, auto_recharge_id)
      values (v_recharge.tenant_id, v_settings.updated_by, v_settings.package_id, v_settings.credits,
              v_settings.amount_cents, v_settings.currency,
              'auto-recharge-' || v_recharge.id || '-' || v_attempt, v_recharge.id)
      returning id into v_purchase_id;
      update credit_topup_auto_recharges
         set status = 'charging', attempt = v_attempt, purchase_id = v_purchase_id,
             claimed_until = now() + v_lease, cap_month = v_month, credits = v_settings.credits,
             amount_cents = v_settings.amount_cents, currency = v_settings.currency,
             stripe_customer_id = v_settings.stripe_customer_id,
             stripe_payment_method_id = v_settings.stripe_payment_method_id,
             stripe_payment_intent_id = null, updated_at = now()
       where id = v_recharge.id
      returning * into v_recharge;
      v_claimed := v_claimed || jsonb_build_array(jsonb_build_object(
        'recharge_id', v_recharge.id, 'attempt', v_recharge.attempt, 'purchase_id', v_recharge.purchase_id,
        'tenant_id', v_recharge.tenant_id, 'livemode', v_settings.livemode,
        'customer_id', v_recharge.stripe_customer_id, 'payment_method_id', v_recharge.stripe_payment_method_id,
        'amount_cents', v_recharge.amount_cents, 'currency', v_recharge.currency, 'credits', v_recharge.credits,
        'idempotency_key', 'auto-recharge-' || v_recharge.id || '-' || v_recharge.attempt));
    end loop;
    return v_claimed;
  end
  $fn$;

-- What Stripe answered an attempt that did not pay (the API's answer, or payment_intent.payment_failed;
-- the first report applies, a second finds the attempt no longer `charging`):
--   * requires_action: the bank wants the customer (3-D Secure). Not retried: the element asks the
--     customer to confirm; the purchase stays pending with its payment intent.
--   * failed: the purchase fails; a permanent failure (an expired card) or the third decline in a row
--     switches automatic top-up off with the reason; otherwise the recharge is due again after
--     p_retry_base_seconds · 4^(attempt-1).
create or replace function public.credit_topup_record_auto_recharge_attempt(
  p_recharge_id uuid,
  p_attempt integer,
  p_outcome text,
  p_payment_intent_id text default null,
  p_failure_code text default null,
  p_permanent boolean default false,
  p_retry_base_seconds integer default 300,
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_recharge credit_topup_auto_recharges%rowtype;
    v_failures integer;
    v_failure_code text := coalesce(p_failure_code, 'payment_failed');
    v_disabled boolean := false;
  begin
    if p_outcome is null or p_outcome not in ('requires_action', 'failed') then
      return jsonb_build_object('ok', false, 'code', 'invalid_outcome');
    end if;
    select * into v_recharge from credit_topup_auto_recharges where id = p_recharge_id for no key update;
    if not found then
      return jsonb_build_object('ok', false, 'code', 'unknown_recharge');
    end if;
    if credit_topup_event_already_applied(p_stripe_event_id) then
      return jsonb_build_object('ok', true, 'applied', false, 'duplicate_event', true, 'disabled', false,
        'recharge', credit_topup_auto_recharge_json(v_recharge));
    end if;
    if v_recharge.status <> 'charging' or v_recharge.attempt <> p_attempt then
      perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_recharge.purchase_id, 'unchanged');
      return jsonb_build_object('ok', true, 'applied', false, 'disabled', false,
        'recharge', credit_topup_auto_recharge_json(v_recharge));
    end if;
    perform 1 from credit_purchases where id = v_recharge.purchase_id for update;

    if p_outcome = 'requires_action' then
      update credit_purchases
         set stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id), updated_at = now()
       where id = v_recharge.purchase_id;
      update credit_topup_auto_recharges
         set status = 'requires_action', failure_code = p_failure_code, claimed_until = null,
             stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id), updated_at = now()
       where id = v_recharge.id
      returning * into v_recharge;
    else
      update credit_purchases
         set status = 'failed', failure_code = v_failure_code, updated_at = now(),
             stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id)
       where id = v_recharge.purchase_id and status = 'pending';
      update credit_topup_auto_recharge_settings
         set consecutive_failures = consecutive_failures + 1
       where tenant_id = v_recharge.tenant_id
      returning consecutive_failures into v_failures;
      v_disabled := coalesce(p_permanent, false) or coalesce(v_failures, 0) >= 3;
      if v_disabled then
        update credit_topup_auto_recharge_settings
           set enabled = false, disabled_at = now(),
               disabled_reason = case when coalesce(p_permanent, false) then v_failure_code else 'declined_3_times' end
         where tenant_id = v_recharge.tenant_id;
        update credit_topup_auto_recharges
           set status = 'failed', failure_code = v_failure_code, claimed_until = null,
               stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id), updated_at = now()
         where id = v_recharge.id
        returning * into v_recharge;
      else
        update credit_topup_auto_recharges
           set status = 'pending', failure_code = v_failure_code, claimed_until = null,
               next_attempt_at = now() + make_interval(
                 secs => greatest(coalesce(p_retry_base_seconds, 300), 0) * power(4, greatest(v_recharge.attempt - 1, 0))),
               stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id), updated_at = now()
         where id = v_recharge.id
        returning * into v_recharge;
      end if;
    end if;
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_recharge.purchase_id,
      'auto_recharge_' || p_outcome);
    return jsonb_build_object('ok', true, 'applied', true, 'disabled', v_disabled,
      'recharge', credit_topup_auto_recharge_json(v_recharge));
  end
  $fn$;

-- Credits a purchase paid by a PaymentIntent without Checkout (an automatic recharge, off-session or
-- confirmed by the customer after 3-D Secure) exactly once, with the guards of
-- credit_topup_fulfil_checkout_session: the event applied before, the purchase credited before, a
-- payment of another intent, amount and currency. Marks the recharge succeeded and the declines in a row
-- as none. Only purchases of automatic recharges: a Checkout payment's intent is credited by its session.
create or replace function public.credit_topup_fulfil_payment_intent(
  p_purchase_id uuid,
  p_payment_intent_id text,
  p_amount_cents integer,
  p_currency text,
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_recharge_id uuid;
    v_purchase_id uuid;
    v_purchase credit_purchases%rowtype;
    v_previous_claims text := current_setting('request.jwt.claims', true);
    v_previous_sub text := current_setting('request.jwt.claim.sub', true);
    v_topup jsonb;
    v_mismatch text;
    v_threshold integer;
    v_available integer;
    v_next uuid;
  begin
    -- Found without a lock first, to lock in the common order: the recharge, then the purchase.
    if p_purchase_id is not null then
      select auto_recharge_id, id into v_recharge_id, v_purchase_id from credit_purchases where id = p_purchase_id;
    elsif p_payment_intent_id is not null then
      select auto_recharge_id, id into v_recharge_id, v_purchase_id from credit_purchases
       where stripe_payment_intent_id = p_payment_intent_id limit 1;
    end if;
    if v_purchase_id is null then
      return jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    end if;
    if v_recharge_id is null then
      return jsonb_build_object('ok', false, 'code', 'not_an_auto_recharge');
    end if;
    -- FOR NO KEY UPDATE, never FOR UPDATE, on a recharge, everywhere: a purchase update elsewhere (the
    -- receipt link of charge.succeeded, a refund) checks its foreign key to the recharge with FOR KEY
    -- SHARE while it holds the purchase, and FOR UPDATE would deadlock with it (the model test found it).
    perform 1 from credit_topup_auto_recharges where id = v_recharge_id for no key update;
    select * into v_purchase from credit_purchases where id = v_purchase_id for update;

    if p_payment_intent_id is not null and v_purchase.stripe_payment_intent_id is not null
       and v_purchase.stripe_payment_intent_id <> p_payment_intent_id then
      return jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch');
    end if;
    if credit_topup_event_already_applied(p_stripe_event_id) then
      return credit_topup_result(v_purchase.id, jsonb_build_object('credited', false, 'duplicate_event', true));
    end if;
    if v_purchase.credited_credits > 0 then
      perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'already_credited');
      return credit_topup_result(v_purchase.id, jsonb_build_object('credited', false));
    end if;
    if v_purchase.failure_code in ('amount_mismatch', 'currency_mismatch') then
      return jsonb_build_object('ok', false, 'code', v_purchase.failure_code,
        'purchase', credit_topup_purchase_json(v_purchase));
    end if;

    v_mismatch := case
      when p_currency is null or lower(p_currency) <> v_purchase.currency then 'currency_mismatch'
      when p_amount_cents is null or p_amount_cents <> v_purchase.amount_cents then 'amount_mismatch'
    end;
    if v_mismatch is not null then
      -- Never credit what we did not price; keep the row flagged for a person to look at.
      update credit_purchases
         set status = 'failed', failure_code = v_mismatch, updated_at = now(),
             stripe_payment_intent_id = coalesce(stripe_payment_intent_id, p_payment_intent_id)
       where id = v_purchase.id
      returning * into v_purchase;
      perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, v_mismatch);
      return jsonb_build_object('ok', false, 'code', v_mismatch, 'purchase', credit_topup_purchase_json(v_purchase));
    end if;

    -- As in credit_topup_fulfil_checkout_session: the portal's rpc_credit_topup writes the ledger row
    -- with auth.uid(); the purchase's user is the request's subject for this call only.
    perform set_config('request.jwt.claims',
      jsonb_build_object('sub', v_purchase.user_id, 'role', 'service_role')::text, true);
    perform set_config('request.jwt.claim.sub', v_purchase.user_id::text, true);
    v_topup := rpc_credit_topup(v_purchase.tenant_id, v_purchase.credits, 'stripe_auto_recharge', v_purchase.id);
    perform set_config('request.jwt.claims', coalesce(v_previous_claims, ''), true);
    perform set_config('request.jwt.claim.sub', coalesce(v_previous_sub, ''), true);
    if coalesce((v_topup ->> 'success')::boolean, false) is not true then
      raise exception 'rpc_credit_topup refused purchase %: %', v_purchase.id, v_topup
        using errcode = 'P0001';
    end if;

    -- A payment is a payment: also one that arrives after its attempt was recorded as declined.
    update credit_purchases
       set status = 'credited', failure_code = null, credited_credits = credits, credited_at = now(),
           updated_at = now(),
           stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id),
           amount_paid_cents = p_amount_cents
     where id = v_purchase.id;

    -- The plan's receipt line in the assistant's cost log: money paid, no credits consumed.
    insert into armstrong_billing_events (org_id, action_code, cost_model, cost_cents, credits_charged)
    values (v_purchase.tenant_id, 'credit_topup', 'free', p_amount_cents, 0);

    perform credit_topup_settle_reversals(v_purchase.id);
    update credit_topup_auto_recharges
       set status = 'succeeded', failure_code = null, claimed_until = null, purchase_id = v_purchase.id,
           stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id), updated_at = now()
     where id = v_recharge_id and status <> 'succeeded';
    update credit_topup_auto_recharge_settings set consecutive_failures = 0
     where tenant_id = v_purchase.tenant_id and consecutive_failures <> 0;

    -- Still below the threshold with this recharge credited (the portal spent on while it was being paid,
    -- or the package is smaller than the gap): no deduction will cross the threshold from above now, so
    -- the next recharge is asked for here. One at a time, and within the month's cap like any other.
    select s.threshold_credits, b.balance_credits - b.reserved_credits into v_threshold, v_available
      from credit_topup_auto_recharge_settings s
      join tenant_credit_balance b on b.tenant_id = s.tenant_id
     where s.tenant_id = v_purchase.tenant_id and s.enabled;
    if v_available < v_threshold then
      v_next := credit_topup_enqueue_auto_recharge(v_purchase.tenant_id, v_available);
      if v_next is not null then
        update credit_topup_auto_recharges set cause = 'still_below' where id = v_next;
      end if;
    end if;
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'credited');
    return credit_topup_result(v_purchase.id,
      jsonb_build_object('credited', true, 'auto_recharge_id', v_recharge_id));
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Only the service role may call these (Supabase's default privileges grant new functions to anon and
-- authenticated; re-created functions keep the grants they had). The triggers' functions too: nobody
-- calls them but the triggers.
do $grants$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname in (
         'credit_topup_cap_month', 'credit_topup_auto_recharge_json', 'credit_topup_purchase_json',
         'credit_topup_auto_recharge_state', 'credit_topup_balance_announcement',
         'credit_topup_announce_balance_of', 'credit_topup_enqueue_auto_recharge',
         'credit_topup_detect_auto_recharge_need', 'credit_topup_notify_balance_change',
         'credit_topup_notify_auto_recharge_change', 'credit_topup_notify_auto_recharge_settings_change',
         'credit_topup_get_balance', 'credit_topup_may_manage_auto_recharge',
         'credit_topup_auto_recharge_summary', 'credit_topup_auto_recharge_of_user',
         'credit_topup_save_auto_recharge', 'credit_topup_save_auto_recharge_payment_method',
         'credit_topup_disable_auto_recharge_for_payment_method', 'credit_topup_claim_auto_recharges',
         'credit_topup_record_auto_recharge_attempt', 'credit_topup_fulfil_payment_intent',
         'credit_topup_enqueue_recharges_of_new_month')
  loop
    execute format('revoke all on function %s from public, anon, authenticated', v_fn);
    execute format('grant execute on function %s to service_role', v_fn);
  end loop;
end
$grants$;

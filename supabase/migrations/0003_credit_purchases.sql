-- Purchases of credits through Stripe Checkout and the Stripe events already applied to them.
-- One row per Checkout Session. Exactly-once crediting lives here: every function that moves credits
-- locks the purchase row first, decides from its recorded state, and changes balance, ledger and
-- purchase in the same transaction, so duplicates and concurrent deliveries serialise on that lock.

-- Created once, with their policies and grants: a second run must not even reorder a grant.
do $purchases$
begin
  if to_regclass('public.credit_purchases') is null then
    create table public.credit_purchases (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references public.organizations (id),
      -- The signed-in user who started the checkout: the ledger rows of this purchase carry this id.
      user_id uuid not null,
      package_id text not null check (package_id ~ '^[a-z0-9_-]{1,64}$'),
      credits integer not null check (credits > 0),
      amount_cents integer not null check (amount_cents > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      -- The client's Idempotency-Key: a repeated "create checkout" returns this purchase again.
      idempotency_key text check (length(idempotency_key) between 1 and 255),
      stripe_checkout_session_id text unique,
      stripe_payment_intent_id text,
      session_expires_at timestamptz,
      status text not null default 'pending' check (status in
        ('pending', 'credited', 'failed', 'expired', 'refunded', 'partially_refunded', 'disputed')),
      -- Why a purchase failed: async_payment_failed, amount_mismatch, currency_mismatch.
      failure_code text,
      -- What the customer actually paid (after discounts, with tax): the base for proportional claw-backs.
      amount_paid_cents integer check (amount_paid_cents >= 0),
      -- Cumulative, as Stripe reports it on the charge; never decreases, so reordered events are harmless.
      refunded_cents integer not null default 0 check (refunded_cents >= 0),
      stripe_dispute_id text,
      dispute_status text check (dispute_status in ('warning_needs_response', 'warning_under_review',
        'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented')),
      disputed_cents integer not null default 0 check (disputed_cents >= 0),
      credited_credits integer not null default 0 check (credited_credits >= 0),
      -- Credits taken back from the balance because of refunds or disputes ...
      clawed_back_credits integer not null default 0 check (clawed_back_credits >= 0),
      -- ... and those that could not be taken because the tenant had already spent them.
      unrecovered_credits integer not null default 0 check (unrecovered_credits >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      credited_at timestamptz,
      unique (user_id, idempotency_key),
      check (clawed_back_credits + unrecovered_credits <= credited_credits)
    );
    create index credit_purchases_tenant_created_idx on public.credit_purchases (tenant_id, created_at desc);
    create index credit_purchases_payment_intent_idx
      on public.credit_purchases (stripe_payment_intent_id) where stripe_payment_intent_id is not null;
    alter table public.credit_purchases enable row level security;
    create policy credit_purchases_member_read on public.credit_purchases for select to authenticated
      using (public.credit_topup_is_member(tenant_id));
    -- Supabase's default privileges give anon and authenticated everything on new tables: take it back.
    revoke all on public.credit_purchases from public, anon, authenticated;
    grant select on public.credit_purchases to authenticated, service_role;
  end if;

  -- Stripe delivers an event at least once; its id is recorded in the transaction that applied it.
  if to_regclass('public.stripe_webhook_events') is null then
    create table public.stripe_webhook_events (
      event_id text primary key,
      event_type text not null,
      purchase_id uuid references public.credit_purchases (id),
      outcome text not null,
      processed_at timestamptz not null default now()
    );
    alter table public.stripe_webhook_events enable row level security;
    revoke all on public.stripe_webhook_events from public, anon, authenticated;
    grant select on public.stripe_webhook_events to service_role;
  end if;
end
$purchases$;

-- ---------------------------------------------------------------------------------------------------
-- Reading

create or replace function public.credit_topup_resolve_tenant(p_user_id uuid) returns uuid
  language sql stable security definer set search_path = public
  as $fn$
    -- active_tenant_id is state the user can edit: it counts only with a membership behind it.
    select p.active_tenant_id
      from profiles p
     where p.id = p_user_id
       and exists (select 1 from memberships m where m.user_id = p_user_id and m.tenant_id = p.active_tenant_id)
  $fn$;

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
      'available_credits', v_row.balance_credits - v_row.reserved_credits);
  end
  $fn$;

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
      'updated_at', p.updated_at, 'credited_at', p.credited_at)
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Opening a purchase

create or replace function public.credit_topup_open_purchase(
  p_tenant_id uuid,
  p_user_id uuid,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_idempotency_key text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    if not exists (select 1 from memberships where user_id = p_user_id and tenant_id = p_tenant_id) then
      return jsonb_build_object('ok', false, 'code', 'not_a_member');
    end if;

    insert into credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency, idempotency_key)
    values (p_tenant_id, p_user_id, p_package_id, p_credits, p_amount_cents, lower(p_currency), p_idempotency_key)
    on conflict (user_id, idempotency_key) do nothing
    returning * into v_purchase;
    if found then
      return jsonb_build_object('ok', true, 'created', true, 'purchase', credit_topup_purchase_json(v_purchase));
    end if;

    -- The same user sent this key before: the same purchase, if it asks for the same thing.
    select * into v_purchase from credit_purchases where user_id = p_user_id and idempotency_key = p_idempotency_key;
    if v_purchase.tenant_id <> p_tenant_id or v_purchase.package_id <> p_package_id
       or v_purchase.credits <> p_credits or v_purchase.amount_cents <> p_amount_cents
       or v_purchase.currency <> lower(p_currency) then
      return jsonb_build_object('ok', false, 'code', 'idempotency_key_reused');
    end if;
    return jsonb_build_object('ok', true, 'created', false, 'purchase', credit_topup_purchase_json(v_purchase));
  end
  $fn$;

create or replace function public.credit_topup_attach_checkout_session(
  p_purchase_id uuid,
  p_checkout_session_id text,
  p_expires_at timestamptz default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    select * into v_purchase from credit_purchases where id = p_purchase_id for update;
    if not found then
      return jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    end if;
    if v_purchase.stripe_checkout_session_id is not null then
      if v_purchase.stripe_checkout_session_id <> p_checkout_session_id then
        -- A concurrent duplicate attached its session first; the caller answers with that one.
        return jsonb_build_object('ok', false, 'code', 'session_already_attached',
          'purchase', credit_topup_purchase_json(v_purchase));
      end if;
      return jsonb_build_object('ok', true, 'purchase', credit_topup_purchase_json(v_purchase));
    end if;
    update credit_purchases
       set stripe_checkout_session_id = p_checkout_session_id,
           session_expires_at = p_expires_at,
           updated_at = now()
     where id = p_purchase_id
    returning * into v_purchase;
    return jsonb_build_object('ok', true, 'purchase', credit_topup_purchase_json(v_purchase));
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Internal pieces of the money-moving functions (called with the purchase row locked)

create or replace function public.credit_topup_event_already_applied(p_event_id text) returns boolean
  language sql stable security definer set search_path = public
  as $fn$
    select p_event_id is not null and exists (select 1 from stripe_webhook_events where event_id = p_event_id)
  $fn$;

create or replace function public.credit_topup_record_event(
  p_event_id text, p_event_type text, p_purchase_id uuid, p_outcome text
) returns void
  language sql security definer set search_path = public
  as $fn$
    insert into stripe_webhook_events (event_id, event_type, purchase_id, outcome)
    select p_event_id, coalesce(p_event_type, 'unknown'), p_purchase_id, p_outcome
     where p_event_id is not null
    on conflict (event_id) do nothing
  $fn$;

-- Brings the credits taken back from a purchase in line with what was refunded or is held by a
-- dispute: proportional to the money reversed, from the available balance and never below zero; what
-- cannot be taken is recorded as unrecovered. A won dispute gives back first the unrecovered part
-- (it was never taken), then the credits actually taken.
create or replace function public.credit_topup_settle_reversals(p_purchase_id uuid) returns void
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_basis_cents integer;
    v_held_cents integer;
    v_reversed_cents integer;
    v_target integer;
    v_delta integer;
    v_take integer;
    v_forgive integer;
    v_restore integer;
    v_balance tenant_credit_balance%rowtype;
  begin
    select * into v_purchase from credit_purchases where id = p_purchase_id;
    if v_purchase.credited_credits = 0 then
      return; -- a refund or dispute that came first waits for the fulfilment, which calls us again
    end if;

    v_basis_cents := coalesce(nullif(v_purchase.amount_paid_cents, 0), v_purchase.amount_cents);
    -- Only a formal dispute withdraws the money; inquiries (warning_*) and won disputes do not.
    v_held_cents := case when v_purchase.dispute_status in ('needs_response', 'under_review', 'lost')
                         then v_purchase.disputed_cents else 0 end;
    v_reversed_cents := least(v_basis_cents, v_purchase.refunded_cents + v_held_cents);
    v_target := (v_purchase.credited_credits::bigint * v_reversed_cents / v_basis_cents)::integer;
    v_delta := v_target - (v_purchase.clawed_back_credits + v_purchase.unrecovered_credits);

    if v_delta > 0 then
      select * into v_balance from tenant_credit_balance where tenant_id = v_purchase.tenant_id for update;
      -- Reserved credits belong to actions already running; only the available part can be taken.
      v_take := greatest(0, least(v_delta, coalesce(v_balance.balance_credits - v_balance.reserved_credits, 0)));
      if v_take > 0 then
        update tenant_credit_balance
           set balance_credits = balance_credits - v_take, updated_at = now()
         where tenant_id = v_purchase.tenant_id;
        insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
        values (v_purchase.tenant_id, v_purchase.user_id, 'debit', -v_take, 'stripe_reversal', v_purchase.id);
      end if;
      update credit_purchases
         set clawed_back_credits = clawed_back_credits + v_take,
             unrecovered_credits = unrecovered_credits + (v_delta - v_take)
       where id = p_purchase_id;
    elsif v_delta < 0 then
      v_forgive := least(-v_delta, v_purchase.unrecovered_credits);
      v_restore := -v_delta - v_forgive;
      if v_restore > 0 then
        update tenant_credit_balance
           set balance_credits = balance_credits + v_restore, updated_at = now()
         where tenant_id = v_purchase.tenant_id;
        insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, ref_id)
        values (v_purchase.tenant_id, v_purchase.user_id, 'credit', v_restore, 'stripe_reversal_restored', v_purchase.id);
      end if;
      update credit_purchases
         set unrecovered_credits = unrecovered_credits - v_forgive,
             clawed_back_credits = clawed_back_credits - v_restore
       where id = p_purchase_id;
    end if;

    update credit_purchases
       set status = case
             when v_held_cents > 0 then 'disputed'
             when refunded_cents >= v_basis_cents then 'refunded'
             when refunded_cents > 0 then 'partially_refunded'
             else 'credited' end,
           updated_at = now()
     where id = p_purchase_id;
  end
  $fn$;

create or replace function public.credit_topup_result(p_purchase_id uuid, p_extra jsonb) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_balance integer;
  begin
    select * into v_purchase from credit_purchases where id = p_purchase_id;
    -- Every answer carries the tenant's balance; a tenant that never had a row gets its free credits now,
    -- as rpc_credit_preflight would give them.
    insert into tenant_credit_balance (tenant_id) values (v_purchase.tenant_id) on conflict (tenant_id) do nothing;
    select balance_credits into v_balance from tenant_credit_balance where tenant_id = v_purchase.tenant_id;
    return jsonb_build_object('ok', true) || p_extra || jsonb_build_object(
      'purchase', credit_topup_purchase_json(v_purchase), 'new_balance', v_balance);
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Moving money. Each is one transaction, safe to call any number of times, concurrently, in any order.

create or replace function public.credit_topup_fulfil_checkout_session(
  p_checkout_session_id text,
  p_amount_cents integer,          -- the session's amount_subtotal: the package price before discounts and tax
  p_currency text,
  p_payment_intent_id text default null,
  p_amount_paid_cents integer default null, -- the session's amount_total: what was charged
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_previous_claims text := current_setting('request.jwt.claims', true);
    v_previous_sub text := current_setting('request.jwt.claim.sub', true);
    v_topup jsonb;
    v_mismatch text;
  begin
    select * into v_purchase from credit_purchases where stripe_checkout_session_id = p_checkout_session_id for update;
    if not found then
      return jsonb_build_object('ok', false, 'code', 'unknown_checkout_session');
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

    -- The portal's rpc_credit_topup writes the ledger row with auth.uid(), which is null for the service
    -- role: make the paying user the request's subject for this call only.
    perform set_config('request.jwt.claims',
      jsonb_build_object('sub', v_purchase.user_id, 'role', 'service_role')::text, true);
    perform set_config('request.jwt.claim.sub', v_purchase.user_id::text, true);
    v_topup := rpc_credit_topup(v_purchase.tenant_id, v_purchase.credits, 'stripe_checkout', v_purchase.id);
    perform set_config('request.jwt.claims', coalesce(v_previous_claims, ''), true);
    perform set_config('request.jwt.claim.sub', coalesce(v_previous_sub, ''), true);
    if coalesce((v_topup ->> 'success')::boolean, false) is not true then
      raise exception 'rpc_credit_topup refused purchase %: %', v_purchase.id, v_topup
        using errcode = 'P0001';
    end if;

    update credit_purchases
       set status = 'credited', failure_code = null, credited_credits = credits, credited_at = now(),
           updated_at = now(),
           stripe_payment_intent_id = coalesce(p_payment_intent_id, stripe_payment_intent_id),
           amount_paid_cents = coalesce(p_amount_paid_cents, amount_paid_cents, p_amount_cents)
     where id = v_purchase.id;

    -- The plan's receipt line in the assistant's cost log: money paid, no credits consumed.
    insert into armstrong_billing_events (org_id, action_code, cost_model, cost_cents, credits_charged)
    values (v_purchase.tenant_id, 'credit_topup', 'free', coalesce(p_amount_paid_cents, p_amount_cents), 0);

    -- A refund or dispute may have been delivered before the payment news.
    perform credit_topup_settle_reversals(v_purchase.id);
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'credited');
    return credit_topup_result(v_purchase.id, jsonb_build_object('credited', true));
  end
  $fn$;

create or replace function public.credit_topup_mark_checkout_session(
  p_checkout_session_id text,
  p_status text,                 -- 'failed' (async payment failed) or 'expired'
  p_failure_code text default null,
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    if p_status is null or p_status not in ('failed', 'expired') then
      return jsonb_build_object('ok', false, 'code', 'invalid_status');
    end if;
    select * into v_purchase from credit_purchases where stripe_checkout_session_id = p_checkout_session_id for update;
    if not found then
      return jsonb_build_object('ok', false, 'code', 'unknown_checkout_session');
    end if;
    if credit_topup_event_already_applied(p_stripe_event_id) then
      return credit_topup_result(v_purchase.id, jsonb_build_object('changed', false, 'duplicate_event', true));
    end if;
    -- Only a purchase still waiting can fail or expire; a credited one keeps its credits, a flagged one
    -- keeps its flag.
    if v_purchase.status <> 'pending' then
      perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'unchanged');
      return credit_topup_result(v_purchase.id, jsonb_build_object('changed', false));
    end if;
    update credit_purchases
       set status = p_status,
           failure_code = case when p_status = 'failed' then coalesce(p_failure_code, 'payment_failed') end,
           updated_at = now()
     where id = v_purchase.id;
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, p_status);
    return credit_topup_result(v_purchase.id, jsonb_build_object('changed', true));
  end
  $fn$;

-- Finds the purchase a charge belongs to: by the purchase id Stripe carries in the payment intent's
-- metadata, else by the payment intent id recorded at fulfilment.
create or replace function public.credit_topup_lock_purchase_for_charge(p_purchase_id uuid, p_payment_intent_id text)
  returns public.credit_purchases
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    if p_purchase_id is not null then
      select * into v_purchase from credit_purchases where id = p_purchase_id for update;
    elsif p_payment_intent_id is not null then
      select * into v_purchase from credit_purchases where stripe_payment_intent_id = p_payment_intent_id for update;
    end if;
    return v_purchase;
  end
  $fn$;

create or replace function public.credit_topup_apply_refund(
  p_purchase_id uuid,
  p_payment_intent_id text,
  p_charge_amount_cents integer,
  p_amount_refunded_cents integer,  -- cumulative, as on the charge
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    if p_amount_refunded_cents is null or p_amount_refunded_cents < 0
       or p_charge_amount_cents is null or p_charge_amount_cents <= 0 then
      return jsonb_build_object('ok', false, 'code', 'invalid_amount');
    end if;
    v_purchase := credit_topup_lock_purchase_for_charge(p_purchase_id, p_payment_intent_id);
    if v_purchase.id is null then
      return jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    end if;
    if p_payment_intent_id is not null and v_purchase.stripe_payment_intent_id is not null
       and v_purchase.stripe_payment_intent_id <> p_payment_intent_id then
      return jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch');
    end if;
    if credit_topup_event_already_applied(p_stripe_event_id) then
      return credit_topup_result(v_purchase.id, jsonb_build_object('duplicate_event', true));
    end if;
    update credit_purchases
       set refunded_cents = greatest(refunded_cents, p_amount_refunded_cents),
           stripe_payment_intent_id = coalesce(stripe_payment_intent_id, p_payment_intent_id),
           amount_paid_cents = coalesce(amount_paid_cents, p_charge_amount_cents),
           updated_at = now()
     where id = v_purchase.id;
    perform credit_topup_settle_reversals(v_purchase.id);
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'refund_applied');
    return credit_topup_result(v_purchase.id, '{}'::jsonb);
  end
  $fn$;

create or replace function public.credit_topup_apply_dispute(
  p_purchase_id uuid,
  p_payment_intent_id text,
  p_dispute_id text,
  p_dispute_amount_cents integer,
  p_dispute_status text,
  p_stripe_event_id text default null,
  p_stripe_event_type text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_final_statuses constant text[] := array['won', 'lost', 'warning_closed', 'prevented'];
  begin
    if p_dispute_status is null or p_dispute_status not in ('warning_needs_response', 'warning_under_review',
         'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented') then
      return jsonb_build_object('ok', false, 'code', 'invalid_dispute_status');
    end if;
    if p_dispute_amount_cents is null or p_dispute_amount_cents < 0 or p_dispute_id is null then
      return jsonb_build_object('ok', false, 'code', 'invalid_amount');
    end if;
    v_purchase := credit_topup_lock_purchase_for_charge(p_purchase_id, p_payment_intent_id);
    if v_purchase.id is null then
      return jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    end if;
    if p_payment_intent_id is not null and v_purchase.stripe_payment_intent_id is not null
       and v_purchase.stripe_payment_intent_id <> p_payment_intent_id then
      return jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch');
    end if;
    if credit_topup_event_already_applied(p_stripe_event_id) then
      return credit_topup_result(v_purchase.id, jsonb_build_object('duplicate_event', true));
    end if;
    -- Events arrive in any order: once the dispute is closed, an older "created" or "updated" is stale.
    if v_purchase.stripe_dispute_id = p_dispute_id and v_purchase.dispute_status = any (v_final_statuses)
       and not (p_dispute_status = any (v_final_statuses)) then
      perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'stale_dispute_event');
      return credit_topup_result(v_purchase.id, jsonb_build_object('stale_event', true));
    end if;
    update credit_purchases
       set stripe_dispute_id = p_dispute_id,
           dispute_status = p_dispute_status,
           disputed_cents = p_dispute_amount_cents,
           stripe_payment_intent_id = coalesce(stripe_payment_intent_id, p_payment_intent_id),
           updated_at = now()
     where id = v_purchase.id;
    perform credit_topup_settle_reversals(v_purchase.id);
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'dispute_' || p_dispute_status);
    return credit_topup_result(v_purchase.id, '{}'::jsonb);
  end
  $fn$;

-- ---------------------------------------------------------------------------------------------------
-- Only the service role may call these (Supabase's default privileges grant new functions to anon and
-- authenticated, so those grants are taken back by name).
do $grants$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname like 'credit\_topup\_%'
       and p.proname <> 'credit_topup_is_member'
  loop
    execute format('revoke all on function %s from public, anon, authenticated', v_fn);
    execute format('grant execute on function %s to service_role', v_fn);
  end loop;
end
$grants$;

-- Starting a checkout with one database round trip before Stripe is asked, and no wait for the disk
-- that Stripe's answer does not hide:
--   1. credit_topup_prepare_checkout: the checkout rate limit, the tenant, its Stripe customer and the
--      purchase an Idempotency-Key already names, read (and the limit counted) in one call whose commit
--      does not wait for the disk: a counter lost in a database crash costs nothing.
--   2. credit_topup_open_purchase, now with the purchase id the server chose (and put into the
--      session's metadata): the purchase is recorded durably while Stripe creates the session.
--   3. credit_topup_attach_checkout_session, now optionally without waiting for the disk: an attach lost
--      in a database crash is made again by whoever next hears of the session (webhook, return path,
--      reconciliation), because the session's metadata names the purchase, which was recorded durably.

create or replace function public.credit_topup_prepare_checkout(
  p_user_id uuid,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_idempotency_key text default null,
  p_livemode boolean default false,
  -- The limit shared by every instance (credit_topup_take_rate_limit); null when the caller limits itself.
  p_limit_name text default null,
  p_limit_max_requests integer default null,
  p_limit_window_seconds integer default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_limit jsonb;
    v_tenant_id uuid;
    v_customer text;
    v_purchase credit_purchases%rowtype;
  begin
    -- Nothing here must survive a crash: the counter may be lost, everything else is only read.
    perform set_config('synchronous_commit', 'off', true);
    -- Counted first, like the middleware before it: a request without a tenant counts too.
    if p_limit_name is not null then
      v_limit := credit_topup_take_rate_limit(p_limit_name, p_user_id::text, p_limit_max_requests,
                                              p_limit_window_seconds);
      if (v_limit ->> 'allowed')::boolean is not true then
        return jsonb_build_object('ok', false, 'code', 'rate_limited',
          'retry_after_seconds', (v_limit ->> 'retry_after_seconds')::integer);
      end if;
    end if;

    v_tenant_id := credit_topup_resolve_tenant(p_user_id);
    if v_tenant_id is null then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    select stripe_customer_id into v_customer from credit_topup_stripe_customers
     where tenant_id = v_tenant_id and livemode = p_livemode;

    if p_idempotency_key is not null then
      select * into v_purchase from credit_purchases
       where user_id = p_user_id and idempotency_key = p_idempotency_key;
      -- The same refusal credit_topup_open_purchase gives, before a session is made for nothing.
      if found and (v_purchase.tenant_id <> v_tenant_id or v_purchase.package_id <> p_package_id
                    or v_purchase.credits <> p_credits or v_purchase.amount_cents <> p_amount_cents
                    or v_purchase.currency <> lower(p_currency)) then
        return jsonb_build_object('ok', false, 'code', 'idempotency_key_reused');
      end if;
    end if;
    return jsonb_build_object('ok', true, 'tenant_id', v_tenant_id, 'stripe_customer_id', v_customer,
      'purchase', case when v_purchase.id is not null then credit_topup_purchase_json(v_purchase) end);
  end
  $fn$;

-- Opening a purchase under the id the server chose: with an Idempotency-Key, concurrent requests choose
-- the same one, so each session's metadata names the purchase that is recorded. The old signature goes.
drop function if exists public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text, text, boolean);

create or replace function public.credit_topup_open_purchase(
  p_tenant_id uuid,
  p_user_id uuid,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_idempotency_key text default null,
  -- The version of the waiver text the buyer (p_user_id) agreed to just now; null when none was asked.
  p_withdrawal_waiver_version text default null,
  p_livemode boolean default false,
  -- The purchase's id; null: a new random one.
  p_purchase_id uuid default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_customer text;
  begin
    if not exists (select 1 from memberships where user_id = p_user_id and tenant_id = p_tenant_id) then
      return jsonb_build_object('ok', false, 'code', 'not_a_member');
    end if;
    select stripe_customer_id into v_customer from credit_topup_stripe_customers
     where tenant_id = p_tenant_id and livemode = p_livemode;

    -- Any conflict, on (user, key) or on the id: two requests with one key may insert at the same time.
    insert into credit_purchases (id, tenant_id, user_id, package_id, credits, amount_cents, currency,
                                  idempotency_key, withdrawal_waiver_version, withdrawal_waiver_at,
                                  withdrawal_waiver_user_id)
    values (coalesce(p_purchase_id, gen_random_uuid()), p_tenant_id, p_user_id, p_package_id, p_credits,
            p_amount_cents, lower(p_currency), p_idempotency_key, p_withdrawal_waiver_version,
            case when p_withdrawal_waiver_version is not null then now() end,
            case when p_withdrawal_waiver_version is not null then p_user_id end)
    on conflict do nothing
    returning * into v_purchase;
    if found then
      return jsonb_build_object('ok', true, 'created', true, 'purchase', credit_topup_purchase_json(v_purchase),
        'stripe_customer_id', v_customer);
    end if;

    -- The same user sent this key before: the same purchase (and its first waiver), if it asks for the
    -- same thing. Without a key only the id can have conflicted: the same purchase opened again.
    if p_idempotency_key is not null then
      select * into v_purchase from credit_purchases where user_id = p_user_id and idempotency_key = p_idempotency_key;
    else
      select * into v_purchase from credit_purchases where id = p_purchase_id;
    end if;
    if v_purchase.id is null or v_purchase.user_id <> p_user_id
       or v_purchase.idempotency_key is distinct from p_idempotency_key
       or v_purchase.tenant_id <> p_tenant_id or v_purchase.package_id <> p_package_id
       or v_purchase.credits <> p_credits or v_purchase.amount_cents <> p_amount_cents
       or v_purchase.currency <> lower(p_currency) then
      return jsonb_build_object('ok', false, 'code', 'idempotency_key_reused');
    end if;
    return jsonb_build_object('ok', true, 'created', false, 'purchase', credit_topup_purchase_json(v_purchase),
      'stripe_customer_id', v_customer);
  end
  $fn$;

-- Attaching may now skip the wait for the disk (p_durable false): the checkout's own attach, whose loss
-- in a crash is repaired from the session's metadata. The old signature goes.
drop function if exists public.credit_topup_attach_checkout_session(uuid, text, timestamptz);

create or replace function public.credit_topup_attach_checkout_session(
  p_purchase_id uuid,
  p_checkout_session_id text,
  p_expires_at timestamptz default null,
  p_durable boolean default true
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
  begin
    if not p_durable then
      perform set_config('synchronous_commit', 'off', true);
    end if;
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

-- Only the service role may call these (Supabase's default privileges grant new functions to anon and
-- authenticated).
revoke all on function public.credit_topup_prepare_checkout(uuid, text, integer, integer, text, text, boolean, text, integer, integer)
  from public, anon, authenticated;
grant execute on function public.credit_topup_prepare_checkout(uuid, text, integer, integer, text, text, boolean, text, integer, integer)
  to service_role;
revoke all on function public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text, text, boolean, uuid)
  from public, anon, authenticated;
grant execute on function public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text, text, boolean, uuid)
  to service_role;
revoke all on function public.credit_topup_attach_checkout_session(uuid, text, timestamptz, boolean)
  from public, anon, authenticated;
grant execute on function public.credit_topup_attach_checkout_session(uuid, text, timestamptz, boolean)
  to service_role;

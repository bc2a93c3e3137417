-- Automatic top-up (issue 16), a deadlock fixed: the recharge row is locked FOR NO KEY UPDATE, not FOR
-- UPDATE, by the two functions that lock it before its purchase.
--
-- credit_purchases.auto_recharge_id references credit_topup_auto_recharges. A transaction that updates a
-- purchase row it has already changed (credit_topup_record_documents_of_purchase does: the links, then
-- updated_at) has its foreign key checked, which takes FOR KEY SHARE on the recharge row, while it holds
-- the purchase. FOR UPDATE conflicts with FOR KEY SHARE; so charge.succeeded (the receipt link) arriving
-- together with payment_intent.succeeded or the API's own answer (credit_topup_fulfil_payment_intent:
-- the recharge, then the purchase) deadlocked, and one of them failed. The same holds for a refund or a
-- dispute of a recharge's purchase against a late fulfilment or a failure report. Nothing ever changes a
-- recharge's id, so FOR NO KEY UPDATE (which every plain UPDATE of the row takes anyway) serialises these
-- functions with each other just as before and leaves foreign key checks alone.
--
-- Re-created whole (CREATE OR REPLACE keeps their grants; revoked and granted again below all the same):
-- the bodies are 0015's but for the one lock in each.

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
    perform credit_topup_record_event(p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'credited');
    return credit_topup_result(v_purchase.id,
      jsonb_build_object('credited', true, 'auto_recharge_id', v_recharge_id));
  end
  $fn$;

revoke all on function public.credit_topup_record_auto_recharge_attempt(uuid, integer, text, text, text, boolean, integer, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_record_auto_recharge_attempt(uuid, integer, text, text, text, boolean, integer, text, text)
  to service_role;
revoke all on function public.credit_topup_fulfil_payment_intent(uuid, text, integer, text, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_fulfil_payment_intent(uuid, text, integer, text, text, text)
  to service_role;

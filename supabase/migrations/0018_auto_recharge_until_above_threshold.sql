-- Automatic top-up (issue 16): it keeps going until the balance is above the threshold again.
--
-- A recharge starts when a deduction takes the available credits from at least the threshold to below
-- it. If the balance is still below the threshold once that recharge is credited (the portal went on
-- spending while it was being paid, or the package is smaller than the gap), no later deduction crosses
-- the threshold from above, and automatic top-up silently stopped working for the tenant. Now the
-- crediting of a recharge asks for the next one in that case, in the same transaction; it is claimed,
-- capped and charged like every other. `cause` tells the two kinds apart (the model test counts them
-- apart: at most one recharge per crossing, at most one further per credited recharge).

alter table public.credit_topup_auto_recharges
  add column if not exists cause text not null default 'threshold';

do $cause$
begin
  if not exists (select 1 from pg_constraint where conname = 'credit_topup_auto_recharges_cause_check') then
    alter table public.credit_topup_auto_recharges
      add constraint credit_topup_auto_recharges_cause_check check (cause in ('threshold', 'still_below'));
  end if;
end
$cause$;

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

revoke all on function public.credit_topup_fulfil_payment_intent(uuid, text, integer, text, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_fulfil_payment_intent(uuid, text, integer, text, text, text)
  to service_role;

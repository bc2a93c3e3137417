-- Refunds and disputes made the same three checks before touching a purchase, written out twice in 0003.
-- They live in one function now, and both are re-created to call it; what they decide is unchanged.

-- The checks every charge event (a refund, a dispute) passes before it changes a purchase: the purchase
-- is found and locked, it belongs to this payment, and this very Stripe event was not applied before.
-- Returns the locked purchase, or in `answer` what to return instead.
create or replace function public.credit_topup_lock_purchase_for_charge_event(
  p_purchase_id uuid,
  p_payment_intent_id text,
  p_stripe_event_id text,
  out purchase public.credit_purchases,
  out answer jsonb
)
  language plpgsql security definer set search_path = public
  as $fn$
  begin
    purchase := credit_topup_lock_purchase_for_charge(p_purchase_id, p_payment_intent_id);
    if purchase.id is null then
      answer := jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    elsif p_payment_intent_id is not null and purchase.stripe_payment_intent_id is not null
          and purchase.stripe_payment_intent_id <> p_payment_intent_id then
      answer := jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch');
    elsif credit_topup_event_already_applied(p_stripe_event_id) then
      answer := credit_topup_result(purchase.id, jsonb_build_object('duplicate_event', true));
    end if;
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
    v_guard record;
    v_purchase credit_purchases%rowtype;
  begin
    if p_amount_refunded_cents is null or p_amount_refunded_cents < 0
       or p_charge_amount_cents is null or p_charge_amount_cents <= 0 then
      return jsonb_build_object('ok', false, 'code', 'invalid_amount');
    end if;
    v_guard := credit_topup_lock_purchase_for_charge_event(
      p_purchase_id, p_payment_intent_id, p_stripe_event_id);
    if v_guard.answer is not null then
      return v_guard.answer;
    end if;
    v_purchase := v_guard.purchase;
    update credit_purchases
       set refunded_cents = greatest(refunded_cents, p_amount_refunded_cents),
           stripe_payment_intent_id = coalesce(stripe_payment_intent_id, p_payment_intent_id),
           amount_paid_cents = coalesce(amount_paid_cents, p_charge_amount_cents),
           updated_at = now()
     where id = v_purchase.id;
    perform credit_topup_settle_reversals(v_purchase.id);
    perform credit_topup_record_event(
      p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'refund_applied');
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
    v_guard record;
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
    v_guard := credit_topup_lock_purchase_for_charge_event(
      p_purchase_id, p_payment_intent_id, p_stripe_event_id);
    if v_guard.answer is not null then
      return v_guard.answer;
    end if;
    v_purchase := v_guard.purchase;
    -- Events arrive in any order: once the dispute is closed, an older "created" or "updated" is stale.
    if v_purchase.stripe_dispute_id = p_dispute_id and v_purchase.dispute_status = any (v_final_statuses)
       and not (p_dispute_status = any (v_final_statuses)) then
      perform credit_topup_record_event(
        p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'stale_dispute_event');
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
    perform credit_topup_record_event(
      p_stripe_event_id, p_stripe_event_type, v_purchase.id, 'dispute_' || p_dispute_status);
    return credit_topup_result(v_purchase.id, '{}'::jsonb);
  end
  $fn$;

-- Only the service role may call the new function (Supabase's default privileges grant new functions
-- to anon and authenticated; re-created functions keep the grants 0003 gave them).
revoke all on function public.credit_topup_lock_purchase_for_charge_event(uuid, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_lock_purchase_for_charge_event(uuid, text, text)
  to service_role;

-- Automatic top-up (issue 16): an attempt keeps the card it was first sent with.
--
-- A charging attempt whose process died is claimed again when its lease ends and sent to Stripe once more
-- under the same Idempotency-Key. 0015's claim took the card from the settings at that moment; had a
-- member saved another card in between, the resend named another payment method under the same key,
-- which Stripe refuses (400 idempotency_error), and the row came back at every lease, never settled.
-- The customer and card are now recorded on the recharge when an attempt is reserved and resent as
-- they were. The claim also locks recharges FOR NO KEY UPDATE, like 0016's functions, so the foreign key
-- checks of purchase updates never wait on it.

alter table public.credit_topup_auto_recharges
  add column if not exists stripe_customer_id text,
  add column if not exists stripe_payment_method_id text;

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

revoke all on function public.credit_topup_claim_auto_recharges(integer, integer) from public, anon, authenticated;
grant execute on function public.credit_topup_claim_auto_recharges(integer, integer) to service_role;

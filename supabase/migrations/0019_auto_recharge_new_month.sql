-- Automatic top-up (issue 16): a new month gives a capped tenant its cap back.
--
-- A recharge that the month's cap refused leaves the balance below the threshold, and no later deduction
-- crosses the threshold from above; so on the 1st (Europe/Berlin) nothing would start again, and the
-- tenant stayed without automatic top-up until someone bought credits by hand. Every claim (the worker's
-- notifications and sweeps, the scheduled sweep) first asks for one recharge for each tenant that is
-- switched on, below its threshold, has nothing open, and whose latest recharge was refused by the cap
-- of an earlier month (`cause` `new_month`). A partial index keeps that look-up to the capped rows.

alter table public.credit_topup_auto_recharges drop constraint if exists credit_topup_auto_recharges_cause_check;
alter table public.credit_topup_auto_recharges
  add constraint credit_topup_auto_recharges_cause_check
  check (cause in ('threshold', 'still_below', 'new_month'));

create index if not exists credit_topup_auto_recharges_capped_idx
  on public.credit_topup_auto_recharges (tenant_id, created_at desc)
  where failure_code = 'monthly_cap_reached';

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
       where capped.failure_code = 'monthly_cap_reached' and capped.cap_month < credit_topup_cap_month(now())
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

revoke all on function public.credit_topup_enqueue_recharges_of_new_month() from public, anon, authenticated;
grant execute on function public.credit_topup_enqueue_recharges_of_new_month() to service_role;

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

    -- A new month gives a capped tenant its cap back (0019).
    perform credit_topup_enqueue_recharges_of_new_month();

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

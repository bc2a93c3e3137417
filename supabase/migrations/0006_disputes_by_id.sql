-- A payment can be disputed more than once (a partial dispute, then another; an inquiry, then a
-- chargeback). 0003 kept one dispute per purchase, so dispute B's news overwrote dispute A's: A lost,
-- then B won, gave back the credits A had taken. Each dispute is tracked by its own id now, and the
-- credits held back are the sum over the disputes that hold money.
--
-- Whether a dispute holds money is remembered as two facts that only ever become true, so that events
-- can arrive in any order and any number of times: the money was withdrawn (a chargeback: statuses
-- needs_response, under_review, lost, or the funds_withdrawn event) and the money was reinstated (won, or
-- the funds_reinstated event). An inquiry (warning_*) withdraws nothing, and neither does `prevented`.

do $disputes$
begin
  if to_regclass('public.credit_purchase_disputes') is null then
    create table public.credit_purchase_disputes (
      stripe_dispute_id text primary key,
      purchase_id uuid not null references public.credit_purchases (id),
      -- The latest news by rank (inquiry < open chargeback < closed): an older event never sets it back.
      -- As Stripe sent it: Stripe adds statuses now and then (it added `prevented`), and a dispute in a
      -- status we do not know yet must still be kept; its money moves by funds_withdrawn / _reinstated.
      status text not null check (char_length(status) between 1 and 64),
      amount_cents integer not null check (amount_cents >= 0),
      funds_withdrawn boolean not null default false,
      funds_reinstated boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index credit_purchase_disputes_purchase_idx on public.credit_purchase_disputes (purchase_id);
    alter table public.credit_purchase_disputes enable row level security;
    -- Supabase's default privileges give anon and authenticated everything on new tables: take it back.
    revoke all on public.credit_purchase_disputes from public, anon, authenticated;
    grant select on public.credit_purchase_disputes to service_role;
  end if;
end
$disputes$;

-- The one dispute 0003 recorded per purchase becomes that dispute's row (nothing to do the second time).
insert into public.credit_purchase_disputes
  (stripe_dispute_id, purchase_id, status, amount_cents, funds_withdrawn, funds_reinstated)
select p.stripe_dispute_id, p.id, p.dispute_status, p.disputed_cents,
       p.dispute_status in ('needs_response', 'under_review', 'lost', 'won'),
       p.dispute_status = 'won'
  from public.credit_purchases p
 where p.stripe_dispute_id is not null and p.dispute_status is not null
on conflict (stripe_dispute_id) do nothing;

-- The purchase shows its latest dispute's status; 0003 allowed only the statuses known then.
alter table public.credit_purchases drop constraint if exists credit_purchases_dispute_status_check;

create or replace function public.credit_topup_dispute_status_rank(p_status text) returns integer
  language sql immutable
  as $fn$
    select case
      when p_status like 'warning\_%' and p_status <> 'warning_closed' then 0
      when p_status in ('needs_response', 'under_review') then 1
      else 2 end
  $fn$;

-- 0003's settle_reversals, with the money held by disputes summed over every dispute of the purchase.
create or replace function public.credit_topup_settle_reversals(p_purchase_id uuid) returns void
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_basis_cents integer;
    v_held_cents bigint;
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
    select coalesce(sum(d.amount_cents), 0) into v_held_cents
      from credit_purchase_disputes d
     where d.purchase_id = p_purchase_id and d.funds_withdrawn and not d.funds_reinstated;
    v_reversed_cents := least(v_basis_cents, v_purchase.refunded_cents + v_held_cents)::integer;
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
    v_withdrawn boolean;
    v_reinstated boolean;
  begin
    -- Any status Stripe sends is kept (see the table); only a missing one is no dispute news at all.
    if p_dispute_status is null or char_length(p_dispute_status) not between 1 and 64 then
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
    if exists (select 1 from credit_purchase_disputes
                where stripe_dispute_id = p_dispute_id and purchase_id <> v_purchase.id) then
      return jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch');
    end if;

    v_withdrawn := p_dispute_status in ('needs_response', 'under_review', 'lost')
      or p_stripe_event_type is not distinct from 'charge.dispute.funds_withdrawn';
    v_reinstated := p_dispute_status = 'won'
      or p_stripe_event_type is not distinct from 'charge.dispute.funds_reinstated';
    -- The purchase row is locked, so concurrent news of the same dispute serialise here.
    insert into credit_purchase_disputes
      (stripe_dispute_id, purchase_id, status, amount_cents, funds_withdrawn, funds_reinstated)
    values (p_dispute_id, v_purchase.id, p_dispute_status, p_dispute_amount_cents, v_withdrawn, v_reinstated)
    on conflict (stripe_dispute_id) do update
      set funds_withdrawn = credit_purchase_disputes.funds_withdrawn or excluded.funds_withdrawn,
          funds_reinstated = credit_purchase_disputes.funds_reinstated or excluded.funds_reinstated,
          status = case
            when credit_topup_dispute_status_rank(excluded.status)
                 >= credit_topup_dispute_status_rank(credit_purchase_disputes.status)
            then excluded.status else credit_purchase_disputes.status end,
          amount_cents = excluded.amount_cents,
          updated_at = now();

    update credit_purchases
       set stripe_dispute_id = p_dispute_id,
           dispute_status = (select status from credit_purchase_disputes where stripe_dispute_id = p_dispute_id),
           -- What the disputes hold now, summed over all of them (0003 kept the one dispute's amount).
           disputed_cents = (select least(coalesce(sum(amount_cents), 0), 2147483647)::integer
                               from credit_purchase_disputes
                              where purchase_id = v_purchase.id and funds_withdrawn and not funds_reinstated),
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
-- to anon and authenticated; the re-created ones keep the grants 0003 gave them).
revoke all on function public.credit_topup_dispute_status_rank(text) from public, anon, authenticated;
grant execute on function public.credit_topup_dispute_status_rank(text) to service_role;

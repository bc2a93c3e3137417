-- Signed Stripe events that can never be applied: absurd numbers, a refund of a payment Stripe does not
-- know, an amount that does not match what we priced. Answering them with an error would make Stripe
-- deliver them again for three days to no end; they are answered 2xx and kept here, with the reason,
-- for a person to look at. One row per event: a redelivery is recognised and recorded no second time.

do $refused$
begin
  if to_regclass('public.stripe_refused_events') is null then
    create table public.stripe_refused_events (
      event_id text primary key check (length(event_id) between 1 and 255),
      event_type text not null check (length(event_type) between 1 and 255),
      -- A stable code: invalid_amount, unknown_payment_intent, amount_mismatch, currency_mismatch, …
      reason text not null check (reason ~ '^[a-z0-9_]{1,64}$'),
      purchase_id uuid references public.credit_purchases (id),
      refused_at timestamptz not null default now()
    );
    create index stripe_refused_events_refused_at_idx on public.stripe_refused_events (refused_at desc);
    alter table public.stripe_refused_events enable row level security;
    -- Supabase's default privileges give anon and authenticated everything on new tables: take it back.
    revoke all on public.stripe_refused_events from public, anon, authenticated;
    grant select on public.stripe_refused_events to service_role;
  end if;
end
$refused$;

-- Records the refusal once; `recorded` is true only for the call that recorded it (the server logs then).
create or replace function public.credit_topup_record_refused_event(
  p_stripe_event_id text,
  p_stripe_event_type text,
  p_reason text,
  p_purchase_id uuid default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_inserted integer;
  begin
    if p_stripe_event_id is null or p_reason is null then
      return jsonb_build_object('ok', false, 'code', 'invalid_event');
    end if;
    insert into stripe_refused_events (event_id, event_type, reason, purchase_id)
    values (p_stripe_event_id, coalesce(p_stripe_event_type, 'unknown'), p_reason,
            (select id from credit_purchases where id = p_purchase_id))
    on conflict (event_id) do nothing;
    get diagnostics v_inserted = row_count;
    return jsonb_build_object('ok', true, 'recorded', v_inserted > 0);
  end
  $fn$;

-- Only the service role may call it (Supabase's default privileges grant new functions to anon and
-- authenticated).
revoke all on function public.credit_topup_record_refused_event(text, text, text, uuid)
  from public, anon, authenticated;
grant execute on function public.credit_topup_record_refused_event(text, text, text, uuid) to service_role;

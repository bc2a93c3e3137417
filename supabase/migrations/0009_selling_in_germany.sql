-- Selling lawfully in Germany (issue 13): what a purchase must be able to show afterwards.
--   * The consumer's withdrawal-right waiver (§ 356 Abs. 5 BGB): when, by whom and which version of
--     the text, recorded by the same statement that opens the purchase.
--   * One Stripe customer per tenant (credit_topup_stripe_customers), so that invoices, tax IDs and
--     addresses accrue to the organisation; one row per tenant and mode, its Stripe id unique.
--   * The receipt and the invoice as Stripe reports them, recorded once (a redelivery changes nothing).

do $selling$
begin
  alter table public.credit_purchases
    add column if not exists withdrawal_waiver_version text check (length(withdrawal_waiver_version) between 1 and 64),
    add column if not exists withdrawal_waiver_at timestamptz,
    add column if not exists withdrawal_waiver_user_id uuid,
    add column if not exists receipt_url text check (receipt_url ~ '^https?://'),
    add column if not exists stripe_invoice_id text,
    add column if not exists invoice_number text,
    add column if not exists invoice_url text check (invoice_url ~ '^https?://'),
    add column if not exists invoice_pdf_url text check (invoice_pdf_url ~ '^https?://');

  -- A waiver is the three facts together or none of them.
  if not exists (select 1 from pg_constraint
                  where conname = 'credit_purchases_withdrawal_waiver_complete'
                    and conrelid = 'public.credit_purchases'::regclass) then
    alter table public.credit_purchases add constraint credit_purchases_withdrawal_waiver_complete check (
      (withdrawal_waiver_version is null and withdrawal_waiver_at is null and withdrawal_waiver_user_id is null)
      or (withdrawal_waiver_version is not null and withdrawal_waiver_at is not null
          and withdrawal_waiver_user_id is not null));
  end if;

  if to_regclass('public.credit_topup_stripe_customers') is null then
    create table public.credit_topup_stripe_customers (
      tenant_id uuid not null references public.organizations (id),
      -- Test and live mode have customers of their own: a switch of keys never reuses a test customer.
      livemode boolean not null,
      stripe_customer_id text not null unique check (stripe_customer_id ~ '^cus_[A-Za-z0-9_]{1,250}$'),
      created_at timestamptz not null default now(),
      primary key (tenant_id, livemode)
    );
    alter table public.credit_topup_stripe_customers enable row level security;
    -- Supabase's default privileges give anon and authenticated everything on new tables: take it back.
    revoke all on public.credit_topup_stripe_customers from public, anon, authenticated;
    grant select on public.credit_topup_stripe_customers to service_role;
  end if;
end
$selling$;

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
      'invoice_number', p.invoice_number, 'invoice_url', p.invoice_url, 'invoice_pdf_url', p.invoice_pdf_url)
  $fn$;

-- Opening a purchase now also records the waiver and answers the tenant's Stripe customer, so the
-- hottest write stays one round trip. The old signatures go: a purchase is never opened without them.
drop function if exists public.credit_topup_open_purchase_for_user(uuid, text, integer, integer, text, text);
drop function if exists public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text);

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
  p_livemode boolean default false
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

    insert into credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency, idempotency_key,
                                  withdrawal_waiver_version, withdrawal_waiver_at, withdrawal_waiver_user_id)
    values (p_tenant_id, p_user_id, p_package_id, p_credits, p_amount_cents, lower(p_currency), p_idempotency_key,
            p_withdrawal_waiver_version,
            case when p_withdrawal_waiver_version is not null then now() end,
            case when p_withdrawal_waiver_version is not null then p_user_id end)
    on conflict (user_id, idempotency_key) do nothing
    returning * into v_purchase;
    if found then
      return jsonb_build_object('ok', true, 'created', true, 'purchase', credit_topup_purchase_json(v_purchase),
        'stripe_customer_id', v_customer);
    end if;

    -- The same user sent this key before: the same purchase (and its first waiver), if it asks for the same thing.
    select * into v_purchase from credit_purchases where user_id = p_user_id and idempotency_key = p_idempotency_key;
    if v_purchase.tenant_id <> p_tenant_id or v_purchase.package_id <> p_package_id
       or v_purchase.credits <> p_credits or v_purchase.amount_cents <> p_amount_cents
       or v_purchase.currency <> lower(p_currency) then
      return jsonb_build_object('ok', false, 'code', 'idempotency_key_reused');
    end if;
    return jsonb_build_object('ok', true, 'created', false, 'purchase', credit_topup_purchase_json(v_purchase),
      'stripe_customer_id', v_customer);
  end
  $fn$;

create or replace function public.credit_topup_open_purchase_for_user(
  p_user_id uuid,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_idempotency_key text default null,
  p_withdrawal_waiver_version text default null,
  p_livemode boolean default false
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
  begin
    if v_tenant_id is null then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    return credit_topup_open_purchase(v_tenant_id, p_user_id, p_package_id, p_credits, p_amount_cents, p_currency,
      p_idempotency_key, p_withdrawal_waiver_version, p_livemode);
  end
  $fn$;

-- The tenant's Stripe customer, kept once: the first one recorded stays, and every caller gets that one.
create or replace function public.credit_topup_remember_stripe_customer(
  p_tenant_id uuid,
  p_livemode boolean,
  p_stripe_customer_id text
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_customer text;
  begin
    if not exists (select 1 from organizations where id = p_tenant_id) then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    insert into credit_topup_stripe_customers (tenant_id, livemode, stripe_customer_id)
    values (p_tenant_id, p_livemode, p_stripe_customer_id)
    on conflict (tenant_id, livemode) do nothing;
    select stripe_customer_id into v_customer from credit_topup_stripe_customers
     where tenant_id = p_tenant_id and livemode = p_livemode;
    return jsonb_build_object('ok', true, 'stripe_customer_id', v_customer,
      'recorded', v_customer = p_stripe_customer_id);
  end
  $fn$;

-- The receipt and invoice of a paid purchase, as Stripe reports them. Each is recorded once: what is
-- recorded is never replaced, so duplicate and concurrent deliveries (webhook and return path) leave
-- the first answer; `recorded` is true only for the call that added something.
create or replace function public.credit_topup_record_purchase_documents(
  p_checkout_session_id text,
  p_receipt_url text default null,
  p_stripe_invoice_id text default null,
  p_invoice_number text default null,
  p_invoice_url text default null,
  p_invoice_pdf_url text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_after credit_purchases%rowtype;
  begin
    select * into v_purchase from credit_purchases where stripe_checkout_session_id = p_checkout_session_id for update;
    if not found then
      return jsonb_build_object('ok', false, 'code', 'unknown_checkout_session');
    end if;
    update credit_purchases
       set receipt_url = coalesce(receipt_url, p_receipt_url),
           stripe_invoice_id = coalesce(stripe_invoice_id, p_stripe_invoice_id),
           invoice_number = coalesce(invoice_number, p_invoice_number),
           invoice_url = coalesce(invoice_url, p_invoice_url),
           invoice_pdf_url = coalesce(invoice_pdf_url, p_invoice_pdf_url)
     where id = v_purchase.id
    returning * into v_after;
    if v_after is distinct from v_purchase then
      update credit_purchases set updated_at = now() where id = v_purchase.id returning * into v_after;
    end if;
    return jsonb_build_object('ok', true, 'recorded', v_after.receipt_url is distinct from v_purchase.receipt_url
        or v_after.invoice_url is distinct from v_purchase.invoice_url
        or v_after.invoice_pdf_url is distinct from v_purchase.invoice_pdf_url
        or v_after.stripe_invoice_id is distinct from v_purchase.stripe_invoice_id
        or v_after.invoice_number is distinct from v_purchase.invoice_number,
      'purchase', credit_topup_purchase_json(v_after));
  end
  $fn$;

-- Only the service role may call these (Supabase's default privileges grant new functions to anon and
-- authenticated).
revoke all on function public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text, text, boolean)
  from public, anon, authenticated;
grant execute on function public.credit_topup_open_purchase(uuid, uuid, text, integer, integer, text, text, text, boolean)
  to service_role;
revoke all on function public.credit_topup_open_purchase_for_user(uuid, text, integer, integer, text, text, text, boolean)
  from public, anon, authenticated;
grant execute on function public.credit_topup_open_purchase_for_user(uuid, text, integer, integer, text, text, text, boolean)
  to service_role;
revoke all on function public.credit_topup_remember_stripe_customer(uuid, boolean, text) from public, anon, authenticated;
grant execute on function public.credit_topup_remember_stripe_customer(uuid, boolean, text) to service_role;
revoke all on function public.credit_topup_record_purchase_documents(text, text, text, text, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_record_purchase_documents(text, text, text, text, text, text)
  to service_role;

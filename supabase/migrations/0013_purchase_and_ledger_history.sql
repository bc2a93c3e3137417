-- GET /v1/purchases and GET /v1/ledger: the caller's tenant's purchases and credit movements, newest
-- first, one page per call. Each function resolves the tenant from the user (the rule of
-- credit_topup_resolve_tenant) and reads the page in the same round trip; the tenant never comes from
-- the request. Pages are keyset pages: the last row's (created_at, id) is where the next one starts, so
-- a deep page costs what the first one does and rows with equal created_at are neither lost nor repeated.

-- (tenant_id, created_at desc, id desc) is exactly the order of a page: the page is read from the index
-- and stops after p_limit rows, without sorting the tenant's rows. credit_ledger is the portal's table:
-- the index is added only where it is missing, nothing else of the table changes.
create index if not exists credit_purchases_tenant_created_id_idx
  on public.credit_purchases (tenant_id, created_at desc, id desc);
create index if not exists credit_ledger_tenant_created_id_idx
  on public.credit_ledger (tenant_id, created_at desc, id desc);
-- When a purchase was refunded: the time its charge.refunded event was applied.
create index if not exists stripe_webhook_events_purchase_idx
  on public.stripe_webhook_events (purchase_id) where purchase_id is not null;
-- The action a ledger row paid for, where the portal's assistant recorded it (its run is the row's ref_id).
create index if not exists armstrong_billing_events_action_run_idx
  on public.armstrong_billing_events (action_run_id) where action_run_id is not null;

-- One purchase as the history shows it: what was bought, what it cost, where it stands, its documents.
create or replace function public.credit_topup_purchase_history_row(p credit_purchases) returns jsonb
  language sql stable security definer set search_path = public
  as $fn$
    select jsonb_build_object(
      'id', p.id,
      'package_id', p.package_id,
      'status', p.status,
      'credits', p.credits,
      'amount_cents', p.amount_cents,
      'amount_paid_cents', p.amount_paid_cents,
      'refunded_cents', p.refunded_cents,
      'currency', p.currency,
      'created_at', p.created_at,
      'paid_at', p.credited_at,
      'refunded_at', case when p.refunded_cents > 0 then coalesce(
        (select max(e.processed_at) from stripe_webhook_events e
          where e.purchase_id = p.id and e.event_type = 'charge.refunded'),
        p.updated_at) end,
      'receipt_url', p.receipt_url,
      'invoice_number', p.invoice_number,
      'invoice_url', p.invoice_url,
      'invoice_pdf_url', p.invoice_pdf_url)
  $fn$;

-- One credit movement, with the portal action it paid for where the portal's assistant logged its run
-- (armstrong_billing_events.action_run_id = the row's ref_id). Looked up for the rows of a page only.
create or replace function public.credit_topup_ledger_history_row(l credit_ledger) returns jsonb
  language sql stable security definer set search_path = public
  as $fn$
    select jsonb_build_object(
      'id', l.id,
      'kind', l.kind,
      'amount', l.amount,
      'ref_type', l.ref_type,
      'ref_id', l.ref_id,
      'action_code', (select b.action_code from armstrong_billing_events b
                       where b.action_run_id = l.ref_id and b.org_id = l.tenant_id limit 1),
      'created_at', l.created_at)
  $fn$;

-- A page of the user's tenant's purchases after (p_before_created_at, p_before_id), or from the newest
-- without them; null when the user works in no tenant. Two queries instead of one with an `or`, so each
-- keeps its own plan and both read the index in order.
create or replace function public.credit_topup_purchase_history(
  p_user_id uuid,
  p_limit integer,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
) returns jsonb
  language plpgsql stable security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
    v_rows jsonb;
  begin
    if v_tenant_id is null then
      return null;
    end if;
    if p_before_id is null then
      select jsonb_agg(credit_topup_purchase_history_row(page) order by page.created_at desc, page.id desc)
        into v_rows
        from (select * from credit_purchases p
               where p.tenant_id = v_tenant_id
               order by p.created_at desc, p.id desc
               limit p_limit) page;
    else
      select jsonb_agg(credit_topup_purchase_history_row(page) order by page.created_at desc, page.id desc)
        into v_rows
        from (select * from credit_purchases p
               where p.tenant_id = v_tenant_id
                 and (p.created_at, p.id) < (p_before_created_at, p_before_id)
               order by p.created_at desc, p.id desc
               limit p_limit) page;
    end if;
    return jsonb_build_object('tenant_id', v_tenant_id, 'rows', coalesce(v_rows, '[]'::jsonb));
  end
  $fn$;

-- The same for the tenant's credit_ledger rows: purchases, spending as the portal records it, refunds
-- and claw-backs, each with its signed amount.
create or replace function public.credit_topup_ledger_history(
  p_user_id uuid,
  p_limit integer,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
) returns jsonb
  language plpgsql stable security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
    v_rows jsonb;
  begin
    if v_tenant_id is null then
      return null;
    end if;
    if p_before_id is null then
      select jsonb_agg(credit_topup_ledger_history_row(page) order by page.created_at desc, page.id desc)
        into v_rows
        from (select * from credit_ledger l
               where l.tenant_id = v_tenant_id
               order by l.created_at desc, l.id desc
               limit p_limit) page;
    else
      select jsonb_agg(credit_topup_ledger_history_row(page) order by page.created_at desc, page.id desc)
        into v_rows
        from (select * from credit_ledger l
               where l.tenant_id = v_tenant_id
                 and (l.created_at, l.id) < (p_before_created_at, p_before_id)
               order by l.created_at desc, l.id desc
               limit p_limit) page;
    end if;
    return jsonb_build_object('tenant_id', v_tenant_id, 'rows', coalesce(v_rows, '[]'::jsonb));
  end
  $fn$;

-- Read-only, but they read every tenant's rows by a user id: the server (service role) decides whose.
revoke all on function public.credit_topup_purchase_history_row(credit_purchases) from public, anon, authenticated;
revoke all on function public.credit_topup_purchase_history(uuid, integer, timestamptz, uuid)
  from public, anon, authenticated;
revoke all on function public.credit_topup_ledger_history_row(credit_ledger) from public, anon, authenticated;
revoke all on function public.credit_topup_ledger_history(uuid, integer, timestamptz, uuid)
  from public, anon, authenticated;
grant execute on function public.credit_topup_purchase_history_row(credit_purchases) to service_role;
grant execute on function public.credit_topup_purchase_history(uuid, integer, timestamptz, uuid) to service_role;
grant execute on function public.credit_topup_ledger_history_row(credit_ledger) to service_role;
grant execute on function public.credit_topup_ledger_history(uuid, integer, timestamptz, uuid) to service_role;

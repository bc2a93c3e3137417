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

-- A page of the user's tenant's purchases after (p_before_created_at, p_before_id), or from the newest
-- without them; null when the user works in no tenant. One query for both: the first page starts
-- after (infinity, the largest uuid), so the position is always an index condition, whatever plan
-- plpgsql caches. Each row's JSON is built inline: a function per row (security definer, with its own
-- search_path) would cost a call with a settings change for each of the page's rows. The plan is the
-- generic one from the first call of a connection on: the same index scan for every user and position,
-- without planning the query again for each of a connection's first calls.
create or replace function public.credit_topup_purchase_history(
  p_user_id uuid,
  p_limit integer,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
) returns jsonb
  language plpgsql stable security definer set search_path = public set plan_cache_mode = force_generic_plan
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
    v_rows jsonb;
  begin
    if v_tenant_id is null then
      return null;
    end if;
    select jsonb_agg(jsonb_build_object(
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
             -- When its charge.refunded was applied (a reconciled refund has no event: its last change).
             'refunded_at', case when p.refunded_cents > 0 then coalesce(
               (select max(e.processed_at) from stripe_webhook_events e
                 where e.purchase_id = p.id and e.event_type = 'charge.refunded'),
               p.updated_at) end,
             'receipt_url', p.receipt_url,
             'invoice_number', p.invoice_number,
             'invoice_url', p.invoice_url,
             'invoice_pdf_url', p.invoice_pdf_url)
           order by p.created_at desc, p.id desc)
      into v_rows
      from (select * from credit_purchases
             where tenant_id = v_tenant_id
               and (created_at, id) < (coalesce(p_before_created_at, 'infinity'),
                                       coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
             order by created_at desc, id desc
             limit p_limit) p;
    return jsonb_build_object('tenant_id', v_tenant_id, 'rows', coalesce(v_rows, '[]'::jsonb));
  end
  $fn$;

-- The same for the tenant's credit_ledger rows: purchases, spending as the portal records it, refunds
-- and claw-backs, each with its signed amount, and the portal action it paid for where the portal's
-- assistant logged its run (armstrong_billing_events.action_run_id = the row's ref_id).
create or replace function public.credit_topup_ledger_history(
  p_user_id uuid,
  p_limit integer,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null
) returns jsonb
  language plpgsql stable security definer set search_path = public set plan_cache_mode = force_generic_plan
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
    v_rows jsonb;
  begin
    if v_tenant_id is null then
      return null;
    end if;
    select jsonb_agg(jsonb_build_object(
             'id', l.id,
             'kind', l.kind,
             'amount', l.amount,
             'ref_type', l.ref_type,
             'ref_id', l.ref_id,
             'action_code', (select b.action_code from armstrong_billing_events b
                              where b.action_run_id = l.ref_id and b.org_id = l.tenant_id limit 1),
             'created_at', l.created_at)
           order by l.created_at desc, l.id desc)
      into v_rows
      from (select * from credit_ledger
             where tenant_id = v_tenant_id
               and (created_at, id) < (coalesce(p_before_created_at, 'infinity'),
                                       coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
             order by created_at desc, id desc
             limit p_limit) l;
    return jsonb_build_object('tenant_id', v_tenant_id, 'rows', coalesce(v_rows, '[]'::jsonb));
  end
  $fn$;

-- Read-only, but they read every tenant's rows by a user id: the server (service role) decides whose.
revoke all on function public.credit_topup_purchase_history(uuid, integer, timestamptz, uuid)
  from public, anon, authenticated;
revoke all on function public.credit_topup_ledger_history(uuid, integer, timestamptz, uuid)
  from public, anon, authenticated;
grant execute on function public.credit_topup_purchase_history(uuid, integer, timestamptz, uuid) to service_role;
grant execute on function public.credit_topup_ledger_history(uuid, integer, timestamptz, uuid) to service_role;

-- The two requests a browser makes most, each in one database round trip instead of two: reading the
-- balance (every page view of the portal) and opening a purchase (every checkout). Both resolve the
-- tenant by the same rule as credit_topup_resolve_tenant: the active tenant, with a membership behind it.

create or replace function public.credit_topup_balance_of_user(p_user_id uuid) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
  begin
    if v_tenant_id is null then
      return null;
    end if;
    return credit_topup_get_balance(v_tenant_id);
  end
  $fn$;

revoke all on function public.credit_topup_balance_of_user(uuid) from public, anon, authenticated;
grant execute on function public.credit_topup_balance_of_user(uuid) to service_role;

create or replace function public.credit_topup_open_purchase_for_user(
  p_user_id uuid,
  p_package_id text,
  p_credits integer,
  p_amount_cents integer,
  p_currency text,
  p_idempotency_key text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_tenant_id uuid := credit_topup_resolve_tenant(p_user_id);
  begin
    if v_tenant_id is null then
      return jsonb_build_object('ok', false, 'code', 'no_tenant');
    end if;
    return credit_topup_open_purchase(v_tenant_id, p_user_id, p_package_id, p_credits, p_amount_cents, p_currency, p_idempotency_key);
  end
  $fn$;

revoke all on function public.credit_topup_open_purchase_for_user(uuid, text, integer, integer, text, text) from public, anon, authenticated;
grant execute on function public.credit_topup_open_purchase_for_user(uuid, text, integer, integer, text, text) to service_role;

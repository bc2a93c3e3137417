-- GET /v1/balance, the request the portal makes on every page view, as one plain query: the caller's
-- active tenant (counted only with a membership behind it, the rule of credit_topup_resolve_tenant)
-- joined to its balance row. Through credit_topup_balance_of_user it went through three nested
-- security definer functions, each entered and planned on its own: under load about 40 % more database
-- time than the same query. A view is planned into the caller's query instead.
--
-- It reads with its owner's rights, like the functions: only the service role may select from it
-- (Supabase's default privileges would give it to anon and authenticated too). A tenant without a
-- balance row yet shows null credits here; the server then calls credit_topup_get_balance, which creates
-- the row with the portal's free credits, as before.

create or replace view public.credit_topup_member_balances as
  select p.id as user_id,
         p.active_tenant_id as tenant_id,
         b.balance_credits,
         b.reserved_credits
    from profiles p
    left join tenant_credit_balance b on b.tenant_id = p.active_tenant_id
   where exists (select 1 from memberships m where m.user_id = p.id and m.tenant_id = p.active_tenant_id);

revoke all on public.credit_topup_member_balances from public, anon, authenticated;
grant select on public.credit_topup_member_balances to service_role;

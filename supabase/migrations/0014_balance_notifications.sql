-- A live balance: every change of a tenant's balance row is announced on one channel, so that every open
-- element shows it within a second, without polling. The portal spends credits in SQL
-- (rpc_credit_deduct), never through our server, so only the database itself sees every change: a
-- trigger, not the server, sends the notification.
--
-- pg_notify is delivered at commit (never for a rolled-back change) to every session that LISTENs on
-- the channel; the server keeps one such session per process and fans it out to its SSE streams
-- (server/live/). The payload is the tenant and its new figures only, about 150 bytes of the 8000 a
-- notification may carry: no user, no purchase, nothing secret. Who may see which tenant is the
-- server's decision (it sends each stream only its caller's tenant).
--
-- With the Supabase store the element listens through Supabase Realtime instead (postgres_changes on
-- this table, RLS deciding what a user sees): the table joins the supabase_realtime publication where
-- there is one (Supabase creates it; plain PostgreSQL has none).

create or replace function public.credit_topup_notify_balance_change() returns trigger
  language plpgsql set search_path = public
  as $fn$
  begin
    perform pg_notify('credit_topup_balance', json_build_object(
      'tenant_id', new.tenant_id,
      'balance_credits', new.balance_credits,
      'reserved_credits', new.reserved_credits,
      'available_credits', new.balance_credits - new.reserved_credits)::text);
    return null;
  end
  $fn$;

revoke all on function public.credit_topup_notify_balance_change() from public, anon, authenticated;
grant execute on function public.credit_topup_notify_balance_change() to service_role;

-- Inserts announce a tenant's first row; updates only when a figure the element shows changed (an
-- update of lifetime counters or timestamps alone is no news).
create or replace trigger credit_topup_balance_inserted
  after insert on public.tenant_credit_balance
  for each row execute function public.credit_topup_notify_balance_change();

create or replace trigger credit_topup_balance_changed
  after update of balance_credits, reserved_credits on public.tenant_credit_balance
  for each row
  when (old.balance_credits is distinct from new.balance_credits
        or old.reserved_credits is distinct from new.reserved_credits)
  execute function public.credit_topup_notify_balance_change();

do $realtime$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_publication_tables
                      where pubname = 'supabase_realtime' and schemaname = 'public'
                        and tablename = 'tenant_credit_balance') then
    alter publication supabase_realtime add table public.tenant_credit_balance;
  end if;
end
$realtime$;

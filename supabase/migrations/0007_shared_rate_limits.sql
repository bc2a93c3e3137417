-- Rate limits every server instance sees. Edge Functions run in many short-lived isolates and the Node
-- server may run as several processes: a counter in one process's memory limits nothing there. The
-- counters live here instead, one row per (limit, key), taken with one statement per request.

-- Created once, with its grants: a second run must not even reorder a grant.
do $rate_limits$
begin
  if to_regclass('public.credit_topup_rate_limits') is null then
    create table public.credit_topup_rate_limits (
      -- Which limit (checkout_create, session_status) and whose requests (the user's id).
      limit_name text not null check (limit_name ~ '^[a-z0-9_]{1,64}$'),
      limit_key text not null check (length(limit_key) between 1 and 255),
      -- A fixed window that starts with the first request after the previous one ended.
      window_ends_at timestamptz not null,
      hits integer not null check (hits >= 1),
      primary key (limit_name, limit_key)
    );
    -- Finished windows are found by this index and removed a few at a time by the function below.
    create index credit_topup_rate_limits_window_ends_idx on public.credit_topup_rate_limits (window_ends_at);
    -- Nobody but the function below (security definer) reads or writes it; Supabase's default
    -- privileges give anon and authenticated everything on new tables: take it back.
    alter table public.credit_topup_rate_limits enable row level security;
    revoke all on public.credit_topup_rate_limits from public, anon, authenticated, service_role;
  end if;
end
$rate_limits$;

-- Counts one request of `p_limit_key` against `p_limit_name` and says whether it is within the limit;
-- over the limit, also how many seconds until the window ends. Concurrent calls for one key serialise on
-- its row (insert … on conflict do update), so instances cannot both take the last request of a window.
create or replace function public.credit_topup_take_rate_limit(
  p_limit_name text,
  p_limit_key text,
  p_max_requests integer,
  p_window_seconds integer
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_limit credit_topup_rate_limits%rowtype;
  begin
    if p_max_requests is null or p_max_requests < 1 or p_window_seconds is null or p_window_seconds < 1 then
      raise exception 'credit_topup_take_rate_limit: limit and window must be positive'
        using errcode = '22023';
    end if;
    -- A counter lost in a database crash costs nothing, so this transaction does not wait for its commit
    -- to reach the disk: the check stays as cheap as a read on the route's hot path.
    perform set_config('synchronous_commit', 'off', true);
    insert into credit_topup_rate_limits as held (limit_name, limit_key, window_ends_at, hits)
    values (p_limit_name, p_limit_key, now() + make_interval(secs => p_window_seconds), 1)
    on conflict (limit_name, limit_key) do update
      set hits = case when held.window_ends_at <= now() then 1
                      -- Refused requests stop counting at limit + 1: the counter cannot overflow.
                      else least(held.hits + 1, p_max_requests + 1) end,
          window_ends_at = case when held.window_ends_at <= now() then excluded.window_ends_at
                                else held.window_ends_at end
    returning * into v_limit;
    -- Cleaning as we go, cheaply: a few finished windows per call (a finished window counts like no row
    -- at all), skipping rows another call holds, so the table stays about as large as its active keys.
    -- After counting, never before: a call that first took other users' finished rows and then waited
    -- for its own row, held by a call doing the same the other way round, would deadlock with it.
    delete from credit_topup_rate_limits
     where (limit_name, limit_key) in (
       select limit_name, limit_key from credit_topup_rate_limits
        where window_ends_at <= now()
        order by window_ends_at
        limit 10
        for update skip locked);
    if v_limit.hits <= p_max_requests then
      return jsonb_build_object('allowed', true);
    end if;
    return jsonb_build_object(
      'allowed', false,
      'retry_after_seconds', greatest(1, ceil(extract(epoch from v_limit.window_ends_at - now())))::integer);
  end
  $fn$;

revoke all on function public.credit_topup_take_rate_limit(text, text, integer, integer)
  from public, anon, authenticated;
grant execute on function public.credit_topup_take_rate_limit(text, text, integer, integer) to service_role;

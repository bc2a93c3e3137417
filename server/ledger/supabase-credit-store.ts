// The `supabase` adapter: for deployments without a direct database connection (Edge Functions).
// It calls the same SQL functions through Supabase's REST API (PostgREST) with the service-role key.

import { createClient } from '@supabase/supabase-js';
import { type CreditStore, LedgerUnavailableError } from './credit-store.ts';
import { createSqlCreditStore, type LedgerTransport } from './sql-credit-store.ts';

export interface SupabaseCreditStoreOptions {
  /** A fetch to use instead of the global one (tests, custom agents). */
  fetch?: typeof fetch;
}

interface RestFailure {
  message: string;
  code?: string;
}

export function createSupabaseCreditStore(
  supabaseUrl: string,
  serviceRoleKey: string,
  options: SupabaseCreditStoreOptions = {},
): CreditStore {
  const client = createClient(supabaseUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // supabase-js builds a realtime client eagerly and refuses to on runtimes without WebSocket (Node 20).
    // The ledger never subscribes, so a constructor that explains itself is enough there.
    ...(typeof globalThis.WebSocket === 'undefined' ? { realtime: { transport: RealtimeNotUsed } } : {}),
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  });

  const transport: LedgerTransport = {
    async callFunction(name, args) {
      const { data, error, status } = await client.rpc(name, args);
      if (error) throw restError(`rpc ${name}`, error, status);
      return data;
    },

    async selectMemberBalance(userId) {
      const { data, error, status } = await client
        .from('credit_topup_member_balances_with_auto_recharge')
        .select('tenant_id,balance_credits,reserved_credits,auto_recharge_state,auto_recharge_reason')
        .eq('user_id', userId)
        .limit(1);
      if (error) throw restError('select credit_topup_member_balances_with_auto_recharge', error, status);
      return (data?.[0] as Record<string, unknown> | undefined) ?? null;
    },

    async selectPurchases({ tenantId, checkoutSessionId, limit }) {
      let query = client.from('credit_purchases').select('*').eq('tenant_id', tenantId);
      if (checkoutSessionId) query = query.eq('stripe_checkout_session_id', checkoutSessionId);
      const { data, error, status } = await query.order('created_at', { ascending: false }).limit(limit);
      if (error) throw restError('select credit_purchases', error, status);
      return (data ?? []) as Record<string, unknown>[];
    },

    async ping() {
      const { error, status } = await client.from('credit_purchases').select('id').limit(1);
      if (error) throw restError('ping', error, status);
    },

    async close() {
      // supabase-js holds no connections of its own: fetch's keep-alive sockets close when idle.
    },
  };
  return createSqlCreditStore(transport);
}

// Typed as the constructor supabase-js asks for; it is never called because the ledger never subscribes.
const RealtimeNotUsed = class {
  constructor() {
    throw new Error('credit-topup does not use Supabase Realtime');
  }
} as unknown as NonNullable<NonNullable<Parameters<typeof createClient>[2]>['realtime']>['transport'];

// status 0 is supabase-js's word for "the request never got an answer" (fetch failed).
function restError(what: string, error: RestFailure, status: number): Error {
  const message = `${what} failed (${status}${error.code ? ` ${error.code}` : ''}): ${error.message}`;
  if (status === 0 || status === 502 || status === 503 || status === 504) {
    return new LedgerUnavailableError(message, { cause: error });
  }
  return new Error(message, { cause: error });
}

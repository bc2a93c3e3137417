// The live balance, loaded after the first paint: every change of the tenant's balance, made anywhere
// (the portal spending in SQL included), reaches the element within a second, without polling.
//
// - Given the page's supabase-js client, through Supabase Realtime (postgres_changes on
//   tenant_credit_balance; RLS decides which rows the user may see, the filter asks for the tenant's).
// - Otherwise through the server's GET /v1/balance/stream, read with fetch (EventSource cannot send the
//   bearer token, and a token in the URL would land in logs). One stream per page and server, shared
//   by every element on the page; each takes only its own tenant's events.
// - Neither (the server answers 501 or 404): one refresh whenever the page comes back into view, never
//   polling.
// A lost stream is opened again after 1 s, then twice as long up to 30 s, each with jitter (so that a
// server restart is not met by every page at once); a channel that comes back is followed by a refresh,
// since what changed meanwhile was not heard.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AutoRechargeSummary, BalanceStreamEvent } from '../../contract/credit-topup-api.ts';

/** The element, as its live balance sees it. */
interface LiveBalanceElement extends ReactiveControllerHost {
  apiBase: string;
  /** The page's SupabaseClient, if it gave one. */
  supabase?: unknown;
  isConnected: boolean;
  refresh(): Promise<void>;
}

/**
 * Follows the balance of the element's tenant while the element is on the page; follows anew when the
 * tenant, the server or the SupabaseClient changes.
 */
export class LiveBalance implements ReactiveController {
  #following: unknown[] = [];
  #stop?: () => void;

  constructor(
    private readonly element: LiveBalanceElement,
    /** The tenant of the balance shown, once known. */
    private readonly tenant: () => string | undefined,
    private readonly auth: { token(): Promise<string | null> },
    /**
     * Shows a balance of the element's tenant (unless a newer one is shown), with the automatic top-up's
     * state where the source carries it (the server's stream does; a Realtime row of the balance does not).
     */
    private readonly show: (availableCredits: number, autoRecharge?: AutoRechargeSummary) => unknown,
  ) {
    // Positional, not an object of hooks: each name here costs bytes in the element's first load.
    // Calls hostConnected at once when the element is on the page.
    element.addController(this);
  }

  hostConnected() {
    this.#follow();
  }

  hostUpdated() {
    const { apiBase, supabase } = this.element;
    const now = [this.tenant(), apiBase, supabase];
    if (now.some((value, index) => value !== this.#following[index])) this.#follow();
  }

  hostDisconnected() {
    this.#stop?.();
    this.#stop = undefined;
    this.#following = [];
  }

  #follow() {
    this.hostDisconnected();
    const { element } = this;
    const tenant = this.tenant();
    this.#following = [tenant, element.apiBase, element.supabase];
    if (!tenant || !element.isConnected) return;
    this.#stop = followBalance({
      apiBase: element.apiBase,
      supabase: element.supabase,
      tenant,
      token: () => this.auth.token(),
      // Only the element's own tenant: the stream of a page is shared, and the user may switch tenants.
      apply: (event) =>
        event.tenant_id === this.tenant() && this.show(event.available_credits, event.auto_recharge),
      refresh: () => void element.refresh(),
    });
  }
}

/** One element's following, as the sources below see it. */
interface LiveBalanceHost {
  apiBase: string;
  supabase: unknown;
  tenant: string;
  token(): Promise<string | null>;
  apply(
    event: Pick<BalanceStreamEvent, 'tenant_id' | 'available_credits'> & Partial<BalanceStreamEvent>,
  ): void;
  refresh(): void;
}

/** The part of supabase-js's Realtime API used here. */
interface RealtimeClientLike {
  channel(name: string): RealtimeChannelLike;
  removeChannel(channel: RealtimeChannelLike): unknown;
}
interface RealtimeChannelLike {
  on(
    type: 'postgres_changes',
    filter: { event: string; schema: string; table: string; filter?: string },
    callback: (payload: { new?: Record<string, unknown> }) => void,
  ): RealtimeChannelLike;
  subscribe(callback?: (status: string) => void): RealtimeChannelLike;
}

const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;

/** Starts following the balance for `host`; the returned function stops it. */
function followBalance(host: LiveBalanceHost): () => void {
  const supabase = host.supabase as Partial<RealtimeClientLike> | undefined;
  if (supabase?.channel) return followRealtime(host, supabase as RealtimeClientLike, host.tenant);
  return joinStream(host);
}

function followRealtime(host: LiveBalanceHost, supabase: RealtimeClientLike, tenant: string) {
  let joinedBefore = false;
  const channel = supabase
    .channel(`credit-topup-balance:${tenant}`)
    .on(
      'postgres_changes',
      { event: '*', schema: 'public', table: 'tenant_credit_balance', filter: `tenant_id=eq.${tenant}` },
      ({ new: row }) => {
        if (!row || typeof row.tenant_id !== 'string') return;
        host.apply({
          tenant_id: row.tenant_id,
          available_credits: Number(row.balance_credits) - Number(row.reserved_credits),
        });
      },
    )
    // supabase-js joins again by itself after a lost connection; what changed meanwhile is read once.
    .subscribe((status) => {
      if (status !== 'SUBSCRIBED') return;
      if (joinedBefore) host.refresh();
      joinedBefore = true;
    });
  return () => void supabase.removeChannel(channel);
}

/** One stream per page and server, shared by its elements. */
interface SharedStream {
  hosts: Set<LiveBalanceHost>;
  stop(): void;
}
const streams = new Map<string, SharedStream>();

function joinStream(host: LiveBalanceHost): () => void {
  let shared = streams.get(host.apiBase);
  if (!shared) {
    const hosts = new Set<LiveBalanceHost>();
    shared = { hosts, stop: readStream(host.apiBase, hosts) };
    streams.set(host.apiBase, shared);
  }
  const joined = shared;
  joined.hosts.add(host);
  return () => {
    joined.hosts.delete(host);
    if (joined.hosts.size) return;
    joined.stop();
    if (streams.get(host.apiBase) === joined) streams.delete(host.apiBase);
  };
}

function readStream(apiBase: string, hosts: Set<LiveBalanceHost>): () => void {
  const abort = new AbortController();
  let failures = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const refreshWhenSeen = () => {
    if (document.visibilityState === 'visible') for (const host of hosts) host.refresh();
  };

  const run = async () => {
    while (!abort.signal.aborted) {
      const [any] = hosts;
      const token = await any?.token().catch(() => null);
      let status = 0;
      if (token) {
        try {
          // As the element's other requests: an api-base with a trailing slash names the same server.
          const response = await fetch(`${apiBase.replace(/\/$/, '')}/v1/balance/stream`, {
            headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
            cache: 'no-store',
            signal: abort.signal,
          });
          status = response.status;
          if (response.ok && response.body) {
            // A stream opened again after a gap: its first event is the balance as it is now.
            if (await readEvents(response.body, hosts)) failures = 0;
          }
        } catch {
          // The server went away (or this element did): tried again below, unless stopped.
        }
      }
      if (abort.signal.aborted) return;
      // A server that cannot stream (the Supabase store, an older server): a refresh when the page is seen.
      if (status === 501 || status === 404) {
        addEventListener('focus', refreshWhenSeen);
        document.addEventListener('visibilitychange', refreshWhenSeen);
        abort.signal.addEventListener('abort', () => {
          removeEventListener('focus', refreshWhenSeen);
          document.removeEventListener('visibilitychange', refreshWhenSeen);
        });
        return;
      }
      const delay = Math.min(FIRST_RETRY_MS * 2 ** failures++, LONGEST_RETRY_MS);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  };
  void run();
  return () => {
    abort.abort();
    wake?.();
  };
}

/** Hands every balance event to the hosts until the stream ends; whether any came. */
async function readEvents(body: ReadableStream<Uint8Array>, hosts: Set<LiveBalanceHost>): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let any = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return any;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data && block.startsWith('event: balance')) {
        any = true;
        const event = JSON.parse(data) as BalanceStreamEvent;
        for (const host of hosts) host.apply(event);
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

// GET /v1/balance/stream: the caller's balance as server-sent events, first as it is, then on every
// change, whoever made it (the portal spending in SQL included): the database announces each change
// (server/live/balance-updates.ts) and this route passes on only the caller's tenant's.
//
// The element reads it with fetch and a stream reader, never EventSource: EventSource cannot send the
// Authorization header, and a token in the URL would end up in logs. A stream ends when its access token
// expires (the element opens a new one with a fresh token), on server shutdown, and when the client goes.
// Where the server has no database to listen to (the Supabase store, the Edge Function) the answer is
// 501 stream_unavailable, and the element listens through Supabase Realtime instead.

import { Hono, type MiddlewareHandler } from 'hono';
import type { BalanceStreamEvent } from '../../contract/credit-topup-api.ts';
import type { BalanceStreamSettings } from '../config.ts';
import { noTenant } from '../errors.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { Balance, CreditStore } from '../ledger/credit-store.ts';
import type { BalanceUpdates } from '../live/balance-updates.ts';
import { createStreamSlots } from '../live/stream-slots.ts';
import { balanceAnswer } from './balance-answer.ts';

/** setTimeout's longest delay; a token valid for longer is looked at again then. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function balanceStreamRoutes(
  deps: { store: CreditStore; updates: BalanceUpdates | null; settings: BalanceStreamSettings },
  requireUser: MiddlewareHandler<AppEnv>,
) {
  const slots = createStreamSlots(deps.settings);
  const encoder = new TextEncoder();

  return new Hono<AppEnv>().get('/v1/balance/stream', requireUser, async (c) => {
    const { updates } = deps;
    if (!updates) {
      throw new ApiError(
        'stream_unavailable',
        'This server cannot stream the balance; listen through Supabase Realtime instead.',
      );
    }
    const userId = c.get('userId');
    const slot = slots.take(userId);
    if (!slot) {
      throw new ApiError('too_many_streams', 'Too many open balance streams; close one and try again.', {
        'Retry-After': '30',
      });
    }
    let tenantId: string;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (streamController) => {
        controller = streamController;
      },
      cancel: () => end(),
    });
    // Subscribed before the first read, so that no change between the read and the subscription is lost;
    // what arrives before the first event is sent after it (the last one sent is the newest either way).
    let first = true;
    const early: Balance[] = [];
    let ended = false;
    const send = (text: string) => {
      if (ended) return;
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        end();
      }
    };
    let lastSent = '';
    const sendBalance = (balance: Balance) => {
      // The same figures twice (a tenant's first row, announced as the first read made it) are no news.
      const figures = `${balance.balanceCredits}/${balance.reservedCredits}/${balance.autoRecharge?.state}/${balance.autoRecharge?.reason}`;
      if (figures === lastSent) return;
      lastSent = figures;
      const event: BalanceStreamEvent = balanceAnswer({ ...balance, tenantId });
      send(`event: balance\ndata: ${JSON.stringify(event)}\n\n`);
    };
    let unsubscribe = () => {};
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let expiry: ReturnType<typeof setTimeout> | undefined;
    function end() {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(expiry);
      slot?.release();
      try {
        controller.close();
      } catch {
        // Already closed or cancelled by the client.
      }
    }

    try {
      const balance = await deps.store.getBalanceOfUser(userId);
      if (!balance) throw noTenant();
      tenantId = balance.tenantId;
      unsubscribe = updates.subscribe(tenantId, {
        balance: (next) => (first ? early.push(next) : sendBalance(next)),
        end,
      });
      // The read happened before subscribing: read once more now that nothing can slip through.
      const current = await deps.store.getBalanceOfUser(userId);
      if (!current || current.tenantId !== tenantId) throw noTenant();
      sendBalance(current);
      first = false;
      for (const next of early.splice(0)) sendBalance(next);
    } catch (error) {
      end();
      throw error;
    }

    heartbeat = setInterval(() => send(': heartbeat\n\n'), deps.settings.heartbeatMs);
    const endAtExpiry = () => {
      const left = c.get('tokenExpiresAt') - Date.now();
      if (left <= 0) return end();
      expiry = setTimeout(endAtExpiry, Math.min(left, LONGEST_TIMER_MS));
    };
    endAtExpiry();

    c.set('answeredWithHeaders', true);
    return new Response(stream, {
      headers: {
        ...c.get('answerHeaders'),
        'content-type': 'text/event-stream; charset=utf-8',
        // nginx and similar proxies would otherwise hold the events back in their buffers.
        'x-accel-buffering': 'no',
      },
    });
  });
}

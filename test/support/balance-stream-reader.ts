// Reads GET /v1/balance/stream the way the element does (fetch with the bearer token, a stream reader,
// never EventSource) and keeps what came: the balance events and the comments (heartbeats).

import type { BalanceStreamEvent } from '../../contract/credit-topup-api.ts';
import { until } from './until.ts';

export interface BalanceStreamReader {
  response: Response;
  balances: BalanceStreamEvent[];
  comments: string[];
  /** True once the server ended the stream. */
  ended(): boolean;
  /** The first balance event (of all that came) that satisfies `check`, waited for. */
  nextBalance(check: (event: BalanceStreamEvent) => boolean, what: string): Promise<BalanceStreamEvent>;
  close(): Promise<void>;
}

export async function openBalanceStream(url: string, token: string): Promise<BalanceStreamReader> {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/balance/stream`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const balances: BalanceStreamEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.ok || !response.body) {
      ended = true;
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) comments.push(block.slice(1).trim());
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: balance$/m.test(block) && data) balances.push(JSON.parse(data) as BalanceStreamEvent);
        }
      }
    } catch {
      // Aborted by close(), or the connection was cut.
    }
    ended = true;
  })();
  return {
    response,
    balances,
    comments,
    ended: () => ended,
    nextBalance: (check, what) => until(what, () => balances.find(check)),
    async close() {
      abort.abort();
      await reading;
    },
  };
}

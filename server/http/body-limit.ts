// Bodies larger than a route allows are refused with 413 before anyone reads them. A body that states
// its length (every browser's JSON, every Stripe delivery) is judged by that header alone: Node's parser
// never delivers more than Content-Length says. Only a body without one (chunked) is counted as it
// arrives, by hono's bodyLimit. Calling hono's bodyLimit for every request instead made
// @hono/node-server build a full web Request (AbortSignal, Headers, a body stream) even for a GET, and
// sent the webhook body through web streams instead of its direct read.

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './app-env.ts';
import { nodeIncoming, requestHeader } from './request-header.ts';

export function limitBody(
  maxBytes: number,
  onTooLarge: Parameters<typeof bodyLimit>[0]['onError'] & {},
): MiddlewareHandler<AppEnv> {
  const countWhileReading = bodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async (c, next) => {
    if (requestHeader(c, 'transfer-encoding') !== undefined) return countWhileReading(c, next);
    const length = requestHeader(c, 'content-length');
    if (length === undefined) {
      // Over HTTP/1.1 no length and no chunks means no body; a Request made in code may still have one.
      if (!nodeIncoming(c)) return countWhileReading(c, next);
    } else if (Number(length) > maxBytes) return onTooLarge(c);
    await next();
  };
}

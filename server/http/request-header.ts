// A request header without building web Headers: on Node the server's own parsed headers (lower-case
// names, already there) are read; elsewhere (Deno, app.request() in tests) the Request's.
// c.req.header() on @hono/node-server turns every incoming header into a web Headers object first.

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The Node request under this context, when the app is served by @hono/node-server. */
export function nodeIncoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

export function requestHeader(c: Context, lowerCaseName: string): string | undefined {
  const incoming = nodeIncoming(c);
  if (incoming?.headers) {
    const value = incoming.headers[lowerCaseName];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.req.header(lowerCaseName);
}

// Serves a fetch handler (a Hono app) on a Node HTTP port: the one place that listens, reports the port
// it got, and closes again, open keep-alive connections included, so that a stop really stops.
//
// Two things here keep a kept-alive connection from being dropped silently:
// - An answer given before the request's body was read to its end (413, 401, …) says `Connection: close`.
//   Otherwise @hono/node-server tries to drain the rest of the body after the answer and, when that stalls
//   (it does once bodyLimit has turned the body into a web stream, which pauses the socket when nobody
//   reads it), destroys the socket 500 ms later: the request the client has meanwhile sent on that
//   connection, in good faith, is never read and never answered ("socket hang up", "other side closed").
// - A request whose connection closes before its answer was sent leaves a log line.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Http2Bindings, type HttpBindings, type ServerType, serve } from '@hono/node-server';
import type { Logger } from './http/logger.ts';

/** Under the 10 s most process managers (systemd, Docker, Kubernetes) give after SIGTERM before SIGKILL. */
const SHUTDOWN_GRACE_MS = 8_000;

export interface NodeListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listenOnNode(
  fetch: (request: Request, bindings: HttpBindings) => Response | Promise<Response>,
  options: {
    port?: number;
    hostname?: string;
    logger?: Logger;
    /** How long close() lets requests in flight finish with their answer before it cuts them off. */
    shutdownGraceMs?: number;
  } = {},
): Promise<NodeListener> {
  const hostname = options.hostname ?? '127.0.0.1';
  let closing = false;
  // Once stopping, a kept-alive connection is closed as soon as its answer is out.
  const closeWhenAnswered = (response: ServerResponse) => {
    response.once('finish', () => setImmediate(() => http.closeIdleConnections()));
  };
  // Not an async function: one promise less per request (the answer is handed on as it came). It also
  // does the per-request bookkeeping, instead of a second listener of the server's 'request' event.
  const answer = (request: Request, bindings: HttpBindings | Http2Bindings) => {
    const outgoing = bindings.outgoing as ServerResponse;
    const socket = outgoing.socket as WatchedSocket | null;
    if (socket) socket[LATEST_ANSWER] = outgoing;
    if (closing) closeWhenAnswered(outgoing);
    const response = fetch(request, bindings as HttpBindings);
    const incoming = 'incoming' in bindings ? (bindings.incoming as IncomingMessage) : null;
    if (!incoming || !mayHaveBody(incoming)) return response;
    // The request came with a body: if nobody read it to its end, what is left is still on the wire.
    const closeIfBodyUnread = (answered: Response) =>
      incoming.readableEnded ? answered : closingConnection(answered);
    return response instanceof Promise ? response.then(closeIfBodyUnread) : closeIfBodyUnread(response);
  };
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: answer, port: options.port ?? 0, hostname }, () => resolve(started));
    started.once('error', reject);
  });
  const http = server as ServerType & { closeIdleConnections(): void; closeAllConnections(): void };
  const { logger } = options;
  // Watched per connection, not per request: a listener added and removed on every request cost more
  // than a balance request's own work. The connection remembers its latest answer; when it closes, that
  // answer shows whether a request was left unanswered.
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    const watched = socket as WatchedSocket;
    connections.add(socket);
    // The client's FIN or RST arriving first means the client gave up; otherwise we closed it.
    const clientGone = () => {
      watched[CLIENT_HUNG_UP] = true;
    };
    socket.once('end', clientGone);
    socket.once('error', clientGone);
    socket.once('close', () => {
      connections.delete(socket);
      const response = watched[LATEST_ANSWER];
      if (logger && response && !response.writableFinished) logUnanswered(response, watched, logger);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    port,
    // Stops taking connections at once, lets what is in flight answer (a Stripe delivery cut off would
    // only be sent again, a buyer's checkout request would be lost to them), then cuts what is left.
    close: () =>
      new Promise<void>((resolve) => {
        const cutOff = setTimeout(
          () => http.closeAllConnections(),
          options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS,
        );
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        closing = true;
        // A kept-alive connection whose request has been answered is idle: closed now, and every other
        // one as soon as its answer is out.
        for (const socket of connections) {
          const response = (socket as WatchedSocket)[LATEST_ANSWER];
          if (response && !response.writableFinished) closeWhenAnswered(response);
        }
        http.closeIdleConnections();
      }),
  };
}

const LATEST_ANSWER = Symbol('latest answer on this connection');
const CLIENT_HUNG_UP = Symbol('the client closed this connection');
type WatchedSocket = Socket & { [LATEST_ANSWER]?: ServerResponse; [CLIENT_HUNG_UP]?: boolean };

function mayHaveBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return (length !== undefined && length !== '0') || incoming.headers['transfer-encoding'] !== undefined;
}

function closingConnection(response: Response): Response {
  try {
    response.headers.set('Connection', 'close');
    return response;
  } catch {
    // Headers of a response that came from fetch() are immutable; a copy's are not.
    const copy = new Response(response.body, response);
    copy.headers.set('Connection', 'close');
    return copy;
  }
}

function logUnanswered(response: ServerResponse, socket: WatchedSocket, logger: Logger) {
  const request = response.req;
  logger.warn('connection closed before the answer was sent', {
    method: request.method,
    // The path only: a query string could carry something that does not belong in a log.
    path: (request.url ?? '').split('?')[0],
    closed_by: socket[CLIENT_HUNG_UP] ? 'client' : 'server',
    headers_sent: response.headersSent,
  });
}

// Serves a fetch handler (a Hono app) on a Node HTTP port: the one place that listens, reports the port
// it got, and closes again, open keep-alive connections included, so that a stop really stops.

import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';

export interface NodeListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listenOnNode(
  fetch: (request: Request) => Response | Promise<Response>,
  options: { port?: number; hostname?: string } = {},
): Promise<NodeListener> {
  const hostname = options.hostname ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch, port: options.port ?? 0, hostname }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

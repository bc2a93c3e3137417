// A TCP proxy in front of the test database that a test can cut and restore: a real network failure
// between our server and PostgreSQL (open connections reset, new ones refused, as when the database
// host goes away), without stopping the shared cluster.

import type { AddressInfo } from 'node:net';
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  /** Accepts connections but forwards nothing: a database host that hangs. */
  blackhole(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let swallow = false;
  let port = 0;

  const listen = async () => {
    server = net.createServer((client) => {
      if (swallow) {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server!.address() as AddressInfo).port;
  };
  const stop = async () => {
    const closing = server;
    server = null;
    for (const socket of sockets) socket.resetAndDestroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };

  await listen();
  return {
    port,
    cut: stop,
    blackhole() {
      swallow = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async restore() {
      swallow = false;
      if (!server) await listen();
    },
    close: stop,
  };
}

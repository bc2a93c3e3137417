// Builds the dependencies from a validated configuration and serves the app on Node. Used by
// `npm start` (server/main.ts), the demo and the tests that need a real port.

import { Hono } from 'hono';
import { createAppFromConfig } from './app-from-config.ts';
import { createRechargeSweeper, startRechargeWorker } from './auto-recharge/recharge-worker.ts';
import type { ServerConfig } from './config.ts';
import { errorBody, STATUS_OF_CODE } from './http/api-error.ts';
import { createJsonLogger, type Logger } from './http/logger.ts';
import { type OpenedCreditStore, openCreditStore } from './ledger/open-credit-store.ts';
import { listenForBalanceUpdates } from './live/balance-updates.ts';
import { listenOnNode, type NodeListener } from './node-listener.ts';
import { createStripeClient } from './stripe/stripe-client.ts';

export interface RunningServer {
  url: string;
  port: number;
  ledger: OpenedCreditStore;
  balanceUpdatesReady(): Promise<void>;
  /** Resolves once the automatic top-up worker hears the database's notifications. */
  rechargeWorkerReady(): Promise<void>;
  close(): Promise<void>;
}

export async function startNodeServer(
  config: ServerConfig,
  options: {
    logger?: Logger;
    hostname?: string;
    /** Extra route groups served beside the app (the demo's demo-only endpoints). */
    extraRoutes?: (ledger: OpenedCreditStore) => { path: string; routes: Hono }[];
  } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createJsonLogger();
  const ledger = await openCreditStore(config.ledger, (line) => logger.info(line));
  // A direct database connection (postgres or embedded store) can LISTEN; the Supabase store cannot.
  const balanceUpdates = ledger.databaseUrl
    ? listenForBalanceUpdates(ledger.databaseUrl, {
        store: ledger.store,
        warn: (message, fields) => logger.warn(message, fields),
      })
    : null;
  // Automatic top-up: this process charges what the database asks for, heard at once and swept for.
  const rechargeSweeper = createRechargeSweeper({
    store: ledger.store,
    stripe: createStripeClient(config.stripe),
    logger,
    settings: config.autoRecharge,
  });
  const rechargeWorker = startRechargeWorker(rechargeSweeper, {
    databaseUrl: ledger.databaseUrl ?? null,
    sweepIntervalMs: config.autoRecharge.sweepIntervalMs,
    logger,
  });
  const app = createAppFromConfig(config, ledger.store, logger, { balanceUpdates, rechargeSweeper });

  const extra = options.extraRoutes?.(ledger) ?? [];
  let fetch = app.fetch;
  if (extra.length) {
    const root = new Hono();
    for (const { path, routes } of extra) root.route(path, routes);
    root.route('/', app);
    root.notFound((c) => c.json(errorBody('not_found', 'No such endpoint.'), STATUS_OF_CODE.not_found));
    fetch = root.fetch;
  }

  let listener: NodeListener;
  try {
    listener = await listenOnNode(fetch, { port: config.port, hostname: options.hostname, logger });
  } catch (error) {
    await balanceUpdates?.close();
    await rechargeWorker.close();
    await ledger.close();
    throw new Error(`could not listen on port ${config.port}: ${(error as Error).message}`, { cause: error });
  }
  return {
    url: listener.url,
    port: listener.port,
    ledger,
    /** Resolves once the database's balance announcements are heard (null without a LISTEN). */
    balanceUpdatesReady: () => balanceUpdates?.ready() ?? Promise.resolve(),
    rechargeWorkerReady: () => rechargeWorker.ready(),
    async close() {
      // Open streams first: they are answers in flight, which the listener would otherwise wait for.
      await balanceUpdates?.close();
      await listener.close();
      await rechargeWorker.close();
      await ledger.close();
    },
  };
}

// Builds the dependencies from a validated configuration and serves the app on Node. Used by
// `npm start` (server/main.ts), the demo and the tests that need a real port.

import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { createAccessTokenVerifier } from './auth/access-token-verifier.ts';
import type { ServerConfig } from './config.ts';
import { createJsonLogger, type Logger } from './http/logger.ts';
import { openCreditStore, type OpenedCreditStore } from './ledger/open-credit-store.ts';
import { createStripeClient } from './stripe/stripe-client.ts';

export interface RunningServer {
  url: string;
  port: number;
  ledger: OpenedCreditStore;
  close(): Promise<void>;
}

export async function startNodeServer(
  config: ServerConfig,
  options: { logger?: Logger; hostname?: string; stripeJsUrl?: string | null } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createJsonLogger();
  const ledger = await openCreditStore(config.ledger, (line) => logger.info(line));
  const app = createApp({
    store: ledger.store,
    stripe: createStripeClient(config.stripe),
    verifier: createAccessTokenVerifier(config.auth),
    logger,
    stripeSettings: {
      publishableKey: config.stripe.publishableKey,
      mode: config.stripe.mode,
      webhookSecrets: config.stripe.webhookSecrets,
      stripeJsUrl: options.stripeJsUrl ?? (config.stripe.apiBase ? new URL('/stripe-js-stand-in.js', config.stripe.apiBase).toString() : null),
    },
    checkout: {
      returnUrl: config.publicReturnUrl,
      invoiceCreation: config.stripe.invoiceCreation,
      allowPromotionCodes: config.stripe.allowPromotionCodes,
      automaticTax: config.stripe.automaticTax,
    },
    allowedOrigins: config.allowedOrigins,
    checkoutRateLimit: config.checkoutRateLimit,
  });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, port: config.port, hostname: options.hostname ?? '127.0.0.1' }, () => resolve(started));
      started.once('error', reject);
    });
  } catch (error) {
    await ledger.close();
    throw new Error(`could not listen on port ${config.port}: ${(error as Error).message}`, { cause: error });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.hostname ?? '127.0.0.1'}:${port}`,
    port,
    ledger,
    async close() {
      await new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await ledger.close();
    },
  };
}

// A real server for HTTP tests: the Hono app on a real port, a real PostgreSQL database (behind a TCP
// proxy the test can cut), and the offline Stripe sandbox, which posts its webhooks to that port.

import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type Stripe from 'stripe';
import { type AppDeps, createApp } from '../../server/app.ts';
import { createAccessTokenVerifier } from '../../server/auth/access-token-verifier.ts';
import { createJsonLogger } from '../../server/http/logger.ts';
import type { CreditStore } from '../../server/ledger/credit-store.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { createStripeClient } from '../../server/stripe/stripe-client.ts';
import {
  type StripeSandbox,
  type StripeSandboxOptions,
  startStripeSandbox,
} from '../../stripe-sandbox/server.ts';
import { signPayload } from '../../stripe-sandbox/webhook-sender.ts';
import { accessToken, TEST_JWT_SECRET } from './access-tokens.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { createTenant, type TestTenant } from './tenants.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { until } from './until.ts';

export const TEST_ORIGIN = 'https://portal.example.test';

export interface TestServer {
  url: string;
  database: TestDatabase;
  store: CreditStore;
  sandbox: StripeSandbox;
  stripe: Stripe;
  databaseProxy: TcpProxy;
  /** Every log line the server wrote. */
  logs: string[];
  /** A tenant with one member, and that member's bearer token. */
  newCustomer(): Promise<TestTenant & { token: string; headers: Record<string, string> }>;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Posts an event to the webhook endpoint, signed like Stripe (with the given secret). */
  deliver(
    event: unknown,
    options?: { secret?: string; timestamp?: number; body?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  options: {
    sandbox?: StripeSandboxOptions;
    /** Deliver the sandbox's webhooks to the server (default) or keep them for the test to send. */
    deliverWebhooks?: boolean;
    app?: Partial<AppDeps>;
    webhookSecrets?: string[];
    stripeTimeoutMs?: number;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const databaseUrl = new URL(database.url);
  const databaseProxy = await startTcpProxy(Number(databaseUrl.port));
  databaseUrl.port = String(databaseProxy.port);
  const store = createPostgresCreditStore(databaseUrl.toString(), {
    maxConnections: 10,
    callTimeoutMs: 2000,
  });
  const sandbox = await startStripeSandbox({
    webhookRetryBaseMs: 100,
    asyncPaymentDelayMs: 300,
    ...options.sandbox,
  });
  const stripe = createStripeClient({
    secretKey: sandbox.secretKey,
    apiBase: new URL(sandbox.url),
    timeoutMs: options.stripeTimeoutMs ?? 3000,
    maxNetworkRetries: 1,
  });
  const logs: string[] = [];
  const app = createApp({
    store,
    stripe,
    verifier: createAccessTokenVerifier({ jwtSecret: TEST_JWT_SECRET }),
    logger: createJsonLogger((line) => logs.push(line)),
    stripeSettings: {
      publishableKey: sandbox.publishableKey,
      mode: 'sandbox',
      webhookSecrets: options.webhookSecrets ?? [sandbox.webhookSecret],
      stripeJsUrl: `${sandbox.url}/stripe-js-stand-in.js`,
    },
    checkout: {
      returnUrl: `${TEST_ORIGIN}/kosten`,
      invoiceCreation: false,
      allowPromotionCodes: false,
      automaticTax: false,
    },
    allowedOrigins: [TEST_ORIGIN],
    checkoutRateLimit: { requests: 1000, perSeconds: 60 },
    ...options.app,
  });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.deliverWebhooks !== false) sandbox.setWebhookUrl(`${url}/v1/stripe/webhook`);

  return {
    url,
    database,
    store,
    sandbox,
    stripe,
    databaseProxy,
    logs,
    async newCustomer() {
      const tenant = await createTenant(database.sql);
      const token = await accessToken(tenant.userId);
      return { ...tenant, token, headers: { Authorization: `Bearer ${token}` } };
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
      if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
      return fetch(`${url}${path}`, { ...init, headers });
    },
    deliver(event, deliverOptions = {}) {
      const body = deliverOptions.body ?? JSON.stringify(event);
      const timestamp = deliverOptions.timestamp ?? Math.floor(Date.now() / 1000);
      return fetch(`${url}/v1/stripe/webhook`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': signPayload(body, deliverOptions.secret ?? sandbox.webhookSecret, timestamp),
        },
        body,
      });
    },
    async close() {
      await sandbox.close();
      await new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await store.close();
      await databaseProxy.close();
      await database.drop();
    },
  };
}

/** Starts a checkout for the customer and returns the session's id and client secret. */
export async function startCheckout(
  server: TestServer,
  customer: { token: string },
  packageId = 'standard',
  headers: Record<string, string> = {},
): Promise<{ id: string; client_secret: string; expires_at: number }> {
  const response = await server.api('/v1/checkout-sessions', {
    method: 'POST',
    token: customer.token,
    headers,
    body: JSON.stringify({ package_id: packageId }),
  });
  if (response.status !== 201)
    throw new Error(`checkout failed: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: string; client_secret: string; expires_at: number }>;
}

export async function payInSandbox(
  server: TestServer,
  sessionId: string,
  payment: { card_number?: string; iban?: string } = { card_number: '4242 4242 4242 4242' },
) {
  const response = await fetch(`${server.sandbox.url}/__sandbox/checkout-sessions/${sessionId}/pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payment),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function sandboxControl(server: TestServer, path: string, body: unknown = {}) {
  const response = await fetch(`${server.sandbox.url}/__sandbox/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

/** Waits until `check` holds (the Node tests' name for it). */
export const eventually = until;

// A real server for HTTP tests, built the way `npm start` builds it (readConfig → startNodeServer): the
// Hono app on a real port, a real PostgreSQL database (behind a TCP proxy the test can cut), and the
// offline Stripe sandbox, which posts its webhooks to that port.

import type Stripe from 'stripe';
import type { ServerConfig } from '../../server/config.ts';
import { createJsonLogger } from '../../server/http/logger.ts';
import type { CreditStore } from '../../server/ledger/credit-store.ts';
import { startNodeServer } from '../../server/start-node-server.ts';
import { createStripeClient } from '../../server/stripe/stripe-client.ts';
import type { CheckoutBuyerInput } from '../../stripe-sandbox/checkout-collection.ts';
import {
  type StripeSandbox,
  type StripeSandboxOptions,
  startStripeSandbox,
} from '../../stripe-sandbox/server.ts';
import { signPayload } from '../../stripe-sandbox/webhook-sender.ts';
import { accessToken } from './access-tokens.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { createTenant, type TestTenant } from './tenants.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { testServerConfig } from './test-server-env.ts';
import { until } from './until.ts';
import { WAIVER_GIVEN } from './withdrawal-waiver.ts';

export { TEST_ORIGIN } from './test-server-env.ts';

export interface TestServer {
  url: string;
  config: ServerConfig;
  database: TestDatabase;
  /** The server's own store. */
  store: CreditStore;
  sandbox: StripeSandbox;
  /** A Stripe client configured like the server's. */
  stripe: Stripe;
  databaseProxy: TcpProxy;
  /** Every log line the server wrote. */
  logs: string[];
  /** A tenant with one member, and that member's bearer token. */
  newCustomer(): Promise<TestTenant & { token: string; headers: Record<string, string> }>;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** POST /v1/checkout-sessions with a JSON body, as the customer. */
  checkout(customer: { token: string }, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The form of the first checkout.sessions.create request Stripe received for the tenant. */
  // biome-ignore lint/suspicious/noExplicitAny: the form Stripe received, read field by field by the tests
  sessionFormSentFor(tenantId: string): Record<string, any>;
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
    /** Server environment to set differently (CHECKOUT_RATE_LIMIT, STRIPE_TIMEOUT_MS, …). */
    env?: Record<string, string>;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const databaseUrl = new URL(database.url);
  const databaseProxy = await startTcpProxy(Number(databaseUrl.port));
  databaseUrl.port = String(databaseProxy.port);
  const sandbox = await startStripeSandbox({
    webhookRetryBaseMs: 100,
    asyncPaymentDelayMs: 300,
    ...options.sandbox,
  });
  const config = testServerConfig({
    databaseUrl: databaseUrl.toString(),
    sandbox,
    env: { DATABASE_CALL_TIMEOUT_MS: '2000', STRIPE_TIMEOUT_MS: '3000', ...options.env },
  });
  const logs: string[] = [];
  const server = await startNodeServer(config, { logger: createJsonLogger((line) => logs.push(line)) });
  const { url } = server;
  if (options.deliverWebhooks !== false) sandbox.setWebhookUrl(`${url}/v1/stripe/webhook`);

  return {
    url,
    config,
    database,
    store: server.ledger.store,
    sandbox,
    stripe: createStripeClient(config.stripe),
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
    checkout(customer, body, headers = {}) {
      return fetch(`${url}/v1/checkout-sessions`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${customer.token}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body: JSON.stringify(body),
      });
    },
    sessionFormSentFor(tenantId) {
      const sent = sandbox.apiRequests.find(
        (request) =>
          request.method === 'POST' &&
          request.path === '/v1/checkout/sessions' &&
          (request.form.metadata as Record<string, string>)?.tenant_id === tenantId,
      );
      if (!sent) throw new Error(`no checkout session was created at Stripe for tenant ${tenantId}`);
      return sent.form;
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
      await server.close();
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
    body: JSON.stringify({ package_id: packageId, ...WAIVER_GIVEN }),
  });
  if (response.status !== 201)
    throw new Error(`checkout failed: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: string; client_secret: string; expires_at: number }>;
}

export async function payInSandbox(
  server: TestServer,
  sessionId: string,
  payment: { card_number?: string; iban?: string; currency?: string } & CheckoutBuyerInput = {
    card_number: '4242 4242 4242 4242',
  },
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

/** The sandbox's checkout.session.completed event of the session (it was paid in the sandbox). */
export function completedEventOf(server: { sandbox: StripeSandbox }, sessionId: string): Stripe.Event {
  const completed = server.sandbox.account.events.find(
    (event) => event.type === 'checkout.session.completed' && event.data.object.id === sessionId,
  );
  if (!completed) throw new Error(`the sandbox recorded no checkout.session.completed for ${sessionId}`);
  return completed;
}

/**
 * Pays the session by card in the sandbox without delivering anything, and hands back its
 * checkout.session.completed event, for a test that sends the delivery itself.
 */
export function paidSessionCompletedEvent(server: TestServer, sessionId: string): Stripe.Event {
  const paid = server.sandbox.account.checkoutSessions.pay(sessionId, {
    type: 'card',
    number: '4242424242424242',
  });
  if (!paid.ok) throw new Error(`the sandbox did not take the payment of ${sessionId}`);
  return completedEventOf(server, sessionId);
}

/** Any body signed with the sandbox's webhook secret as Stripe signs one now. */
export function signedByStripe(server: TestServer, event: unknown) {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: { 'Stripe-Signature': signPayload(body, server.sandbox.webhookSecret, timestamp) },
  };
}

/** Waits until `check` holds (the Node tests' name for it). */
export const eventually = until;

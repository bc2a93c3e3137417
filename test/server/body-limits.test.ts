// Bodies over a route's limit are refused: by their Content-Length before a byte is read, and a body
// sent in chunks (no length up front) by counting it as it arrives. Over a real port, because the Node
// server's own parsing is what decides which of the two a request is.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  paidSessionCompletedEvent,
  signedByStripe,
  startCheckout,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

/** POSTs `body` in chunks of 8 KB (Transfer-Encoding: chunked); the status and the error code. */
function postChunked(url: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; code: string | null }>((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...headers },
    });
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => {
        const parsed = text ? (JSON.parse(text) as { error?: { code: string } }) : {};
        resolve({ status: response.statusCode ?? 0, code: parsed.error?.code ?? null });
      });
    });
    request.on('error', reject);
    for (let start = 0; start < body.length; start += 8192) request.write(body.slice(start, start + 8192));
    request.end();
  });
}

describe('body limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  test('a chunked API body over 16 KB is refused with 413; one within it is read', async () => {
    const over = await postChunked(
      `${server.url}/v1/checkout-sessions`,
      JSON.stringify({ pad: 'x'.repeat(20_000) }),
    );
    assert.deepEqual({ status: over.status, code: over.code }, { status: 413, code: 'payload_too_large' });
    // Within the limit the body reaches the route, which reads it and asks for a sign-in.
    const within = await postChunked(
      `${server.url}/v1/checkout-sessions`,
      JSON.stringify({ pad: 'x'.repeat(10_000) }),
    );
    assert.deepEqual({ status: within.status, code: within.code }, { status: 401, code: 'unauthorized' });
  });

  test('a chunked Stripe delivery is verified on the bytes that arrived; one over 1 MB is refused', async () => {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'standard');
    const completed = paidSessionCompletedEvent(server, session.id);
    const signed = (event: unknown) => signedByStripe(server, event);
    const tooLarge = signed({ ...completed, padding: 'x'.repeat(1024 * 1024) });
    const refused = await postChunked(`${server.url}/v1/stripe/webhook`, tooLarge.body, tooLarge.headers);
    assert.deepEqual(
      { status: refused.status, code: refused.code },
      { status: 413, code: 'payload_too_large' },
    );
    const fitting = signed(completed);
    const answered = await postChunked(`${server.url}/v1/stripe/webhook`, fitting.body, fitting.headers);
    assert.deepEqual({ status: answered.status, code: answered.code }, { status: 200, code: null });
    const [purchase] = await server.database.sql`
      select credited_credits from public.credit_purchases where stripe_checkout_session_id = ${session.id}`;
    assert.equal(purchase?.credited_credits, 100);
  });
});

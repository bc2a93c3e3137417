// A connection must never end without an answer to the request on it unless we say so in the logs:
// a client cannot tell a dropped request from a lost one, and Stripe retries a dropped delivery blindly.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { createJsonLogger } from '../../server/http/logger.ts';
import { listenOnNode } from '../../server/node-listener.ts';
import {
  eventually,
  paidSessionCompletedEvent,
  signedByStripe,
  startCheckout,
  startTestServer,
} from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

/** POSTs on the agent's connections; the status, or what the client saw instead. */
function post(agent: http.Agent, url: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number | null; connection?: string; failure?: string }>((resolve) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? null, connection: response.headers.connection }),
      );
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: null, failure: `${error.code}: ${error.message}` }),
    );
    request.end(body);
  });
}

test('a delivery refused unread closes its connection with the answer; the next delivery is answered', async () => {
  const server = await startTestServer({ deliverWebhooks: false });
  // One connection at a time, kept alive: the second delivery goes out on the first one's connection
  // as soon as its answer is in, unless that answer said the connection is done.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'standard');
    const completed = paidSessionCompletedEvent(server, session.id);
    const signed = (event: unknown) => signedByStripe(server, event);
    const tooLarge = signed({ ...completed, padding: 'x'.repeat(1024 * 1024) });
    const fitting = signed(completed);
    const url = `${server.url}/v1/stripe/webhook`;
    const [refused, accepted] = await Promise.all([
      post(agent, url, tooLarge.body, tooLarge.headers),
      post(agent, url, fitting.body, fitting.headers),
    ]);
    assert.deepEqual(
      { refused, accepted },
      { refused: { status: 413, connection: 'close' }, accepted: { status: 200, connection: 'keep-alive' } },
    );
  } finally {
    agent.destroy();
    await server.close();
  }
});

/** A listener whose handler answers only when told to, and every log line it wrote. */
async function listenerThatWaits(shutdownGraceMs = 200) {
  const logs: string[] = [];
  let arrived: () => void = () => {};
  let answer: (response: Response) => void = () => {};
  const requestArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const listener = await listenOnNode(
    () =>
      new Promise<Response>((resolve) => {
        answer = resolve;
        arrived();
      }),
    { logger: createJsonLogger((line) => logs.push(line)), shutdownGraceMs },
  );
  return { listener, logs, requestArrived, answerNow: (response: Response) => answer(response) };
}

test('stopping the server lets a request in flight finish with its answer, then takes no more', async () => {
  const { listener, logs, requestArrived, answerNow } = await listenerThatWaits(60_000);
  const agent = new http.Agent({ keepAlive: true });
  try {
    const answer = post(agent, `${listener.url}/v1/stripe/webhook`, '{}');
    await requestArrived;
    const closed = listener.close();
    answerNow(new Response('{"received":true}', { status: 200 }));
    assert.equal((await answer).status, 200, 'answered, not cut off');
    await closed;
    const later = await post(new http.Agent(), `${listener.url}/v1/stripe/webhook`, '{}');
    assert.match(later.failure ?? '', /ECONNREFUSED/, 'a stopped server takes no new connection');
    assert.ok(!logs.some((line) => line.includes('connection closed before the answer was sent')));
  } finally {
    agent.destroy();
  }
});

test('a request still unanswered when the grace after stopping ends is cut off, with a log line', async () => {
  const { listener, logs, requestArrived } = await listenerThatWaits();
  const agent = new http.Agent({ keepAlive: true });
  try {
    const answer = post(agent, `${listener.url}/v1/stripe/webhook?secret=nothing-to-log`, '{}');
    await requestArrived;
    await listener.close();
    assert.equal((await answer).status, null, 'the client got no answer');
    const line = await eventually('a log line', async () =>
      logs.find((candidate) => candidate.includes('connection closed before the answer was sent')),
    );
    assert.deepEqual(
      (({ level, method, path, closed_by }) => ({ level, method, path, closed_by }))(JSON.parse(line)),
      { level: 'warn', method: 'POST', path: '/v1/stripe/webhook', closed_by: 'server' },
    );
  } finally {
    agent.destroy();
  }
});

test('a request the client gives up on before its answer leaves a log line naming the client', async () => {
  const { listener, logs, requestArrived } = await listenerThatWaits();
  try {
    const request = http.request(`${listener.url}/v1/checkout-sessions`, { method: 'POST' });
    request.on('error', () => {});
    request.end('{}');
    await requestArrived;
    request.destroy();
    const line = await eventually('a log line', async () =>
      logs.find((candidate) => candidate.includes('connection closed before the answer was sent')),
    );
    assert.equal(JSON.parse(line).closed_by, 'client');
  } finally {
    await listener.close();
  }
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestServer, TEST_ORIGIN, type TestServer } from '../support/server-harness.ts';
import { balanceOf } from '../support/tenants.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

describe('POST /v1/checkout-sessions with checkout: "hosted"', () => {
  let server: TestServer;
  before(async () => {
    // No webhooks: the return path alone must credit a hosted session, as it does an embedded one.
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  const post = (...args: Parameters<TestServer['checkout']>) => server.checkout(...args);
  const codeOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code;

  test("answers the hosted page's url (no client secret); Stripe gets success_url and cancel_url", async () => {
    const customer = await server.newCustomer();
    const response = await post(customer, { package_id: 'standard', checkout: 'hosted', ...WAIVER_GIVEN });
    assert.equal(response.status, 201);
    const body = (await response.json()) as { id: string; url: string; expires_at: number };
    assert.deepEqual(Object.keys(body).sort(), ['expires_at', 'id', 'url']);
    assert.equal(body.url, `${server.sandbox.url}/c/pay/${body.id}`);

    const form = server.sessionFormSentFor(customer.tenantId);
    assert.equal(form.ui_mode, 'hosted_page');
    assert.equal(form.success_url, `${TEST_ORIGIN}/kosten?credit_topup_session={CHECKOUT_SESSION_ID}`);
    assert.equal(form.cancel_url, `${TEST_ORIGIN}/kosten`);
    assert.equal(form.return_url, undefined);
    assert.equal(form.redirect_on_completion, undefined);
  });

  test('the hosted page takes the payment and sends the buyer to success_url; the return path credits once', async () => {
    const customer = await server.newCustomer();
    const created = (await (
      await post(customer, { package_id: 'starter', checkout: 'hosted', locale: 'en', ...WAIVER_GIVEN })
    ).json()) as { id: string; url: string };
    const page = await fetch(created.url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Pay/);
    // The page's script goes there once paid, with the session's id in place of the placeholder.
    assert.ok(html.includes(`${TEST_ORIGIN}/kosten?credit_topup_session=${created.id}`));
    const paid = await fetch(`${created.url}/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ card_number: '4242 4242 4242 4242' }),
    });
    assert.equal(paid.status, 200);
    for (let look = 0; look < 2; look++) {
      const status = (await (
        await server.api(`/v1/checkout-sessions/${created.id}`, { token: customer.token })
      ).json()) as { credited: boolean; credits: number; status: string };
      assert.equal(status.credited, true);
      assert.equal(status.credits, 50);
    }
    assert.equal(await balanceOf(server.database.sql, customer.tenantId), 150);
  });

  test('an Idempotency-Key of an embedded checkout is not answered with a hosted one (409); unknown ui → 400', async () => {
    const customer = await server.newCustomer();
    const key = { 'Idempotency-Key': `ui-${randomUUID()}` };
    assert.equal((await post(customer, { package_id: 'starter', ...WAIVER_GIVEN }, key)).status, 201);
    const hosted = await post(customer, { package_id: 'starter', checkout: 'hosted', ...WAIVER_GIVEN }, key);
    assert.equal(hosted.status, 409);
    assert.equal(await codeOf(hosted), 'idempotency_key_reused');
    const unknown = await post(customer, { package_id: 'starter', checkout: 'popup', ...WAIVER_GIVEN });
    assert.equal(unknown.status, 400);
    assert.equal(await codeOf(unknown), 'invalid_request');
  });
});

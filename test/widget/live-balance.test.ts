// The live balance: credits spent elsewhere in the portal (in SQL, through rpc_credit_deduct; no request
// to our server) reach every open element, on the page and in another tab, within a second and without
// polling; and the low-balance warning.

import { expect } from '@esm-bundle/chai';
import { createClient } from '@supabase/supabase-js';
import { executeServerCommand } from '@web/test-runner-commands';
import {
  amountOf,
  balanceShown,
  type Customer,
  cleanup,
  env,
  eventsOf,
  freshApiBase,
  mount,
  newCustomer,
  root,
  setViewport,
  text,
  until,
} from './browser-helpers.ts';
import { closeTab, openTab, recordedGets, recordRequests, tabAmount } from './browser-tabs.ts';

async function spend(customer: Customer, credits: number) {
  const response = await fetch('/__test/spend', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenantId: customer.tenantId, userId: customer.userId, credits }),
  });
  expect(((await response.json()) as { success: boolean }).success, 'spent').to.equal(true);
}

const recordedRequests = recordedGets;

describe('<credit-topup> live balance', () => {
  afterEach(async () => {
    cleanup();
    await closeTab();
  });

  it('spending in SQL updates two elements on the page and one in a second tab within 1 s, without polling', async () => {
    const customer = await newCustomer();
    const apiBase = await freshApiBase();
    const first = await mount({ apiBase, customer });
    const second = await mount({ apiBase, customer });
    await openTab(
      `/__test/second-tab.html#${new URLSearchParams({ 'api-base': apiBase, token: customer.token })}`,
    );
    await Promise.all([balanceShown(first), balanceShown(second)]);
    await until('the second tab shows the balance', async () => (await tabAmount()) === '100');
    // A first spending, without a deadline: once all three show it, the streams of both pages are open.
    await spend(customer, 1);
    await until(
      'all three follow the balance',
      async () => amountOf(first) === '99' && amountOf(second) === '99' && (await tabAmount()) === '99',
    );

    await recordRequests();
    const delays: number[] = [];
    for (const [credits, shown] of [
      [7, '92'],
      [3, '89'],
      [40, '49'],
    ] as const) {
      const spentAt = performance.now();
      await spend(customer, credits);
      // The promise: within a second of the SQL update, every open element shows it.
      await until(
        `all three show ${shown}`,
        async () => amountOf(first) === shown && amountOf(second) === shown && (await tabAmount()) === shown,
        1_000,
      );
      delays.push(Math.round(performance.now() - spentAt));
    }
    const requests = await recordedRequests();
    expect(
      requests.filter((line) => /\/v1\/balance(\?|$)/.test(line)),
      'no polling of GET /v1/balance',
    ).to.deep.equal([]);
    // Other requests are the page's own first loads finishing (the dialog's code asks for /v1/config).
    const other = requests.filter((line) => line.includes('/v1/') && !line.includes('/v1/config'));
    expect(other, 'no other request to the API').to.deep.equal([]);
    console.log(`live balance: SQL update to all three elements in ${delays.join(', ')} ms`);
  });

  it('below low-balance-threshold: a warning (text, not colour only) and one event per crossing', async () => {
    const customer = await newCustomer();
    const element = await mount({
      customer,
      apiBase: await freshApiBase(),
      configure: (created) => created.setAttribute('low-balance-threshold', '50'),
    });
    const warnings = eventsOf(element, 'credit-topup-low-balance');
    await balanceShown(element);
    expect(root(element).querySelector('[part="low-balance"]')).to.equal(null);

    await spend(customer, 60);
    await until('the warning', () => text(element).includes('Nur noch wenige Credits'));
    expect(root(element).querySelector('[part="low-balance"]')?.getAttribute('role')).to.equal('status');
    await spend(customer, 10);
    await until('the new balance', () => amountOf(element) === '30');
    expect(
      warnings.map((event) => event.detail),
      'once for the crossing, not for every balance below it',
    ).to.deep.equal([{ balance: 40, threshold: 50 }]);

    element.locale = 'en';
    await element.updateComplete;
    expect(text(element)).to.contain('Only a few credits left');
    element.lowBalanceThreshold = 20;
    await element.updateComplete;
    expect(root(element).querySelector('[part="low-balance"]'), 'above the new threshold').to.equal(null);
    await spend(customer, 15);
    await until(
      'the warning again',
      () => amountOf(element) === '15' && text(element).includes('Only a few'),
    );
    expect(warnings.map((event) => event.detail)).to.deep.equal([
      { balance: 40, threshold: 50 },
      { balance: 15, threshold: 20 },
    ]);
  });

  it("with the page's SupabaseClient it follows Supabase Realtime, not the stream, and refreshes once after a lost connection", async () => {
    const customer = await newCustomer();
    const realtime = async () =>
      (await (await fetch('/__test/realtime')).json()) as { url: string; joins: string[] };
    const supabase = createClient((await realtime()).url, 'anon-key', {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    const { error } = await supabase.auth.setSession({
      access_token: customer.token,
      refresh_token: 'refresh-token',
    });
    expect(error).to.equal(null);
    await recordRequests();
    const element = await mount({
      apiBase: await freshApiBase(),
      configure: (created) => (created.supabase = supabase),
    });
    await balanceShown(element);
    const topic = `realtime:credit-topup-balance:${customer.tenantId}`;
    await until('joined through Realtime', async () => (await realtime()).joins.includes(topic));

    await spend(customer, 4);
    await until('the change through Realtime', () => amountOf(element) === '96');

    // Realtime restarts: what is spent meanwhile is never announced; once joined again, one refresh.
    await fetch('/__test/realtime/drop', { method: 'POST' });
    await spend(customer, 6);
    await until(
      'joined again, and the balance read once',
      async () =>
        (await realtime()).joins.filter((joined) => joined === topic).length === 2 &&
        amountOf(element) === '90',
    );
    await spend(customer, 10);
    await until('changes through Realtime again', () => amountOf(element) === '80');

    const requests = await recordedRequests();
    expect(
      requests.filter((line) => line.includes('/v1/balance/stream')),
      'no SSE stream',
    ).to.deep.equal([]);
    expect(
      requests.filter((line) => /\/v1\/balance(\?|$)/.test(line)).length,
      'the first balance and one refresh after the lost connection',
    ).to.equal(2);
  });

  it('where the server has no stream (501) and no SupabaseClient was given: one refresh when the page is seen again, no polling', async () => {
    const customer = await newCustomer();
    await recordRequests();
    const element = await mount({ customer, apiBase: (await env()).noStreamApiBase });
    await balanceShown(element);
    await until('the stream was asked for once', async () =>
      (await recordedRequests()).some((line) => line.includes('/v1/balance/stream')),
    );
    await spend(customer, 5);
    // The page comes back into view (another tab was in front): one refresh.
    document.dispatchEvent(new Event('visibilitychange'));
    await until('the balance read again', () => amountOf(element) === '95');
    const requests = await recordedRequests();
    expect(requests.filter((line) => line.includes('/v1/balance/stream'))).to.have.length(1);
    expect(requests.filter((line) => /\/v1\/balance(\?|$)/.test(line))).to.have.length(2);
  });

  for (const locale of ['de', 'en'] as const) {
    it(`screenshots of the low-balance state in ${locale}`, async () => {
      const customer = await newCustomer();
      const element = await mount({
        customer,
        locale,
        apiBase: await freshApiBase(),
        configure: (created) => created.setAttribute('low-balance-threshold', '20'),
      });
      await balanceShown(element);
      await spend(customer, 88);
      await until('the warning', () => root(element).querySelector('[part="low-balance"]'));
      for (const width of [375, 1280]) {
        await setViewport({ width, height: 400 });
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const file = await executeServerCommand('screenshot', {
          name: `live-low-balance-${locale}-${width}`,
        });
        expect(String(file)).to.match(/\.png$/);
      }
    });
  }
});

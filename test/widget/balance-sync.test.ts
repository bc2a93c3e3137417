// The balance that elements of one tenant tell each other (on this page and in other tabs): only the
// signed-in tenant's, and never an older one over a newer one.

import { expect } from '@esm-bundle/chai';
import {
  amountOf,
  balanceOf,
  balanceShown,
  cleanup,
  eventsOf,
  freshApiBase,
  mount,
  newCustomer,
  paidSession,
  text,
  until,
} from './browser-helpers.ts';

/** Buys the starter package (50 credits) for the customer, paid and credited by the webhook. */
async function buyStarter(customer: { token: string; tenantId: string }) {
  await paidSession(customer.token, 'starter');
  await until('credited by the webhook', async () => (await balanceOf(customer.tenantId)) === 150);
}

/**
 * A slow network: the answer to the page's next balance request is held back (after the server sent it)
 * until `release`. The request and its answer are the real ones; only their arrival is late.
 */
function holdNextBalanceAnswer() {
  const networkFetch = window.fetch;
  let answered: () => void = () => {};
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = {
    answered: new Promise<void>((resolve) => (answered = resolve)),
    release,
    restore: () => (window.fetch = networkFetch),
  };
  window.fetch = async (input, init) => {
    if (!String(input).endsWith('/v1/balance')) return networkFetch(input, init);
    held.restore();
    const response = await networkFetch(input, init);
    answered();
    await released;
    return response;
  };
  return held;
}

describe('<credit-topup> balance news between elements', () => {
  afterEach(() => cleanup());

  it('signed out, it no longer takes the news of the tenant it showed, and a new user sees their own', async () => {
    const apiBase = await freshApiBase();
    const customer = await newCustomer();
    let token: string | null = customer.token;
    // A BroadcastChannel message reaches the elements of a page oldest first: when the witness has it,
    // the signed-out element has had it too.
    const signedOut = await mount({
      apiBase,
      configure: (created) => (created.getAccessToken = async () => token),
    });
    const witness = await mount({ apiBase, customer });
    const buyer = await mount({ apiBase, customer });
    await Promise.all([signedOut, witness, buyer].map(balanceShown));

    token = null; // the portal signed the user out
    await signedOut.refresh();
    expect(text(signedOut)).to.contain('Bitte melden Sie sich an');
    const balances = eventsOf(signedOut, 'credit-topup-balance');
    await buyStarter(customer);
    await buyer.refresh();
    await until('the witness heard the new balance', () => amountOf(witness) === '150');
    expect(
      balances.map((event) => event.detail.balance),
      'nothing of the former tenant',
    ).to.deep.equal([]);

    const next = await newCustomer();
    token = next.token;
    await signedOut.refresh();
    expect(amountOf(signedOut)).to.equal('100');
    expect(balances.map((event) => event.detail.balance)).to.deep.equal([100]);
  });

  it('a slow answer that arrives after a newer balance from another element does not replace it', async () => {
    const apiBase = await freshApiBase();
    const customer = await newCustomer();
    const slow = await mount({ apiBase, customer });
    const other = await mount({ apiBase, customer });
    await Promise.all([slow, other].map(balanceShown));
    const held = holdNextBalanceAnswer();
    try {
      const refreshed = slow.refresh();
      await held.answered; // the server has read the balance (100), before the purchase
      await buyStarter(customer);
      await other.refresh();
      await until('the slow element heard the newer balance', () => amountOf(slow) === '150');
      held.release();
      await refreshed;
      await slow.updateComplete;
      expect(amountOf(slow), 'the older answer is not shown').to.equal('150');
      expect(amountOf(other)).to.equal('150');
    } finally {
      held.restore();
    }
  });
});

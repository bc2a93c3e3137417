// The element in real host pages: a single-page app that moves the element (removes it and inserts the
// same node again), several elements on one page and in other tabs, and a page that has an embedded
// Checkout of its own.

import { expect } from '@esm-bundle/chai';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  amountOf,
  balanceOf,
  balanceShown,
  buyButton,
  cleanup,
  createSession,
  dialogOf,
  env,
  eventsOf,
  freshApiBase,
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  payByKeyboard,
  root,
  sandbox,
  text,
  tickWaiver,
  until,
} from './browser-helpers.ts';

/** Removes the element and inserts the same node again, as a router re-rendering its layout does. */
function reattach(element: CreditTopup) {
  const parent = element.parentNode!;
  const next = element.nextSibling;
  element.remove();
  parent.insertBefore(element, next);
}

describe('<credit-topup> moved, several times on a page, in several tabs', () => {
  const frames: HTMLIFrameElement[] = [];
  afterEach(() => {
    cleanup();
    for (const frame of frames.splice(0)) frame.remove();
  });

  it('removed and inserted again with the checkout open: closed, the checkout destroyed, and a new purchase works', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    await openCheckout(element, 1);
    reattach(element);
    await element.updateComplete;
    expect(dialogOf(element).open, 'no dialog left open inline').to.equal(false);
    expect(document.querySelectorAll('iframe'), 'checkout destroyed').to.have.length(0);

    const completed = eventsOf(element, 'credit-topup-completed');
    const frame = await openCheckout(element, 1);
    expect(dialogOf(element).matches(':modal')).to.equal(true);
    await payByKeyboard(frame, { card: '4242 4242 4242 4242' });
    await until('success', () => text(element).includes('100 Credits wurden gutgeschrieben'));
    expect(completed).to.have.length(1);
  });

  it('removed and inserted again while the payment is being confirmed: the dialog comes back with the credits', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    const frame = await openCheckout(element, 1);
    const completed = eventsOf(element, 'credit-topup-completed');
    // Moved the moment Stripe reports the payment complete, before the server has confirmed it.
    const moved = new Promise<void>((resolve) => {
      const listener = (event: MessageEvent) => {
        if (event.data?.type !== 'credit-topup-sandbox:complete') return;
        removeEventListener('message', listener);
        reattach(element);
        resolve();
      };
      addEventListener('message', listener);
    });
    await payByKeyboard(frame, { card: '4242 4242 4242 4242' });
    await moved;
    await until('success', () => text(element).includes('100 Credits wurden gutgeschrieben'));
    expect(dialogOf(element).matches(':modal'), 'modal again').to.equal(true);
    expect(completed).to.have.length(1);
    expect(amountOf(element)).to.equal('200');
  });

  it('two elements on a page: a purchase in one shows the new balance in the other', async () => {
    const customer = await newCustomer();
    const buyer = await mount({ customer });
    const other = await mount({ customer });
    await balanceShown(buyer);
    await balanceShown(other);
    const balances = eventsOf(other, 'credit-topup-balance');
    const frame = await openCheckout(buyer, 0);
    await payByKeyboard(frame, { card: '4242 4242 4242 4242' });
    await until('credited', () => text(buyer).includes('50 Credits wurden gutgeschrieben'));
    await until('the other element shows the new balance', () => amountOf(other) === '150');
    expect(balances.map((event) => event.detail.balance)).to.deep.equal([150]);
  });

  it('refresh() of one element (the portal spent or bought credits) reaches an element in another tab', async () => {
    const customer = await newCustomer();
    const { apiBase } = await env();
    const here = await mount({ customer });
    await balanceShown(here);
    // Another tab of the same portal: a browsing context of its own on the same origin.
    const frame = document.body.appendChild(document.createElement('iframe'));
    frames.push(frame);
    frame.srcdoc = '<script type="module" src="/widget/credit-topup.ts"></script>';
    const tab = await until('the other tab has the element', () => {
      const other = frame.contentWindow as (Window & typeof globalThis) | null;
      return other?.customElements?.get('credit-topup') ? other : undefined;
    });
    const there = tab.document.createElement('credit-topup');
    there.setAttribute('api-base', apiBase);
    there.accessToken = customer.token;
    tab.document.body.append(there);
    await until('balance in the other tab', () => amountOf(there) === '100');

    const session = await createSession(customer.token, 'starter');
    await sandbox(`checkout-sessions/${session.id}/pay`, { card_number: '4242424242424242' });
    await until('credited by the webhook', async () => (await balanceOf(customer.tenantId)) === 150);
    await here.refresh();
    expect(amountOf(here)).to.equal('150');
    await until('the other tab shows the new balance', () => amountOf(there) === '150');
  });

  it('back from a payment method with two elements on the page: one confirms, the other shows the balance', async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.token, 'standard');
    await sandbox(`checkout-sessions/${session.id}/pay`, { card_number: '4242424242424242' });
    const originalUrl = location.href;
    history.replaceState(null, '', `${location.pathname}?credit_topup_session=${session.id}`);
    const completed: Event[] = [];
    const count = (event: Event) => completed.push(event);
    document.addEventListener('credit-topup-completed', count);
    try {
      const first = await mount({ customer });
      const second = await mount({ customer });
      await until('credited', () => text(first).includes('100 Credits wurden gutgeschrieben'));
      await until('the other shows the new balance', () => amountOf(second) === '200');
      expect(dialogOf(second).open, 'one dialog, not two').to.equal(false);
      expect(completed).to.have.length(1);
    } finally {
      document.removeEventListener('credit-topup-completed', count);
      history.replaceState(null, '', originalUrl);
    }
  });

  it('several elements on a page share one packages request', async () => {
    const { apiBase: server } = await env();
    performance.clearResourceTimings();
    const customer = await newCustomer();
    // The packages request of an earlier test of this page would be shared too.
    const apiBase = await freshApiBase();
    const elements = [
      await mount({ customer, apiBase }),
      await mount({ customer, apiBase }),
      await mount({ customer, apiBase }),
    ];
    await until('every element has its packages', () =>
      elements.every((element) => packageButtons(element).length === 3),
    );
    const requests = performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((name) => name === `${server}/v1/packages`);
    expect(requests).to.have.length(1);
  });

  it("a second embedded Checkout on the page gets the element's own message, never Stripe's text", async () => {
    const customer = await newCustomer();
    const { apiBase, sandboxUrl } = await env();
    // The host page runs an embedded Checkout of its own (say, for a subscription).
    // Stripe.js is one script per page (an element of an earlier test may have loaded it already).
    if (!('Stripe' in window)) {
      await new Promise((resolve, reject) =>
        document.head.append(
          Object.assign(document.createElement('script'), {
            src: `${sandboxUrl}/stripe-js-stand-in.js`,
            onload: resolve,
            onerror: reject,
          }),
        ),
      );
    }
    const { publishable_key } = (await (await fetch(`${apiBase}/v1/config`)).json()) as {
      publishable_key: string;
    };
    const pageSession = await createSession(customer.token, 'power');
    const stripe = (
      window as unknown as {
        Stripe(key: string): {
          createEmbeddedCheckoutPage(options: object): Promise<{ mount(el: Element): void; destroy(): void }>;
        };
      }
    ).Stripe(publishable_key);
    const pageCheckout = await stripe.createEmbeddedCheckoutPage({
      fetchClientSecret: async () => pageSession.client_secret,
    });
    const host = document.body.appendChild(document.createElement('div'));
    pageCheckout.mount(host);
    try {
      const element = await mount({ customer });
      const errors = eventsOf(element, 'credit-topup-error');
      await balanceShown(element);
      buyButton(element).click();
      const standard = await until('packages', () => packageButtons(element)[1]);
      tickWaiver(element);
      standard.click();
      await until('error in the dialog', () => root(element).querySelector('dialog [part="error"]'));
      expect(text(element)).to.contain('Auf dieser Seite ist bereits eine andere Zahlung geöffnet.');
      expect(errors.map((event) => event.detail.code)).to.include('checkout_already_open');
      const said = JSON.stringify(errors.map((event) => event.detail)) + text(element);
      expect(said).not.to.match(/IntegrationError|multiple/i);
      expect(host.querySelector('iframe'), "the page's own checkout stays").not.to.equal(null);
    } finally {
      pageCheckout.destroy();
      host.remove();
    }
  });
});

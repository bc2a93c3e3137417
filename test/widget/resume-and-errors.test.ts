import { expect } from '@esm-bundle/chai';
import {
  balanceShown,
  buyButton,
  cleanup,
  createSession,
  dialogOf,
  eventsOf,
  mount,
  newCustomer,
  root,
  sandbox,
  startApi,
  stopApi,
  text,
  tickWaiver,
  tokenFor,
  until,
} from './browser-helpers.ts';

describe('<credit-topup> return URL, expiry, outages', () => {
  const originalUrl = location.href;
  afterEach(async () => {
    cleanup();
    history.replaceState(null, '', originalUrl);
    await startApi();
  });

  it('opened with the return URL of a paid session, it confirms, shows success, and drops the parameter', async () => {
    const customer = await newCustomer();
    const session = await createSession(customer.token, 'standard');
    await sandbox(`checkout-sessions/${session.id}/pay`, { card_number: '4242424242424242' });
    history.replaceState(null, '', `${location.pathname}?tab=kosten&credit_topup_session=${session.id}`);
    const element = await mount({ customer });
    const completed = eventsOf(element, 'credit-topup-completed');
    await until('success', () => text(element).includes('100 Credits wurden gutgeschrieben'));
    expect(dialogOf(element).open).to.equal(true);
    expect(completed[0]!.detail.sessionId).to.equal(session.id);
    expect(new URL(location.href).searchParams.has('credit_topup_session')).to.equal(false);
    expect(new URL(location.href).searchParams.get('tab')).to.equal('kosten');
  });

  it("a checkout Stripe refuses is explained in German, not with the server's English message", async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    const errors = eventsOf(element, 'credit-topup-error');
    await balanceShown(element);
    await sandbox('faults', { faults: [{ kind: 'error', status: 400 }] });
    buyButton(element).click();
    const starter = await until(
      'packages',
      () => root(element).querySelectorAll<HTMLButtonElement>('[part="package"]')[0],
    );
    tickWaiver(element);
    starter.click();
    await until('error in dialog', () => root(element).querySelector('dialog [part="error"]'));
    expect(text(element)).to.contain('Der Zahlungsanbieter hat die Anfrage abgelehnt.');
    expect(errors.map((event) => event.detail.code)).to.include('stripe_error');
  });

  it('a return URL with a session that is not ours says so, in English with locale="en"', async () => {
    const customer = await newCustomer();
    history.replaceState(null, '', `${location.pathname}?credit_topup_session=cs_test_${'x'.repeat(40)}`);
    const element = await mount({ customer, locale: 'en' });
    await until('error in dialog', () => root(element).querySelector('dialog [part="error"]'));
    expect(dialogOf(element).open).to.equal(true);
    expect(text(element)).to.contain('This payment was not found.');
  });

  it('an expired token (401) turns into the expired-session state with an error event', async () => {
    const customer = await newCustomer();
    const { token } = await tokenFor(customer.userId, true);
    const element = await mount({ configure: (created) => (created.accessToken = token) });
    const errors = eventsOf(element, 'credit-topup-error');
    await until('session expired', () => text(element).includes('Ihre Sitzung ist abgelaufen'));
    expect(buyButton(element).disabled).to.equal(true);
    expect(errors.map((event) => event.detail.code)).to.include('unauthorized');
    // A fresh token set by the portal brings the balance back.
    element.accessToken = customer.token;
    expect(await balanceShown(element)).to.equal('100');
    expect(buyButton(element).disabled).to.equal(false);
  });

  it('with the server down it shows the error and a retry button that works once the server is back', async () => {
    const customer = await newCustomer();
    await stopApi();
    const element = await mount({ customer });
    const errors = eventsOf(element, 'credit-topup-error');
    const retry = await until('retry button', () =>
      root(element).querySelector<HTMLButtonElement>('[part="retry"]'),
    );
    expect(text(element)).to.contain('Der Server ist nicht erreichbar');
    expect(errors.map((event) => event.detail.code)).to.include('network_error');
    await startApi();
    retry.click();
    expect(await balanceShown(element)).to.equal('100');
  });

  it('offline: says so, and refreshes when the connection is back', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    // Chromium's own offline emulation would also cut the test runner's connection, so the browser's
    // network state is switched the way it reports it: navigator.onLine and the offline/online events.
    const onLine = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine')!;
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    try {
      dispatchEvent(new Event('offline'));
      await until('offline notice', () => text(element).includes('Keine Internetverbindung'));
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
      Object.defineProperty(Navigator.prototype, 'onLine', onLine);
    }
    const errors = eventsOf(element, 'credit-topup-error');
    dispatchEvent(new Event('online'));
    await until('notice gone', () => !text(element).includes('Keine Internetverbindung'));
    expect(await balanceShown(element)).to.equal('100');
    expect(errors).to.have.length(0);
  });

  it('a checkout that cannot be created (server down) shows the error in the dialog; retry creates it', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    buyButton(element).click();
    const standard = await until(
      'packages',
      () => root(element).querySelectorAll<HTMLButtonElement>('[part="package"]')[1],
    );
    tickWaiver(element);
    await stopApi();
    standard.click();
    const retry = await until('error in dialog', () =>
      root(element).querySelector<HTMLButtonElement>('dialog [part="retry"]'),
    );
    expect(text(element)).to.contain('Der Server ist nicht erreichbar');
    await startApi();
    retry.click();
    await until('checkout mounted after retry', () => element.querySelector('iframe'));
  });
});

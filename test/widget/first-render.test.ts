import { expect } from '@esm-bundle/chai';
import {
  balanceShown,
  buyButton,
  cleanup,
  env,
  freshApiBase,
  mount,
  newCustomer,
  packageButtons,
  root,
  text,
  until,
} from './browser-helpers.ts';

describe('<credit-topup> first render', () => {
  afterEach(cleanup);

  it('shows the balance in de-DE, the three packages with their price, and the price per credit once', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    expect(await balanceShown(element)).to.equal('100');
    expect(buyButton(element).textContent).to.equal('Credits aufladen');
    buyButton(element).click();
    const buttons = await until(
      'packages',
      () => packageButtons(element).length === 3 && packageButtons(element),
    );
    expect(buttons.map((button) => button.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal([
      'Starter 12,50 € inkl. MwSt. 50 Credits',
      'Standard 25,00 € inkl. MwSt. 100 Credits',
      'Power 125,00 € inkl. MwSt. 500 Credits',
    ]);
    expect(text(element)).to.contain('0,25 € pro Credit in jedem Paket');
  });

  it('speaks English with locale="en"', async () => {
    const element = await mount({ customer: await newCustomer(), locale: 'en' });
    await balanceShown(element);
    expect(text(element)).to.contain('Available credits');
    buyButton(element).click();
    await until('packages', () => packageButtons(element).length === 3);
    expect(packageButtons(element)[2]!.textContent!.replace(/\s+/g, ' ')).to.contain('€125.00');
    expect(text(element)).to.contain('€0.25 per credit in every package');
  });

  it('paints the packages without waiting for the balance, with one request each', async () => {
    const { apiBase } = await env();
    performance.clearResourceTimings();
    let release: (token: string) => void = () => {};
    const customer = await newCustomer();
    const element = await mount({
      // The packages request of an earlier test of this page is shared by every element of its api-base.
      apiBase: await freshApiBase(),
      configure: (created) => (created.getAccessToken = () => new Promise((resolve) => (release = resolve))),
    });
    buyButton(element).click();
    await until('packages painted', () => packageButtons(element).length === 3);
    expect(root(element).querySelector('.amount'), 'balance still loading').to.equal(null);
    expect(root(element).querySelector('.skeleton'), 'balance skeleton').to.not.equal(null);
    release(customer.token);
    expect(await balanceShown(element)).to.equal('100');
    const requests = performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((name) => name.startsWith(apiBase));
    expect(requests.filter((name) => name.endsWith('/v1/packages'))).to.have.length(1);
    expect(requests.filter((name) => name.endsWith('/v1/balance'))).to.have.length(1);
  });

  it('without any token it shows the signed-out state and sends no balance request', async () => {
    const element = await mount();
    await until('signed out', () => text(element).includes('Bitte melden Sie sich an'));
    expect(buyButton(element).disabled).to.equal(true);
  });
});

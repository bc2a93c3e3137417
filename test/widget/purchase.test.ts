import { expect } from '@esm-bundle/chai';
import {
  balanceOf,
  balanceShown,
  checkoutFrame,
  cleanup,
  dialogOf,
  eventsOf,
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  payByKeyboard,
  purchasesOf,
  root,
  text,
  tickWaiver,
  until,
} from './browser-helpers.ts';

const PACKAGES = [
  { index: 0, id: 'starter', credits: 50 },
  { index: 1, id: 'standard', credits: 100 },
  { index: 2, id: 'power', credits: 500 },
];

describe('<credit-topup> buying credits through the embedded checkout', () => {
  afterEach(cleanup);

  for (const { index, id, credits } of PACKAGES) {
    it(`buys ${id} with a card: checkout in the page, then success, the new balance and the events`, async () => {
      const customer = await newCustomer();
      const element = await mount({ customer });
      const completed = eventsOf(element, 'credit-topup-completed');
      const balances = eventsOf(element, 'credit-topup-balance');
      await balanceShown(element);

      const frame = await openCheckout(element, index);
      // Stripe.js cannot mount in a shadow root: the checkout lives in a light-DOM child of the element.
      expect(frame.closest('credit-topup')).to.equal(element);
      expect(frame.getRootNode()).to.equal(document);
      await payByKeyboard(frame, { card: '4242 4242 4242 4242' });

      await until('success', () => text(element).includes(`${credits} Credits wurden gutgeschrieben`));
      const expected = 100 + credits;
      expect(root(element).querySelector('.amount')!.textContent!.replace(/\s/g, '')).to.equal(
        expected.toLocaleString('de-DE'),
      );
      expect(checkoutFrame(element), 'checkout destroyed after completion').to.equal(null);
      expect(completed).to.have.length(1);
      const [purchase] = await purchasesOf(customer.tenantId);
      expect(completed[0]!.detail).to.deep.equal({
        sessionId: purchase!.session_id,
        packageId: id,
        credits,
        balance: expected,
      });
      expect(completed[0]!.bubbles && completed[0]!.composed).to.equal(true);
      expect(balances.map((event) => event.detail.balance)).to.deep.equal([100, expected]);
      expect(await balanceOf(customer.tenantId)).to.equal(expected);
    });
  }

  it('a declined card shows no success, credits nothing, and the checkout stays open for another card', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    const completed = eventsOf(element, 'credit-topup-completed');
    await balanceShown(element);
    const frame = await openCheckout(element, 1);
    await payByKeyboard(frame, { card: '4000 0000 0000 0002' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(checkoutFrame(element), 'checkout still mounted').to.equal(frame);
    expect(completed).to.have.length(0);
    expect(await balanceOf(customer.tenantId)).to.equal(100);
    expect((await purchasesOf(customer.tenantId))[0]!.status).to.equal('pending');
  });

  it('SEPA Direct Debit: pending first, credited when the debit settles', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    const frame = await openCheckout(element, 0);
    await payByKeyboard(frame, { iban: 'DE89370400440532013000' });
    await until('pending message', () => text(element).includes('SEPA-Lastschriftmandat erteilt'));
    expect(await balanceOf(customer.tenantId)).to.equal(100);
    await until('credited', () => text(element).includes('50 Credits wurden gutgeschrieben'), 20_000);
    expect(root(element).querySelector('.amount')!.textContent).to.equal('150');
  });

  it('a double click on a package opens one session; going back and choosing again keeps one checkout on the page', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    root(element).querySelector<HTMLButtonElement>('button[part="button"]')!.click();
    const button = await until('packages', () => packageButtons(element)[2]);
    tickWaiver(element);
    button.click();
    button.click();
    await until('checkout mounted', () => checkoutFrame(element));
    expect(await purchasesOf(customer.tenantId)).to.have.length(1);

    root(element).querySelector<HTMLButtonElement>('.row button')!.click(); // "Anderes Paket wählen"
    (await until('packages again', () => packageButtons(element)[0])).click();
    await until('new checkout', () => checkoutFrame(element));
    expect(document.querySelectorAll('iframe')).to.have.length(1);
    expect(await purchasesOf(customer.tenantId)).to.have.length(2);

    dialogOf(element).close();
    await until(
      'checkout destroyed on close',
      () => checkoutFrame(element) === null && document.querySelectorAll('iframe').length === 0,
    );
  });
});

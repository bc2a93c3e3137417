// What the element says when something is wrong, and how it finds its way back: a page origin the server
// does not allow, unsupported locales, a server that comes back, errors inside the dialog, a failed payment.

import { expect } from '@esm-bundle/chai';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  balanceShown,
  buyButton,
  checkoutFrame,
  cleanup,
  dialogOf,
  env,
  eventsOf,
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  payByKeyboard,
  root,
  startApi,
  stopApi,
  text,
  tickWaiver,
  until,
} from './browser-helpers.ts';

const balanceCard = (element: CreditTopup) => root(element).querySelector('[part="balance"]');
const buttonNamed = (element: CreditTopup, name: string) =>
  [...root(element).querySelectorAll<HTMLButtonElement>('dialog button')].find(
    (button) => button.textContent?.trim() === name,
  );

describe('<credit-topup> messages and recovery', () => {
  afterEach(async () => {
    cleanup();
    await startApi();
  });

  it('on a page whose origin the server does not allow, it says so and logs the setting to change', async () => {
    const { foreignApiBase } = await env();
    const customer = await newCustomer();
    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => logged.push(args.join(' '));
    try {
      const element = document.createElement('credit-topup');
      element.setAttribute('api-base', foreignApiBase);
      element.accessToken = customer.token;
      const errors = eventsOf(element, 'credit-topup-error');
      document.body.append(element);
      await until('origin refused', () =>
        balanceCard(element)?.textContent?.includes('Auf dieser Seite können keine Credits gekauft werden'),
      );
      expect(text(element)).not.to.contain('nicht erreichbar');
      expect(errors.map((event) => event.detail.code)).to.include('origin_not_allowed');
      expect(errors.map((event) => event.detail.code)).not.to.include('network_error');
      const hint = logged.find((line) => line.includes('ALLOWED_ORIGINS'));
      expect(hint, 'console names the setting').to.be.a('string');
      expect(hint).to.contain(location.origin);
    } finally {
      console.error = consoleError;
    }
  });

  for (const locale of ['fr', 'xx', '']) {
    it(`locale="${locale}" falls back to German, for the element and for Stripe`, async () => {
      const customer = await newCustomer();
      const element = await mount({
        customer,
        configure: (created) => created.setAttribute('locale', locale),
      });
      await balanceShown(element);
      expect(text(element)).to.contain('Verfügbare Credits');
      const frame = await openCheckout(element, 0);
      expect(new URL(frame.src).searchParams.get('locale')).to.equal('de');
      expect(text(element)).to.contain('Anderes Paket wählen');
    });
  }

  it('an expired access token shows the expired-session text, not the sign-in text', async () => {
    const customer = await newCustomer({ expired: true });
    const element = await mount({ customer });
    await until('expired session', () =>
      text(element).includes('Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.'),
    );
    expect(text(element)).not.to.contain('Bitte melden Sie sich an, um Credits');
    expect(buyButton(element).disabled).to.equal(true);
  });

  it('with the server gone the last balance stays, marked as not current, and recovers by itself', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    await stopApi();
    const refreshed = element.refresh();
    await until('marked as not current', () => balanceCard(element)?.textContent?.includes('Nicht aktuell'));
    await refreshed;
    expect(root(element).querySelector('.amount')?.textContent).to.equal('100');
    expect(balanceCard(element)!.querySelector('[part="error"]'), 'no error instead of the balance').to.equal(
      null,
    );
    await startApi();
    // Nobody clicks anything: the element tries again by itself.
    await until('current again', () => !balanceCard(element)?.textContent?.includes('Nicht aktuell'));
    expect(root(element).querySelector('.amount')?.textContent).to.equal('100');
  });

  it('an error inside the dialog offers the way back to the packages', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    buyButton(element).click();
    const standard = await until('packages', () => packageButtons(element)[1]);
    tickWaiver(element);
    await stopApi();
    standard.click();
    await until('error in dialog', () => root(element).querySelector('dialog [part="error"]'));
    await startApi();
    buttonNamed(element, 'Anderes Paket wählen')!.click();
    await until('packages again', () => packageButtons(element).length === 3);
    expect(root(element).querySelector('dialog [part="error"]')).to.equal(null);
  });

  it('a failed direct debit offers to try again, with any payment method, for the same package', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    const frame = await openCheckout(element, 0);
    // This IBAN is accepted in the checkout and fails when the debit is collected.
    await payByKeyboard(frame, { iban: 'DE62370400440532013001' });
    await until('failed', () => text(element).includes('Die Zahlung ist fehlgeschlagen'), 20_000);
    expect(text(element)).to.contain('andere Zahlungsart');
    buttonNamed(element, 'Erneut versuchen')!.click();
    await until('a new checkout', () => checkoutFrame(element));
    expect(dialogOf(element).open).to.equal(true);
  });
});

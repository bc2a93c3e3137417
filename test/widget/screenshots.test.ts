// Screenshots of every state of the element, in German and English, on a phone (375 px) and a desktop
// (1280 px), under test-output/screenshots/ (and per engine in a folder of its own), for people to look
// at what the element shows.

import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  balanceShown,
  buyButton,
  cleanup,
  dialogOf,
  env,
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  payByKeyboard,
  root,
  sandbox,
  setViewport,
  startApi,
  stopApi,
  text,
  tickWaiver,
  until,
} from './browser-helpers.ts';

const WIDTHS = [375, 1280];

async function shoot(locale: string, state: string): Promise<string[]> {
  const taken: string[] = [];
  for (const width of WIDTHS) {
    const got = await setViewport({ width, height: 860 });
    // A phone width where the engine allows it; WebKit's test browser stops at its toolbar's width.
    expect(got.width, 'viewport width').to.be.within(width, Math.max(width, 480));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    taken.push(String(await executeServerCommand('screenshot', { name: `${locale}-${got.width}-${state}` })));
  }
  return taken;
}

describe('<credit-topup> screenshots of every state', () => {
  afterEach(async () => {
    cleanup();
    await startApi();
  });

  const opened = async (element: CreditTopup) => {
    buyButton(element).click();
    await until('packages', () => packageButtons(element).length === 3);
  };

  for (const locale of ['de', 'en'] as const) {
    it(`balance loading, balance, packages, recommended, checkout and success in ${locale}`, async () => {
      const loading = await mount({
        locale,
        configure: (created) => (created.getAccessToken = () => new Promise(() => {})),
      });
      await until('balance placeholder', () => root(loading).querySelector('.skeleton'));
      const taken = await shoot(locale, '01-balance-loading');
      loading.remove();

      const customer = await newCustomer();
      const element: CreditTopup = await mount({ customer, locale });
      await balanceShown(element);
      taken.push(...(await shoot(locale, '02-balance')));

      await opened(element);
      taken.push(...(await shoot(locale, '03-packages')));
      // A consumer who chooses a package without ticking the withdrawal waiver is stopped at its checkbox.
      packageButtons(element)[1]!.click();
      await until('waiver refusal', () => root(element).querySelector('.waiver [role="alert"]'));
      taken.push(...(await shoot(locale, '03-packages-waiver-refused')));
      dialogOf(element).close();

      element.setAttribute('recommended', 'standard');
      await opened(element);
      taken.push(...(await shoot(locale, '04-packages-recommended')));
      dialogOf(element).close();

      const frame = await openCheckout(element, 1);
      taken.push(...(await shoot(locale, '05-checkout')));
      await payByKeyboard(frame, { card: '4242424242424242' });
      await until('success with the invoice', () => root(element).querySelector('.documents a'));
      taken.push(...(await shoot(locale, '06-success')));
      element.remove();

      // A portal selling to businesses: no waiver, the VAT note as charged.
      const business = await mount({ customer, locale, apiBase: (await env()).businessApiBase });
      await balanceShown(business);
      await opened(business);
      taken.push(...(await shoot(locale, '04-packages-business')));

      expect(taken).to.have.length(16);
      expect(
        taken.every((file) => file.startsWith('test-output/screenshots/') && file.endsWith('.png')),
      ).to.equal(true);
    });

    it(`a failed debit, errors, SEPA processing and signed out in ${locale}`, async function () {
      this.timeout(60_000);
      const customer = await newCustomer();
      const element: CreditTopup = await mount({ customer, locale });
      await balanceShown(element);

      let frame = await openCheckout(element, 0);
      await payByKeyboard(frame, { iban: 'DE62370400440532013001' });
      await until('payment failed', () => root(element).querySelector('dialog .done [part="error"]'), 30_000);
      const taken = await shoot(locale, '07-payment-failed');
      dialogOf(element).close();

      await sandbox('faults', { faults: [{ kind: 'error', status: 400 }] });
      await opened(element);
      tickWaiver(element);
      packageButtons(element)[0]!.click();
      await until('error', () => root(element).querySelector('dialog [part="error"]'));
      taken.push(...(await shoot(locale, '08-checkout-error')));
      dialogOf(element).close();

      frame = await openCheckout(element, 0);
      await payByKeyboard(frame, { iban: 'DE89370400440532013000' });
      await until('SEPA processing', () => text(element).includes('SEPA'));
      // With the server away the element keeps showing the debit (it keeps asking) for the pictures.
      await stopApi();
      taken.push(...(await shoot(locale, '09-sepa-processing')));
      dialogOf(element).close();
      element.refresh();
      await until('stale balance', () =>
        text(element).includes(locale === 'de' ? 'Nicht aktuell' : 'Not current'),
      );
      taken.push(...(await shoot(locale, '10-balance-stale')));
      element.remove();

      const unreachable = await mount({ customer, locale });
      await until('balance error', () => root(unreachable).querySelector('[part="retry"]'));
      taken.push(...(await shoot(locale, '10-balance-error-first-load')));
      await startApi();
      unreachable.remove();

      const signedOut = await mount({ locale });
      await until('signed out', () =>
        text(signedOut).includes(locale === 'de' ? 'Bitte melden' : 'Please sign in'),
      );
      taken.push(...(await shoot(locale, '11-signed-out')));

      expect(taken).to.have.length(12);
    });
  }
});

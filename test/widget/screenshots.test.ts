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
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  payByKeyboard,
  root,
  sandbox,
  setViewport,
  text,
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
  afterEach(cleanup);

  for (const locale of ['de', 'en'] as const) {
    it(`balance, packages, checkout, success, error and signed out in ${locale}`, async () => {
      const customer = await newCustomer();
      const element: CreditTopup = await mount({ customer, locale });
      await balanceShown(element);
      const taken = await shoot(locale, '1-balance');

      buyButton(element).click();
      await until('packages', () => packageButtons(element).length === 3);
      taken.push(...(await shoot(locale, '2-packages')));
      dialogOf(element).close();

      const frame = await openCheckout(element, 1);
      taken.push(...(await shoot(locale, '3-checkout')));
      await payByKeyboard(frame, { card: '4242424242424242' });
      await until('success', () => root(element).querySelector('.success'));
      taken.push(...(await shoot(locale, '4-success')));
      dialogOf(element).close();

      await sandbox('faults', { faults: [{ kind: 'error', status: 400 }] });
      buyButton(element).click();
      (await until('packages', () => packageButtons(element)[0]))?.click();
      await until('error', () => root(element).querySelector('dialog [part="error"]'));
      taken.push(...(await shoot(locale, '5-error')));
      dialogOf(element).close();
      element.remove();

      const signedOut = await mount({ locale });
      await until('signed out', () =>
        text(signedOut).includes(locale === 'de' ? 'Bitte melden' : 'Please sign in'),
      );
      taken.push(...(await shoot(locale, '6-signed-out')));

      expect(taken).to.have.length(12);
      expect(
        taken.every((file) => file.startsWith('test-output/screenshots/') && file.endsWith('.png')),
      ).to.equal(true);
    });
  }
});

// Screenshots of every state of the element, in German and English, on a phone (375 px) and a desktop
// (1280 px), under test-output/screenshots/, for people to look at what the element shows.

import { expect } from '@esm-bundle/chai';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
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
  text,
  until,
} from './browser-helpers.ts';

const WIDTHS = [375, 1280];

async function shoot(locale: string, state: string): Promise<string[]> {
  const taken: string[] = [];
  for (const width of WIDTHS) {
    await setViewport({ width, height: 860 });
    await new Promise((resolve) => requestAnimationFrame(resolve));
    taken.push(String(await executeServerCommand('screenshot', { name: `${locale}-${width}-${state}` })));
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

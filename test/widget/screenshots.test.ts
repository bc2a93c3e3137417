import { expect } from '@esm-bundle/chai';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import {
  balanceShown,
  buyButton,
  cleanup,
  mount,
  newCustomer,
  openCheckout,
  packageButtons,
  until,
} from './browser-helpers.ts';

describe('<credit-topup> screenshots of the open dialog', () => {
  afterEach(cleanup);

  for (const locale of ['de', 'en'] as const) {
    it(`packages and checkout in ${locale}`, async () => {
      await setViewport({ width: 900, height: 900 });
      const element = await mount({ customer: await newCustomer(), locale });
      await balanceShown(element);
      buyButton(element).click();
      await until('packages', () => packageButtons(element).length === 3);
      const packages = await executeServerCommand('screenshot', { name: `dialog-packages-${locale}` });
      element.shadowRoot!.querySelector('dialog')!.close();
      await openCheckout(element, 1);
      const checkout = await executeServerCommand('screenshot', { name: `dialog-checkout-${locale}` });
      expect([packages, checkout]).to.deep.equal([
        `test-output/screenshots/dialog-packages-${locale}.png`,
        `test-output/screenshots/dialog-checkout-${locale}.png`,
      ]);
    });
  }
});

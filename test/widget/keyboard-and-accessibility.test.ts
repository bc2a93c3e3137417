import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import {
  axeProblems,
  balanceShown,
  buyButton,
  checkoutFrame,
  cleanup,
  dialogOf,
  mount,
  newCustomer,
  nextCheckoutRendered,
  openCheckout,
  packageButtons,
  root,
  shiftTab,
  text,
  until,
  waiverBox,
} from './browser-helpers.ts';

/** The element inside the shadow root (or the document) that has focus. */
function focused(element: HTMLElement) {
  return element.shadowRoot!.activeElement ?? document.activeElement;
}

describe('<credit-topup> by keyboard', () => {
  afterEach(cleanup);

  it('a whole purchase without a mouse: Tab to the button, Enter, Tab to a package, Enter, pay, Enter', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    (document.activeElement as HTMLElement | null)?.blur();
    await sendKeys({ press: 'Tab' });
    expect(focused(element)).to.equal(buyButton(element));
    await sendKeys({ press: 'Enter' });
    expect(dialogOf(element).open).to.equal(true);
    await until('packages', () => packageButtons(element).length === 3);
    // The dialog opens on its title, in every engine (Firefox would start on the close button); Tab
    // leads to the close button, then the packages. No open-ended Tab loop: past the last package,
    // Firefox leaves the page for the browser's own UI instead of wrapping around.
    expect(focused(element)).to.equal(root(element).querySelector('h2'));
    const reached: (Element | null)[] = [];
    for (let step = 0; step < 3; step++) {
      await sendKeys({ press: 'Tab' });
      reached.push(focused(element));
    }
    expect(reached).to.have.ordered.members([
      root(element).querySelector('[part="close"]'),
      ...packageButtons(element).slice(0, 2),
    ]);
    // Selling to consumers: Enter on a package with the withdrawal waiver unticked leads to its checkbox,
    // not to a checkout; Space ticks it, and Shift+Tab leads back past the last package to the chosen one.
    await sendKeys({ press: 'Enter' });
    await until('refused at the waiver', () => focused(element) === waiverBox(element));
    expect(checkoutFrame(element), 'no checkout without the waiver').to.equal(null);
    await sendKeys({ press: ' ' });
    expect(waiverBox(element)!.checked, 'ticked by Space').to.equal(true);
    await shiftTab(2);
    expect(focused(element)).to.equal(packageButtons(element)[1]);
    const rendered = nextCheckoutRendered();
    await sendKeys({ press: 'Enter' });
    await until('checkout', () => checkoutFrame(element));
    await rendered;
    // From the dialog title, Tab leads past the close button into the checkout frame.
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '4242424242424242' });
    await sendKeys({ press: 'Enter' });
    await until('success', () => text(element).includes('100 Credits wurden gutgeschrieben'));
    expect(focused(element)?.textContent).to.equal('Fertig');
    await sendKeys({ press: 'Enter' });
    expect(dialogOf(element).open).to.equal(false);
    expect(root(element).querySelector('.amount')!.textContent).to.equal('200');
  });

  it('Escape closes the dialog and destroys an open checkout', async () => {
    const element = await mount({ customer: await newCustomer() });
    await balanceShown(element);
    const frame = await openCheckout(element, 0);
    expect(frame.isConnected).to.equal(true);
    dialogOf(element).focus();
    await sendKeys({ press: 'Escape' });
    await until('closed', () => !dialogOf(element).open);
    expect(checkoutFrame(element)).to.equal(null);
    expect(document.querySelectorAll('iframe')).to.have.length(0);
  });
});

describe('<credit-topup> accessibility (axe-core: no serious or critical violation)', () => {
  afterEach(cleanup);

  for (const locale of ['de', 'en'] as const) {
    it(`closed and open states in ${locale}`, async () => {
      const element = await mount({ customer: await newCustomer(), locale });
      await balanceShown(element);
      expect(await axeProblems(document.body, locale), 'closed').to.deep.equal([]);
      buyButton(element).click();
      await until('packages', () => packageButtons(element).length === 3);
      expect(await axeProblems(document.body, locale), 'open with packages').to.deep.equal([]);
      await openCheckout(element, 1).catch(() => {});
      expect(await axeProblems(document.body, locale), 'open with checkout').to.deep.equal([]);
    });
  }

  it('the balance sits in a polite live region so that its change is announced', async () => {
    const element = await mount({ customer: await newCustomer() });
    await balanceShown(element);
    const amount = root(element).querySelector('.amount')!;
    expect(amount.closest('[aria-live="polite"]')).to.not.equal(null);
  });
});

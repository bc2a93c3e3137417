// Buying in the other ways: a custom amount of credits (its own chunk), Stripe's hosted page in a new tab
// (checkout="hosted"), and both checkouts on a host page whose Content-Security-Policy has no
// 'unsafe-inline'. Screenshots of the new states, German and English, at 375 and 1280 px.

import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  balanceOf,
  balanceShown,
  buyButton,
  checkoutFrame,
  cleanup,
  dialogOf,
  env,
  mount,
  newCustomer,
  nextCheckoutRendered,
  packageButtons,
  payByKeyboard,
  purchasesOf,
  root,
  sandbox,
  setViewport,
  text,
  tickWaiver,
  until,
} from './browser-helpers.ts';

async function shoot(name: string) {
  for (const width of [375, 1280]) {
    await setViewport({ width, height: 860 });
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await executeServerCommand('screenshot', { name: `${name}-${width}` });
  }
  await setViewport({ width: 800, height: 600 });
}

const field = (element: CreditTopup) =>
  root(element).querySelector<HTMLInputElement>('#custom-credits') ?? undefined;

/** Types into the number field as a person would, and leaves it (the change that shows a problem). */
async function typeCredits(element: CreditTopup, credits: string) {
  const input = field(element)!;
  input.focus();
  input.select();
  await sendKeys({ type: credits });
  await sendKeys({ press: 'Tab' });
  await element.updateComplete;
}

/**
 * The tabs the element opens (Stripe's hosted page), closed after each test so that none pile up in the
 * browser: the page's own window.open, only noted on the way.
 */
const openedTabs: Window[] = [];
function noteOpenedTabs(page: Window) {
  const open = page.open.bind(page);
  page.open = (...args: Parameters<Window['open']>) => {
    const tab = open(...args);
    if (tab) openedTabs.push(tab);
    return tab;
  };
}
function closeOpenedTabs() {
  for (const tab of openedTabs.splice(0)) tab.close();
  // WebKit leaves the focus with the closed window: later tests' key presses must reach the test page.
  window.focus();
}
noteOpenedTabs(window);

describe('a custom amount of credits', () => {
  afterEach(cleanup);

  for (const locale of ['de', 'en'] as const) {
    it(`shows a live price preview, says why a number is not possible, and buys it (${locale})`, async () => {
      const customer = await newCustomer();
      const { customApiBase } = await env();
      const element = await mount({ customer, locale, apiBase: customApiBase });
      await balanceShown(element);
      buyButton(element).click();
      const input = await until('custom amount field', () => field(element));
      expect(input.value).to.equal('200');
      const preview = () => root(element).querySelector('#custom-preview')?.textContent?.trim();
      const problem = () => root(element).querySelector('#custom-problem')?.textContent?.trim();
      expect(preview()).to.equal(
        locale === 'de'
          ? '200\u00a0Credits = 50,00\u00a0€ inkl.\u00a0MwSt.'
          : '200\u00a0credits = €50.00 incl.\u00a0VAT',
      );

      await typeCredits(element, '370');
      expect(preview()).to.equal(
        locale === 'de'
          ? '370\u00a0Credits = 92,50\u00a0€ inkl.\u00a0MwSt.'
          : '370\u00a0credits = €92.50 incl.\u00a0VAT',
      );
      await shoot(`custom-amount-${locale}`);

      await typeCredits(element, '205');
      expect(problem()).to.equal(
        locale === 'de'
          ? 'Bitte geben Sie die Anzahl in Schritten von 10 an, z.\u00a0B. 200 oder 210.'
          : 'Please enter the number in steps of 10, e.g. 200 or 210.',
      );
      expect(input.getAttribute('aria-invalid')).to.equal('true');
      await typeCredits(element, '5000');
      expect(problem()).to.equal(
        locale === 'de'
          ? 'Bitte geben Sie zwischen 20 und 4.000\u00a0Credits an.'
          : 'Please enter between 20 and 4,000\u00a0credits.',
      );
      await shoot(`custom-amount-error-${locale}`);
      // A refused number never reaches the server.
      (root(element).querySelector('.custom button[type="submit"]') as HTMLButtonElement).click();
      expect(await purchasesOf(customer.tenantId)).to.deep.equal([]);

      await typeCredits(element, '370');
      tickWaiver(element);
      const rendered = nextCheckoutRendered();
      (root(element).querySelector('.custom button[type="submit"]') as HTMLButtonElement).click();
      const frame = await until('checkout mounted', () => checkoutFrame(element));
      await rendered;
      // text() makes every space (no-break ones too) a plain one.
      expect(text(element)).to.include(locale === 'de' ? '370 Credits · 92,50 €' : '370 credits · €92.50');
      await payByKeyboard(frame, {});
      await until('credited', () => root(element).querySelector('.new-balance'));
      expect(await balanceOf(customer.tenantId)).to.equal(470);
      const [purchase] = await purchasesOf(customer.tenantId);
      expect({ package: purchase?.package_id, credited: purchase?.credited_credits }).to.deep.equal({
        package: 'custom',
        credited: 370,
      });
    });
  }

  it('is not shown where the server sells only its packages', async () => {
    const element = await mount({ customer: await newCustomer() });
    buyButton(element).click();
    await until('packages', () => packageButtons(element).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(field(element)).to.equal(undefined);
  });
});

describe('checkout="hosted": Stripe\'s page in a new tab', () => {
  afterEach(() => {
    cleanup();
    closeOpenedTabs();
  });

  for (const locale of ['de', 'en'] as const) {
    it(`opens the page, waits, and on return shows the credits like the embedded path (${locale})`, async () => {
      const customer = await newCustomer();
      const element = await mount({
        customer,
        locale,
        configure: (created) => (created.checkout = 'hosted'),
      });
      await balanceShown(element);
      const completed: CustomEvent[] = [];
      element.addEventListener('credit-topup-completed', (event) => completed.push(event as CustomEvent));
      buyButton(element).click();
      const button = await until('packages', () => packageButtons(element)[1]);
      tickWaiver(element);
      button.focus();
      await sendKeys({ press: 'Enter' });
      await until('waiting', () => root(element).querySelector('dialog .row'));
      expect(root(element).querySelector('dialog [part="error"]'), 'the tab opened').to.equal(null);
      expect(text(element)).to.include(
        locale === 'de'
          ? 'Bitte schließen Sie die Zahlung im neuen Tab ab.'
          : 'Please complete the payment in the new tab.',
      );
      await shoot(`hosted-waiting-${locale}`);

      const purchase = await until('purchase', async () => (await purchasesOf(customer.tenantId))[0]);
      await sandbox(`checkout-sessions/${purchase.session_id}/pay`, { card_number: '4242424242424242' });
      // The buyer comes back to this tab.
      window.dispatchEvent(new Event('focus'));
      await until('success', () => root(element).querySelector('.new-balance'));
      expect(root(element).querySelector('.new-balance')!.textContent).to.include('200');
      expect(completed.map((event) => event.detail.credits)).to.deep.equal([100]);
      await shoot(`hosted-success-${locale}`);
    });
  }

  for (const locale of ['de', 'en'] as const) {
    it(`a tab the browser blocks: the element says so and offers a button that opens it (${locale})`, async () => {
      // A frame without allow-popups: Chromium refuses every window.open in it, as a popup blocker does.
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
      frame.style.cssText = 'width:100%;height:640px;border:0';
      frame.src = '/__test/csp-page?mode=hosted';
      document.body.append(frame);
      try {
        const page = frame.contentWindow as Window & typeof globalThis;
        await until('element defined', () => page.customElements?.get('credit-topup'));
        const element = page.document.createElement('credit-topup') as CreditTopup;
        element.setAttribute('api-base', (await env()).apiBase);
        element.setAttribute('checkout', 'hosted');
        element.setAttribute('locale', locale);
        element.accessToken = (await newCustomer()).token;
        page.document.body.append(element);
        await balanceShown(element);
        buyButton(element).click();
        const button = await until('packages', () => packageButtons(element)[1]);
        tickWaiver(element);
        button.click();
        const alert = await until('blocked', () => root(element).querySelector('dialog [part="error"]'));
        expect(alert.textContent).to.equal(
          locale === 'de' ? 'Ihr Browser hat das neue Tab blockiert.' : 'Your browser blocked the new tab.',
        );
        expect(root(element).querySelector('dialog .row .primary')!.textContent).to.equal(
          locale === 'de' ? 'Zahlungsseite öffnen' : 'Open payment page',
        );
        await shoot(`hosted-blocked-${locale}`);
      } finally {
        frame.remove();
      }
    });
  }

  it('cancel leads back to the packages and stops waiting', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer, configure: (created) => (created.checkout = 'hosted') });
    buyButton(element).click();
    const button = await until('packages', () => packageButtons(element)[0]);
    tickWaiver(element);
    button.click();
    await until('waiting', () => root(element).querySelector('dialog .row'));
    (root(element).querySelectorAll<HTMLButtonElement>('dialog .row button')[1] as HTMLButtonElement).click();
    await until('packages again', () => packageButtons(element).length === 3);
    expect(dialogOf(element).open).to.equal(true);
  });
});

describe('a host page whose Content-Security-Policy has no unsafe-inline (README)', () => {
  let frame: HTMLIFrameElement | undefined;
  afterEach(() => {
    frame?.remove();
    closeOpenedTabs();
  });

  /** The host page in a frame, with the policy of `mode` as its response header. */
  async function hostPage(mode: 'embedded' | 'hosted') {
    frame = document.createElement('iframe');
    frame.style.cssText = 'width:800px;height:700px';
    frame.src = `/__test/csp-page?mode=${mode}`;
    document.body.append(frame);
    const page = frame.contentWindow as Window & typeof globalThis & { cspViolations: string[] };
    await until('element defined', () => page.customElements?.get('credit-topup'));
    noteOpenedTabs(page);
    return page;
  }

  it("embedded: the element, Lit's styles and the checkout frame run without a violation", async () => {
    const customer = await newCustomer();
    const page = await hostPage('embedded');
    const element = page.document.createElement('credit-topup') as CreditTopup;
    element.setAttribute('api-base', (await env()).apiBase);
    element.accessToken = customer.token;
    page.document.body.append(element);
    await balanceShown(element);
    // Lit's styles apply (adoptedStyleSheets, not <style>): the buy button has the accent background.
    expect(page.getComputedStyle(buyButton(element)).backgroundColor).to.not.equal('rgba(0, 0, 0, 0)');
    buyButton(element).click();
    const button = await until('packages', () => packageButtons(element)[0]);
    tickWaiver(element);
    button.click();
    await until('checkout mounted', () =>
      element.querySelector<HTMLIFrameElement>(':scope > [slot="checkout"] iframe'),
    );
    await until('frame loaded', () =>
      page.document.querySelector('iframe') ? page.cspViolations.length >= 0 : false,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(page.cspViolations).to.deep.equal([]);
  });

  it('hosted: no Stripe.js, no frame; the session opens in a tab, without a violation', async () => {
    const customer = await newCustomer();
    const page = await hostPage('hosted');
    const element = page.document.createElement('credit-topup') as CreditTopup;
    element.setAttribute('api-base', (await env()).apiBase);
    element.setAttribute('checkout', 'hosted');
    element.accessToken = customer.token;
    page.document.body.append(element);
    await balanceShown(element);
    buyButton(element).click();
    const button = await until('packages', () => packageButtons(element)[0]);
    tickWaiver(element);
    button.focus();
    await sendKeys({ press: 'Enter' });
    await until('waiting', () => root(element).querySelector('dialog .row'));
    expect(root(element).querySelector('dialog [part="error"]'), 'the tab opened').to.equal(null);
    expect(page.document.querySelector('script[src*="stripe"], iframe')).to.equal(null);
    expect(page.cspViolations).to.deep.equal([]);
  });
});

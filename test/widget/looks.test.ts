// How the element looks and what it says, measured in the browser: theming through the documented
// custom properties, no inline styles (a page's CSP may forbid them), the focus ring only where a person
// needs it, the packages laid out like a pricing table, and the texts of the checkout, success and SEPA
// views in German and English.

import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
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
  setViewport,
  until,
} from './browser-helpers.ts';

/** Text as a person reads it: any run of spaces (non-breaking ones too) is one space; word joiners vanish. */
const plain = (value: string | null | undefined) =>
  (value ?? '')
    .replace(/\u2060/g, '')
    .replace(/\s+/g, ' ')
    .trim();

const style = (element: Element) => getComputedStyle(element);

/** A balance request that never ends: the balance stays a loading placeholder. */
const balanceNeverArrives = (element: CreditTopup) => {
  element.getAccessToken = () => new Promise(() => {});
};

async function openPackages(element: CreditTopup) {
  buyButton(element).click();
  return until('packages', () => packageButtons(element).length === 3 && packageButtons(element));
}

/** The lines an element's text takes: the distinct line boxes its text fragments sit on. */
function linesOf(element: Element): number {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = [...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => rect.bottom);
  return new Set(tops.map(Math.round)).size;
}

describe('<credit-topup> theming', () => {
  afterEach(cleanup);

  it('--credit-topup-radius rounds the card, the dialog, every button, the packages and the placeholders', async () => {
    const element = await mount({
      configure: (created) => {
        balanceNeverArrives(created);
        created.style.setProperty('--credit-topup-radius', '3px');
      },
    });
    await openPackages(element);
    const shadow = root(element);
    const rounded = [...shadow.querySelectorAll('.card, dialog, button, [part~="package"], .skeleton')].map(
      (node) => `${node.localName}.${node.className}[${node.getAttribute('part')}]`,
    );
    const radii = [...shadow.querySelectorAll('.card, dialog, button, [part~="package"], .skeleton')].map(
      (node) => style(node).borderTopLeftRadius,
    );
    expect(shadow.querySelectorAll('.skeleton').length, 'the balance placeholder').to.be.greaterThan(0);
    expect(radii, rounded.join(' ')).to.deep.equal(rounded.map(() => '3px'));
  });

  it('--credit-topup-on-accent colours the text on the accent', async () => {
    const element = await mount({
      customer: await newCustomer(),
      configure: (created) => created.style.setProperty('--credit-topup-on-accent', 'rgb(1, 2, 3)'),
    });
    await balanceShown(element);
    expect(style(buyButton(element)).color).to.equal('rgb(1, 2, 3)');
  });
});

describe('<credit-topup> without inline styles', () => {
  afterEach(cleanup);

  it('no element in its shadow root has a style attribute, loading or with the packages open', async () => {
    const element = await mount({ configure: balanceNeverArrives });
    const styled = () => [...root(element).querySelectorAll('[style]')].map((node) => node.outerHTML);
    await until('balance placeholder', () => root(element).querySelector('.skeleton'));
    expect(styled(), 'balance loading').to.deep.equal([]);
    await openPackages(element);
    expect(styled(), 'packages').to.deep.equal([]);
  });

  it("a page with the CSP style-src 'self' reports no violation while the balance loads", async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="style-src 'self'">`;
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    try {
      const page = frame.contentWindow as Window & typeof globalThis;
      const violations: string[] = [];
      page.document.addEventListener('securitypolicyviolation', (event) =>
        violations.push(`${event.violatedDirective}: ${event.sample}`),
      );
      const script = page.document.createElement('script');
      script.type = 'module';
      script.textContent = `import '${new URL('../../widget/credit-topup.ts', import.meta.url).pathname}';`;
      page.document.head.append(script);
      await until('element defined in the frame', () => page.customElements.get('credit-topup'));
      const element = page.document.createElement('credit-topup') as CreditTopup;
      element.setAttribute('api-base', (await env()).apiBase);
      balanceNeverArrives(element);
      page.document.body.append(element);
      await until('balance placeholder', () => element.shadowRoot?.querySelector('.skeleton'));
      // The report is a task queued after the attribute was set; a round trip through the frame's
      // event loop lets it arrive.
      await new Promise((resolve) => page.setTimeout(resolve, 100));
      expect(violations).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});

describe('<credit-topup> focus ring', () => {
  afterEach(cleanup);

  it('the dialog title, focused by script on opening, shows no outline; a package reached by Tab does', async () => {
    const element = await mount({ customer: await newCustomer() });
    await balanceShown(element);
    buyButton(element).focus();
    await sendKeys({ press: 'Enter' });
    const title = root(element).querySelector('h2')!;
    await until('title focused', () => root(element).activeElement === title);
    expect(style(title).outlineStyle, 'title').to.equal('none');
    await until('packages', () => packageButtons(element).length === 3);
    await sendKeys({ press: 'Tab' }); // the close button
    await sendKeys({ press: 'Tab' }); // the first package
    expect(root(element).activeElement).to.equal(packageButtons(element)[0]);
    expect(style(packageButtons(element)[0]!).outlineStyle, 'package').to.equal('solid');
  });
});

describe('<credit-topup> packages like a pricing table', () => {
  afterEach(async () => {
    cleanup();
    await setViewport({ width: 800, height: 600 });
  });

  it('the price is the strongest text of each package', async () => {
    const element = await mount({ configure: (created) => created.setAttribute('recommended', 'standard') });
    for (const button of await openPackages(element)) {
      const price = button.querySelector('.price')!;
      for (const other of button.children) {
        if (other === price) continue;
        const what = `${plain(price.textContent)} against ${plain(other.textContent)}`;
        expect(parseFloat(style(price).fontSize), what).to.be.greaterThan(parseFloat(style(other).fontSize));
        expect(Number(style(price).fontWeight), what).to.be.at.least(Number(style(other).fontWeight));
      }
    }
  });

  it('the price per credit is one line under the list, not repeated on every package', async () => {
    const element = await mount();
    const buttons = await openPackages(element);
    expect(buttons.map((button) => plain(button.textContent))).to.deep.equal([
      'Starter 12,50 € inkl. MwSt. 50 Credits',
      'Standard 25,00 € inkl. MwSt. 100 Credits',
      'Power 125,00 € inkl. MwSt. 500 Credits',
    ]);
    expect(plain(dialogOf(element).textContent).split('0,25 € pro Credit')).to.have.length(2);
  });

  for (const [locale, badge] of [
    ['de', 'Empfohlen'],
    ['en', 'Recommended'],
  ] as const) {
    it(`recommended="standard" marks that package only, in ${locale}`, async () => {
      const element = await mount({
        locale,
        configure: (created) => created.setAttribute('recommended', 'standard'),
      });
      const buttons = await openPackages(element);
      expect(buttons.map((button) => plain(button.textContent).includes(badge))).to.deep.equal([
        false,
        true,
        false,
      ]);
      expect(buttons.map((button) => button.part.contains('recommended'))).to.deep.equal([
        false,
        true,
        false,
      ]);
    });
  }

  it('at 320 px no phrase breaks across lines: balance, button, title, packages, checkout summary', async () => {
    const got = await setViewport({ width: 320, height: 700 });
    // WebKit's test browser stops at its toolbar's width; there the narrowest it allows is measured.
    expect(got.width, 'viewport width').to.be.within(320, 480);
    const element = await mount({
      customer: await newCustomer(),
      configure: (created) => created.setAttribute('recommended', 'power'),
    });
    await balanceShown(element);
    const shadow = root(element);
    const broken = (selector: string) =>
      [...shadow.querySelectorAll(selector)]
        .filter((phrase) => linesOf(phrase) !== 1)
        .map((phrase) => `${plain(phrase.textContent)} (${linesOf(phrase)} lines)`);
    await openPackages(element);
    expect(broken('.label, .amount, [part="button"], h2, [part~="package"] > *'), 'packages').to.deep.equal(
      [],
    );
    dialogOf(element).close();
    await openCheckout(element, 2);
    expect(shadow.querySelectorAll('dialog h3 > *').length, 'summary phrases').to.equal(3);
    expect(broken('dialog h3 > *'), 'checkout summary').to.deep.equal([]);
  });
});

describe('<credit-topup> texts of the checkout, success and SEPA views', () => {
  afterEach(cleanup);

  for (const [locale, summary] of [
    ['de', 'Standard · 100 Credits · 25,00 € inkl. MwSt.'],
    ['en', 'Standard · 100 credits · €25.00 incl. VAT'],
  ] as const) {
    it(`the checkout says what is being bought, in ${locale}`, async () => {
      const element = await mount({ customer: await newCustomer(), locale });
      await balanceShown(element);
      await openCheckout(element, 1);
      expect(plain(root(element).querySelector('dialog h3')?.textContent)).to.equal(summary);
    });
  }

  it('success: a clear confirmation and the new balance, larger than the confirmation', async () => {
    const element = await mount({ customer: await newCustomer() });
    await balanceShown(element);
    const frame = await openCheckout(element, 1);
    await payByKeyboard(frame, { card: '4242424242424242' });
    const dialog = dialogOf(element);
    await until('success', () => plain(dialog.textContent).includes('100 Credits wurden gutgeschrieben.'));
    expect(plain(dialog.textContent)).to.contain('Neuer Kontostand');
    const newBalance = [...dialog.querySelectorAll('*')].find(
      (node) => plain(node.textContent) === '200 Credits',
    );
    const confirmation = [...dialog.querySelectorAll('*')].find(
      (node) => plain(node.textContent) === '100 Credits wurden gutgeschrieben.',
    );
    expect(newBalance, 'the new balance on its own').to.not.equal(undefined);
    expect(parseFloat(style(newBalance!).fontSize)).to.be.greaterThan(
      parseFloat(style(confirmation!).fontSize),
    );
  });

  for (const [locale, title, timeFrame] of [
    ['de', 'SEPA-Lastschriftmandat erteilt', 'in der Regel 2–5 Bankarbeitstage'],
    ['en', 'SEPA Direct Debit mandate granted', 'usually takes 2–5 business days'],
  ] as const) {
    it(`SEPA: the mandate is confirmed with the time the debit takes, in ${locale}`, async () => {
      const element = await mount({ customer: await newCustomer(), locale });
      await balanceShown(element);
      const frame = await openCheckout(element, 0);
      await payByKeyboard(frame, { iban: 'DE89370400440532013000' });
      await until('the mandate confirmed', () => plain(dialogOf(element).textContent).includes(title));
      expect(plain(dialogOf(element).textContent)).to.contain(timeFrame);
    });
  }
});

// Selling lawfully in Germany, as the buyer meets it in the element: the VAT note beside every price, the
// withdrawal waiver a consumer ticks before any checkout (§ 356 Abs. 5 BGB), the seller's legal pages,
// and the invoice and receipt on success; a portal selling to businesses asks for no waiver.

import { expect } from '@esm-bundle/chai';
import type { CheckoutSessionStatusResponse, PublicConfigResponse } from '../../contract/credit-topup-api.ts';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  apiSellsTo,
  balanceShown,
  buyButton,
  checkoutFrame,
  cleanup,
  dialogOf,
  env,
  mount,
  newCustomer,
  nextCheckoutRendered,
  openCheckout,
  packageButtons,
  payByKeyboard,
  purchasesOf,
  root,
  until,
  waiverBox,
} from './browser-helpers.ts';

/** Text as a person reads it: any run of spaces (non-breaking ones too) is one space. */
const plain = (value: string | null | undefined) => (value ?? '').replace(/\s+/g, ' ').trim();

const configOf = async (apiBase: string) =>
  (await (await fetch(`${apiBase}/v1/config`)).json()) as PublicConfigResponse;

async function openPackages(element: CreditTopup) {
  buyButton(element).click();
  return until('packages', () => packageButtons(element).length === 3 && packageButtons(element));
}

const VAT_NOTES = {
  de: { included: 'inkl. MwSt.', added: 'zzgl. MwSt.' },
  en: { included: 'incl. VAT', added: 'plus VAT' },
} as const;

/** Each package's price and the note beside it. */
const pricesWithNotes = (buttons: HTMLButtonElement[]) =>
  buttons.map((button) => {
    const price = button.querySelector('.price');
    return `${plain(price?.textContent)} | ${plain(price?.nextElementSibling?.textContent)}`;
  });

describe('<credit-topup> selling to consumers (the default)', () => {
  afterEach(async () => {
    cleanup();
    await apiSellsTo('consumers');
  });

  for (const [locale, prices, summary] of [
    ['de', ['12,50 €', '25,00 €', '125,00 €'], 'Standard · 100 Credits · 25,00 € inkl. MwSt.'],
    ['en', ['€12.50', '€25.00', '€125.00'], 'Standard · 100 credits · €25.00 incl. VAT'],
  ] as const) {
    it(`every price carries "${VAT_NOTES[locale].included}": packages, price per credit, checkout (${locale})`, async () => {
      const note = VAT_NOTES[locale].included;
      const element = await mount({ customer: await newCustomer(), locale });
      await balanceShown(element);
      const buttons = await openPackages(element);
      expect(pricesWithNotes(buttons)).to.deep.equal(prices.map((price) => `${price} | ${note}`));
      expect(plain(root(element).querySelector('dialog .note')?.textContent)).to.match(
        new RegExp(`, ${note.replace('.', '\\.')}$`),
      );
      dialogOf(element).close();
      await openCheckout(element, 1);
      expect(plain(root(element).querySelector('dialog h3')?.textContent)).to.equal(summary);
    });
  }

  for (const [locale, refusal] of [
    [
      'de',
      'Bitte bestätigen Sie zuerst, dass die Credits sofort bereitgestellt werden sollen und Ihr Widerrufsrecht damit erlischt.',
    ],
    [
      'en',
      'Please first confirm that the credits are to be provided at once and that you thereby lose your right of withdrawal.',
    ],
  ] as const) {
    it(`the waiver: its own unticked checkbox; no checkout until it is ticked, then it is sent (${locale})`, async () => {
      const { apiBase } = await env();
      const { withdrawal_waiver: waiver } = await configOf(apiBase);
      expect(waiver, 'the server asks consumers for the waiver').to.not.equal(null);
      const customer = await newCustomer();
      const element = await mount({ customer, locale });
      await balanceShown(element);
      const buttons = await openPackages(element);
      const box = waiverBox(element)!;
      expect(box, 'waiver checkbox').to.not.equal(null);
      expect(box.checked, 'unticked at first').to.equal(false);
      expect(plain(box.closest('label')?.textContent)).to.equal(plain(waiver![locale]));

      buttons[1]!.click();
      const alert = await until('refusal', () => root(element).querySelector('.waiver [role="alert"]'));
      expect(plain(alert.textContent)).to.equal(refusal);
      expect(root(element).activeElement, 'the checkbox has the focus').to.equal(box);
      expect(box.getAttribute('aria-invalid')).to.equal('true');
      expect(box.getAttribute('aria-describedby')).to.equal(alert.id);
      expect(checkoutFrame(element), 'no checkout').to.equal(null);
      expect(await purchasesOf(customer.tenantId), 'nothing sent to the server').to.have.length(0);

      box.click();
      await element.updateComplete;
      expect(root(element).querySelector('.waiver [role="alert"]'), 'refusal gone once ticked').to.equal(
        null,
      );
      expect(box.getAttribute('aria-invalid')).to.equal('false');
      const rendered = nextCheckoutRendered();
      buttons[1]!.click();
      await until('checkout mounted', () => checkoutFrame(element));
      await rendered;
      const [purchase] = await purchasesOf(customer.tenantId);
      expect(purchase?.package_id).to.equal('standard');
      expect(purchase?.withdrawal_waiver_version, 'the version the buyer saw, stored').to.equal(
        waiver!.version,
      );
      expect(purchase?.withdrawal_waiver_user_id, 'by whom').to.equal(customer.userId);
    });
  }

  it('a new opening of the dialog asks for the waiver again', async () => {
    const element = await mount({ customer: await newCustomer() });
    await balanceShown(element);
    await openPackages(element);
    waiverBox(element)!.click();
    expect(waiverBox(element)!.checked).to.equal(true);
    dialogOf(element).close();
    await openPackages(element);
    expect(waiverBox(element)!.checked).to.equal(false);
  });

  const legalLinks = (element: CreditTopup) =>
    [...root(element).querySelectorAll<HTMLAnchorElement>('dialog .legal a')].map((link) => [
      plain(link.textContent),
      link.href,
      link.target,
      link.rel,
    ]);

  it("links the server's privacy and withdrawal policy under the packages, each in a new tab", async () => {
    // The test server sets LEGAL_PRIVACY_URL and LEGAL_WITHDRAWAL_POLICY_URL, no terms.
    const element = await mount({ locale: 'en' });
    await openPackages(element);
    expect(legalLinks(element)).to.deep.equal([
      ['Privacy', 'https://seller.example/datenschutz', '_blank', 'noopener'],
      ['Withdrawal policy', 'https://seller.example/widerruf', '_blank', 'noopener'],
    ]);
  });

  it("the page's terms-url, privacy-url and withdrawal-policy-url attributes come before the server's", async () => {
    const element = await mount({
      locale: 'de',
      configure: (created) => {
        created.setAttribute('terms-url', 'https://portal.example/agb');
        created.setAttribute('privacy-url', 'https://portal.example/datenschutz');
      },
    });
    await openPackages(element);
    expect(legalLinks(element)).to.deep.equal([
      ['AGB', 'https://portal.example/agb', '_blank', 'noopener'],
      ['Datenschutz', 'https://portal.example/datenschutz', '_blank', 'noopener'],
      ['Widerrufsbelehrung', 'https://seller.example/widerruf', '_blank', 'noopener'],
    ]);
  });

  it('a portal that starts selling to consumers while the packages are open: the waiver is asked first', async () => {
    await apiSellsTo('businesses');
    const customer = await newCustomer();
    const element = await mount({ customer });
    await balanceShown(element);
    const buttons = await openPackages(element);
    expect(waiverBox(element), 'selling to businesses: no waiver').to.equal(null);
    await apiSellsTo('consumers');
    buttons[1]!.click();
    // The server refuses the checkout without the waiver (400); the element fetches the new configuration.
    const alert = await until('asked for the waiver', () =>
      root(element).querySelector('.waiver [role="alert"]'),
    );
    expect(plain(alert.textContent)).to.contain('Bitte bestätigen Sie zuerst');
    const box = waiverBox(element)!;
    expect(box.checked).to.equal(false);
    expect(root(element).activeElement, 'the checkbox has the focus').to.equal(box);
    expect(checkoutFrame(element)).to.equal(null);
    expect(await purchasesOf(customer.tenantId)).to.have.length(0);
    box.click();
    packageButtons(element)[1]!.click();
    await until('checkout mounted', () => checkoutFrame(element));
    expect((await purchasesOf(customer.tenantId))[0]?.withdrawal_waiver_version).to.equal(
      (await configOf((await env()).apiBase)).withdrawal_waiver?.version,
    );
  });

  for (const [locale, invoice, receipt] of [
    ['de', 'Rechnung (PDF)', 'Beleg'],
    ['en', 'Invoice (PDF)', 'Receipt'],
  ] as const) {
    it(`success links the invoice PDF and the receipt once Stripe has them, in a new tab (${locale})`, async () => {
      const customer = await newCustomer();
      const element = await mount({ customer, locale });
      await balanceShown(element);
      const frame = await openCheckout(element, 1);
      await payByKeyboard(frame, { card: '4242424242424242' });
      await until('success', () => root(element).querySelector('.success'));
      const links = await until('invoice and receipt linked', () => {
        const found = [...root(element).querySelectorAll<HTMLAnchorElement>('dialog .documents a')];
        return found.length === 2 && found;
      });
      const [purchase] = await purchasesOf(customer.tenantId);
      const status = (await (
        await fetch(`${(await env()).apiBase}/v1/checkout-sessions/${purchase!.session_id}`, {
          headers: { Authorization: `Bearer ${customer.token}` },
        })
      ).json()) as CheckoutSessionStatusResponse;
      expect(status.invoice_pdf_url, 'the server reports the invoice').to.be.a('string');
      expect(status.receipt_url, 'the server reports the receipt').to.be.a('string');
      expect(links.map((link) => [plain(link.textContent), link.href, link.target, link.rel])).to.deep.equal([
        [invoice, status.invoice_pdf_url, '_blank', 'noopener'],
        [receipt, status.receipt_url, '_blank', 'noopener'],
      ]);
    });
  }
});

describe('<credit-topup> selling to businesses (CREDIT_TOPUP_SELL_TO=businesses)', () => {
  afterEach(cleanup);

  for (const locale of ['de', 'en'] as const) {
    it(`asks for no waiver, says "${VAT_NOTES[locale].added}" beside the net prices, opens the checkout at once (${locale})`, async () => {
      const { businessApiBase } = await env();
      const config = await configOf(businessApiBase);
      expect([config.sell_to, config.vat, config.withdrawal_waiver]).to.deep.equal([
        'businesses',
        'added',
        null,
      ]);
      const customer = await newCustomer();
      const element = await mount({ customer, locale, apiBase: businessApiBase });
      await balanceShown(element);
      const buttons = await openPackages(element);
      expect(waiverBox(element), 'no waiver checkbox').to.equal(null);
      const note = VAT_NOTES[locale].added;
      expect(pricesWithNotes(buttons).map((shown) => shown.split(' | ')[1])).to.deep.equal([
        note,
        note,
        note,
      ]);
      const rendered = nextCheckoutRendered();
      buttons[0]!.click();
      await until('checkout mounted', () => checkoutFrame(element));
      await rendered;
      expect((await purchasesOf(customer.tenantId))[0]?.package_id).to.equal('starter');
    });
  }
});

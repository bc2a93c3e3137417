// The "Verlauf" view in real Chromium against the real server: opened from the element's button (its
// code loaded then), purchases with their invoice links, "Weitere laden" with the server's cursor, the
// credit movements, the CSV download with the bearer token, the empty and the error state, the keyboard;
// and screenshots of each state in German and English at 375 and 1280 px.

import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  balanceShown,
  type Customer,
  cleanup,
  mount,
  newCustomer,
  root,
  setViewport,
  startApi,
  stopApi,
  until,
} from './browser-helpers.ts';

async function customerWithHistory(purchases: number): Promise<Customer> {
  const customer = await newCustomer();
  const response = await fetch('/__test/history', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...customer, purchases }),
  });
  expect(response.ok, 'history seeded').to.equal(true);
  return customer;
}

const historyButton = (element: CreditTopup) =>
  root(element).querySelector<HTMLButtonElement>('[part~="history-button"]')!;
const historyDialog = (element: CreditTopup) =>
  root(element).querySelector<HTMLDialogElement>('credit-topup-history dialog');
const items = (element: CreditTopup) => [
  ...(historyDialog(element)?.querySelectorAll('ul.history > li') ?? []),
];
const buttonNamed = (element: CreditTopup, name: string) =>
  [...(historyDialog(element)?.querySelectorAll('button') ?? [])].find(
    (button) => button.textContent?.trim() === name,
  );

async function openHistory(element: CreditTopup) {
  historyButton(element).click();
  await until('history open', () => historyDialog(element)?.open);
}

async function shoot(name: string) {
  for (const width of [375, 1280]) {
    await setViewport({ width, height: 860 });
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const file = String(await executeServerCommand('screenshot', { name: `${name}-${width}` }));
    expect(file).to.match(/^test-output\/screenshots\/history-.*\.png$/);
  }
}

describe('<credit-topup> history', () => {
  afterEach(async () => {
    cleanup();
    await startApi();
  });

  it('is not loaded before it is opened, then shows purchases with invoice links and pages with the cursor', async () => {
    const customer = await customerWithHistory(55);
    const element = await mount({ customer, locale: 'de' });
    await balanceShown(element);
    expect(customElements.get('credit-topup-history'), 'not loaded before first use').to.equal(undefined);

    const pageRequests: string[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (/\/v1\/purchases/.test(entry.name)) pageRequests.push(entry.name);
    });
    observer.observe({ type: 'resource', buffered: false });

    await openHistory(element);
    await until('first page', () => items(element).length === 50);
    expect(document.activeElement === element && root(element).activeElement?.id).to.equal('history-title');
    const first = items(element)[0]!;
    expect(first.textContent).to.contain('Power · 500\u00a0Credits');
    expect(first.textContent).to.contain('125,00\u00a0€');
    expect(first.textContent).to.contain('Gutgeschrieben');
    const invoice = first.querySelector<HTMLAnchorElement>('a[href="https://invoice.stripe.test/i/history"]');
    expect(invoice?.textContent).to.equal('Rechnung CT-2026-0042');
    expect(invoice?.target).to.equal('_blank');
    expect(first.querySelector('a[href="https://invoice.stripe.test/i/history/pdf"]')?.textContent).to.equal(
      'Rechnung (PDF)',
    );
    expect(first.querySelector('a[href="https://pay.stripe.test/receipts/r_history"]')).to.not.equal(null);
    expect(items(element)[1]!.textContent).to.contain('Eigener Betrag · 230\u00a0Credits');
    expect(items(element)[2]!.textContent).to.contain('Offen');
    expect(items(element)[3]!.textContent).to.contain('Erstattet · 125,00\u00a0€ erstattet');

    buttonNamed(element, 'Weitere laden')!.click();
    await until('second page', () => items(element).length === 55);
    expect(buttonNamed(element, 'Weitere laden'), 'no further page').to.equal(undefined);
    await until('both page requests seen', () => pageRequests.length >= 2);
    observer.disconnect();
    expect(pageRequests[0]).to.not.contain('cursor=');
    expect(pageRequests[1]).to.match(/[?&]cursor=[A-Za-z0-9_-]+/);
  });

  it('shows the credit movements and downloads the history as CSV with the bearer token', async () => {
    const customer = await customerWithHistory(4);
    const element = await mount({ customer, locale: 'en' });
    await balanceShown(element);
    await openHistory(element);
    await until('purchases', () => items(element).length === 4);

    buttonNamed(element, 'Credit movements')!.click();
    await until('movements', () => items(element).length === 6);
    expect(buttonNamed(element, 'Credit movements')!.getAttribute('aria-pressed')).to.equal('true');
    const texts = items(element).map((item) => item.textContent!.replace(/\s+/g, ' ').trim());
    expect(texts[0]).to.match(/^Spent · summarise_document −7 credits/);
    expect(texts[1]).to.match(/^Purchase \+500 credits/);
    expect(
      texts.some((line) => line.startsWith('Taken back after a refund or dispute −500 credits')),
    ).to.equal(true);

    // The download itself is the browser's: what the element hands it is looked at, then let through.
    const downloads: { name: string; content: Promise<string> }[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      if (this.download)
        downloads.push({ name: this.download, content: fetch(this.href).then((r) => r.text()) });
      else click.call(this);
    };
    try {
      buttonNamed(element, 'Export as CSV')!.click();
      await until('download', () => downloads.length === 1);
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
    expect(downloads[0]!.name).to.match(/^ledger-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await downloads[0]!.content;
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).to.equal('Date,Kind,Credits,Reason,Action,Reference,Entry ID');
    expect(lines).to.have.length(7);
  });

  it('says so when there is nothing yet, and offers a retry when the server is away', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer, locale: 'de' });
    await balanceShown(element);
    await openHistory(element);
    await until('empty state', () => historyDialog(element)?.querySelector('.empty:not([role])'));
    expect(historyDialog(element)!.textContent).to.contain('Sie haben noch keine Credits gekauft.');
    historyDialog(element)!.close();

    await stopApi();
    const errors: string[] = [];
    element.addEventListener('credit-topup-error', (event) =>
      errors.push((event as CustomEvent).detail.code),
    );
    await openHistory(element);
    await until('error state', () => historyDialog(element)?.querySelector('[role="alert"]'));
    expect(historyDialog(element)!.querySelector('[role="alert"]')!.textContent).to.equal(
      'Der Server ist nicht erreichbar. Bitte versuchen Sie es erneut.',
    );
    expect(errors).to.deep.equal(['network_error']);
    await startApi();
    historyDialog(element)!.querySelector<HTMLButtonElement>('[part~="retry"]')!.click();
    await until('empty state after the retry', () =>
      historyDialog(element)?.textContent?.includes('Sie haben noch keine Credits gekauft.'),
    );
    expect(historyDialog(element)!.querySelector('[role="alert"]')).to.equal(null);
  });

  it('works by keyboard: Enter opens it on its title, Tab reaches the controls, Escape closes it', async () => {
    const customer = await customerWithHistory(2);
    const element = await mount({ customer, locale: 'en' });
    await balanceShown(element);
    historyButton(element).focus();
    await sendKeys({ press: 'Enter' });
    await until('history open', () => historyDialog(element)?.open && items(element).length === 2);
    expect(root(element).activeElement?.id).to.equal('history-title');
    await sendKeys({ press: 'Tab' });
    expect(root(element).activeElement?.getAttribute('part')).to.equal('close');
    await sendKeys({ press: 'Tab' });
    expect(root(element).activeElement?.textContent).to.equal('Purchases');
    await sendKeys({ press: 'Escape' });
    await until('closed', () => !historyDialog(element)?.open);
  });

  for (const locale of ['de', 'en'] as const) {
    it(`screenshots in ${locale}: purchases with an invoice link, movements, empty, error`, async () => {
      const customer = await customerWithHistory(6);
      const element = await mount({ customer, locale });
      await balanceShown(element);
      await openHistory(element);
      await until('purchases', () => items(element).length === 6);
      await shoot(`history-${locale}-purchases`);
      historyDialog(element)!.querySelectorAll<HTMLButtonElement>('.tabs button')[1]!.click();
      await until('movements', () => items(element).length > 6);
      await shoot(`history-${locale}-movements`);
      element.remove();

      const newcomer = await mount({ customer: await newCustomer(), locale });
      await balanceShown(newcomer);
      await shoot(`history-${locale}-button`);
      await openHistory(newcomer);
      await until('empty', () => historyDialog(newcomer)?.querySelector('.empty:not([role])'));
      await shoot(`history-${locale}-empty`);
      historyDialog(newcomer)!.close();
      await stopApi();
      await openHistory(newcomer);
      await until('error', () => historyDialog(newcomer)?.querySelector('[role="alert"]'));
      await shoot(`history-${locale}-error`);
    });
  }
});

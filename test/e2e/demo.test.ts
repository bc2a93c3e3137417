// End to end: `npm run demo` as a newcomer runs it (real PostgreSQL, the API, the offline Stripe
// sandbox, the demo page), driven in Chromium (from npm) by playwright-core like a person would.

import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { type RunningChild, startChild } from '../support/child-processes.ts';
import { CHROMIUM_ARGS, chromiumExecutable } from '../support/chromium.ts';
import { eventually } from '../support/server-harness.ts';

const SCREENSHOTS = 'test-output/e2e';
const OTHER_PAGE = 'http://localhost:4321';
const root = fileURLToPath(new URL('../..', import.meta.url));

async function startDemo(env: Record<string, string>): Promise<RunningChild> {
  const demo = startChild('npm', ['run', 'demo'], { env: { ...process.env, ...env } });
  await eventually(
    'the demo prints its URL',
    () => {
      if (demo.process.exitCode !== null) throw new Error(`demo exited:\n${demo.output()}`);
      return demoUrl(demo);
    },
    60_000,
  );
  return demo;
}

const demoUrl = (demo: RunningChild) => /credit-topup demo: (\S+)/.exec(demo.output())?.[1];

describe('npm run demo, end to end in Chromium', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let demo: RunningChild;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'credit-topup-demo-'));
    await chmod(dataDir, 0o755);
    await mkdir(SCREENSHOTS, { recursive: true });
    env = {
      DEMO_DATA_DIR: dataDir,
      DEMO_PORT: String(await findFreePort()),
      DEMO_API_PORT: String(await findFreePort()),
      DEMO_SANDBOX_PORT: String(await findFreePort()),
      DEMO_POSTGRES_PORT: String(await findFreePort()),
      DEMO_SEPA_DELAY_MS: '1500',
      STRIPE_SECRET_KEY: '',
      // A page of the developer's own that embeds the element against the demo's API.
      ALLOWED_ORIGINS: OTHER_PAGE,
    };
    demo = await startDemo(env);
    browser = await chromium.launch({
      executablePath: await chromiumExecutable(),
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'de-DE' });
    await page.goto(demoUrl(demo)!);
  });

  after(async () => {
    await browser?.close();
    await demo?.stop({ signal: 'SIGINT', graceMs: 15_000 });
    await rm(dataDir, { recursive: true, force: true });
  });

  const balance = () => page.locator('credit-topup .amount');
  const checkout = () => page.frameLocator('credit-topup iframe');

  async function choose(packageName: string, screenshot?: string) {
    await page.getByRole('button', { name: 'Credits aufladen' }).click();
    // The demo sells to consumers: the withdrawal waiver is ticked first.
    await page.getByRole('checkbox', { name: /Widerrufsrecht verliere/ }).check();
    if (screenshot) await page.screenshot({ path: `${SCREENSHOTS}/${screenshot}` });
    await page.getByRole('button', { name: new RegExp(`^${packageName}`) }).click();
    await checkout().getByLabel('Kartennummer').waitFor();
    // The demo has terms (LEGAL_TERMS_URL): Stripe's checkout asks for their acceptance.
    await checkout()
      .getByRole('checkbox', { name: /Allgemeinen Geschäftsbedingungen/ })
      .check();
  }

  test('the page shows the demo tenant with its 100 free credits, in German', async () => {
    await assert.doesNotReject(balance().filter({ hasText: '100' }).waitFor());
    assert.equal(await page.locator('h1').textContent(), 'Kosten & Credits');
    await page.screenshot({ path: `${SCREENSHOTS}/01-dashboard.png` });
  });

  test('buying Standard with card 4242 adds 100 credits on screen', async () => {
    await choose('Standard', '02a-packages-vat-waiver.png');
    await checkout()
      .getByText(/zahlungspflichtig/)
      .waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/02-checkout.png`, fullPage: true });
    await checkout().getByLabel('Kartennummer').fill('4242 4242 4242 4242');
    await checkout()
      .getByRole('button', { name: /Bezahlen/ })
      .click();
    await page.getByText('100 Credits wurden gutgeschrieben.').waitFor();
    await page.getByRole('link', { name: /Rechnung/ }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/03-success.png` });
    await page.getByRole('button', { name: 'Fertig' }).click();
    await balance().filter({ hasText: /^200$/ }).waitFor();
    await page.locator('#purchases tr[data-status="credited"]').first().waitFor();
  });

  test('a declined card shows its message and credits nothing', async () => {
    await choose('Starter');
    await checkout().getByLabel('Kartennummer').fill('4000 0000 0000 0002');
    await checkout()
      .getByRole('button', { name: /Bezahlen/ })
      .click();
    await checkout().getByText('Ihre Karte wurde abgelehnt.').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/04-declined.png` });
    // Focus is inside Stripe's (cross-origin) frame, where the page cannot hear Escape: close by button.
    await page.getByRole('button', { name: 'Schließen' }).click();
    assert.equal(await balance().textContent(), '200');
  });

  test('SEPA Direct Debit is pending first, then credited', async () => {
    await choose('Starter');
    await checkout().getByLabel('SEPA-Lastschrift').check();
    await checkout().getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 00');
    await checkout()
      .getByRole('button', { name: /Bezahlen/ })
      .click();
    await page.getByText(/Lastschriftmandat erteilt/).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/05-sepa-pending.png` });
    await page.getByText('50 Credits wurden gutgeschrieben.').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Fertig' }).click();
    await balance().filter({ hasText: /^250$/ }).waitFor();
  });

  test('the purchases table names the package, and the page fits a 375 px phone', async () => {
    const firstPurchase = page.locator('#purchases tbody tr[data-status]').first();
    assert.match((await firstPurchase.textContent()) ?? '', /Starter · 50\sCredits/);
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      const width = await page.locator('html').evaluate((html) => html.scrollWidth);
      assert.ok(width <= 375, `the page is ${width} px wide at 375 px`);
      await page.screenshot({ path: `${SCREENSHOTS}/05b-phone.png`, fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1100, height: 900 });
    }
  });

  test('a refund through the sandbox takes the credits back', async () => {
    await page.getByRole('button', { name: 'Erstatten (Sandbox)' }).last().click(); // the Standard purchase (oldest)
    await balance().filter({ hasText: /^150$/ }).waitFor({ timeout: 15_000 });
    await page.locator('#purchases tr[data-status="refunded"]').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/06-refunded.png`, fullPage: true });
  });

  test('spending credits moves the balance down through rpc_credit_deduct', async () => {
    await page.getByRole('button', { name: 'Armstrong-Aktion (10 Credits)' }).click();
    await balance().filter({ hasText: /^140$/ }).waitFor();
  });

  test('the page server serves what the page needs and nothing else, to no other origin', async () => {
    const pageUrl = new URL(demoUrl(demo)!);
    const get = (file: string, query = '') =>
      fetch(new URL(`/@fs${file}${query}`, pageUrl), { headers: { Origin: 'http://localhost:9999' } });
    for (const query of ['', '?raw', '?import', '?url']) {
      const secrets = await get(path.join(dataDir, 'demo-secrets.json'), query);
      assert.equal(secrets.status, 403, `the demo's secrets${query}`);
      assert.doesNotMatch(await secrets.text(), /jwtSecret/);
    }
    for (const file of [
      'package.json',
      'server/config.ts',
      '.env.example',
      'test/support/access-tokens.ts',
    ]) {
      assert.equal((await get(path.join(root, file))).status, 403, file);
    }
    const element = await get(path.join(root, 'widget/credit-topup.ts'));
    assert.equal(element.status, 200, 'the element the page imports');
    assert.equal(element.headers.get('access-control-allow-origin'), null, 'no CORS for other pages');
  });

  test('ALLOWED_ORIGINS lets another page use the demo API; others stay refused', async () => {
    const apiUrl = `http://127.0.0.1:${env.DEMO_API_PORT}/v1/config`;
    const allowed = await fetch(apiUrl, { headers: { Origin: OTHER_PAGE } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), OTHER_PAGE);
    const own = await fetch(apiUrl, { headers: { Origin: new URL(demoUrl(demo)!).origin } });
    assert.equal(own.headers.get('access-control-allow-origin'), new URL(demoUrl(demo)!).origin);
    const session = await fetch(`http://127.0.0.1:${env.DEMO_API_PORT}/demo-api/session`, {
      method: 'POST',
      headers: { Origin: OTHER_PAGE },
    });
    assert.equal(session.headers.get('access-control-allow-origin'), OTHER_PAGE, 'its demo sign-in too');
    assert.match(((await session.json()) as { access_token: string }).access_token, /^ey/);
    const other = await fetch(apiUrl, { headers: { Origin: 'http://localhost:9999' } });
    assert.equal(other.status, 403);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
  });

  test('a reload keeps the state, and so does a restart of npm run demo', async () => {
    await page.reload();
    await balance().filter({ hasText: /^140$/ }).waitFor();
    await demo.stop({ signal: 'SIGINT', graceMs: 15_000 });
    demo = await startDemo(env);
    await page.goto(demoUrl(demo)!);
    await balance().filter({ hasText: /^140$/ }).waitFor();
    // The history loads after the balance: wait for its third row before counting.
    await page.locator('#purchases tbody tr[data-status]').nth(2).waitFor();
    assert.equal(await page.locator('#purchases tbody tr[data-status]').count(), 3);
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByText('Available credits').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/07-after-restart-en.png`, fullPage: true });
  });

  test('in English: the waiver, the terms and the payment text in the checkout, the invoice on success', async () => {
    await page.getByRole('button', { name: 'Buy credits' }).click();
    await page.getByRole('checkbox', { name: /lose my right of withdrawal/ }).check();
    await page.screenshot({ path: `${SCREENSHOTS}/08-packages-vat-waiver-en.png` });
    await page.getByRole('button', { name: /^Starter/ }).click();
    await checkout().getByLabel('Card number').fill('4242 4242 4242 4242');
    await checkout()
      .getByRole('checkbox', { name: /terms and conditions/ })
      .check();
    await page.screenshot({ path: `${SCREENSHOTS}/09-checkout-en.png`, fullPage: true });
    await checkout().getByRole('button', { name: /^Pay/ }).click();
    await page.getByText('50 credits were added.').waitFor();
    const invoice = page.getByRole('link', { name: /Invoice/ });
    await invoice.waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/10-success-invoice-en.png` });
    const pdf = await fetch((await invoice.getAttribute('href'))!);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(Buffer.from(await pdf.arrayBuffer()).toString('latin1'), /^%PDF-1\.4[\s\S]*50 Credits/);
  });

  test('automatic top-up: spending below the threshold recharges by itself; the 3-D Secure card asks in a banner and completes in the page', async () => {
    await page.keyboard.press('Escape'); // the last purchase's dialog
    await page.locator('#language').selectOption('de');
    await page.getByText('Verfügbare Credits').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/15a-before-auto-topup.png` });
    const start = Number(await balance().textContent());
    const autoTopUp = () => page.getByRole('dialog', { name: 'Automatische Aufladung' });
    const spendTen = () => page.getByRole('button', { name: 'Armstrong-Aktion (10 Credits)' }).click();

    // Save a card in Stripe's setup page, set "below start − 5 credits, buy Starter, at most 50 €", turn on.
    await page.getByRole('button', { name: 'Automatische Aufladung' }).click();
    await autoTopUp().getByRole('button', { name: 'Karte speichern' }).click();
    await checkout().getByLabel('Kartennummer').fill('4242 4242 4242 4242');
    await checkout().getByRole('button', { name: 'Karte speichern' }).click();
    await autoTopUp()
      .getByText(/Visa •••• 4242/)
      .waitFor();
    await autoTopUp()
      .getByLabel('Aufladen, wenn weniger Credits verfügbar sind als')
      .fill(String(start - 5));
    await autoTopUp().getByLabel('Was gekauft wird').selectOption('starter');
    await autoTopUp().getByLabel('Monatslimit in Euro').fill('50');
    await autoTopUp().getByRole('switch', { name: 'Automatische Aufladung an' }).click();
    await autoTopUp().getByText('Gespeichert.').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/15-auto-topup-on.png` });
    await page.keyboard.press('Escape');

    // The portal spends 10 credits in SQL: below the threshold, and the balance comes back by itself.
    await spendTen();
    await balance()
      .filter({ hasText: new RegExp(`^${start - 10 + 50}$`) })
      .waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/16-auto-topup-recharged.png` });

    // A card whose bank asks for 3-D Secure on every payment (saving it asks once too).
    await page.getByRole('button', { name: 'Automatische Aufladung' }).click();
    await autoTopUp().getByRole('button', { name: 'Andere Karte speichern' }).click();
    await checkout().getByLabel('Kartennummer').fill('4000 0027 6000 3184');
    await checkout().getByRole('button', { name: 'Karte speichern' }).click();
    await checkout()
      .frameLocator('#challenge iframe')
      .getByRole('button', { name: 'Authentifizierung abschließen' })
      .click();
    await autoTopUp()
      .getByText(/Visa •••• 3184/)
      .waitFor();
    await page.keyboard.press('Escape');
    await spendTen();
    await spendTen();
    await spendTen();
    await spendTen();
    await spendTen(); // start + 40 → start − 10: crosses the threshold again
    const banner = page.getByText('Bitte bestätigen Sie die automatische Aufladung.');
    await banner.waitFor();
    assert.equal(await balance().textContent(), String(start - 10));
    await page.screenshot({ path: `${SCREENSHOTS}/17-auto-topup-confirm-banner.png` });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: `${SCREENSHOTS}/17b-auto-topup-confirm-banner-phone.png` });
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.getByRole('button', { name: 'Jetzt bestätigen' }).click();
    const challenge = page.frameLocator('[data-stripe-sandbox="3ds"] iframe');
    await challenge.getByRole('button', { name: 'Authentifizierung abschließen' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/18-auto-topup-3ds-challenge.png` });
    await challenge.getByRole('button', { name: 'Authentifizierung abschließen' }).click();
    await balance()
      .filter({ hasText: new RegExp(`^${start - 10 + 50}$`) })
      .waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.screenshot({ path: `${SCREENSHOTS}/19-auto-topup-confirmed.png` });
  });
});

describe('npm run demo selling to businesses: net prices plus VAT, a VAT ID, an invoice', () => {
  let dataDir: string;
  let demo: RunningChild;
  let browser: Browser;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'credit-topup-demo-b2b-'));
    await chmod(dataDir, 0o755);
    demo = await startDemo({
      DEMO_DATA_DIR: dataDir,
      DEMO_PORT: String(await findFreePort()),
      DEMO_API_PORT: String(await findFreePort()),
      DEMO_SANDBOX_PORT: String(await findFreePort()),
      DEMO_POSTGRES_PORT: String(await findFreePort()),
      STRIPE_SECRET_KEY: '',
      CREDIT_TOPUP_SELL_TO: 'businesses',
      CREDIT_TOPUP_VAT: 'added',
      STRIPE_AUTOMATIC_TAX: 'true',
    });
    browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await demo?.stop({ signal: 'SIGINT', graceMs: 15_000 });
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a company buys with its VAT ID; the invoice names it and adds 19 % VAT', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'de-DE' });
    const page = await context.newPage();
    const checkout = page.frameLocator('credit-topup iframe');
    await page.goto(demoUrl(demo)!);
    await page.getByRole('button', { name: 'Credits aufladen' }).click();
    await page.getByText('zzgl. MwSt.').first().waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /Widerrufsrecht/ }).count(), 0, 'no waiver');
    await page.screenshot({ path: `${SCREENSHOTS}/11-business-packages.png` });
    await page.getByRole('button', { name: /^Standard/ }).click();
    await checkout.getByLabel('Kartennummer').fill('4242 4242 4242 4242');
    await checkout.getByLabel('Name', { exact: true }).fill('Erika Mustermann');
    await checkout.getByLabel('Straße und Hausnummer').fill('Domkloster 4');
    await checkout.getByLabel('Postleitzahl').fill('50667');
    await checkout.getByLabel('Ort').fill('Köln');
    await checkout.getByLabel('Kauf als Unternehmen').check();
    await checkout.getByLabel(/Name des Unternehmens/).fill('Muster Immobilien GmbH');
    await checkout.getByLabel(/USt-IdNr/).fill('DE123456789');
    await checkout.getByRole('checkbox', { name: /Allgemeinen Geschäftsbedingungen/ }).check();
    await page.screenshot({ path: `${SCREENSHOTS}/12-business-checkout.png`, fullPage: true });
    await checkout.getByRole('button', { name: /^Bezahlen/ }).click();
    await page.getByText('100 Credits wurden gutgeschrieben.').waitFor();
    const invoiceLink = page.getByRole('link', { name: /Rechnung/ });
    await invoiceLink.waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/13-business-success.png` });
    const pdf = Buffer.from(await (await fetch((await invoiceLink.getAttribute('href'))!)).arrayBuffer());
    const text = pdf.toString('latin1');
    assert.match(text, /^%PDF-1\.4/);
    for (const expected of ['DE123456789', 'Muster Immobilien GmbH', '29,75', '4,75'])
      assert.ok(text.includes(expected), `the invoice PDF names ${expected}`);
    await writeFile(`${SCREENSHOTS}/13-business-invoice.pdf`, pdf);
    // The invoice's hosted page, as the buyer opens it.
    const hosted = await page.context().newPage();
    await hosted.goto((await invoiceLink.getAttribute('href'))!.replace(/\/pdf$/, ''));
    await hosted.screenshot({ path: `${SCREENSHOTS}/14-business-invoice-page.png`, fullPage: true });
  });
});

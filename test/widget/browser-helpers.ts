// Helpers for the browser tests: talk to the test backend's /__test/ controls, mount the element, and
// act like a person (keyboard into the checkout iframe, which is another origin like Stripe's).

import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { PublicConfigResponse } from '../../contract/credit-topup-api.ts';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import { until as pollUntil } from '../support/until.ts';
import '../../widget/credit-topup.ts';

// A failing assertion's actual/expected reach the test runner through structuredClone (in
// @web/dev-server-core's message serializer), which throws on DOM nodes: the file's results would never
// arrive and the run would stall until testsFinishTimeout with "0 passed, 0 failed". Every test file
// imports this module, so this root hook hands the runner a description of such values instead.
const describeNode = (value: unknown): unknown => {
  if (value instanceof Element) return value.outerHTML.slice(0, 200);
  if (value instanceof Node) return `[${value.nodeName}]`;
  return Array.isArray(value) ? value.map(describeNode) : value;
};
afterEach(function () {
  const error = this.currentTest?.err as { actual?: unknown; expected?: unknown } | undefined;
  if (!error) return;
  for (const key of ['actual', 'expected'] as const) {
    if (key in error) error[key] = describeNode(error[key]);
  }
});

export interface Customer {
  tenantId: string;
  userId: string;
  token: string;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : null,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.json() as Promise<T>;
}

/**
 * `foreignApiBase`: the same API, whose ALLOWED_ORIGINS does not include the test page's origin;
 * `businessApiBase`: the same API selling to businesses (`apiBase` sells to consumers, the default).
 */
type TestEnv = {
  apiBase: string;
  foreignApiBase: string;
  businessApiBase: string;
  /** The same API offering a custom amount: 20 to 4000 credits in steps of 10. */
  customApiBase: string;
  /** The same API without a balance stream (501 stream_unavailable), as the Edge Function serves it. */
  noStreamApiBase: string;
  sandboxUrl: string;
};
let cachedEnv: TestEnv | undefined;
export async function env() {
  cachedEnv ??= await call<TestEnv>('GET', '/__test/env');
  return cachedEnv;
}

/** A signed-in member of a new tenant; `role: 'owner'` (or `admin`) may change its automatic top-up. */
export const newCustomer = (options: { expired?: boolean; role?: 'owner' | 'admin' } = {}) =>
  call<Customer>('POST', '/__test/customer', options);
export const tokenFor = (userId: string, expired = false) =>
  call<{ token: string }>('POST', '/__test/token', { userId, expired });
export const balanceOf = async (tenantId: string) =>
  (await call<{ balance: number }>('GET', `/__test/balance?tenant=${tenantId}`)).balance;
export const purchasesOf = (tenantId: string) =>
  call<
    {
      package_id: string;
      status: string;
      credited_credits: number;
      session_id: string;
      withdrawal_waiver_version: string | null;
      withdrawal_waiver_user_id: string | null;
    }[]
  >('GET', `/__test/purchases?tenant=${tenantId}`);
export const stopApi = () => call('POST', '/__test/api/stop');
export const startApi = () => call('POST', '/__test/api/start');
/**
 * Starts the API again selling to consumers (its default) or to businesses, and puts its new
 * configuration into the browser's cache (the server lets it keep /v1/config for minutes).
 */
export async function apiSellsTo(sellTo: 'consumers' | 'businesses') {
  await call('POST', '/__test/api/sell-to', { sellTo });
  await fetch(`${(await env()).apiBase}/v1/config`, { cache: 'reload' });
}
export const sandbox = (path: string, body: unknown = {}) =>
  call<Record<string, unknown>>('POST', '/__test/sandbox', { path, body });

export const until = <T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
) => pollUntil(what, check, timeoutMs);

let spellings = 0;
/**
 * The test server's URL spelled as no earlier test of this page spelled it (`…/./`, `…/././`, …; the
 * browser drops the dot segments from every request): the element shares one packages request per page and
 * api-base, and its BroadcastChannel per api-base, so a test that counts requests or messages starts afresh.
 */
export async function freshApiBase() {
  return `${(await env()).apiBase}/${'./'.repeat(++spellings)}`;
}

/** Mounts a <credit-topup> for the customer (token as a property, as a portal would set it). */
export async function mount(
  options: {
    customer?: Customer;
    locale?: 'de' | 'en';
    apiBase?: string;
    configure?: (element: CreditTopup) => void;
  } = {},
) {
  const apiBase = options.apiBase ?? (await env()).apiBase;
  const element = document.createElement('credit-topup');
  element.setAttribute('api-base', apiBase);
  if (options.locale) element.setAttribute('locale', options.locale);
  if (options.customer) element.accessToken = options.customer.token;
  options.configure?.(element);
  document.body.append(element);
  await element.updateComplete;
  return element;
}

export const root = (element: CreditTopup) => element.shadowRoot!;
export const text = (element: CreditTopup) => root(element).textContent!.replace(/\s+/g, ' ');
export const dialogOf = (element: CreditTopup) => root(element).querySelector('dialog')!;
export const buyButton = (element: CreditTopup) =>
  root(element).querySelector<HTMLButtonElement>('button[part="button"]')!;
export const packageButtons = (element: CreditTopup) => [
  ...root(element).querySelectorAll<HTMLButtonElement>('button[part~="package"]'),
];
export const checkoutFrame = (element: CreditTopup) =>
  element.querySelector<HTMLIFrameElement>(':scope > [slot="checkout"] iframe');

/** The balance the element shows, as text, or undefined while it shows none. */
export const amountOf = (element: CreditTopup) => root(element).querySelector('.amount')?.textContent?.trim();

export async function balanceShown(element: CreditTopup) {
  return until('balance shown', () => amountOf(element));
}

/** The checkbox of the withdrawal waiver (selling to consumers), or null. */
export const waiverBox = (element: CreditTopup) =>
  root(element).querySelector<HTMLInputElement>('dialog input[type="checkbox"]');

/** Ticks the withdrawal waiver, as a consumer must before choosing a package; nothing where none is asked. */
export function tickWaiver(element: CreditTopup) {
  const box = waiverBox(element);
  if (box && !box.checked) box.click();
}

/** A Checkout Session for the user, created through the API as the element would (with the waiver ticked). */
export async function createSession(token: string, packageId: string) {
  const { apiBase } = await env();
  const config = (await (await fetch(`${apiBase}/v1/config`)).json()) as PublicConfigResponse;
  const waiver = config.withdrawal_waiver;
  const response = await fetch(`${apiBase}/v1/checkout-sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      package_id: packageId,
      ...(waiver ? { withdrawal_waiver: true, withdrawal_waiver_version: waiver.version } : {}),
    }),
  });
  return (await response.json()) as { id: string; client_secret: string };
}

/** A Checkout Session for the user, paid by card in the sandbox (credited when the webhook arrives). */
export async function paidSession(token: string, packageId: string) {
  const session = await createSession(token, packageId);
  await sandbox(`checkout-sessions/${session.id}/pay`, { card_number: '4242424242424242' });
  return session;
}

/**
 * Resolves when the next checkout page has rendered: the sandbox page reports its height to the page
 * as soon as it is laid out. Call before the action that opens the checkout, so no message is missed.
 */
export function nextCheckoutRendered(): Promise<void> {
  return new Promise((resolve) => {
    const listener = (event: MessageEvent) => {
      if (event.data?.type !== 'credit-topup-sandbox:resize') return;
      removeEventListener('message', listener);
      resolve();
    };
    addEventListener('message', listener);
  });
}

/** Opens the dialog and chooses a package; resolves when the checkout iframe has rendered. */
export async function openCheckout(element: CreditTopup, index: number) {
  const rendered = nextCheckoutRendered();
  buyButton(element).click();
  const button = await until('packages painted', () => packageButtons(element)[index]);
  tickWaiver(element);
  button.click();
  const frame = await until('checkout mounted', () => checkoutFrame(element));
  await rendered;
  return frame;
}

/**
 * Pays in the checkout iframe by keyboard only, as a person would: into the frame, to the card number
 * (or, for SEPA, to the second payment method and the IBAN field), type, Enter.
 */
export async function payByKeyboard(frame: HTMLIFrameElement, payment: { card?: string; iban?: string }) {
  frame.focus();
  await sendKeys({ press: 'Tab' }); // the payment method radios
  if (payment.iban) {
    await sendKeys({ press: 'ArrowDown' }); // SEPA Direct Debit
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: payment.iban });
  } else {
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: payment.card ?? '4242424242424242' });
  }
  await sendKeys({ press: 'Enter' });
}

/**
 * Sizes the page's viewport (CSS pixels) in every engine, through the project's `viewport` command
 * (test/support/screenshot-command.mjs): the built-in setViewport knows no WebDriver browser (WebKit).
 * Returns the size the page got: WebKit's MiniBrowser window cannot be as narrow as a phone.
 */
export async function setViewport(size: { width: number; height: number }) {
  return (await executeServerCommand('viewport', size)) as { width: number; height: number };
}

export function eventsOf(element: CreditTopup, name: string) {
  const seen: CustomEvent[] = [];
  element.addEventListener(name, (event) => seen.push(event as CustomEvent));
  return seen;
}

export async function axeProblems(context: Element, locale = 'de') {
  const global = window as unknown as {
    axe?: {
      run(
        context: Element,
        options: object,
      ): Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }>;
    };
  };
  if (!global.axe) {
    await new Promise((resolve, reject) => {
      document.head.append(
        Object.assign(document.createElement('script'), {
          src: '/node_modules/axe-core/axe.min.js',
          onload: resolve,
          onerror: reject,
        }),
      );
    });
  }
  document.documentElement.lang = locale;
  const result = await global.axe!.run(context, { resultTypes: ['violations'] });
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help}`);
}

export function cleanup() {
  for (const element of document.querySelectorAll('credit-topup')) element.remove();
}

/**
 * Shift+Tab. Playwright and Puppeteer hold a key between `down` and `up`; WebDriver (WebKit here) knows
 * only `press`, and holds a modifier until the end of one key sequence: Shift and Tab go in one, as
 * WebDriver's key codes (U+E008 Shift, U+E004 Tab).
 */
export async function shiftTab(times = 1) {
  try {
    await sendKeys({ down: 'Shift' });
  } catch {
    for (let index = 0; index < times; index++) await sendKeys({ press: '\uE008\uE004' });
    return;
  }
  for (let index = 0; index < times; index++) await sendKeys({ press: 'Tab' });
  await sendKeys({ up: 'Shift' });
}

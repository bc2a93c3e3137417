// Helpers for the browser tests: talk to the test backend's /__test/ controls, mount the element, and
// act like a person (keyboard into the checkout iframe, which is another origin like Stripe's).

import { sendKeys } from '@web/test-runner-commands';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import { until as pollUntil } from '../support/until.ts';
import '../../widget/credit-topup.ts';

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

let cachedEnv: { apiBase: string; sandboxUrl: string } | undefined;
export async function env() {
  cachedEnv ??= await call<{ apiBase: string; sandboxUrl: string }>('GET', '/__test/env');
  return cachedEnv;
}

export const newCustomer = (options: { expired?: boolean } = {}) =>
  call<Customer>('POST', '/__test/customer', options);
export const tokenFor = (userId: string, expired = false) =>
  call<{ token: string }>('POST', '/__test/token', { userId, expired });
export const balanceOf = async (tenantId: string) =>
  (await call<{ balance: number }>('GET', `/__test/balance?tenant=${tenantId}`)).balance;
export const purchasesOf = (tenantId: string) =>
  call<{ package_id: string; status: string; credited_credits: number; session_id: string }[]>(
    'GET',
    `/__test/purchases?tenant=${tenantId}`,
  );
export const stopApi = () => call('POST', '/__test/api/stop');
export const startApi = () => call('POST', '/__test/api/start');
export const sandbox = (path: string, body: unknown = {}) =>
  call<Record<string, unknown>>('POST', '/__test/sandbox', { path, body });

export const until = <T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
) => pollUntil(what, check, timeoutMs);

/** Mounts a <credit-topup> for the customer (token as a property, as a portal would set it). */
export async function mount(
  options: { customer?: Customer; locale?: 'de' | 'en'; configure?: (element: CreditTopup) => void } = {},
) {
  const { apiBase } = await env();
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
  ...root(element).querySelectorAll<HTMLButtonElement>('button[part="package"]'),
];
export const checkoutFrame = (element: CreditTopup) =>
  element.querySelector<HTMLIFrameElement>(':scope > [slot="checkout"] iframe');

export async function balanceShown(element: CreditTopup) {
  return until('balance shown', () => root(element).querySelector('.amount')?.textContent?.trim());
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

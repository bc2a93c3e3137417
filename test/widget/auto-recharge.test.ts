// Automatic top-up in the element, in real Chromium against the real server (PostgreSQL, the recharge
// worker, the offline Stripe sandbox): the view opened from its button (its code loaded then), read only for
// members, a card saved through the embedded Checkout in setup mode, the settings saved as integer cents,
// refusals in words; the state the balance and its stream carry, the credit-topup-auto-recharge event on
// each change, the 3-D Secure banner completed in the page; and screenshots of each state in German and
// English at 375 and 1280 px.

import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { AutoRechargeResponse, SaveAutoRechargeRequest } from '../../contract/credit-topup-api.ts';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  amountOf,
  balanceShown,
  type Customer,
  checkoutFrame,
  cleanup,
  env,
  eventsOf,
  mount,
  newCustomer,
  nextCheckoutRendered,
  root,
  sandbox,
  setViewport,
  startApi,
  stopApi,
  until,
} from './browser-helpers.ts';

/** A request to the real API as the customer, as the element would make it. */
async function api<T>(customer: Customer, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${(await env()).apiBase}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${customer.token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : null,
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const settingsOf = (customer: Customer) => api<AutoRechargeResponse>(customer, 'GET', '/v1/auto-recharge');

/** Saves a card for the tenant as the view does, paying the setup session in the sandbox instead of its page. */
async function saveCard(customer: Customer, card = '4242424242424242') {
  const session = await api<{ id: string }>(customer, 'POST', '/v1/auto-recharge/setup-session', {
    locale: 'de',
  });
  const saved = await sandbox(`checkout-sessions/${session.id}/pay`, { card_number: card });
  // A card that asks the cardholder already when it is saved: the challenge answered.
  if (saved.setup_intent_status === 'requires_action')
    await sandbox(`setup_intents/${String(saved.setup_intent)}/authenticate`, { outcome: 'complete' });
  return api<AutoRechargeResponse>(customer, 'POST', '/v1/auto-recharge/payment-method', {
    setup_session_id: session.id,
  });
}

const turnOn = (customer: Customer, settings: Partial<SaveAutoRechargeRequest> = {}) =>
  api<AutoRechargeResponse>(customer, 'PUT', '/v1/auto-recharge', {
    enabled: true,
    threshold_credits: 50,
    package_id: 'starter',
    monthly_cap_cents: 5000,
    ...settings,
  });

/** The portal spends credits in SQL (rpc_credit_deduct), with no request to our server. */
async function spend(customer: Customer, credits: number) {
  const response = await fetch('/__test/spend', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenantId: customer.tenantId, userId: customer.userId, credits }),
  });
  expect(((await response.json()) as { success: boolean }).success, 'spent').to.equal(true);
}

/**
 * Shows the element for the customer once its live balance follows the stream: a first credit spent has
 * reached it. (What happens before the stream is open is not seen as it happens, only as a later state.)
 */
async function following(customer: Customer, locale: 'de' | 'en') {
  const element = await mount({ customer, locale });
  await balanceShown(element);
  await spend(customer, 1);
  await until('the stream is open', () => amountOf(element) === '99');
  return element;
}

const button = (element: CreditTopup) =>
  root(element).querySelector<HTMLButtonElement>('[part~="auto-recharge-button"]')!;
const view = (element: CreditTopup) => root(element).querySelector('credit-topup-auto-recharge');
const dialog = (element: CreditTopup) => view(element)?.querySelector('dialog');
// Only the layout's whitespace is collapsed: the texts' non-breaking spaces stay, as they are asserted.
const viewText = (element: CreditTopup) => (dialog(element)?.textContent ?? '').replace(/[ \t\n\r]+/g, ' ');
const field = (element: CreditTopup, id: string) =>
  dialog(element)!.querySelector<HTMLInputElement>(`#${id}`)!;
const toggle = (element: CreditTopup) => dialog(element)!.querySelector<HTMLInputElement>('[role="switch"]')!;
const viewButton = (element: CreditTopup, name: string) =>
  [...(dialog(element)?.querySelectorAll('button') ?? [])].find(
    (found) => found.textContent?.trim() === name,
  );
const banner = (element: CreditTopup) => root(element).querySelector('[part~="auto-recharge-banner"]');
const confirmationLine = (element: CreditTopup) =>
  root(element)
    .querySelector('credit-topup-auto-recharge-confirmation')
    ?.textContent?.replace(/[ \t\n\r]+/g, ' ')
    .trim();

async function openView(element: CreditTopup) {
  button(element).click();
  await until(
    'view open with its settings',
    () => dialog(element)?.open && dialog(element)!.querySelector('.auto-recharge dl'),
  );
}

/** Empties a field, then types into it as a person does, so that the view hears each input event. */
async function typeInto(input: HTMLInputElement, text: string) {
  input.focus();
  input.value = '';
  input.dispatchEvent(new Event('input', { bubbles: true }));
  if (text) await sendKeys({ type: text });
}

async function shoot(name: string) {
  for (const width of [375, 1280]) {
    await setViewport({ width, height: 900 });
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const file = String(await executeServerCommand('screenshot', { name: `auto-recharge-${name}-${width}` }));
    expect(file).to.match(/^test-output\/screenshots\/.*auto-recharge-.*\.png$/);
  }
}

describe('<credit-topup> automatic top-up', () => {
  afterEach(async () => {
    cleanup();
    await startApi();
  });

  it('is not loaded before it is opened; a member sees its state and settings read only, with a note', async () => {
    const customer = await newCustomer();
    const element = await mount({ customer, locale: 'de' });
    await balanceShown(element);
    expect(button(element).textContent).to.equal('Automatische Aufladung');
    expect(customElements.get('credit-topup-auto-recharge'), 'not loaded before first use').to.equal(
      undefined,
    );

    await openView(element);
    expect(root(element).activeElement?.id).to.equal('auto-recharge-title');
    const text = viewText(element);
    expect(text).to.contain('Status Aus');
    expect(text).to.contain('Noch keine Karte gespeichert.');
    expect(text).to.contain('Noch keine.');
    expect(text).to.contain(
      'Nur Inhaber und Administratoren Ihrer Organisation können die automatische Aufladung ändern.',
    );
    // Never set up: no made-up values to look at, nothing to change.
    expect(dialog(element)!.querySelector('fieldset'), 'no settings to show').to.equal(null);
    expect(viewButton(element, 'Karte speichern'), 'no card to save').to.equal(undefined);
    expect(viewButton(element, 'Speichern'), 'nothing to save').to.equal(undefined);
  });

  it("a member sees the owner's settings in a form that cannot be changed", async () => {
    const owner = await newCustomer({ role: 'owner' });
    await saveCard(owner);
    await turnOn(owner, { threshold_credits: 40, package_id: 'standard', monthly_cap_cents: 7500 });
    const member = (await (
      await fetch('/__test/member', { method: 'POST', body: JSON.stringify({ tenantId: owner.tenantId }) })
    ).json()) as Customer;
    const element = await mount({ customer: member, locale: 'en' });
    await balanceShown(element);
    await openView(element);
    expect(viewText(element)).to.contain('Status On A top-up starts as soon as fewer than 40\u00a0credits');
    expect(viewText(element)).to.contain('Visa •••• 4242');
    expect(viewText(element)).to.contain(
      'Only owners and admins of your organisation can change automatic top-up.',
    );
    expect(dialog(element)!.querySelector('fieldset')!.disabled, 'read only').to.equal(true);
    expect(toggle(element).checked).to.equal(true);
    expect(field(element, 'auto-recharge-threshold').value).to.equal('40');
    expect(field(element, 'auto-recharge-cap').value).to.equal('75.00');
    expect(viewButton(element, 'Save another card'), 'no card to save').to.equal(undefined);
  });

  it('an owner saves a card in the embedded Checkout in setup mode, by keyboard', async () => {
    const customer = await newCustomer({ role: 'owner' });
    const element = await mount({ customer, locale: 'en' });
    await balanceShown(element);
    await openView(element);
    expect(viewText(element)).to.contain('No card saved yet.');

    const rendered = nextCheckoutRendered();
    viewButton(element, 'Save a card')!.click();
    const frame = await until('setup checkout mounted', () => checkoutFrame(element));
    await rendered;
    expect(
      frame.closest('[slot="checkout"]')!.assignedSlot?.closest('credit-topup-auto-recharge'),
    ).to.not.equal(null);
    // Stripe's setup page: the card number first, Enter saves.
    frame.focus();
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '4242424242424242' });
    await sendKeys({ press: 'Enter' });
    await until('card shown', () => viewText(element).includes('Visa •••• 4242, expires'));
    expect(viewText(element)).to.contain('The card was saved.');
    expect(checkoutFrame(element), 'the checkout is gone').to.equal(null);
    const saved = await settingsOf(customer);
    expect(saved.payment_method?.last4).to.equal('4242');
  });

  it('turns it on with the threshold, package and a cap typed in euros, sent as integer cents, and off again', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer);
    const element = await mount({ customer, locale: 'de' });
    await balanceShown(element);
    await openView(element);
    expect(toggle(element).checked).to.equal(false);

    await typeInto(field(element, 'auto-recharge-threshold'), '30');
    const offer = dialog(element)!.querySelector<HTMLSelectElement>('#auto-recharge-offer')!;
    offer.value = 'power';
    offer.dispatchEvent(new Event('change'));
    await typeInto(field(element, 'auto-recharge-cap'), '150,5');
    toggle(element).click();
    await until('saved', () => viewText(element).includes('Gespeichert.'));
    expect(toggle(element).checked).to.equal(true);
    expect(viewText(element)).to.contain(
      'Status An Aufgeladen wird, sobald weniger als 30\u00a0Credits verfügbar sind.',
    );
    const on = await settingsOf(customer);
    expect(on.enabled).to.equal(true);
    expect(on.settings).to.deep.include({
      threshold_credits: 30,
      package_id: 'power',
      credits: 500,
      amount_cents: 12500,
      monthly_cap_cents: 15050,
    });
    expect(field(element, 'auto-recharge-cap').value, 'the cap as saved').to.equal('150,50');

    toggle(element).click();
    await until('off', async () => !(await settingsOf(customer)).enabled);
    await until('the view says so', () => viewText(element).includes('Status Aus'));
    expect((await settingsOf(customer)).settings?.monthly_cap_cents, 'the settings stay').to.equal(15050);
  });

  it('says in words on the field what cannot be saved, and what the server refused', async () => {
    const customer = await newCustomer({ role: 'owner' });
    const element = await mount({ customer, locale: 'de' });
    await balanceShown(element);
    await openView(element);

    // Every price with its VAT note, as in the purchase dialog.
    expect(dialog(element)!.querySelector('#auto-recharge-offer')!.textContent).to.contain(
      'Standard – 100\u00a0Credits – 25,00\u00a0€ inkl.\u00a0MwSt.',
    );
    await typeInto(field(element, 'auto-recharge-threshold'), '5');
    await typeInto(field(element, 'auto-recharge-cap'), '1.000,00');
    viewButton(element, 'Speichern')!.click();
    await until(
      'problems shown',
      () => dialog(element)!.querySelectorAll('[aria-invalid="true"]').length === 2,
    );
    expect(viewText(element)).to.contain('Bitte geben Sie eine ganze Zahl ab 10 an.');
    expect(viewText(element)).to.contain(
      'Bitte geben Sie einen Betrag in Euro an, z.\u00a0B. 50 oder 50,00.',
    );
    expect(root(element).activeElement?.id, 'the first problem has the focus').to.equal(
      'auto-recharge-threshold',
    );
    expect((await settingsOf(customer)).settings, 'nothing was sent').to.equal(null);

    await typeInto(field(element, 'auto-recharge-threshold'), '20');
    await typeInto(field(element, 'auto-recharge-cap'), '10');
    viewButton(element, 'Speichern')!.click();
    await until('cap below one recharge', () =>
      viewText(element).includes('Das Limit muss mindestens eine Aufladung (25,00\u00a0€) abdecken.'),
    );

    // Turning it on without a card: the server refuses (payment_method_required), the switch stays off.
    await typeInto(field(element, 'auto-recharge-cap'), '50');
    const errors = eventsOf(element, 'credit-topup-error');
    toggle(element).click();
    await until('refusal', () => dialog(element)!.querySelector('[role="alert"]'));
    expect(dialog(element)!.querySelector('[role="alert"]')!.textContent).to.equal(
      'Bitte speichern Sie zuerst eine Karte.',
    );
    expect(errors.map((event) => event.detail.code)).to.deep.equal(['payment_method_required']);
    expect(toggle(element).checked).to.equal(false);
  });

  it('spending below the threshold: started, then succeeded, and the balance rises by itself', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer);
    await turnOn(customer, { threshold_credits: 50, package_id: 'starter', monthly_cap_cents: 5000 });
    const element = await following(customer, 'de');
    const events = eventsOf(element, 'credit-topup-auto-recharge');
    await spend(customer, 60);
    await until('the recharge credited', () => amountOf(element) === '89', 20_000);
    await until('succeeded told', () => events.some((event) => event.detail.kind === 'succeeded'));
    expect(events.map((event) => event.detail)).to.deep.equal([
      { kind: 'started', state: 'charging', reason: null },
      { kind: 'succeeded', state: 'on', reason: null },
    ]);
    expect(events.every((event) => event.bubbles && event.composed)).to.equal(true);

    await openView(element);
    await until('last charge', () => viewText(element).includes('erfolgreich'));
    expect(viewText(element)).to.match(
      /Letzte automatische Aufladung 50\u00a0Credits · 12,50\u00a0€ inkl.\u00a0MwSt. · .+ · erfolgreich/,
    );
    expect(viewText(element)).to.contain('12,50\u00a0€ von 50,00\u00a0€ genutzt');
  });

  it('a declined card: the element tells the failure and the view says why', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer, '4000000000000341');
    await turnOn(customer);
    const element = await following(customer, 'en');
    const events = eventsOf(element, 'credit-topup-auto-recharge');
    await spend(customer, 60);
    await until('failed told', () => events.some((event) => event.detail.kind === 'failed'), 20_000);
    // Stripe's decline code, as the server records it.
    expect(events.at(-1)!.detail).to.deep.equal({
      kind: 'failed',
      state: 'retrying',
      reason: 'generic_decline',
    });
    await openView(element);
    expect(viewText(element)).to.contain('Payment declined – will try again The bank declined the payment.');
  });

  it('3-D Secure: the banner, Confirm now completes it in the page, the credits arrive and the banner goes', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer, '4000002760003184');
    await turnOn(customer);
    const element = await following(customer, 'de');
    const events = eventsOf(element, 'credit-topup-auto-recharge');
    await spend(customer, 60);
    await until('banner', () => banner(element), 20_000);
    expect(
      banner(element)!
        .textContent!.replace(/[ \t\n\r]+/g, ' ')
        .trim(),
    ).to.equal('Bitte bestätigen Sie die automatische Aufladung. Jetzt bestätigen');
    expect(banner(element)!.getAttribute('role')).to.equal('alert');
    expect(events.at(-1)!.detail).to.deep.equal({
      kind: 'needs_confirmation',
      state: 'needs_confirmation',
      reason: null,
    });

    root(element).querySelector<HTMLButtonElement>('[part~="confirm-button"]')!.click();
    await completeChallenge();
    await until('confirmed', () => confirmationLine(element)?.includes('Aufladung bestätigt.'));
    await until('credited', () => amountOf(element) === '89', 20_000);
    await until('banner gone', () => !banner(element));
    await until('arrived', () =>
      confirmationLine(element)?.includes('50\u00a0Credits wurden gutgeschrieben.'),
    );
    expect(events.at(-1)!.detail.kind).to.equal('succeeded');
  });

  it('a failed confirmation keeps the banner and says so', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer, '4000002760003184');
    await turnOn(customer);
    const element = await following(customer, 'en');
    await spend(customer, 60);
    await until('banner', () => banner(element), 20_000);
    const errors = eventsOf(element, 'credit-topup-error');
    root(element).querySelector<HTMLButtonElement>('[part~="confirm-button"]')!.click();
    await completeChallenge(false);
    await until('refused', () => confirmationLine(element)?.includes('The payment was not confirmed'));
    expect(errors.map((event) => event.detail.code)).to.deep.equal(['payment_failed']);
    expect(banner(element), 'the banner stays for another try').to.not.equal(null);
  });

  it('works by keyboard: Enter opens it on its title, Tab reaches the switch, Space turns it on, Escape closes', async () => {
    const customer = await newCustomer({ role: 'owner' });
    await saveCard(customer);
    const element = await mount({ customer, locale: 'en' });
    await balanceShown(element);
    button(element).focus();
    await sendKeys({ press: 'Enter' });
    await until('open', () => dialog(element)?.open && dialog(element)!.querySelector('.auto-recharge dl'));
    expect(root(element).activeElement?.id).to.equal('auto-recharge-title');
    await sendKeys({ press: 'Tab' });
    expect(root(element).activeElement?.getAttribute('part')).to.equal('close');
    await sendKeys({ press: 'Tab' });
    expect(root(element).activeElement?.textContent).to.equal('Save another card');
    await sendKeys({ press: 'Tab' });
    expect(root(element).activeElement?.getAttribute('role')).to.equal('switch');
    await sendKeys({ press: ' ' });
    await until('on', async () => (await settingsOf(customer)).enabled);
    await sendKeys({ press: 'Escape' });
    await until('closed', () => !dialog(element)?.open);
  });

  for (const locale of ['de', 'en'] as const) {
    it(`screenshots in ${locale}: button, off, read only, problems, setup, on with a last charge, retrying, banner, error`, async function () {
      this.timeout(90_000);
      const member = await mount({ customer: await newCustomer(), locale });
      await balanceShown(member);
      await shoot(`${locale}-01-button`);
      await openView(member);
      await shoot(`${locale}-02-read-only`);
      member.remove();

      const owner = await newCustomer({ role: 'owner' });
      let element = await mount({ customer: owner, locale });
      await balanceShown(element);
      await openView(element);
      await shoot(`${locale}-03-off-no-card`);
      await typeInto(field(element, 'auto-recharge-threshold'), '5');
      await typeInto(field(element, 'auto-recharge-cap'), '12,345');
      viewButton(element, locale === 'de' ? 'Speichern' : 'Save')!.click();
      await until('problems', () => dialog(element)!.querySelectorAll('[aria-invalid="true"]').length === 2);
      await shoot(`${locale}-04-problems`);
      const rendered = nextCheckoutRendered();
      viewButton(element, locale === 'de' ? 'Karte speichern' : 'Save a card')!.click();
      await until('setup checkout', () => checkoutFrame(element));
      await rendered;
      await shoot(`${locale}-05-save-card`);
      element.remove();

      await saveCard(owner);
      await turnOn(owner);
      element = await following(owner, locale);
      await spend(owner, 60);
      await until('credited', () => amountOf(element) === '89', 20_000);
      await openView(element);
      await until('last charge', () => dialog(element)!.querySelector('.last-charge time'));
      await shoot(`${locale}-06-on-last-charge`);
      element.remove();

      const declined = await newCustomer({ role: 'owner' });
      await saveCard(declined, '4000000000000341');
      await turnOn(declined);
      element = await following(declined, locale);
      const events = eventsOf(element, 'credit-topup-auto-recharge');
      await spend(declined, 60);
      await until('retrying', () => events.some((event) => event.detail.state === 'retrying'), 20_000);
      await openView(element);
      await shoot(`${locale}-07-retrying`);
      element.remove();

      const confirming = await newCustomer({ role: 'owner' });
      await saveCard(confirming, '4000002760003184');
      await turnOn(confirming);
      element = await following(confirming, locale);
      await spend(confirming, 60);
      await until('banner', () => banner(element), 20_000);
      await shoot(`${locale}-08-banner`);
      await openView(element);
      await shoot(`${locale}-09-needs-confirmation`);
      dialog(element)!.close();
      root(element).querySelector<HTMLButtonElement>('[part~="confirm-button"]')!.click();
      await completeChallenge();
      await until(
        'arrived',
        () => confirmationLine(element)?.includes(locale === 'de' ? 'gutgeschrieben.' : 'were added.'),
        20_000,
      );
      await shoot(`${locale}-10-confirmed`);
      element.remove();

      element = await mount({ customer: owner, locale });
      await balanceShown(element);
      await stopApi();
      button(element).click();
      await until('error', () => dialog(element)?.open && dialog(element)!.querySelector('[role="alert"]'));
      await shoot(`${locale}-11-error`);
    });
  }
});

/**
 * The bank's challenge that Stripe.js shows for confirmCardPayment (the sandbox's stand-in shows its 3-D
 * Secure page in a modal frame over the page), answered by keyboard: "Complete authentication", or the
 * button after it, "Fail authentication".
 */
async function completeChallenge(complete = true) {
  const frame = await until('challenge shown', () =>
    document.querySelector<HTMLIFrameElement>('[data-stripe-sandbox="3ds"] iframe'),
  );
  // Cross-origin: its load is heard, or, if it came before this line, a moment is enough.
  await Promise.race([
    new Promise((resolve) => frame.addEventListener('load', resolve, { once: true })),
    new Promise((resolve) => setTimeout(resolve, 1_000)),
  ]);
  frame.focus();
  await sendKeys({ press: 'Tab' });
  if (!complete) await sendKeys({ press: 'Tab' });
  await sendKeys({ press: 'Enter' });
}

// The sandbox's checkout page, shown in the iframe of the Stripe.js stand-in: card or SEPA Direct Debit,
// labelled inputs in German and English, and a message to the parent page when the session completes.
// What the session asks for is there as on Stripe's page: the billing address (when required), a
// business tax ID (optional, with tax ID collection), the terms of service checkbox (when required) with
// its custom text, the submit text under the pay button and the after-submit text once paid. Custom
// texts may hold markdown links, which become links; everything else is shown as text.

import type Stripe from 'stripe';
import { setupPageHtml } from './setup-page.ts';

const TEXT = {
  de: {
    title: 'Testzahlung',
    back: 'Zurück',
    card: 'Karte',
    sepa: 'SEPA-Lastschrift',
    cardNumber: 'Kartennummer',
    expiry: 'Ablaufdatum',
    cvc: 'Prüfziffer',
    iban: 'IBAN',
    pay: 'Bezahlen',
    paying: 'Wird bezahlt …',
    paid: 'Zahlung erfolgreich',
    processing: 'Lastschrift erteilt – die Zahlung wird bearbeitet.',
    closed: 'Diese Zahlung ist nicht mehr offen.',
    sandbox: 'Offline-Testumgebung: es wird kein echtes Geld bewegt.',
    declined: 'Ihre Karte wurde abgelehnt.',
    incorrect: 'Die Kartennummer ist ungültig.',
    invalidIban: 'Die IBAN ist ungültig.',
    method: 'Zahlungsart',
    billingAddress: 'Rechnungsadresse',
    name: 'Name',
    line1: 'Straße und Hausnummer',
    line2: 'Adresszusatz (optional)',
    postalCode: 'Postleitzahl',
    city: 'Ort',
    country: 'Land',
    business: 'Kauf als Unternehmen',
    businessName: 'Name des Unternehmens (optional)',
    taxId: 'USt-IdNr. (optional)',
    terms: 'Ich stimme den Allgemeinen Geschäftsbedingungen zu.',
    termsNotAccepted: 'Bitte stimmen Sie den Allgemeinen Geschäftsbedingungen zu.',
    addressIncomplete: 'Bitte geben Sie die vollständige Rechnungsadresse an.',
    taxIdInvalid: 'Die USt-IdNr. ist ungültig.',
    taxAdded: (net: string, tax: string) => `${net} zzgl. 19 % MwSt. ${tax}`,
    taxIncluded: (tax: string) => `inkl. 19 % MwSt. ${tax}`,
  },
  en: {
    title: 'Test payment',
    back: 'Back',
    card: 'Card',
    sepa: 'SEPA Direct Debit',
    cardNumber: 'Card number',
    expiry: 'Expiry date',
    cvc: 'CVC',
    iban: 'IBAN',
    pay: 'Pay',
    paying: 'Paying …',
    paid: 'Payment successful',
    processing: 'Mandate given – the payment is being processed.',
    closed: 'This payment is no longer open.',
    sandbox: 'Offline sandbox: no real money moves.',
    declined: 'Your card was declined.',
    incorrect: 'Your card number is incorrect.',
    invalidIban: 'The IBAN you entered is invalid.',
    method: 'Payment method',
    billingAddress: 'Billing address',
    name: 'Name',
    line1: 'Street and number',
    line2: 'Address line 2 (optional)',
    postalCode: 'Postal code',
    city: 'City',
    country: 'Country',
    business: 'Purchase as a business',
    businessName: 'Business name (optional)',
    taxId: 'VAT number (optional)',
    terms: 'I agree to the Terms of Service.',
    termsNotAccepted: 'Please agree to the Terms of Service.',
    addressIncomplete: 'Please enter the complete billing address.',
    taxIdInvalid: 'The VAT number is invalid.',
    taxAdded: (net: string, tax: string) => `${net} plus 19% VAT ${tax}`,
    taxIncluded: (tax: string) => `incl. 19% VAT ${tax}`,
  },
};

export type CheckoutPageLocale = keyof typeof TEXT;

export function checkoutPageLocale(
  session: Stripe.Checkout.Session,
  requested: string | undefined,
): CheckoutPageLocale {
  const candidate = session.locale && session.locale !== 'auto' ? session.locale : requested;
  return candidate?.startsWith('en') ? 'en' : 'de';
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );

/** Countries the billing address offers (the sandbox's buyers are in the EU and around it). */
const COUNTRIES = ['DE', 'AT', 'CH', 'BE', 'FR', 'IT', 'LU', 'NL', 'PL', 'ES'] as const;

/**
 * A custom text as Stripe shows it: plain text in which `[label](https://…)` becomes a link (opened in a
 * new tab, as the page is in a frame). Everything else, other markup included, stays text.
 */
export function customTextHtml(markdown: string): string {
  let html = '';
  let last = 0;
  for (const match of markdown.matchAll(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g)) {
    html += escapeHtml(markdown.slice(last, match.index));
    html += `<a href="${escapeHtml(match[2]!)}" target="_blank" rel="noopener noreferrer">${escapeHtml(match[1]!)}</a>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(markdown.slice(last));
}

/** The texts the page's script shows while paying. */
function pageTexts(t: (typeof TEXT)[CheckoutPageLocale]) {
  const { paying, paid, processing, declined, incorrect, invalidIban } = t;
  const { termsNotAccepted, addressIncomplete, taxIdInvalid } = t;
  return {
    paying,
    paid,
    processing,
    declined,
    incorrect,
    invalidIban,
    termsNotAccepted,
    addressIncomplete,
    taxIdInvalid,
  };
}

/** The billing address fields, when the session requires the address. */
function billingAddressHtml(t: (typeof TEXT)[CheckoutPageLocale], locale: CheckoutPageLocale): string {
  const countryName = new Intl.DisplayNames([locale], { type: 'region' });
  const field = (id: string, label: string, autocomplete: string, required = true) => `
    <label for="${id}">${escapeHtml(label)}</label>
    <input id="${id}" type="text" autocomplete="${autocomplete}"${required ? ' required aria-required="true"' : ''}>`;
  return `<fieldset class="group" id="billing-address">
    <legend>${escapeHtml(t.billingAddress)}</legend>${field('billing-name', t.name, 'name')}${field(
      'billing-line1',
      t.line1,
      'address-line1',
    )}${field('billing-line2', t.line2, 'address-line2', false)}
    <div class="row">
      <div>${field('billing-postal-code', t.postalCode, 'postal-code')}</div>
      <div>${field('billing-city', t.city, 'address-level2')}</div>
    </div>
    <label for="billing-country">${escapeHtml(t.country)}</label>
    <select id="billing-country" autocomplete="country" required aria-required="true">
      ${COUNTRIES.map((code) => `<option value="${code}">${escapeHtml(countryName.of(code) ?? code)}</option>`).join('')}
    </select>
  </fieldset>`;
}

/** The business fields, when the session collects tax IDs: the buyer opts in, as on Stripe's page. */
function taxIdHtml(t: (typeof TEXT)[CheckoutPageLocale]): string {
  return `<div class="group">
    <label class="check"><input type="checkbox" id="business"> ${escapeHtml(t.business)}</label>
    <div id="business-fields" hidden>
      <label for="business-name">${escapeHtml(t.businessName)}</label>
      <input id="business-name" type="text" autocomplete="organization">
      <label for="tax-id">${escapeHtml(t.taxId)}</label>
      <input id="tax-id" type="text" autocomplete="off" placeholder="DE123456789">
    </div>
  </div>`;
}

/** The terms of service checkbox, with the session's own text when it has one. */
function termsHtml(t: (typeof TEXT)[CheckoutPageLocale], session: Stripe.Checkout.Session): string {
  const message = session.custom_text?.terms_of_service_acceptance?.message;
  return `<div class="group">
    <input type="checkbox" id="terms" required aria-required="true" aria-describedby="terms-text">
    <label for="terms" id="terms-text" class="inline">${message ? customTextHtml(message) : escapeHtml(t.terms)}</label>
  </div>`;
}

/**
 * A hosted session's page (ui_mode hosted_page) is the whole tab, not a frame: it pays at its own
 * address, sends the buyer to the session's success_url (its {CHECKOUT_SESSION_ID} replaced, as Stripe
 * does) and links the cancel_url as its way back.
 */
export interface HostedPage {
  payPath: string;
  successUrl: string | null;
  cancelUrl: string | null;
}

/** The success_url with the session's id where Stripe puts it. */
export function successUrlOf(session: Stripe.Checkout.Session): string | null {
  return session.success_url ? session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null;
}

export function checkoutPageHtml(
  session: Stripe.Checkout.Session,
  locale: CheckoutPageLocale,
  hosted?: HostedPage,
): string {
  // A setup session saves a card and charges nothing: a page of its own.
  if (session.mode === 'setup') return setupPageHtml(session, locale, hosted);
  const t = TEXT[locale];
  const money = (cents: number) =>
    new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
      style: 'currency',
      currency: (session.currency ?? 'eur').toUpperCase(),
    }).format(cents / 100);
  const amount = money(session.amount_total ?? 0);
  // The tax line of Stripe's order summary: added on top of the subtotal, or contained in the total.
  const tax = session.total_details?.amount_tax ?? 0;
  const taxLine = !tax
    ? ''
    : (session.amount_total ?? 0) > (session.amount_subtotal ?? 0)
      ? t.taxAdded(money(session.amount_subtotal ?? 0), money(tax))
      : t.taxIncluded(money(tax));
  const open = session.status === 'open';
  const asksAddress = session.billing_address_collection === 'required';
  const asksTaxId = session.tax_id_collection?.enabled === true;
  const asksTerms = session.consent_collection?.terms_of_service === 'required';
  const submitText = session.custom_text?.submit?.message;
  const afterSubmitText = session.custom_text?.after_submit?.message;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 16px; background: Canvas; color: CanvasText; }
  .amount { font-size: 1.6rem; font-weight: 700; margin: 0 0 4px; }
  .note { font-size: .8rem; opacity: .75; margin: 0 0 16px; }
  fieldset { border: 0; padding: 0; margin: 0 0 12px; display: flex; gap: 16px; }
  label { display: block; font-size: .9rem; margin: 10px 0 4px; }
  input[type=text] {
    box-sizing: border-box; width: 100%; padding: 10px; font-size: 1rem;
    border: 1px solid #8888; border-radius: 6px; background: Field; color: FieldText;
  }
  .row { display: flex; gap: 12px; } .row > div { flex: 1; }
  button {
    margin-top: 16px; width: 100%; padding: 12px; font-size: 1rem; font-weight: 600;
    border: 0; border-radius: 6px; background: #635bff; color: #fff; cursor: pointer;
  }
  button:disabled { opacity: .6; cursor: progress; }
  [role=alert] { color: #d33; min-height: 1.2em; margin-top: 10px; }
  .done { font-size: 1.2rem; font-weight: 600; color: #1a7f37; }
  .group { display: block; margin: 16px 0 0; }
  .group legend { font-size: .9rem; font-weight: 600; padding: 0; }
  select {
    box-sizing: border-box; width: 100%; padding: 10px; font-size: 1rem;
    border: 1px solid #8888; border-radius: 6px; background: Field; color: FieldText;
  }
  label.check, label.inline { display: inline; font-size: .9rem; }
  .custom-text { font-size: .85rem; margin: 10px 0 0; }
  .custom-text a, label a { color: inherit; }
  [aria-invalid=true] { border-color: #d33 !important; outline: 1px solid #d33; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<p class="amount" data-testid="amount">${escapeHtml(amount)}</p>
${taxLine ? `<p class="note" data-testid="tax">${escapeHtml(taxLine)}</p>` : ''}
<p class="note">${escapeHtml(t.sandbox)}</p>
${
  open
    ? `<form id="pay" novalidate>
  <fieldset>
    <legend class="note">${escapeHtml(t.method)}</legend>
    <label><input type="radio" name="method" value="card" checked> ${escapeHtml(t.card)}</label>
    <label><input type="radio" name="method" value="sepa_debit"> ${escapeHtml(t.sepa)}</label>
  </fieldset>
  <div id="card-fields">
    <label for="card-number">${escapeHtml(t.cardNumber)}</label>
    <input id="card-number" name="card_number" type="text" inputmode="numeric" autocomplete="cc-number"
      placeholder="4242 4242 4242 4242">
    <div class="row">
      <div>
        <label for="card-expiry">${escapeHtml(t.expiry)}</label>
        <input id="card-expiry" type="text" autocomplete="cc-exp" placeholder="12/34" value="12/34">
      </div>
      <div>
        <label for="card-cvc">${escapeHtml(t.cvc)}</label>
        <input id="card-cvc" type="text" autocomplete="cc-csc" placeholder="123" value="123">
      </div>
    </div>
  </div>
  <div id="sepa-fields" hidden>
    <label for="iban">${escapeHtml(t.iban)}</label>
    <input id="iban" name="iban" type="text" autocomplete="off" placeholder="DE89 3704 0044 0532 0130 00">
  </div>
  ${asksAddress ? billingAddressHtml(t, locale) : ''}
  ${asksTaxId ? taxIdHtml(t) : ''}
  ${asksTerms ? termsHtml(t, session) : ''}
  <button type="submit" id="pay-button">${escapeHtml(t.pay)} ${escapeHtml(amount)}</button>
  ${submitText ? `<p class="custom-text" id="submit-text">${customTextHtml(submitText)}</p>` : ''}
  <div role="alert" id="error"></div>
</form>`
    : `<p role="status">${escapeHtml(t.closed)}</p>`
}
<p class="done" role="status" id="done" hidden></p>
${hosted?.cancelUrl ? `<p><a id="cancel" href="${escapeHtml(hosted.cancelUrl)}">${escapeHtml(t.back)}</a></p>` : ''}
${afterSubmitText ? `<p class="custom-text" id="after-submit-text" hidden>${customTextHtml(afterSubmitText)}</p>` : ''}
<script type="module">
  const text = ${JSON.stringify({ ...pageTexts(t), pay: `${t.pay} ${amount}` })};
  const clientSecret = ${JSON.stringify(session.client_secret)};
  const hosted = ${JSON.stringify(hosted ?? null)};
  const resize = () => parent.postMessage(
    { type: 'credit-topup-sandbox:resize', height: document.body.getBoundingClientRect().height + 32 },
    '*',
  );
  new ResizeObserver(resize).observe(document.body);
  const form = document.getElementById('pay');
  if (form) {
    const cardFields = document.getElementById('card-fields');
    const sepaFields = document.getElementById('sepa-fields');
    const byId = (id) => document.getElementById(id);
    const value = (id) => (byId(id) ? byId(id).value : undefined);
    form.addEventListener('change', () => {
      const sepa = form.method.value === 'sepa_debit';
      cardFields.hidden = sepa;
      sepaFields.hidden = !sepa;
      if (byId('business')) byId('business-fields').hidden = !byId('business').checked;
    });
    /** What the rest of the form says, as the pay call takes it. */
    const buyer = () => {
      const body = {};
      if (byId('terms')) body.terms_accepted = byId('terms').checked;
      if (byId('billing-address')) {
        body.name = value('billing-name');
        body.billing_address = {
          line1: value('billing-line1'),
          line2: value('billing-line2'),
          postal_code: value('billing-postal-code'),
          city: value('billing-city'),
          country: value('billing-country'),
        };
      }
      if (byId('business') && byId('business').checked) {
        body.business_name = value('business-name');
        body.tax_id = value('tax-id');
      }
      return body;
    };
    /** The field a refusal is about, marked and focused. */
    const fieldIds = {
      terms_accepted: 'terms',
      tax_id: 'tax-id',
      'billing_address[line1]': 'billing-line1',
      'billing_address[postal_code]': 'billing-postal-code',
      'billing_address[city]': 'billing-city',
      'billing_address[country]': 'billing-country',
    };
    const errorText = (result) =>
      result.code === 'card_declined' ? text.declined
      : result.code === 'incorrect_number' ? text.incorrect
      : result.code === 'invalid_iban' ? text.invalidIban
      : result.code === 'terms_of_service_not_accepted' ? text.termsNotAccepted
      : result.code === 'billing_address_incomplete' ? text.addressIncomplete
      : result.code === 'tax_id_invalid' ? text.taxIdInvalid : result.message;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = document.getElementById('pay-button');
      const error = document.getElementById('error');
      button.disabled = true;
      button.textContent = text.paying;
      error.textContent = '';
      for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
      const method = form.method.value;
      const body = method === 'card'
        ? { client_secret: clientSecret, card_number: value('card-number'), ...buyer() }
        : { client_secret: clientSecret, iban: value('iban'), ...buyer() };
      const response = await fetch(hosted ? hosted.payPath : '/embedded-checkout/pay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const result = await response.json();
      if (!result.ok) {
        error.textContent = errorText(result);
        button.disabled = false;
        button.textContent = text.pay;
        const field = byId(fieldIds[result.field]);
        if (field) {
          field.setAttribute('aria-invalid', 'true');
          field.focus();
        }
        return;
      }
      form.hidden = true;
      const done = document.getElementById('done');
      done.textContent = result.payment_status === 'paid' ? text.paid : text.processing;
      done.hidden = false;
      if (byId('after-submit-text')) byId('after-submit-text').hidden = false;
      if (hosted && hosted.successUrl) location.assign(hosted.successUrl);
      else parent.postMessage({ type: 'credit-topup-sandbox:complete', session_id: result.session_id }, '*');
    });
  }
</script>
</body>
</html>`;
}

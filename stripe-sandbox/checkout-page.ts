// The sandbox's checkout page, shown in the iframe of the Stripe.js stand-in: card or SEPA Direct Debit,
// labelled inputs in German and English, and a message to the parent page when the session completes.

import type Stripe from 'stripe';

const TEXT = {
  de: {
    title: 'Testzahlung',
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
  },
  en: {
    title: 'Test payment',
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

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );

/** The texts the page's script shows while paying. */
function pageTexts(t: (typeof TEXT)[CheckoutPageLocale]) {
  const { paying, paid, processing, declined, incorrect, invalidIban } = t;
  return { paying, paid, processing, declined, incorrect, invalidIban };
}

export function checkoutPageHtml(session: Stripe.Checkout.Session, locale: CheckoutPageLocale): string {
  const t = TEXT[locale];
  const amount = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    style: 'currency',
    currency: (session.currency ?? 'eur').toUpperCase(),
  }).format((session.amount_total ?? 0) / 100);
  const open = session.status === 'open';
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
  [hidden] { display: none !important; }
</style>
</head>
<body>
<p class="amount" data-testid="amount">${escapeHtml(amount)}</p>
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
  <button type="submit" id="pay-button">${escapeHtml(t.pay)} ${escapeHtml(amount)}</button>
  <div role="alert" id="error"></div>
</form>`
    : `<p role="status">${escapeHtml(t.closed)}</p>`
}
<p class="done" role="status" id="done" hidden></p>
<script type="module">
  const text = ${JSON.stringify({ ...pageTexts(t), pay: `${t.pay} ${amount}` })};
  const clientSecret = ${JSON.stringify(session.client_secret)};
  const resize = () => parent.postMessage(
    { type: 'credit-topup-sandbox:resize', height: document.body.getBoundingClientRect().height + 32 },
    '*',
  );
  new ResizeObserver(resize).observe(document.body);
  const form = document.getElementById('pay');
  if (form) {
    const cardFields = document.getElementById('card-fields');
    const sepaFields = document.getElementById('sepa-fields');
    form.addEventListener('change', () => {
      const sepa = form.method.value === 'sepa_debit';
      cardFields.hidden = sepa;
      sepaFields.hidden = !sepa;
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = document.getElementById('pay-button');
      const error = document.getElementById('error');
      button.disabled = true;
      button.textContent = text.paying;
      error.textContent = '';
      const method = form.method.value;
      const body = method === 'card'
        ? { client_secret: clientSecret, card_number: document.getElementById('card-number').value }
        : { client_secret: clientSecret, iban: document.getElementById('iban').value };
      const response = await fetch('/embedded-checkout/pay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const result = await response.json();
      if (!result.ok) {
        error.textContent = result.code === 'card_declined' ? text.declined
          : result.code === 'incorrect_number' ? text.incorrect
          : result.code === 'invalid_iban' ? text.invalidIban : result.message;
        button.disabled = false;
        button.textContent = text.pay;
        return;
      }
      form.hidden = true;
      const done = document.getElementById('done');
      done.textContent = result.payment_status === 'paid' ? text.paid : text.processing;
      done.hidden = false;
      parent.postMessage({ type: 'credit-topup-sandbox:complete', session_id: result.session_id }, '*');
    });
  }
</script>
</body>
</html>`;
}

// The sandbox's checkout page for a session in setup mode: nothing is charged, the buyer saves a card for
// later payments (automatic top-up). A card number field (with expiry and CVC, as on Stripe's page) and a
// quick pick of Stripe's test cards for saving, German and English. A card that needs authentication
// shows the 3-D Secure challenge in a modal frame first; the session completes once it is completed.

import type Stripe from 'stripe';
import { type CheckoutPageLocale, customTextHtml, escapeHtml, type HostedPage } from './checkout-page.ts';

const TEXT = {
  de: {
    title: 'Karte speichern',
    heading: 'Karte für künftige Zahlungen speichern',
    note: 'Heute wird nichts abgebucht. Die Karte wird für spätere Zahlungen gespeichert.',
    sandbox: 'Offline-Testumgebung: es wird kein echtes Geld bewegt.',
    back: 'Zurück',
    cardNumber: 'Kartennummer',
    expiry: 'Ablaufdatum',
    cvc: 'Prüfziffer',
    testCards: 'Testkarten',
    save: 'Karte speichern',
    saving: 'Wird gespeichert …',
    saved: 'Karte gespeichert',
    closed: 'Diese Sitzung ist nicht mehr offen.',
    challenge: '3D-Secure-Bestätigung',
    errors: {
      card_declined: 'Ihre Karte wurde abgelehnt.',
      insufficient_funds: 'Ihre Karte ist nicht ausreichend gedeckt.',
      expired_card: 'Ihre Karte ist abgelaufen.',
      incorrect_number: 'Die Kartennummer ist ungültig.',
      authentication_failed:
        'Die Authentifizierung ist fehlgeschlagen. Bitte versuchen Sie es erneut oder verwenden Sie eine andere Karte.',
    },
    cards: {
      '4242424242424242': 'Wird gespeichert',
      '4000002500003155': 'Authentifizierung beim Speichern',
      '4000002760003184': 'Authentifizierung bei jeder Zahlung',
      '4000000000000341': 'Zahlungen werden abgelehnt',
      '4000008260003178': 'Zahlungen: nicht ausreichend gedeckt',
      '4000000000009995': 'Abgelehnt: nicht ausreichend gedeckt',
    },
  },
  en: {
    title: 'Save card',
    heading: 'Save a card for future payments',
    note: 'Nothing is charged today. The card is saved for later payments.',
    sandbox: 'Offline sandbox: no real money moves.',
    back: 'Back',
    cardNumber: 'Card number',
    expiry: 'Expiry date',
    cvc: 'CVC',
    testCards: 'Test cards',
    save: 'Save card',
    saving: 'Saving …',
    saved: 'Card saved',
    closed: 'This session is no longer open.',
    challenge: '3D Secure confirmation',
    errors: {
      card_declined: 'Your card was declined.',
      insufficient_funds: 'Your card has insufficient funds.',
      expired_card: 'Your card has expired.',
      incorrect_number: 'Your card number is incorrect.',
      authentication_failed: 'Authentication failed. Please try again or use a different card.',
    },
    cards: {
      '4242424242424242': 'Saved',
      '4000002500003155': 'Authenticate when saved',
      '4000002760003184': 'Authenticate every payment',
      '4000000000000341': 'Payments declined',
      '4000008260003178': 'Payments: insufficient funds',
      '4000000000009995': 'Declined: insufficient funds',
    },
  },
};

const grouped = (number: string) => number.replace(/(\d{4})(?=\d)/g, '$1 ');

export function setupPageHtml(
  session: Stripe.Checkout.Session,
  locale: CheckoutPageLocale,
  hosted?: HostedPage,
): string {
  const t = TEXT[locale];
  const open = session.status === 'open';
  const submitText = session.custom_text?.submit?.message;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 16px; background: Canvas; color: CanvasText; }
  h1 { font-size: 1.3rem; margin: 0 0 6px; }
  .note { font-size: .8rem; opacity: .75; margin: 0 0 12px; }
  label { display: block; font-size: .9rem; margin: 10px 0 4px; }
  input[type=text] {
    box-sizing: border-box; width: 100%; padding: 10px; font-size: 1rem;
    border: 1px solid #8888; border-radius: 6px; background: Field; color: FieldText;
  }
  .row { display: flex; gap: 12px; } .row > div { flex: 1; }
  fieldset { border: 1px dashed #8888; border-radius: 6px; margin: 14px 0 0; padding: 8px 10px; }
  legend { font-size: .8rem; padding: 0 4px; }
  .custom-text { font-size: .85rem; margin: 10px 0 0; color: #30313d; }
  .pick { display: flex; justify-content: space-between; gap: 8px; width: 100%; margin: 4px 0;
    padding: 6px 8px; font: inherit; font-size: .85rem; text-align: left; cursor: pointer;
    border: 1px solid #8886; border-radius: 4px; background: transparent; color: inherit; }
  .pick span:first-child { font-family: ui-monospace, monospace; }
  #save-button {
    margin-top: 16px; width: 100%; padding: 12px; font-size: 1rem; font-weight: 600;
    border: 0; border-radius: 6px; background: #635bff; color: #fff; cursor: pointer;
  }
  #save-button:disabled { opacity: .6; cursor: progress; }
  [role=alert] { color: #d33; min-height: 1.2em; margin-top: 10px; }
  .done { font-size: 1.2rem; font-weight: 600; color: #1a7f37; }
  dialog { padding: 0; border: 0; border-radius: 8px; width: min(420px, 92vw); }
  dialog::backdrop { background: #0008; }
  dialog iframe { display: block; width: 100%; height: 420px; border: 0; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<h1>${escapeHtml(t.heading)}</h1>
<p class="note">${escapeHtml(t.note)}</p>
<p class="note">${escapeHtml(t.sandbox)}</p>
${
  open
    ? `<form id="save" novalidate>
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
  <fieldset>
    <legend>${escapeHtml(t.testCards)}</legend>
    ${Object.entries(t.cards)
      .map(
        ([number, label]) =>
          `<button type="button" class="pick" data-card="${number}"><span>${grouped(number)}</span><span>${escapeHtml(label)}</span></button>`,
      )
      .join('\n    ')}
  </fieldset>
  <button type="submit" id="save-button">${escapeHtml(t.save)}</button>
  ${submitText ? `<p class="custom-text" id="submit-text">${customTextHtml(submitText)}</p>` : ''}
  <div role="alert" id="error"></div>
</form>`
    : `<p role="status">${escapeHtml(t.closed)}</p>`
}
<p class="done" role="status" id="done" hidden></p>
${hosted?.cancelUrl ? `<p><a id="cancel" href="${escapeHtml(hosted.cancelUrl)}">${escapeHtml(t.back)}</a></p>` : ''}
<dialog id="challenge" aria-label="${escapeHtml(t.challenge)}"></dialog>
<script type="module">
  const text = ${JSON.stringify({ save: t.save, saving: t.saving, saved: t.saved, errors: t.errors, challenge: t.challenge })};
  const locale = ${JSON.stringify(locale)};
  const clientSecret = ${JSON.stringify(session.client_secret)};
  const hosted = ${JSON.stringify(hosted ?? null)};
  const resize = () => parent.postMessage(
    { type: 'credit-topup-sandbox:resize', height: document.body.getBoundingClientRect().height + 32 },
    '*',
  );
  new ResizeObserver(resize).observe(document.body);
  const form = document.getElementById('save');
  const number = document.getElementById('card-number');
  for (const pick of document.querySelectorAll('.pick')) {
    pick.addEventListener('click', () => {
      number.value = pick.dataset.card.replace(/(\\d{4})(?=\\d)/g, '$1 ');
      number.focus();
    });
  }
  /** The 3-D Secure challenge in a modal frame; resolves with the intent's status afterwards. */
  const challenge = (url) => new Promise((resolve) => {
    const dialog = document.getElementById('challenge');
    const frame = document.createElement('iframe');
    frame.title = text.challenge;
    frame.src = url + '&locale=' + locale;
    dialog.replaceChildren(frame);
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow || event.data?.type !== 'credit-topup-sandbox:3ds-done') return;
      window.removeEventListener('message', onMessage);
      dialog.close();
      dialog.replaceChildren();
      resolve(event.data.status);
    };
    window.addEventListener('message', onMessage);
    dialog.showModal();
  });
  const finished = (sessionId) => {
    form.hidden = true;
    const done = document.getElementById('done');
    done.textContent = text.saved;
    done.hidden = false;
    if (hosted && hosted.successUrl) location.assign(hosted.successUrl);
    else parent.postMessage({ type: 'credit-topup-sandbox:complete', session_id: sessionId }, '*');
  };
  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = document.getElementById('save-button');
      const error = document.getElementById('error');
      const refuse = (code) => {
        error.textContent = text.errors[code] ?? text.errors.card_declined;
        button.disabled = false;
        button.textContent = text.save;
        number.setAttribute('aria-invalid', 'true');
        number.focus();
      };
      button.disabled = true;
      button.textContent = text.saving;
      error.textContent = '';
      number.removeAttribute('aria-invalid');
      const [month, year] = document.getElementById('card-expiry').value.split('/').map((part) => Number(part.trim()));
      const response = await fetch(hosted ? hosted.payPath : '/embedded-checkout/pay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          client_secret: clientSecret,
          card_number: number.value,
          ...(month && year ? { exp_month: month, exp_year: year < 100 ? 2000 + year : year } : {}),
        }),
      });
      const result = await response.json();
      if (!result.ok) return refuse(result.decline_code === 'insufficient_funds' ? 'insufficient_funds' : result.code);
      if (result.setup_intent_status === 'requires_action') {
        const status = await challenge(result.challenge_url);
        if (status !== 'succeeded') return refuse('authentication_failed');
      }
      finished(result.session_id);
    });
  }
</script>
</body>
</html>`;
}

// The 3-D Secure challenge page, as Stripe's test mode shows one: no real bank, two buttons to complete or
// fail the authentication. A PaymentIntent or SetupIntent that requires_action names it (its
// next_action.use_stripe_sdk.stripe_js); Stripe.js (the stand-in) or the setup page shows it in a modal
// frame. The answer goes to POST /3ds/:id; the page then tells its parent, which reads the intent again.

import type Stripe from 'stripe';

const TEXT = {
  de: {
    title: '3D-Secure-Testseite',
    heading: 'Zahlung bestätigen',
    headingSetup: 'Karte bestätigen',
    explanation:
      'Testmodus: Hier würde Ihre Bank Sie bitten, sich auszuweisen. Wählen Sie, wie die Authentifizierung ausgeht.',
    amount: 'Betrag',
    saveCard: 'Die Karte wird für künftige Zahlungen gespeichert.',
    complete: 'Authentifizierung abschließen',
    fail: 'Authentifizierung fehlschlagen lassen',
    working: 'Einen Moment …',
  },
  en: {
    title: '3D Secure test page',
    heading: 'Confirm your payment',
    headingSetup: 'Confirm your card',
    explanation:
      'Test mode: this is where your bank would ask you to identify yourself. Choose how the authentication ends.',
    amount: 'Amount',
    saveCard: 'The card is saved for future payments.',
    complete: 'Complete authentication',
    fail: 'Fail authentication',
    working: 'One moment …',
  },
};

export type ThreeDSecurePageLocale = keyof typeof TEXT;

export const threeDSecurePageLocale = (requested: string | undefined): ThreeDSecurePageLocale =>
  requested?.startsWith('en') ? 'en' : 'de';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );

export function threeDSecurePageHtml(
  intent: Stripe.PaymentIntent | Stripe.SetupIntent,
  locale: ThreeDSecurePageLocale,
): string {
  const t = TEXT[locale];
  const what =
    intent.object === 'payment_intent'
      ? `${t.amount}: ${new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
          style: 'currency',
          currency: intent.currency.toUpperCase(),
        }).format(intent.amount / 100)}`
      : t.saveCard;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 24px; background: Canvas; color: CanvasText; }
  .badge { display: inline-block; font-size: .75rem; font-weight: 700; letter-spacing: .05em;
    padding: 2px 8px; border-radius: 4px; background: #ffb020; color: #3a2a00; }
  h1 { font-size: 1.3rem; margin: 12px 0 8px; }
  p { margin: 8px 0; }
  .what { font-weight: 600; }
  .buttons { display: flex; flex-direction: column; gap: 10px; margin-top: 20px; }
  button { padding: 12px; font-size: 1rem; font-weight: 600; border-radius: 6px; cursor: pointer; }
  #complete { border: 0; background: #1a7f37; color: #fff; }
  #fail { border: 1px solid #d33; background: transparent; color: #d33; }
  button:disabled { opacity: .6; cursor: progress; }
</style>
</head>
<body>
<span class="badge">TEST</span>
<h1>${escapeHtml(intent.object === 'payment_intent' ? t.heading : t.headingSetup)}</h1>
<p>${escapeHtml(t.explanation)}</p>
<p class="what" data-testid="what">${escapeHtml(what)}</p>
<div class="buttons">
  <button type="button" id="complete">${escapeHtml(t.complete)}</button>
  <button type="button" id="fail">${escapeHtml(t.fail)}</button>
</div>
<p role="status" id="status"></p>
<script type="module">
  const intent = ${JSON.stringify({ id: intent.id, client_secret: intent.client_secret })};
  const working = ${JSON.stringify(t.working)};
  const buttons = [...document.querySelectorAll('button')];
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      for (const each of buttons) each.disabled = true;
      document.getElementById('status').textContent = working;
      const outcome = button.id === 'complete' ? 'complete' : 'fail';
      const response = await fetch('/3ds/' + intent.id, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_secret: intent.client_secret, outcome }),
      });
      const result = await response.json();
      parent.postMessage(
        { type: 'credit-topup-sandbox:3ds-done', intent: intent.id, status: result.status ?? null },
        '*',
      );
    });
  }
</script>
</body>
</html>`;
}

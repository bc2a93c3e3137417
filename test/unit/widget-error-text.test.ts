import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CheckoutErrorCode, errorText, messages } from '../../widget/i18n.ts';

// The element shows only its own texts: a code it does not know (a newer server, a proxy in between) gets
// the generic text, never the English message that came with it.
test('every error shown is one of the texts of the element, in its language', () => {
  const de = messages('de');
  const en = messages('en');
  assert.equal(errorText(de, 'rate_limited'), de.errors.rate_limited);
  assert.equal(errorText(en, 'rate_limited'), en.errors.rate_limited);
  for (const code of ['tenant_suspended', 'constructor', 'toString', '__proto__', '']) {
    assert.equal(errorText(de, code), de.errors.internal_error, code);
    assert.equal(errorText(en, code), en.errors.internal_error, code);
  }
});

// The checkout's error texts travel with the dialog's chunk, not the first load: once it is loaded, every
// code only a checkout can meet has its own text in both languages, never the generic one.
test("the checkout's error texts arrive with the dialog's chunk, in German and English", async () => {
  await import('../../widget/purchase/purchase-messages.ts');
  const de = messages('de');
  const en = messages('en');
  const checkoutCodes: CheckoutErrorCode[] = [
    'unknown_package',
    'invalid_amount',
    'withdrawal_waiver_required',
    'withdrawal_waiver_outdated',
    'idempotency_key_reused',
    'checkout_session_closed',
    'stripe_unavailable',
    'stripe_error',
    'stripe_load_failed',
    'payment_failed',
    'checkout_already_open',
  ];
  for (const code of checkoutCodes) {
    for (const t of [de, en]) {
      assert.notEqual(errorText(t, code), t.errors.internal_error, code);
    }
    assert.notEqual(errorText(de, code), errorText(en, code), code);
  }
  assert.match(errorText(de, 'payment_failed'), /Zahlung ist fehlgeschlagen/);
  assert.match(errorText(en, 'payment_failed'), /payment failed/);
});

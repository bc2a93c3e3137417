import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkoutLocale } from '../../server/http/checkout-locale.ts';

test("the checkout speaks the element's language, else the browser's first, else German", () => {
  assert.equal(checkoutLocale('en', 'de-DE,de;q=0.9'), 'en');
  assert.equal(checkoutLocale('de', 'en-GB'), 'de');
  assert.equal(checkoutLocale(undefined, 'en-US,en;q=0.9,de;q=0.8'), 'en');
  assert.equal(checkoutLocale(undefined, 'de-AT, en;q=0.5'), 'de');
  assert.equal(checkoutLocale('fr', 'fr-FR'), 'de', 'a language we do not offer falls back to German');
  assert.equal(checkoutLocale(42, undefined), 'de');
});

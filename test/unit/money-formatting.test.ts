import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCredits, formatMoney, messages, toLocale } from '../../widget/i18n.ts';

// Intl separates number and currency with a non-breaking space; compared here as a plain one.
const plain = (text: string) => text.replace(/\s/g, ' ');

test('integer cents are shown as German and English prices', () => {
  assert.equal(plain(formatMoney('de', 1250, 'eur')), '12,50 €');
  assert.equal(plain(formatMoney('de', 12500, 'eur')), '125,00 €');
  assert.equal(formatMoney('en', 12500, 'eur'), '€125.00');
  assert.equal(formatCredits('de', 1500), '1.500');
  assert.equal(formatCredits('en', 1500), '1,500');
});

test('the locale attribute is read leniently; every message exists in both languages', () => {
  assert.equal(toLocale('en-GB'), 'en');
  assert.equal(toLocale('EN'), 'en');
  assert.equal(toLocale('fr'), 'de');
  assert.equal(toLocale(undefined), 'de');
  const de = messages('de');
  const en = messages('en');
  assert.deepEqual(Object.keys(en.errors).sort(), Object.keys(de.errors).sort());
  for (const [code, text] of Object.entries(en.errors)) {
    assert.notEqual(text, de.errors[code as keyof typeof de.errors], `${code} is translated`);
  }
});

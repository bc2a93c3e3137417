import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { euroFieldText, parseEuroCents } from '../../widget/auto-recharge/euro-amount.ts';

// The automatic top-up's monthly cap is typed in euros and sent as integer cents, read from the text.
test('a euro amount as people type it becomes integer cents, without a float in between', () => {
  const cases: [string, number][] = [
    ['50', 5000],
    ['50,00', 5000],
    ['50.5', 5050],
    ['50,5 €', 5050],
    [' 0,29 ', 29],
    ['0.29', 29],
    ['1,10', 110],
    ['19.99EUR', 1999],
    ['007', 700],
  ];
  for (const [typed, cents] of cases) assert.equal(parseEuroCents(typed), cents, typed);
});

test('what is not an amount of euros and cents is refused, not guessed', () => {
  for (const typed of [
    '',
    ' ',
    '-5',
    '50,001',
    '1.000',
    '1.000,00',
    '5e3',
    '50,',
    ',50',
    'fünfzig',
    '0x10',
    '1 000',
  ])
    assert.equal(parseEuroCents(typed), undefined, typed);
  assert.equal(parseEuroCents('1000000'), 100_000_000);
  assert.equal(parseEuroCents('1000000,01'), undefined, 'above the largest cap');
});

test('the field shows cents in the language of the element, and reads back to the same cents', () => {
  assert.equal(euroFieldText('de', 5000), '50,00');
  assert.equal(euroFieldText('en', 5050), '50.50');
  assert.equal(euroFieldText('de', 7), '0,07');
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100_000_000 }),
      fc.constantFrom('de' as const, 'en' as const),
      (cents, locale) => parseEuroCents(euroFieldText(locale, cents)) === cents,
    ),
  );
});

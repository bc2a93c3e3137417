// Which failures refuse a Stripe event for good (answered 2xx, never delivered again) and which stay
// errors that Stripe retries: refusing too much loses credits or claw-backs without a trace.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ledgerCents, refusalReasonOf, UnappliableEventError } from '../../server/purchases/event-refusal.ts';

describe('refusing a Stripe event', () => {
  test('numbers that make no sense refuse the event with their reason', () => {
    for (const value of [-1, 12.5, 2 ** 31, Number.NaN, '100', null]) {
      assert.throws(
        () => ledgerCents(value, 'amount'),
        (error) => refusalReasonOf(error) === 'invalid_amount',
        String(value),
      );
    }
    assert.equal(ledgerCents(2500, 'amount'), 2500);
    assert.equal(refusalReasonOf(new UnappliableEventError('unknown_charge', 'gone')), 'unknown_charge');
  });

  test('an error the database raises is retried, not refused: it may be a bug of ours that a deploy fixes', () => {
    for (const code of ['22012', '22003', '22P02', '23514', '23502', '23505', '40P01', '57P01']) {
      const fromTheDriver = Object.assign(new Error(`database error ${code}`), { code });
      assert.equal(refusalReasonOf(fromTheDriver), null, code);
      assert.equal(refusalReasonOf(new Error('ledger call failed', { cause: fromTheDriver })), null, code);
    }
    assert.equal(refusalReasonOf(new TypeError('x is undefined')), null);
  });
});

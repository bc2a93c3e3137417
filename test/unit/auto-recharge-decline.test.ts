// How a failed automatic top-up is recorded: which declines switch it off at once, whichever way Stripe
// reported them (the API's error, where the SDK gives an empty decline_code, or the webhook's
// last_payment_error, where there is none).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declineOf } from '../../server/auto-recharge/recharge-payments.ts';

test('an expired card is permanent however the decline code is given; issuer declines are not', () => {
  for (const error of [
    { code: 'expired_card', decline_code: '' },
    { code: 'expired_card', decline_code: null },
    { code: 'expired_card' },
    { code: 'card_declined', decline_code: 'expired_card' },
  ]) {
    assert.deepEqual(
      declineOf(error),
      { failureCode: 'card_expired', permanent: true },
      JSON.stringify(error),
    );
  }
  assert.deepEqual(
    declineOf({ code: 'card_declined', decline_code: 'insufficient_funds', type: 'card_error' }),
    {
      failureCode: 'insufficient_funds',
      permanent: false,
    },
  );
  assert.deepEqual(declineOf({ code: 'card_declined', decline_code: '' }), {
    failureCode: 'card_declined',
    permanent: false,
  });
});

test("a card Stripe refuses as unusable (detached, another customer's) is permanent", () => {
  assert.deepEqual(declineOf({ type: 'invalid_request_error', param: 'payment_method' }), {
    failureCode: 'payment_method_unusable',
    permanent: true,
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsonLogger, redact } from '../../server/http/logger.ts';

describe('logs never carry a secret', () => {
  test('Stripe keys, webhook secrets, client secrets, JWTs, bearer tokens and card numbers are redacted', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = [
      'sk_live_51Habc123',
      'rk_test_9xyz',
      'whsec_abcDEF123+/=',
      'cs_test_a1B2c3_secret_Zz9',
      'pi_3PaYmEnT_secret_Pq7',
      'seti_1SeTuP_secret_Sx8',
      jwt,
      'Authorization: Bearer abc.def-ghi',
      'card 4242 4242 4242 4242',
      'iban-like 4000000000000002',
    ].join(' | ');
    const redacted = redact(text);
    for (const secret of [
      '51Habc123',
      '9xyz',
      'abcDEF123',
      'Zz9',
      'Pq7',
      'Sx8',
      'c2lnbmF0dXJl',
      'abc.def-ghi',
      '4242 4242',
      '4000000000000002',
    ]) {
      assert.ok(!redacted.includes(secret), `${secret} is gone from: ${redacted}`);
    }
    assert.match(redacted, /sk_live_\[redacted\]/);
    assert.match(redacted, /cs_test_\[client secret redacted\]/);
  });

  test('ordinary text (ids, paths, amounts) is left alone', () => {
    const text = 'POST /v1/checkout-sessions cs_test_a1B2c3 purchase 7d1c amount 2500 eur';
    assert.equal(redact(text), text);
  });

  test('the JSON logger scrubs messages, nested fields and errors with their causes', () => {
    const lines: string[] = [];
    const logger = createJsonLogger((line) => lines.push(line));
    const cause = new Error('upstream said whsec_leaked');
    logger.error('failed with sk_test_leaked', {
      error: new Error('wrapped Bearer tok.en', { cause }),
      nested: { deeper: ['eyJa.eyJb.c'] },
    });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? '{}');
    assert.equal(entry.level, 'error');
    assert.ok(!/leaked|tok\.en|eyJa\.eyJb/.test(lines[0] ?? ''), lines[0]);
    assert.equal(entry.error.name, 'Error');
    assert.match(entry.error.cause.message, /whsec_\[redacted\]/);
  });
});

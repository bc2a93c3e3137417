import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText, messages } from '../../widget/i18n.ts';

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

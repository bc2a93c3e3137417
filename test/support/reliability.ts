// Shared by the reliability suites: their size (reduced inside `npm test`, full with
// `npm run test:reliability`), the figures each prints, and the check that nothing secret leaked.

import assert from 'node:assert/strict';

export const FULL = process.env.RELIABILITY_SIZE === 'full';

export function size(reduced: number, full: number): number {
  return FULL ? full : reduced;
}

/** One line per scenario; scripts/run-tests.ts collects them into the closing table. */
export function report(scenario: string, figures: Record<string, number | string>) {
  console.log(`[reliability] ${JSON.stringify({ scenario, size: FULL ? 'full' : 'reduced', ...figures })}`);
}

const SECRET_SHAPES = [/\bsk_(test|live)_[A-Za-z0-9]{8,}/, /\bwhsec_[A-Za-z0-9]{8,}/, /_secret_[A-Za-z0-9]{8,}/, /\beyJ[A-Za-z0-9_-]{10,}\./, /\b4242\s?4242\s?4242\s?4242\b/];

/** Fails if any captured log line or response body holds a key, secret, token or card number. */
export function assertNoSecrets(texts: string[], what: string) {
  for (const text of texts) {
    for (const shape of SECRET_SHAPES) {
      assert.ok(!shape.test(text), `${what} contains something shaped like ${shape}: ${text.slice(0, 200)}`);
    }
  }
}

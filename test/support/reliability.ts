// Shared by the reliability suites: their size (reduced inside `npm test`, full with
// `npm run test:reliability`), the figures each prints, and the check that nothing secret leaked.

import assert from 'node:assert/strict';
import { creditPackages } from '../../credit-packages.ts';
import { accessToken } from './access-tokens.ts';
import type { TestTenant } from './tenants.ts';
import { WAIVER_GIVEN } from './withdrawal-waiver.ts';

export const FULL = process.env.RELIABILITY_SIZE === 'full';

export function size(reduced: number, full: number): number {
  return FULL ? full : reduced;
}

/** One line per scenario; scripts/run-tests.ts collects them into the closing table. */
export function report(scenario: string, figures: Record<string, number | string>) {
  console.log(`[reliability] ${JSON.stringify({ scenario, size: FULL ? 'full' : 'reduced', ...figures })}`);
}

const SECRET_SHAPES = [
  /\bsk_(test|live)_[A-Za-z0-9]{8,}/,
  /\bwhsec_[A-Za-z0-9]{8,}/,
  /_secret_[A-Za-z0-9]{8,}/,
  /\beyJ[A-Za-z0-9_-]{10,}\./,
  /\b4242\s?4242\s?4242\s?4242\b/,
];

/** Fails if any captured log line or response body holds a key, secret, token or card number. */
export function assertNoSecrets(texts: string[], what: string) {
  for (const text of texts) {
    for (const shape of SECRET_SHAPES) {
      assert.ok(!shape.test(text), `${what} contains something shaped like ${shape}: ${text.slice(0, 200)}`);
    }
  }
}

/** Checkouts started through the server's HTTP API, packages in turn, tenants in turn. */
export async function startCheckoutsOverHttp(url: string, tenants: TestTenant[], count: number) {
  const sessions: { tenantId: string; sessionId: string; credits: number }[] = [];
  for (let index = 0; index < count; index++) {
    const tenant = tenants[index % tenants.length]!;
    const creditPackage = creditPackages[index % creditPackages.length]!;
    const response = await fetch(`${url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await accessToken(tenant.userId)}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ package_id: creditPackage.id, ...WAIVER_GIVEN }),
    });
    assert.equal(response.status, 201);
    sessions.push({
      tenantId: tenant.tenantId,
      sessionId: ((await response.json()) as { id: string }).id,
      credits: creditPackage.credits,
    });
  }
  return sessions;
}

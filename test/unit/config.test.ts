import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, readConfig } from '../../server/config.ts';
import { TEST_JWT_SECRET } from '../support/access-tokens.ts';

const defaults = { embeddedDataDir: '/tmp/unused', embeddedPort: 1 };
const valid = {
  STRIPE_SECRET_KEY: 'sk_test_abcdefghijklmnop',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_abcdefghijklmnop',
  STRIPE_WEBHOOK_SECRET: 'whsec_one, whsec_two',
  SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
  PUBLIC_RETURN_URL: 'https://portal.example.test/kosten',
  ALLOWED_ORIGINS: 'https://portal.example.test,http://localhost:5173',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env, defaults);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  test('a valid environment: embedded ledger by default, test mode, secrets split for rotation', () => {
    const config = readConfig(valid, defaults);
    assert.equal(config.ledger.kind, 'embedded');
    assert.equal(config.stripe.mode, 'test');
    assert.deepEqual(config.stripe.webhookSecrets, ['whsec_one', 'whsec_two']);
    assert.deepEqual(config.allowedOrigins, ['https://portal.example.test', 'http://localhost:5173']);
    assert.equal(config.port, 8787);
  });

  test('DATABASE_URL selects postgres, SUPABASE_URL selects supabase and the JWKS', () => {
    assert.equal(
      readConfig({ ...valid, DATABASE_URL: 'postgres://u:p@db:5432/x' }, defaults).ledger.kind,
      'postgres',
    );
    const supabase = readConfig(
      { ...valid, SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'service-key' },
      defaults,
    );
    assert.equal(supabase.ledger.kind, 'supabase');
    assert.equal(supabase.auth.jwksUrl, 'https://abc.supabase.co/auth/v1/.well-known/jwks.json');
  });

  test('every problem is reported at once, each naming its variable, never echoing a secret', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      STRIPE_SECRET_KEY: 'sk_wrong_SECRETVALUE',
      STRIPE_WEBHOOK_SECRET: 'nope_SECRETVALUE',
    });
    const text = problems.join('\n');
    for (const name of [
      'PORT',
      'STRIPE_SECRET_KEY',
      'STRIPE_PUBLISHABLE_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'SUPABASE_JWT_SECRET',
      'PUBLIC_RETURN_URL',
    ]) {
      assert.match(text, new RegExp(name), name);
    }
    assert.doesNotMatch(text, /SECRETVALUE/);
  });

  test('dangerous combinations are refused', () => {
    assert.match(
      problemsOf({
        ...valid,
        STRIPE_SECRET_KEY: 'sk_live_x',
        STRIPE_PUBLISHABLE_KEY: 'pk_live_x',
        STRIPE_API_BASE: 'http://127.0.0.1:1',
      }).join(),
      /STRIPE_API_BASE/,
    );
    assert.match(problemsOf({ ...valid, STRIPE_PUBLISHABLE_KEY: 'pk_live_x' }).join(), /different modes/);
    assert.match(
      problemsOf({ ...valid, ALLOWED_ORIGINS: 'https://portal.example.test/path' }).join(),
      /exact origin/,
    );
    assert.match(problemsOf({ ...valid, SUPABASE_JWT_SECRET: 'short' }).join(), /at least 32/);
    assert.match(
      problemsOf({ ...valid, SUPABASE_URL: 'https://abc.supabase.co' }).join(),
      /SUPABASE_SERVICE_ROLE_KEY/,
    );
  });

  test('a custom amount is off unless asked for; its bounds default to 20–4000 credits in steps of 10', () => {
    assert.equal(readConfig(valid, defaults).customAmount, null);
    assert.deepEqual(readConfig({ ...valid, CREDIT_TOPUP_CUSTOM_AMOUNT: 'true' }, defaults).customAmount, {
      minCredits: 20,
      maxCredits: 4000,
      stepCredits: 10,
    });
    const on = { ...valid, CREDIT_TOPUP_CUSTOM_AMOUNT: 'true' };
    assert.deepEqual(
      problemsOf({ ...on, CREDIT_TOPUP_CUSTOM_AMOUNT_MIN: '500', CREDIT_TOPUP_CUSTOM_AMOUNT_MAX: '100' }),
      ['CREDIT_TOPUP_CUSTOM_AMOUNT_MIN must not be larger than CREDIT_TOPUP_CUSTOM_AMOUNT_MAX'],
    );
    // Below Stripe's smallest charge (0.50 € = 2 credits), a fraction, beyond 1,000,000 credits.
    assert.equal(problemsOf({ ...on, CREDIT_TOPUP_CUSTOM_AMOUNT_MIN: '1' }).length, 1);
    assert.equal(problemsOf({ ...on, CREDIT_TOPUP_CUSTOM_AMOUNT_STEP: '2.5' }).length, 1);
    assert.equal(problemsOf({ ...on, CREDIT_TOPUP_CUSTOM_AMOUNT_MAX: '1000001' }).length, 1);
  });

  test('rate limits count in the database unless the memory store is asked for by name', () => {
    const config = readConfig(valid, defaults);
    assert.equal(config.rateLimitStore, 'database');
    assert.deepEqual(config.checkoutRateLimit, { requests: 10, perSeconds: 60 });
    assert.deepEqual(config.sessionStatusRateLimit, { requests: 120, perSeconds: 60 });
    assert.equal(config.sessionStripeIntervalMs, 1500);
    const single = readConfig(
      {
        ...valid,
        RATE_LIMIT_STORE: 'memory',
        SESSION_STATUS_RATE_LIMIT: '30',
        SESSION_STATUS_RATE_LIMIT_WINDOW_S: '10',
        SESSION_STATUS_STRIPE_INTERVAL_MS: '2000',
      },
      defaults,
    );
    assert.equal(single.rateLimitStore, 'memory');
    assert.deepEqual(single.sessionStatusRateLimit, { requests: 30, perSeconds: 10 });
    assert.equal(single.sessionStripeIntervalMs, 2000);
    const problems = problemsOf({
      ...valid,
      RATE_LIMIT_STORE: 'redis',
      SESSION_STATUS_RATE_LIMIT: '0',
      SESSION_STATUS_STRIPE_INTERVAL_MS: '5',
    }).join('\n');
    for (const name of ['RATE_LIMIT_STORE', 'SESSION_STATUS_RATE_LIMIT', 'SESSION_STATUS_STRIPE_INTERVAL_MS'])
      assert.match(problems, new RegExp(name), name);
  });

  test('selling: consumers at prices including VAT with invoices by default; net prices only for businesses with Stripe Tax', () => {
    const config = readConfig(valid, defaults);
    assert.deepEqual(config.selling, {
      sellTo: 'consumers',
      vat: 'included',
      legal: { termsUrl: null, privacyUrl: null, withdrawalPolicyUrl: null },
      invoiceFooter: null,
    });
    assert.equal(config.stripe.invoiceCreation, true);
    assert.equal(
      readConfig({ ...valid, STRIPE_INVOICE_CREATION: 'false' }, defaults).stripe.invoiceCreation,
      false,
    );

    const business = readConfig(
      {
        ...valid,
        CREDIT_TOPUP_SELL_TO: 'businesses',
        CREDIT_TOPUP_VAT: 'added',
        STRIPE_AUTOMATIC_TAX: 'true',
        LEGAL_TERMS_URL: 'https://portal.example.test/agb',
        LEGAL_PRIVACY_URL: 'https://portal.example.test/datenschutz',
        LEGAL_WITHDRAWAL_POLICY_URL: 'https://portal.example.test/widerruf',
        INVOICE_FOOTER: 'Muster GmbH · Musterstr. 1 · 10115 Berlin · USt-IdNr. DE123456789',
      },
      defaults,
    );
    assert.deepEqual(business.selling, {
      sellTo: 'businesses',
      vat: 'added',
      legal: {
        termsUrl: 'https://portal.example.test/agb',
        privacyUrl: 'https://portal.example.test/datenschutz',
        withdrawalPolicyUrl: 'https://portal.example.test/widerruf',
      },
      invoiceFooter: 'Muster GmbH · Musterstr. 1 · 10115 Berlin · USt-IdNr. DE123456789',
    });

    // Each refusal says why, naming its variable.
    assert.match(
      problemsOf({ ...valid, CREDIT_TOPUP_VAT: 'added', STRIPE_AUTOMATIC_TAX: 'true' }).join(),
      /CREDIT_TOPUP_VAT=added needs CREDIT_TOPUP_SELL_TO=businesses.*PAngV/,
    );
    assert.match(
      problemsOf({ ...valid, CREDIT_TOPUP_SELL_TO: 'businesses', CREDIT_TOPUP_VAT: 'added' }).join(),
      /CREDIT_TOPUP_VAT=added needs STRIPE_AUTOMATIC_TAX=true/,
    );
    const problems = problemsOf({
      ...valid,
      CREDIT_TOPUP_SELL_TO: 'everyone',
      CREDIT_TOPUP_VAT: 'maybe',
      LEGAL_TERMS_URL: 'http://portal.example.test/agb',
      LEGAL_PRIVACY_URL: 'datenschutz',
    }).join('\n');
    for (const name of ['CREDIT_TOPUP_SELL_TO', 'CREDIT_TOPUP_VAT', 'LEGAL_TERMS_URL', 'LEGAL_PRIVACY_URL'])
      assert.match(problems, new RegExp(name), name);
    // A page on this machine (the demo's) may be plain http, as browsers trust localhost.
    assert.deepEqual(
      problemsOf({
        ...valid,
        LEGAL_TERMS_URL: 'http://localhost:5173/legal.html#agb',
        LEGAL_PRIVACY_URL: 'http://127.0.0.1:5173/legal.html#datenschutz',
      }),
      [],
    );
  });
});

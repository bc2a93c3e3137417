// The configuration of a server under test, as the environment of `npm start` would give it: the
// sandbox's keys, the tests' JWT secret, one allowed origin. Every test builds its server from this,
// through the production wiring (readConfig → startNodeServer / createAppFromConfig / server/main.ts).

import { readConfig, type ServerConfig } from '../../server/config.ts';
import type { StripeSandbox } from '../../stripe-sandbox/server.ts';
import { TEST_JWT_SECRET } from './access-tokens.ts';

export const TEST_ORIGIN = 'https://portal.example.test';

export function testServerEnv(input: {
  databaseUrl: string;
  sandbox: Pick<StripeSandbox, 'secretKey' | 'publishableKey' | 'webhookSecret' | 'url'>;
  /** Anything to set differently (rate limits, timeouts, origins, port). */
  env?: Record<string, string>;
}): Record<string, string> {
  const { sandbox } = input;
  return {
    PORT: '0',
    DATABASE_URL: input.databaseUrl,
    SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
    STRIPE_SECRET_KEY: sandbox.secretKey,
    STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
    STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
    STRIPE_API_BASE: sandbox.url,
    PUBLIC_RETURN_URL: `${TEST_ORIGIN}/kosten`,
    ALLOWED_ORIGINS: TEST_ORIGIN,
    CHECKOUT_RATE_LIMIT: '1000',
    // The fuzzing suites ask about sessions thousands of times as one user; tests of the limit set it low.
    SESSION_STATUS_RATE_LIMIT: '100000',
    ...input.env,
  };
}

export function testServerConfig(input: Parameters<typeof testServerEnv>[0]): ServerConfig {
  return readConfig(testServerEnv(input), { embeddedDataDir: '', embeddedPort: 0 });
}

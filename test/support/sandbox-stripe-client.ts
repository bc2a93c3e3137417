import type Stripe from 'stripe';
import { createStripeClient } from '../../server/stripe/stripe-client.ts';
import type { StripeSandbox } from '../../stripe-sandbox/server.ts';

/** The official SDK pointed at the offline sandbox, as the server configures it. */
export function sandboxStripeClient(
  sandbox: Pick<StripeSandbox, 'secretKey' | 'url'>,
  options: { timeoutMs?: number; maxNetworkRetries?: number } = {},
): Stripe {
  return createStripeClient({
    secretKey: sandbox.secretKey,
    apiBase: new URL(sandbox.url),
    timeoutMs: options.timeoutMs ?? 5000,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
  });
}

// Verifies a webhook on its raw body against every configured secret (rotation: old and new both
// accepted while Stripe rolls the secret). Web Crypto, so the same code verifies on Node and Deno.

import Stripe from 'stripe';

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** Stripe's own default tolerance: older signatures are treated as replays. */
export const SIGNATURE_TOLERANCE_S = 300;

export async function verifyWebhookEvent(
  stripe: Stripe,
  rawBody: string,
  signatureHeader: string | undefined,
  secrets: readonly string[],
): Promise<Stripe.Event | null> {
  if (!signatureHeader) return null;
  for (const secret of secrets) {
    try {
      return await stripe.webhooks.constructEventAsync(rawBody, signatureHeader, secret, SIGNATURE_TOLERANCE_S, cryptoProvider);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) continue;
      return null; // signed correctly but not JSON: nothing we can act on
    }
  }
  return null;
}

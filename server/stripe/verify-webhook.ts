// Verifies a webhook on its raw body against every configured secret (rotation: old and new both
// accepted while Stripe rolls the secret). constructEventAsync picks the platform's crypto itself:
// Node's HMAC on Node (cheaper per event), Web Crypto on Deno and other workers.

import Stripe from 'stripe';

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
      return await stripe.webhooks.constructEventAsync(
        rawBody,
        signatureHeader,
        secret,
        SIGNATURE_TOLERANCE_S,
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) continue;
      return null; // signed correctly but not JSON: nothing we can act on
    }
  }
  return null;
}

// The portal's plan, step 4: the webhook Edge Function. It takes only Stripe's deliveries: verifies the
// signature on the raw body and credits a paid session exactly once (through the portal's
// rpc_credit_topup, with a receipt line in armstrong_billing_events), and applies refunds and disputes.
// Everything the element asks is answered by sot-credit-checkout; here it is not_found.
//
// Deploy: supabase functions deploy sot-credit-webhook --no-verify-jwt (Stripe sends no Supabase JWT)
// Stripe's webhook endpoint: https://<project-ref>.supabase.co/functions/v1/sot-credit-webhook/v1/stripe/webhook

import { serveCreditTopup } from '../_shared/serve-credit-topup.ts';

await serveCreditTopup('sot-credit-webhook', 'stripe-webhook');

// The whole credit-topup API as one Supabase Edge Function: the browser's part and Stripe's webhook.
// The portal's plan splits the same into sot-credit-checkout and sot-credit-webhook; either way works.
//
// Deploy: supabase functions deploy credit-topup --no-verify-jwt
// (Stripe's webhook carries no Supabase JWT; the app verifies user tokens itself.)

import { serveCreditTopup } from '../_shared/serve-credit-topup.ts';

await serveCreditTopup('credit-topup', 'all');

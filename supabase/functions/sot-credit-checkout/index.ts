// The portal's plan, step 3: the checkout Edge Function. It answers everything the <credit-topup>
// element asks (config, packages, balance, creating a Checkout Session and its status): the user is
// authenticated, the package checked and the session priced on the server. Stripe's deliveries go to
// sot-credit-webhook; here that path is not_found.
//
// Deploy: supabase functions deploy sot-credit-checkout --no-verify-jwt
// (/v1/config, /v1/packages and CORS preflights carry no JWT; the app verifies user tokens itself.)
// The element's api-base: https://<project-ref>.supabase.co/functions/v1/sot-credit-checkout

import { serveCreditTopup } from '../_shared/serve-credit-topup.ts';

await serveCreditTopup('sot-credit-checkout', 'browser');

// The HTTP contract between the credit-topup server and its clients (the <credit-topup> element, the
// portal's own code): every request and response body, and every error code a client can see. Types
// only: the server's routes check what they send against these, and the element reads them, so the two
// cannot drift apart. Money is integer cents, credits are integers.

/** Every `error.code` a client can receive; the element has a German and an English text for each. */
export type ApiErrorCode =
  | 'unauthorized'
  | 'no_tenant'
  | 'not_found'
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_package'
  | 'withdrawal_waiver_required'
  | 'withdrawal_waiver_outdated'
  | 'invalid_idempotency_key'
  | 'idempotency_key_reused'
  | 'checkout_session_closed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'origin_not_allowed'
  | 'rate_limited'
  | 'signature_invalid'
  | 'stripe_unavailable'
  | 'stripe_error'
  | 'database_unavailable'
  | 'too_many_streams'
  | 'stream_unavailable'
  | 'internal_error';

/** The body of every 4xx and 5xx answer. */
export interface ApiErrorResponse {
  error: { code: ApiErrorCode; message: string };
}

/** The languages of the element and of the checkout it opens. */
export type CheckoutLocale = 'de' | 'en';

/** Where Stripe's return URL carries the session id (`?credit_topup_session=cs_…`). */
export type ReturnSessionParameter = 'credit_topup_session';

export type StripeMode = 'live' | 'test' | 'sandbox';

/** GET /healthz */
export interface HealthResponse {
  status: 'ok';
}

/** GET /readyz (503 `database_unavailable` when the database does not answer) */
export interface ReadinessResponse {
  status: 'ready';
}

/** Whom the portal sells to (CREDIT_TOPUP_SELL_TO): consumers are asked for the withdrawal-right waiver. */
export type SellTo = 'consumers' | 'businesses';

/** How package prices relate to VAT: `included` (gross, "inkl. MwSt.") or `added` (net, Stripe Tax adds it). */
export type VatTreatment = 'included' | 'added';

/** A text the buyer agrees to, exactly as the server records it: its version id and both languages. */
export interface VersionedText {
  version: string;
  de: string;
  en: string;
}

/** The seller's legal pages, where configured; the element links them. */
export interface LegalLinks {
  terms_url: string | null;
  privacy_url: string | null;
  withdrawal_policy_url: string | null;
}

/** GET /v1/config */
export interface PublicConfigResponse {
  publishable_key: string;
  currency: string;
  stripe_mode: StripeMode;
  /** Only in sandbox mode: the Stripe.js stand-in to load instead of js.stripe.com. */
  stripe_js_url?: string;
  sell_to: SellTo;
  /** Every price the element shows carries this note ("inkl. MwSt." / "zzgl. MwSt."). */
  vat: VatTreatment;
  /** Consumers only (§ 356 Abs. 5 BGB): the waiver the buyer must tick before the checkout; else null. */
  withdrawal_waiver: VersionedText | null;
  legal: LegalLinks;
}

export interface CreditPackageView {
  id: string;
  name: string;
  credits: number;
  /** Cents. */
  amount: number;
}

/** GET /v1/packages */
export interface PackageListResponse {
  currency: string;
  packages: CreditPackageView[];
}

/** GET /v1/balance */
export interface BalanceResponse {
  tenant_id: string;
  balance_credits: number;
  reserved_credits: number;
  available_credits: number;
}

/**
 * GET /v1/balance/stream (text/event-stream): `event: balance` with this as `data`, first the current
 * balance, then one per change; `: heartbeat` comments between. 429 `too_many_streams` over the per-user
 * or per-process bound; 501 `stream_unavailable` where the server has no database to listen to (the
 * Supabase store, the Edge Function): the element then uses Supabase Realtime.
 */
export type BalanceStreamEvent = BalanceResponse;

/** POST /v1/checkout-sessions (optional header `Idempotency-Key`) */
export interface CreateCheckoutSessionRequest {
  package_id: string;
  locale?: CheckoutLocale;
  /** Selling to consumers: true once the buyer ticked the waiver (else 400 `withdrawal_waiver_required`). */
  withdrawal_waiver?: boolean;
  /** The version of the waiver text the buyer saw (else 409 `withdrawal_waiver_outdated`). */
  withdrawal_waiver_version?: string;
}

/** 201 from POST /v1/checkout-sessions */
export interface CreateCheckoutSessionResponse {
  id: string;
  client_secret: string;
  /** Unix seconds, as Stripe gives it. */
  expires_at: number;
}

export type CheckoutSessionState = 'open' | 'complete' | 'expired';
export type CheckoutPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';
export type PurchaseStatus =
  | 'pending'
  | 'credited'
  | 'failed'
  | 'expired'
  | 'refunded'
  | 'partially_refunded'
  | 'disputed';

/** GET /v1/checkout-sessions/:id */
export interface CheckoutSessionStatusResponse {
  id: string;
  status: CheckoutSessionState;
  payment_status: CheckoutPaymentStatus;
  package_id: string;
  credits: number;
  credited: boolean;
  purchase_status: PurchaseStatus;
  /** The tenant's available credits now. */
  balance: number;
  /** Stripe's receipt for the payment, once there is one. */
  receipt_url: string | null;
  /** The invoice's hosted page and its PDF, once Stripe has made the invoice (invoices on). */
  invoice_url: string | null;
  invoice_pdf_url: string | null;
}

/** POST /v1/stripe/webhook, after the ledger committed */
export interface StripeWebhookResponse {
  received: true;
}

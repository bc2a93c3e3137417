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
  | 'invalid_limit'
  | 'invalid_cursor'
  | 'unknown_package'
  | 'invalid_amount'
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
  | 'forbidden'
  | 'payment_method_required'
  | 'invalid_threshold'
  | 'nothing_to_confirm'
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

/** Any number of credits within bounds (CREDIT_TOPUP_CUSTOM_AMOUNT): min, min + step, …, at most max. */
export interface CustomAmountOffer {
  min_credits: number;
  max_credits: number;
  step_credits: number;
  /** What one credit costs, in cents: the price is credits × this, VAT as `GET /v1/config` says. */
  cents_per_credit: number;
}

/** GET /v1/packages */
export interface PackageListResponse {
  currency: string;
  packages: CreditPackageView[];
  /** Null when only the packages are sold. */
  custom_amount: CustomAmountOffer | null;
}

/**
 * Automatic top-up of a tenant, in one word: `off` (never set up, or turned off by a member), `on`
 * (waiting for the balance to fall below the threshold), `charging` (a recharge is being paid),
 * `retrying` (the last attempt was declined; another follows), `needs_confirmation` (the bank wants the
 * customer: 3-D Secure), `capped` (this month's cap is used up), `disabled` (it switched itself off).
 */
export type AutoRechargeState =
  | 'off'
  | 'on'
  | 'charging'
  | 'retrying'
  | 'needs_confirmation'
  | 'capped'
  | 'disabled';

export interface AutoRechargeSummary {
  state: AutoRechargeState;
  /** Why it is `retrying`, `capped` or `disabled`: a stable code (declined_3_times, card_expired, …). */
  reason: string | null;
}

/** GET /v1/balance */
export interface BalanceResponse {
  tenant_id: string;
  balance_credits: number;
  reserved_credits: number;
  available_credits: number;
  auto_recharge: AutoRechargeSummary;
}

/**
 * GET /v1/balance/stream (text/event-stream): `event: balance` with this as `data`, first the current
 * balance, then one per change; `: heartbeat` comments between. 429 `too_many_streams` over the per-user
 * or per-process bound; 501 `stream_unavailable` where the server has no database to listen to (the
 * Supabase store, the Edge Function): the element then uses Supabase Realtime.
 */
export type BalanceStreamEvent = BalanceResponse;

/**
 * Where the buyer pays: in Stripe's frame inside the page (`embedded`, the default), or on Stripe's own
 * page in a new tab (`hosted`), for host pages whose Content-Security-Policy forbids Stripe's frames.
 */
export type CheckoutUi = 'embedded' | 'hosted';

/** POST /v1/checkout-sessions (optional header `Idempotency-Key`): a package or a custom amount, not both. */
export type CreateCheckoutSessionRequest = (
  | { package_id: string; credits?: never }
  /** A custom amount in credits (400 `invalid_amount` outside `custom_amount` of GET /v1/packages). */
  | { credits: number; package_id?: never }
) & {
  checkout?: CheckoutUi;
  locale?: CheckoutLocale;
  /** Selling to consumers: true once the buyer ticked the waiver (else 400 `withdrawal_waiver_required`). */
  withdrawal_waiver?: boolean;
  /** The version of the waiver text the buyer saw (else 409 `withdrawal_waiver_outdated`). */
  withdrawal_waiver_version?: string;
};

/** 201 from POST /v1/checkout-sessions (embedded) */
export interface CreateCheckoutSessionResponse {
  id: string;
  client_secret: string;
  /** Unix seconds, as Stripe gives it. */
  expires_at: number;
}

/** 201 from POST /v1/checkout-sessions with `checkout: "hosted"`: Stripe's page to open in a new tab. */
export interface CreateHostedCheckoutSessionResponse {
  id: string;
  url: string;
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

/**
 * A page of a history, newest first (created_at, then id, descending). `?limit=` 1..100 (default 50);
 * `?cursor=` the previous page's next_cursor, opaque; null when there is no further page.
 */
export interface HistoryPage<T> {
  data: T[];
  next_cursor: string | null;
}

/** One purchase of GET /v1/purchases. Dates are ISO 8601; package_id may name a package no longer sold. */
export interface PurchaseHistoryItem {
  id: string;
  package_id: string;
  status: PurchaseStatus;
  credits: number;
  /** Cents: the price of what was bought (before tax added on top), and what the payment charged. */
  amount_cents: number;
  amount_paid_cents: number | null;
  refunded_cents: number;
  currency: string;
  created_at: string;
  /** When the credits were booked after the payment; null while unpaid. */
  paid_at: string | null;
  refunded_at: string | null;
  receipt_url: string | null;
  invoice_number: string | null;
  invoice_url: string | null;
  invoice_pdf_url: string | null;
}

/** One credit movement of GET /v1/ledger, as the portal's credit_ledger records it. */
export interface LedgerEntry {
  id: string;
  kind: 'credit' | 'debit';
  /** Credits, signed: + added, - taken. */
  amount: number;
  /** What caused it: stripe_checkout, stripe_reversal, stripe_reversal_restored, or the portal's own. */
  ref_type: string | null;
  ref_id: string | null;
  /** The portal action it paid for, where the portal recorded one. */
  action_code: string | null;
  created_at: string;
}

/** GET /v1/purchases; GET /v1/purchases.csv is the whole history as CSV. */
export type PurchaseHistoryResponse = HistoryPage<PurchaseHistoryItem>;

/** GET /v1/ledger; GET /v1/ledger.csv is the whole history as CSV. */
export type LedgerHistoryResponse = HistoryPage<LedgerEntry>;

/** POST /v1/stripe/webhook, after the ledger committed */
export interface StripeWebhookResponse {
  received: true;
}

/** What a recharge buys, and when. */
export interface AutoRechargeSettings {
  /** A recharge starts when the available credits fall below this (at least `min_threshold_credits`). */
  threshold_credits: number;
  /** A package id, or `custom` for an amount in credits. */
  package_id: string;
  credits: number;
  amount_cents: number;
  /** The most the recharges of one calendar month (Europe/Berlin) may charge together. */
  monthly_cap_cents: number;
}

/** The card saved for recharges, as Stripe describes it. */
export interface SavedCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

export interface AutoRechargeCharge {
  status: 'pending' | 'charging' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  credits: number;
  amount_cents: number;
  failure_code: string | null;
  created_at: string;
}

/** GET /v1/auto-recharge, and the answer of PUT and of POST /v1/auto-recharge/payment-method. */
export interface AutoRechargeResponse extends AutoRechargeSummary {
  enabled: boolean;
  /** Whether the caller may change it (the tenant's owners and admins); every member may look. */
  can_manage: boolean;
  settings: AutoRechargeSettings | null;
  payment_method: SavedCard | null;
  /** This calendar month's recharges against the cap. */
  month: { month: string; used_cents: number; cap_cents: number | null };
  last_charge: AutoRechargeCharge | null;
  min_threshold_credits: number;
}

/**
 * PUT /v1/auto-recharge (owners and admins: else 403 `forbidden`): a package or an amount in credits.
 * Turning it on needs a saved card (409 `payment_method_required`).
 */
export type SaveAutoRechargeRequest = {
  enabled: boolean;
  threshold_credits: number;
  monthly_cap_cents: number;
} & ({ package_id: string; credits?: never } | { credits: number; package_id?: never });

/** POST /v1/auto-recharge/setup-session: `{ locale? }` → 201 CreateCheckoutSessionResponse (setup mode). */
export interface CreateSetupSessionRequest {
  locale?: CheckoutLocale;
}

/** POST /v1/auto-recharge/payment-method: records the card a completed setup session saved. */
export interface SavePaymentMethodRequest {
  setup_session_id: string;
}

/** POST /v1/auto-recharge/confirmation (409 `nothing_to_confirm` when no recharge waits for the customer). */
export interface AutoRechargeConfirmationResponse {
  /** For Stripe.js `confirmCardPayment(client_secret, { payment_method })`. */
  client_secret: string;
  payment_method: string;
  credits: number;
  amount_cents: number;
}

/** POST /v1/auto-recharge/sweep: the service role only (Bearer = the service role key or sweep secret). */
export interface AutoRechargeSweepResponse {
  claimed: number;
}

/** The `detail` of the element's `credit-topup-auto-recharge` event. */
export interface AutoRechargeEventDetail {
  kind: 'started' | 'succeeded' | 'failed' | 'needs_confirmation' | 'disabled';
  state: AutoRechargeState;
  reason: string | null;
}

// The CreditStore port: everything the server asks of the credit ledger. The decisions that make
// crediting exactly-once live in SQL (supabase/migrations/0003_credit_purchases.sql); adapters only carry
// the calls, so the postgres and the supabase adapter cannot drift apart in behaviour.

import type {
  AutoRechargeSummary,
  LedgerEntry,
  PurchaseHistoryItem,
  PurchaseStatus,
} from '../../contract/credit-topup-api.ts';

export type { PurchaseStatus };

export interface Purchase {
  id: string;
  tenantId: string;
  userId: string;
  packageId: string;
  credits: number;
  amountCents: number;
  currency: string;
  stripeCheckoutSessionId: string | null;
  stripePaymentIntentId: string | null;
  sessionExpiresAt: string | null;
  status: PurchaseStatus;
  failureCode: string | null;
  amountPaidCents: number | null;
  refundedCents: number;
  disputeStatus: string | null;
  disputedCents: number;
  creditedCredits: number;
  clawedBackCredits: number;
  unrecoveredCredits: number;
  createdAt: string;
  updatedAt: string;
  creditedAt: string | null;
  /** The consumer's withdrawal-right waiver (§ 356 Abs. 5 BGB): which text, when, by whom; else null. */
  withdrawalWaiverVersion: string | null;
  withdrawalWaiverAt: string | null;
  withdrawalWaiverUserId: string | null;
  /** The receipt and the invoice as Stripe reported them, recorded once. */
  receiptUrl: string | null;
  stripeInvoiceId: string | null;
  invoiceNumber: string | null;
  invoiceUrl: string | null;
  invoicePdfUrl: string | null;
  /** The automatic recharge this purchase is an attempt of; null for Checkout purchases. */
  autoRechargeId: string | null;
}

export interface Balance {
  tenantId: string;
  balanceCredits: number;
  reservedCredits: number;
  availableCredits: number;
  /** The tenant's automatic top-up in one word; absent where the store does not know it (then `off`). */
  autoRecharge?: AutoRechargeSummary;
}

/** Why the ledger refused a call; stable, so the server can map each to an HTTP answer. */
export type LedgerRefusal =
  | 'not_a_member'
  | 'no_tenant'
  | 'idempotency_key_reused'
  | 'unknown_purchase'
  | 'session_already_attached'
  | 'unknown_checkout_session'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'payment_intent_mismatch'
  | 'invalid_status'
  | 'invalid_amount'
  | 'invalid_dispute_status'
  /** fulfilPaymentIntent for a purchase that is no automatic recharge (Checkout credits by its session). */
  | 'not_an_auto_recharge';

export type Refused = { ok: false; code: LedgerRefusal; purchase?: Purchase };
export type LedgerResult<T> = ({ ok: true } & T) | Refused;

/** Identifies the Stripe event that caused a change, so a redelivery is recognised. */
export interface StripeEventRef {
  eventId: string;
  eventType: string;
}

export interface OpenPurchaseInput
  extends Pick<Purchase, 'tenantId' | 'userId' | 'packageId' | 'credits' | 'amountCents' | 'currency'> {
  idempotencyKey?: string | null;
  /** The waiver text the buyer agreed to just now (consumers); recorded with the user and the time. */
  withdrawalWaiverVersion?: string | null;
  /** Which mode's Stripe customer of the tenant to answer (test and live have their own). */
  livemode?: boolean;
  /** The id the server chose (and named in the session's metadata); without one, a random id. */
  purchaseId?: string | null;
}

export interface OpenedPurchase {
  created: boolean;
  purchase: Purchase;
  /** The tenant's Stripe customer in this mode, once there is one. */
  stripeCustomerId: string | null;
}

/** What a checkout reads (and counts) before Stripe is asked. */
export interface PrepareCheckoutInput
  extends Pick<Purchase, 'userId' | 'packageId' | 'credits' | 'amountCents' | 'currency'> {
  idempotencyKey: string | null;
  livemode: boolean;
  /** The shared limit to count this request against; null when the caller limits on its own. */
  limit: Omit<RateLimitTake, 'key'> | null;
}

export type PreparedCheckout =
  | {
      ok: true;
      /** The user's tenant, found as resolveTenant finds it. */
      tenantId: string;
      /** The tenant's Stripe customer in this mode, once there is one. */
      stripeCustomerId: string | null;
      /** The purchase the Idempotency-Key already names (same package), or null. */
      purchase: Purchase | null;
    }
  | { ok: false; code: 'rate_limited'; retryAfterSeconds: number }
  | { ok: false; code: 'no_tenant' | 'idempotency_key_reused' };

/** What Stripe reports about a paid purchase's documents; null for what it has not made. */
export interface PurchaseDocuments {
  receiptUrl: string | null;
  stripeInvoiceId: string | null;
  invoiceNumber: string | null;
  invoiceUrl: string | null;
  invoicePdfUrl: string | null;
}

/** The documents of the purchase a Checkout Session paid for (return path, reconciliation). */
export interface PurchaseDocumentsInput extends PurchaseDocuments {
  checkoutSessionId: string;
}

export interface FulfilInput {
  checkoutSessionId: string;
  /** The session's amount_subtotal: the package price before discounts and tax. */
  amountCents: number;
  currency: string;
  paymentIntentId?: string | null;
  /** The session's amount_total: what the customer was charged. */
  amountPaidCents?: number | null;
  event?: StripeEventRef | null;
}

export interface MarkInput {
  checkoutSessionId: string;
  status: 'failed' | 'expired';
  failureCode?: string | null;
  event?: StripeEventRef | null;
}

/** A charge's refund or dispute; the purchase is found by purchase id (metadata) or payment intent. */
export interface ChargeRef {
  purchaseId?: string | null;
  paymentIntentId?: string | null;
}

/** The documents a charge or invoice event carries, for the purchase its metadata or payment intent names. */
export interface DocumentsOfPurchaseInput extends ChargeRef, PurchaseDocuments {}

export interface RefundInput extends ChargeRef {
  chargeAmountCents: number;
  /** Cumulative refunded amount of the charge, as Stripe reports it. */
  amountRefundedCents: number;
  event?: StripeEventRef | null;
}

export interface DisputeInput extends ChargeRef {
  disputeId: string;
  disputeAmountCents: number;
  disputeStatus: string;
  event?: StripeEventRef | null;
}

/** A request counted against a limit that every server instance shares (the rate limiter's database mode). */
export interface RateLimitTake {
  /** Which limit: checkout_create, session_status. */
  limitName: string;
  /** Whose requests: the user's id. */
  key: string;
  maxRequests: number;
  windowSeconds: number;
}

/** A signed Stripe event that can never be applied, kept for a person to look at. */
export interface RefusedEventInput {
  event: StripeEventRef;
  /** A stable code: invalid_amount, unknown_payment_intent, amount_mismatch, … */
  reason: string;
  purchaseId?: string | null;
}

/** Where a history page starts: after the row with this created_at (as the database wrote it) and id. */
export interface HistoryPosition {
  createdAt: string;
  id: string;
}

export interface HistoryPageInput {
  userId: string;
  limit: number;
  /** Null for the newest rows. */
  before: HistoryPosition | null;
}

/** A page of the user's tenant's history, newest first; null when the user works in no tenant. */
export type HistoryRows<T> = { tenantId: string; rows: T[] } | null;

export interface PurchaseChange {
  purchase: Purchase;
  /** The tenant's balance after the call. */
  newBalance: number;
  /** True when this very call applied nothing because the same Stripe event was applied before. */
  duplicateEvent: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Automatic top-up (0015_automatic_topup.sql)

/** A recharge's life: pending (due), charging (an attempt is at Stripe), then one of the others. */
export type AutoRechargeStatus =
  | 'pending'
  | 'charging'
  | 'requires_action'
  | 'succeeded'
  | 'failed'
  | 'canceled';

/** What a recharge buys and when; null in the overview until a member configured it. */
export interface AutoRechargeConfiguration {
  thresholdCredits: number;
  /** A package id, or `custom`. */
  packageId: string;
  credits: number;
  amountCents: number;
  currency: string;
  monthlyCapCents: number;
}

export interface AutoRechargeCard {
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
}

export interface AutoRechargeLastCharge {
  status: AutoRechargeStatus;
  credits: number;
  amountCents: number;
  failureCode: string | null;
  createdAt: string;
}

/** The payment that waits for the customer (3-D Secure), for the confirmation the element completes. */
export interface AutoRechargeConfirmation {
  rechargeId: string;
  purchaseId: string | null;
  paymentIntentId: string | null;
  paymentMethodId: string | null;
  customerId: string | null;
  credits: number;
  amountCents: number;
}

/** Everything the settings view shows of a tenant's automatic top-up (GET /v1/auto-recharge). */
export interface AutoRechargeOverview extends AutoRechargeSummary {
  tenantId: string;
  enabled: boolean;
  /** The caller is an owner or admin of the tenant (memberships.role, any case). */
  canManage: boolean;
  /** The saved card's mode; null before anything was saved. */
  livemode: boolean | null;
  /** The least threshold the database accepts. */
  minThresholdCredits: number;
  settings: AutoRechargeConfiguration | null;
  paymentMethod: AutoRechargeCard | null;
  /** This calendar month (Europe/Berlin): what the recharges reserved or charged, and the cap. */
  month: { month: string; usedCents: number; capCents: number | null };
  lastCharge: AutoRechargeLastCharge | null;
  confirmation: AutoRechargeConfirmation | null;
}

/** PUT /v1/auto-recharge, with the package's credits and price from the server's catalogue. */
export interface SaveAutoRechargeInput {
  userId: string;
  enabled: boolean;
  thresholdCredits: number;
  packageId: string;
  credits: number;
  amountCents: number;
  currency: string;
  monthlyCapCents: number;
  /** The mode the server charges in: switching on needs a card saved in this mode. */
  livemode: boolean;
}

export type SaveAutoRechargeRefusal =
  | 'no_tenant'
  | 'forbidden'
  | 'payment_method_required'
  | 'invalid_threshold'
  /** Credits, price, cap, package id or currency out of range (the server validates first). */
  | 'invalid_settings';

export type AutoRechargeAnswer<Refusal extends string> =
  | { ok: true; autoRecharge: AutoRechargeOverview }
  | { ok: false; code: Refusal };

/** The card a completed setup checkout saved, as Stripe describes it. */
export interface SaveAutoRechargePaymentMethodInput {
  tenantId: string;
  livemode: boolean;
  customerId: string;
  paymentMethodId: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  /** The member who saved it, when known (not in a webhook): `canManage` of the answer is theirs. */
  userId?: string | null;
}

/** An attempt to charge, handed to one process for the lease. */
export interface ClaimedAutoRecharge {
  rechargeId: string;
  attempt: number;
  purchaseId: string;
  tenantId: string;
  livemode: boolean;
  customerId: string;
  paymentMethodId: string;
  amountCents: number;
  currency: string;
  credits: number;
  /** `auto-recharge-<recharge id>-<attempt>`: the same for a re-claimed attempt, so Stripe charges once. */
  idempotencyKey: string;
}

export interface AutoRecharge {
  id: string;
  tenantId: string;
  status: AutoRechargeStatus;
  attempt: number;
  nextAttemptAt: string;
  credits: number;
  amountCents: number;
  currency: string;
  purchaseId: string | null;
  stripePaymentIntentId: string | null;
  failureCode: string | null;
  /** YYYY-MM-DD, the first day of the month whose cap the latest reservation counts against. */
  capMonth: string;
  createdAt: string;
  updatedAt: string;
}

/** What Stripe answered an attempt that did not pay (its API answer or payment_intent.payment_failed). */
export interface RecordAutoRechargeAttemptInput {
  rechargeId: string;
  attempt: number;
  outcome: 'requires_action' | 'failed';
  paymentIntentId?: string | null;
  /** Stripe's decline_code or code: insufficient_funds, card_declined, expired_card, … */
  failureCode?: string | null;
  /** Retrying cannot help (an expired card): switch automatic top-up off with this code as the reason. */
  permanent?: boolean;
  /** The first retry's delay; each further one waits four times as long. Default 300. */
  retryBaseSeconds?: number;
  event?: StripeEventRef | null;
}

export type RecordedAutoRechargeAttempt =
  | {
      ok: true;
      /** False when the attempt was no longer charging (reported before) or the event was applied. */
      applied: boolean;
      /** This call switched automatic top-up off (third decline in a row, or a permanent failure). */
      disabled: boolean;
      duplicateEvent: boolean;
      recharge: AutoRecharge;
    }
  | { ok: false; code: 'unknown_recharge' | 'invalid_outcome' };

/** A purchase paid by a PaymentIntent without Checkout (payment_intent.succeeded of a recharge). */
export interface FulfilPaymentIntentInput {
  /** From the payment intent's metadata; without it, the purchase is found by the payment intent. */
  purchaseId?: string | null;
  paymentIntentId: string;
  /** The payment intent's amount_received (amount): what was charged. */
  amountCents: number;
  currency: string;
  event?: StripeEventRef | null;
}

export interface CreditStore {
  /** The tenant a user works in: profiles.active_tenant_id, and only with a membership behind it. */
  resolveTenant(userId: string): Promise<string | null>;
  getBalance(tenantId: string): Promise<Balance>;
  /** The balance of the user's tenant (found as resolveTenant finds it), or null; one round trip. */
  getBalanceOfUser(userId: string): Promise<Balance | null>;
  openPurchase(input: OpenPurchaseInput): Promise<LedgerResult<OpenedPurchase>>;
  /**
   * Everything a checkout needs before Stripe is asked, in one round trip whose commit does not wait for
   * the disk: the request counted against `limit`, the user's tenant, its Stripe customer, and the
   * purchase the Idempotency-Key already names.
   */
  prepareCheckout(input: PrepareCheckoutInput): Promise<PreparedCheckout>;
  /** openPurchase for the tenant the user works in (resolved as resolveTenant does), in one round trip. */
  openPurchaseForUser(input: Omit<OpenPurchaseInput, 'tenantId'>): Promise<LedgerResult<OpenedPurchase>>;
  /** Keeps the tenant's Stripe customer once; answers the one kept (the first, if another came first). */
  rememberStripeCustomer(tenantId: string, livemode: boolean, stripeCustomerId: string): Promise<string>;
  /** Records receipt and invoice links once; `recorded` says whether this call added any. */
  recordPurchaseDocuments(
    input: PurchaseDocumentsInput,
  ): Promise<LedgerResult<{ recorded: boolean; purchase: Purchase }>>;
  /** The same, for the purchase a charge or invoice names (Stripe's events), found as refunds find it. */
  recordDocumentsOfPurchase(
    input: DocumentsOfPurchaseInput,
  ): Promise<LedgerResult<{ recorded: boolean; purchase: Purchase }>>;
  /**
   * `durable: false` does not wait for the disk: for the checkout's own attach, which whoever next hears
   * of the session makes again from its metadata if a database crash lost it.
   */
  attachCheckoutSession(
    purchaseId: string,
    checkoutSessionId: string,
    expiresAt: Date | null,
    options?: { durable?: boolean },
  ): Promise<LedgerResult<{ purchase: Purchase }>>;
  /** Credits a paid session exactly once; `credited` says whether this call did it. */
  fulfilCheckoutSession(input: FulfilInput): Promise<LedgerResult<PurchaseChange & { credited: boolean }>>;
  markCheckoutSession(input: MarkInput): Promise<LedgerResult<PurchaseChange & { changed: boolean }>>;
  applyRefund(input: RefundInput): Promise<LedgerResult<PurchaseChange>>;
  applyDispute(input: DisputeInput): Promise<LedgerResult<PurchaseChange>>;
  /** Records the refusal once per event; `recorded` is true only for the call that recorded it. */
  recordRefusedEvent(input: RefusedEventInput): Promise<{ recorded: boolean }>;
  findPurchaseBySession(tenantId: string, checkoutSessionId: string): Promise<Purchase | null>;
  listPurchases(tenantId: string, limit: number): Promise<Purchase[]>;
  /** A page of the purchases of the user's tenant (found as resolveTenant finds it), in one round trip. */
  purchaseHistory(input: HistoryPageInput): Promise<HistoryRows<PurchaseHistoryItem>>;
  /** A page of the credit_ledger rows of the user's tenant, in one round trip. */
  ledgerHistory(input: HistoryPageInput): Promise<HistoryRows<LedgerEntry>>;
  /** The automatic top-up of the user's tenant (found as resolveTenant finds it), or null without one. */
  autoRechargeOfUser(userId: string): Promise<AutoRechargeOverview | null>;
  /**
   * Saves the settings of the user's tenant (owners and admins). Switching on needs a saved card; below
   * the threshold it starts a recharge at once. Switching off drops a recharge not yet at Stripe.
   */
  saveAutoRecharge(input: SaveAutoRechargeInput): Promise<AutoRechargeAnswer<SaveAutoRechargeRefusal>>;
  /** Keeps the card a setup checkout saved (idempotent); makes switched-off settings if there are none. */
  saveAutoRechargePaymentMethod(
    input: SaveAutoRechargePaymentMethodInput,
  ): Promise<AutoRechargeAnswer<'no_tenant' | 'invalid_payment_method'>>;
  /** A detached or expired card switches automatic top-up off with `reason`; `disabled` counts the tenants. */
  disableAutoRechargeForPaymentMethod(paymentMethodId: string, reason: string): Promise<{ disabled: number }>;
  /** Up to `limit` attempts to charge now, each leased for `leaseSeconds` (see ClaimedAutoRecharge). */
  claimAutoRecharges(limit: number, leaseSeconds: number): Promise<ClaimedAutoRecharge[]>;
  /** Records a declined or authentication-requiring attempt once, scheduling a retry or switching off. */
  recordAutoRechargeAttempt(input: RecordAutoRechargeAttemptInput): Promise<RecordedAutoRechargeAttempt>;
  /** Credits a recharge's purchase exactly once; `credited` says whether this call did it. */
  fulfilPaymentIntent(
    input: FulfilPaymentIntentInput,
  ): Promise<LedgerResult<PurchaseChange & { credited: boolean; autoRechargeId: string | null }>>;
  /** Counts one request in one statement: null when within the limit, else the seconds to wait. */
  takeRateLimit(take: RateLimitTake): Promise<number | null>;
  /** Resolves when the database answers; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The database could not be reached or did not answer. Callers answer 503 (and Stripe retries a
 * webhook), never a 4xx that would make Stripe give up.
 */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

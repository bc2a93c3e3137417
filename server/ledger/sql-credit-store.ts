// One CreditStore for every adapter: the adapters differ only in how they reach the SQL functions
// (a direct Postgres connection, or Supabase's REST API), so the mapping of results lives here once.

import type { LedgerEntry, PurchaseHistoryItem } from '../../contract/credit-topup-api.ts';
import { autoRechargeSummaryOf, parseAutoRechargeSummary } from './auto-recharge-summary.ts';
import type {
  AutoRecharge,
  AutoRechargeOverview,
  AutoRechargeStatus,
  Balance,
  ClaimedAutoRecharge,
  CreditStore,
  HistoryPageInput,
  HistoryRows,
  LedgerRefusal,
  LedgerResult,
  OpenPurchaseInput,
  Purchase,
  PurchaseChange,
  PurchaseDocuments,
  PurchaseStatus,
  SaveAutoRechargeRefusal,
  StripeEventRef,
} from './credit-store.ts';

/** The SQL functions the store calls; nothing else is ever called by name. */
export type LedgerFunction =
  | 'credit_topup_resolve_tenant'
  | 'credit_topup_get_balance'
  | 'credit_topup_prepare_checkout'
  | 'credit_topup_open_purchase'
  | 'credit_topup_open_purchase_for_user'
  | 'credit_topup_attach_checkout_session'
  | 'credit_topup_fulfil_checkout_session'
  | 'credit_topup_mark_checkout_session'
  | 'credit_topup_apply_refund'
  | 'credit_topup_apply_dispute'
  | 'credit_topup_take_rate_limit'
  | 'credit_topup_record_refused_event'
  | 'credit_topup_remember_stripe_customer'
  | 'credit_topup_record_purchase_documents'
  | 'credit_topup_record_documents_of_purchase'
  | 'credit_topup_purchase_history'
  | 'credit_topup_ledger_history'
  | 'credit_topup_auto_recharge_of_user'
  | 'credit_topup_save_auto_recharge'
  | 'credit_topup_save_auto_recharge_payment_method'
  | 'credit_topup_disable_auto_recharge_for_payment_method'
  | 'credit_topup_claim_auto_recharges'
  | 'credit_topup_record_auto_recharge_attempt'
  | 'credit_topup_fulfil_payment_intent';

export interface PurchaseFilter {
  tenantId: string;
  checkoutSessionId?: string;
  limit: number;
}

export interface LedgerTransport {
  /** Calls `public.<name>` with named arguments, in a transaction of its own, and returns its result. */
  callFunction(name: LedgerFunction, args: Record<string, unknown>): Promise<unknown>;
  /**
   * The user's row of credit_topup_member_balances_with_auto_recharge (tenant_id, balance_credits,
   * reserved_credits, auto_recharge_state, auto_recharge_reason; the credits null while the tenant has
   * no balance row), or null without an active tenant.
   */
  selectMemberBalance(userId: string): Promise<Record<string, unknown> | null>;
  /** Rows of credit_purchases, newest first, as the table's column names. */
  selectPurchases(filter: PurchaseFilter): Promise<Record<string, unknown>[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createSqlCreditStore(transport: LedgerTransport): CreditStore {
  const call = (name: LedgerFunction, args: Record<string, unknown>) =>
    transport.callFunction(name, args) as Promise<Record<string, unknown>>;

  return {
    async resolveTenant(userId) {
      const tenantId = await transport.callFunction('credit_topup_resolve_tenant', { p_user_id: userId });
      return typeof tenantId === 'string' ? tenantId : null;
    },

    async getBalance(tenantId) {
      return toBalance(await call('credit_topup_get_balance', { p_tenant_id: tenantId }));
    },

    async getBalanceOfUser(userId) {
      const member = await transport.selectMemberBalance(userId);
      if (!member) return null;
      // A tenant's first look: the function creates its balance row (and the portal's free credits).
      if (member.balance_credits === null || member.balance_credits === undefined) {
        return toBalance(await call('credit_topup_get_balance', { p_tenant_id: member.tenant_id }));
      }
      return toBalance({
        ...member,
        available_credits: Number(member.balance_credits) - Number(member.reserved_credits),
        auto_recharge: { state: member.auto_recharge_state, reason: member.auto_recharge_reason },
      });
    },

    async prepareCheckout(input) {
      const result = await call('credit_topup_prepare_checkout', {
        p_user_id: input.userId,
        p_package_id: input.packageId,
        p_credits: input.credits,
        p_amount_cents: input.amountCents,
        p_currency: input.currency,
        p_idempotency_key: input.idempotencyKey,
        p_livemode: input.livemode,
        p_limit_name: input.limit?.limitName ?? null,
        p_limit_max_requests: input.limit?.maxRequests ?? null,
        p_limit_window_seconds: input.limit?.windowSeconds ?? null,
      });
      if (result.ok === true) {
        return {
          ok: true,
          tenantId: String(result.tenant_id),
          stripeCustomerId: text(result.stripe_customer_id),
          purchase: result.purchase ? toPurchase(result.purchase) : null,
        };
      }
      if (result.code === 'rate_limited') {
        return { ok: false, code: 'rate_limited', retryAfterSeconds: Number(result.retry_after_seconds) };
      }
      if (result.code === 'no_tenant' || result.code === 'idempotency_key_reused') {
        return { ok: false, code: result.code };
      }
      throw new Error(`preparing a checkout failed: ${String(result.code)}`);
    },

    async openPurchase(input) {
      const result = await call('credit_topup_open_purchase', {
        p_tenant_id: input.tenantId,
        ...openArgs(input),
        p_purchase_id: input.purchaseId ?? null,
      });
      return mapResult(result, toOpened);
    },

    async openPurchaseForUser(input) {
      return mapResult(await call('credit_topup_open_purchase_for_user', openArgs(input)), toOpened);
    },

    async rememberStripeCustomer(tenantId, livemode, stripeCustomerId) {
      const result = await call('credit_topup_remember_stripe_customer', {
        p_tenant_id: tenantId,
        p_livemode: livemode,
        p_stripe_customer_id: stripeCustomerId,
      });
      if (result.ok !== true) throw new Error(`remembering a Stripe customer failed: ${String(result.code)}`);
      return String(result.stripe_customer_id);
    },

    async recordPurchaseDocuments(input) {
      const result = await call('credit_topup_record_purchase_documents', {
        p_checkout_session_id: input.checkoutSessionId,
        ...documentArgs(input),
      });
      return mapResult(result, toRecordedDocuments);
    },

    async recordDocumentsOfPurchase(input) {
      const result = await call('credit_topup_record_documents_of_purchase', {
        p_purchase_id: input.purchaseId ?? null,
        p_payment_intent_id: input.paymentIntentId ?? null,
        ...documentArgs(input),
      });
      return mapResult(result, toRecordedDocuments);
    },

    async attachCheckoutSession(purchaseId, checkoutSessionId, expiresAt, options = {}) {
      const result = await call('credit_topup_attach_checkout_session', {
        p_purchase_id: purchaseId,
        p_checkout_session_id: checkoutSessionId,
        p_expires_at: expiresAt ? expiresAt.toISOString() : null,
        p_durable: options.durable ?? true,
      });
      return mapResult(result, (ok) => ({ purchase: toPurchase(ok.purchase) }));
    },

    async fulfilCheckoutSession(input) {
      const result = await call('credit_topup_fulfil_checkout_session', {
        p_checkout_session_id: input.checkoutSessionId,
        p_amount_cents: input.amountCents,
        p_currency: input.currency,
        p_payment_intent_id: input.paymentIntentId ?? null,
        p_amount_paid_cents: input.amountPaidCents ?? null,
        ...eventArgs(input.event),
      });
      return mapResult(result, (ok) => ({ ...toChange(ok), credited: ok.credited === true }));
    },

    async markCheckoutSession(input) {
      const result = await call('credit_topup_mark_checkout_session', {
        p_checkout_session_id: input.checkoutSessionId,
        p_status: input.status,
        p_failure_code: input.failureCode ?? null,
        ...eventArgs(input.event),
      });
      return mapResult(result, (ok) => ({ ...toChange(ok), changed: ok.changed === true }));
    },

    async applyRefund(input) {
      const result = await call('credit_topup_apply_refund', {
        p_purchase_id: input.purchaseId ?? null,
        p_payment_intent_id: input.paymentIntentId ?? null,
        p_charge_amount_cents: input.chargeAmountCents,
        p_amount_refunded_cents: input.amountRefundedCents,
        ...eventArgs(input.event),
      });
      return mapResult(result, toChange);
    },

    async applyDispute(input) {
      const result = await call('credit_topup_apply_dispute', {
        p_purchase_id: input.purchaseId ?? null,
        p_payment_intent_id: input.paymentIntentId ?? null,
        p_dispute_id: input.disputeId,
        p_dispute_amount_cents: input.disputeAmountCents,
        p_dispute_status: input.disputeStatus,
        ...eventArgs(input.event),
      });
      return mapResult(result, toChange);
    },

    async recordRefusedEvent(input) {
      const result = await call('credit_topup_record_refused_event', {
        p_stripe_event_id: input.event.eventId,
        p_stripe_event_type: input.event.eventType,
        p_reason: input.reason,
        p_purchase_id: input.purchaseId ?? null,
      });
      if (result.ok !== true) throw new Error(`recording a refused event failed: ${String(result.code)}`);
      return { recorded: result.recorded === true };
    },

    async findPurchaseBySession(tenantId, checkoutSessionId) {
      const rows = await transport.selectPurchases({ tenantId, checkoutSessionId, limit: 1 });
      return rows[0] ? toPurchase(rows[0]) : null;
    },

    async listPurchases(tenantId, limit) {
      const rows = await transport.selectPurchases({ tenantId, limit });
      return rows.map(toPurchase);
    },

    async purchaseHistory(input) {
      return toHistoryRows(await call('credit_topup_purchase_history', historyArgs(input)), toPurchaseItem);
    },

    async ledgerHistory(input) {
      return toHistoryRows(await call('credit_topup_ledger_history', historyArgs(input)), toLedgerEntry);
    },

    async autoRechargeOfUser(userId) {
      const result = await call('credit_topup_auto_recharge_of_user', { p_user_id: userId });
      return result ? toAutoRechargeOverview(result) : null;
    },

    async saveAutoRecharge(input) {
      const result = await call('credit_topup_save_auto_recharge', {
        p_user_id: input.userId,
        p_enabled: input.enabled,
        p_threshold_credits: input.thresholdCredits,
        p_package_id: input.packageId,
        p_credits: input.credits,
        p_amount_cents: input.amountCents,
        p_currency: input.currency,
        p_monthly_cap_cents: input.monthlyCapCents,
        p_livemode: input.livemode,
      });
      if (result.ok === true) return { ok: true, autoRecharge: toAutoRechargeOverview(result.auto_recharge) };
      return { ok: false, code: String(result.code) as SaveAutoRechargeRefusal };
    },

    async saveAutoRechargePaymentMethod(input) {
      const result = await call('credit_topup_save_auto_recharge_payment_method', {
        p_tenant_id: input.tenantId,
        p_livemode: input.livemode,
        p_customer_id: input.customerId,
        p_payment_method_id: input.paymentMethodId,
        p_brand: input.brand,
        p_last4: input.last4,
        p_exp_month: input.expMonth,
        p_exp_year: input.expYear,
        p_user_id: input.userId ?? null,
      });
      if (result.ok === true) return { ok: true, autoRecharge: toAutoRechargeOverview(result.auto_recharge) };
      return { ok: false, code: result.code === 'no_tenant' ? 'no_tenant' : 'invalid_payment_method' };
    },

    async disableAutoRechargeForPaymentMethod(paymentMethodId, reason) {
      const result = await call('credit_topup_disable_auto_recharge_for_payment_method', {
        p_payment_method_id: paymentMethodId,
        p_reason: reason,
      });
      if (result.ok !== true) throw new Error(`disabling automatic top-up failed: ${String(result.code)}`);
      return { disabled: Number(result.disabled) };
    },

    async claimAutoRecharges(limit, leaseSeconds) {
      const claimed = (await transport.callFunction('credit_topup_claim_auto_recharges', {
        p_limit: limit,
        p_lease_seconds: leaseSeconds,
      })) as Record<string, unknown>[] | null;
      return (claimed ?? []).map(toClaimedAutoRecharge);
    },

    async recordAutoRechargeAttempt(input) {
      const result = await call('credit_topup_record_auto_recharge_attempt', {
        p_recharge_id: input.rechargeId,
        p_attempt: input.attempt,
        p_outcome: input.outcome,
        p_payment_intent_id: input.paymentIntentId ?? null,
        p_failure_code: input.failureCode ?? null,
        p_permanent: input.permanent ?? false,
        p_retry_base_seconds: input.retryBaseSeconds ?? 300,
        ...eventArgs(input.event),
      });
      if (result.ok !== true) {
        return {
          ok: false,
          code: result.code === 'invalid_outcome' ? 'invalid_outcome' : 'unknown_recharge',
        };
      }
      return {
        ok: true,
        applied: result.applied === true,
        disabled: result.disabled === true,
        duplicateEvent: result.duplicate_event === true,
        recharge: toAutoRecharge(result.recharge),
      };
    },

    async fulfilPaymentIntent(input) {
      const result = await call('credit_topup_fulfil_payment_intent', {
        p_purchase_id: input.purchaseId ?? null,
        p_payment_intent_id: input.paymentIntentId,
        p_amount_cents: input.amountCents,
        p_currency: input.currency,
        ...eventArgs(input.event),
      });
      return mapResult(result, (ok) => ({
        ...toChange(ok),
        credited: ok.credited === true,
        autoRechargeId: text(ok.purchase ? (ok.purchase as Record<string, unknown>).auto_recharge_id : null),
      }));
    },

    async takeRateLimit(take) {
      const result = await call('credit_topup_take_rate_limit', {
        p_limit_name: take.limitName,
        p_limit_key: take.key,
        p_max_requests: take.maxRequests,
        p_window_seconds: take.windowSeconds,
      });
      return result.allowed === true ? null : Number(result.retry_after_seconds);
    },

    ping: () => transport.ping(),
    close: () => transport.close(),
  };
}

function historyArgs(input: HistoryPageInput) {
  return {
    p_user_id: input.userId,
    p_limit: input.limit,
    p_before_created_at: input.before?.createdAt ?? null,
    p_before_id: input.before?.id ?? null,
  };
}

function toHistoryRows<T>(
  result: Record<string, unknown> | null,
  toRow: (row: Record<string, unknown>) => T,
): HistoryRows<T> {
  if (!result) return null;
  const rows = result.rows as Record<string, unknown>[];
  return { tenantId: String(result.tenant_id), rows: rows.map(toRow) };
}

function toPurchaseItem(row: Record<string, unknown>): PurchaseHistoryItem {
  return {
    id: String(row.id),
    package_id: String(row.package_id),
    status: row.status as PurchaseStatus,
    credits: Number(row.credits),
    amount_cents: Number(row.amount_cents),
    amount_paid_cents: row.amount_paid_cents === null ? null : Number(row.amount_paid_cents),
    refunded_cents: Number(row.refunded_cents),
    currency: String(row.currency),
    created_at: String(row.created_at),
    paid_at: text(row.paid_at),
    refunded_at: text(row.refunded_at),
    receipt_url: text(row.receipt_url),
    invoice_number: text(row.invoice_number),
    invoice_url: text(row.invoice_url),
    invoice_pdf_url: text(row.invoice_pdf_url),
  };
}

function toLedgerEntry(row: Record<string, unknown>): LedgerEntry {
  return {
    id: String(row.id),
    kind: row.kind === 'debit' ? 'debit' : 'credit',
    amount: Number(row.amount),
    ref_type: text(row.ref_type),
    ref_id: text(row.ref_id),
    action_code: text(row.action_code),
    created_at: String(row.created_at),
  };
}

function openArgs(input: Omit<OpenPurchaseInput, 'tenantId'>) {
  return {
    p_user_id: input.userId,
    p_package_id: input.packageId,
    p_credits: input.credits,
    p_amount_cents: input.amountCents,
    p_currency: input.currency,
    p_idempotency_key: input.idempotencyKey ?? null,
    p_withdrawal_waiver_version: input.withdrawalWaiverVersion ?? null,
    p_livemode: input.livemode ?? false,
  };
}

const toOpened = (ok: Record<string, unknown>) => ({
  created: ok.created === true,
  purchase: toPurchase(ok.purchase),
  stripeCustomerId: text(ok.stripe_customer_id),
});

function documentArgs(documents: PurchaseDocuments) {
  return {
    p_receipt_url: documents.receiptUrl,
    p_stripe_invoice_id: documents.stripeInvoiceId,
    p_invoice_number: documents.invoiceNumber,
    p_invoice_url: documents.invoiceUrl,
    p_invoice_pdf_url: documents.invoicePdfUrl,
  };
}

const toRecordedDocuments = (ok: Record<string, unknown>) => ({
  recorded: ok.recorded === true,
  purchase: toPurchase(ok.purchase),
});

function eventArgs(event: StripeEventRef | null | undefined) {
  return { p_stripe_event_id: event?.eventId ?? null, p_stripe_event_type: event?.eventType ?? null };
}

function mapResult<T>(
  result: Record<string, unknown>,
  map: (ok: Record<string, unknown>) => T,
): LedgerResult<T> {
  if (result.ok !== true) {
    const refused: { ok: false; code: LedgerRefusal; purchase?: Purchase } = {
      ok: false,
      code: String(result.code) as LedgerRefusal,
    };
    if (result.purchase) refused.purchase = toPurchase(result.purchase);
    return refused;
  }
  return { ok: true, ...map(result) };
}

function toChange(result: Record<string, unknown>): PurchaseChange {
  return {
    purchase: toPurchase(result.purchase),
    newBalance: Number(result.new_balance),
    duplicateEvent: result.duplicate_event === true,
  };
}

function toBalance(row: Record<string, unknown>): Balance {
  const balance: Balance = {
    tenantId: String(row.tenant_id),
    balanceCredits: Number(row.balance_credits),
    reservedCredits: Number(row.reserved_credits),
    availableCredits: Number(row.available_credits),
  };
  const autoRecharge = autoRechargeSummaryOf(row.auto_recharge);
  if (autoRecharge) balance.autoRecharge = autoRecharge;
  return balance;
}

function toAutoRechargeOverview(value: unknown): AutoRechargeOverview {
  const row = value as Record<string, unknown>;
  const settings = row.settings as Record<string, unknown> | null;
  const card = row.payment_method as Record<string, unknown> | null;
  const month = row.month as Record<string, unknown>;
  const last = row.last_charge as Record<string, unknown> | null;
  const confirmation = row.confirmation as Record<string, unknown> | null;
  return {
    ...(parseAutoRechargeSummary(row.state, row.reason) ?? { state: 'off', reason: null }),
    tenantId: String(row.tenant_id),
    enabled: row.enabled === true,
    canManage: row.can_manage === true,
    livemode: typeof row.livemode === 'boolean' ? row.livemode : null,
    minThresholdCredits: Number(row.min_threshold_credits),
    settings: settings
      ? {
          thresholdCredits: Number(settings.threshold_credits),
          packageId: String(settings.package_id),
          credits: Number(settings.credits),
          amountCents: Number(settings.amount_cents),
          currency: String(settings.currency),
          monthlyCapCents: Number(settings.monthly_cap_cents),
        }
      : null,
    paymentMethod: card
      ? {
          brand: text(card.brand),
          last4: text(card.last4),
          expMonth: integer(card.exp_month),
          expYear: integer(card.exp_year),
        }
      : null,
    month: {
      month: String(month.month),
      usedCents: Number(month.used_cents),
      capCents: integer(month.cap_cents),
    },
    lastCharge: last
      ? {
          status: String(last.status) as AutoRechargeStatus,
          credits: Number(last.credits),
          amountCents: Number(last.amount_cents),
          failureCode: text(last.failure_code),
          createdAt: String(last.created_at),
        }
      : null,
    confirmation: confirmation
      ? {
          rechargeId: String(confirmation.recharge_id),
          purchaseId: text(confirmation.purchase_id),
          paymentIntentId: text(confirmation.payment_intent_id),
          paymentMethodId: text(confirmation.payment_method_id),
          customerId: text(confirmation.customer_id),
          credits: Number(confirmation.credits),
          amountCents: Number(confirmation.amount_cents),
        }
      : null,
  };
}

function toClaimedAutoRecharge(row: Record<string, unknown>): ClaimedAutoRecharge {
  return {
    rechargeId: String(row.recharge_id),
    attempt: Number(row.attempt),
    purchaseId: String(row.purchase_id),
    tenantId: String(row.tenant_id),
    livemode: row.livemode === true,
    customerId: String(row.customer_id),
    paymentMethodId: String(row.payment_method_id),
    amountCents: Number(row.amount_cents),
    currency: String(row.currency),
    credits: Number(row.credits),
    idempotencyKey: String(row.idempotency_key),
  };
}

function toAutoRecharge(value: unknown): AutoRecharge {
  const row = value as Record<string, unknown>;
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    status: String(row.status) as AutoRechargeStatus,
    attempt: Number(row.attempt),
    nextAttemptAt: String(row.next_attempt_at),
    credits: Number(row.credits),
    amountCents: Number(row.amount_cents),
    currency: String(row.currency),
    purchaseId: text(row.purchase_id),
    stripePaymentIntentId: text(row.stripe_payment_intent_id),
    failureCode: text(row.failure_code),
    capMonth: String(row.cap_month),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
const integer = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export function toPurchase(value: unknown): Purchase {
  const row = value as Record<string, unknown>;
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    userId: String(row.user_id),
    packageId: String(row.package_id),
    credits: Number(row.credits),
    amountCents: Number(row.amount_cents),
    currency: String(row.currency),
    stripeCheckoutSessionId: text(row.stripe_checkout_session_id),
    stripePaymentIntentId: text(row.stripe_payment_intent_id),
    sessionExpiresAt: text(row.session_expires_at),
    status: String(row.status) as PurchaseStatus,
    failureCode: text(row.failure_code),
    amountPaidCents: integer(row.amount_paid_cents),
    refundedCents: Number(row.refunded_cents),
    disputeStatus: text(row.dispute_status),
    disputedCents: Number(row.disputed_cents),
    creditedCredits: Number(row.credited_credits),
    clawedBackCredits: Number(row.clawed_back_credits),
    unrecoveredCredits: Number(row.unrecovered_credits),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    creditedAt: text(row.credited_at),
    withdrawalWaiverVersion: text(row.withdrawal_waiver_version),
    withdrawalWaiverAt: text(row.withdrawal_waiver_at),
    withdrawalWaiverUserId: text(row.withdrawal_waiver_user_id),
    receiptUrl: text(row.receipt_url),
    stripeInvoiceId: text(row.stripe_invoice_id),
    invoiceNumber: text(row.invoice_number),
    invoiceUrl: text(row.invoice_url),
    invoicePdfUrl: text(row.invoice_pdf_url),
    autoRechargeId: text(row.auto_recharge_id),
  };
}

// Reads and validates the environment once, at start. Every problem is reported at once, each naming
// its variable; values of secrets are never echoed.

import type { SellTo, StripeMode, VatTreatment } from '../contract/credit-topup-api.ts';
import { CENTS_PER_CREDIT } from '../credit-packages.ts';
import type { RateLimit, RateLimitStore } from './http/rate-limiter.ts';
import type { LedgerConfig } from './ledger/open-credit-store.ts';

export type { StripeMode };

export interface StripeSettings {
  secretKey: string;
  publishableKey: string;
  /** Several for rotation: an event signed with any of them is accepted. */
  webhookSecrets: string[];
  /** Only for the offline sandbox; refused with a live key. */
  apiBase: URL | null;
  mode: StripeMode;
  /** Per request to Stripe, and how often the SDK retries a network failure. */
  timeoutMs: number;
  maxNetworkRetries: number;
  invoiceCreation: boolean;
  allowPromotionCodes: boolean;
  automaticTax: boolean;
  /** Whether a buyer may pay in their own currency (Stripe's Adaptive Pricing); decided per session. */
  adaptivePricing: boolean;
}

/** How the portal sells: to whom, how prices relate to VAT, and the seller's legal pages and invoice footer. */
export interface SellingSettings {
  sellTo: SellTo;
  vat: VatTreatment;
  legal: { termsUrl: string | null; privacyUrl: string | null; withdrawalPolicyUrl: string | null };
  /** The seller's details (name, address, VAT ID, register) printed at the foot of every invoice. */
  invoiceFooter: string | null;
}

/** Any number of credits from min to max in steps of step (min, min + step, …), besides the packages. */
export interface CustomAmountSettings {
  minCredits: number;
  maxCredits: number;
  stepCredits: number;
}

export interface ServerConfig {
  port: number;
  ledger: LedgerConfig;
  auth: { jwtSecret: string | null; jwksUrl: string | null };
  stripe: StripeSettings;
  selling: SellingSettings;
  /** Null: only the packages are sold (the default). */
  customAmount: CustomAmountSettings | null;
  allowedOrigins: string[];
  /** Where Stripe sends the buyer back when a payment method needs a redirect. */
  publicReturnUrl: string;
  checkoutRateLimit: RateLimit;
  /** GET /v1/checkout-sessions/:id per user: each look-up may ask Stripe. */
  sessionStatusRateLimit: RateLimit;
  /** Where the limits count: `database` (shared by every instance, the default) or `memory`. */
  rateLimitStore: RateLimitStore;
  /** An open session is asked of Stripe at most once per this many milliseconds (per instance). */
  sessionStripeIntervalMs: number;
  /** GET /v1/balance/stream: open streams per user and per process, and how often a heartbeat goes out. */
  balanceStream: BalanceStreamSettings;
  autoRecharge: AutoRechargeConfig;
}

export interface AutoRechargeConfig {
  sweepIntervalMs: number;
  leaseSeconds: number;
  retryBaseSeconds: number;
  /** Bearer tokens POST /v1/auto-recharge/sweep accepts: the sweep secret and the service role key. */
  sweepTokens: string[];
}

export interface BalanceStreamSettings {
  maxPerUser: number;
  maxTotal: number;
  heartbeatMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export interface ConfigDefaults {
  embeddedDataDir: string;
  embeddedPort: number;
}

export function readConfig(env: Env, defaults: ConfigDefaults): ServerConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : null;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = value(name);
    if (raw === null) return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  };
  const flag = (name: string, fallback = false) => {
    const raw = value(name);
    if (raw === null) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name} must be true or false`);
    return raw === 'true' || raw === '1';
  };
  const url = (name: string, raw: string | null) => {
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
      return parsed;
    } catch {
      problems.push(`${name} must be an http(s) URL`);
      return null;
    }
  };

  const port = integer('PORT', 8787, 0, 65535);

  const databaseUrl = value('DATABASE_URL');
  const maxConnections = integer('DATABASE_POOL_MAX', 10, 1, 500);
  const callTimeoutMs = integer('DATABASE_CALL_TIMEOUT_MS', 15_000, 100, 120_000);
  const supabaseUrl = url('SUPABASE_URL', value('SUPABASE_URL'));
  const serviceRoleKey = value('SUPABASE_SERVICE_ROLE_KEY');
  let ledger: LedgerConfig;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// URL');
    ledger = { kind: 'postgres', databaseUrl, maxConnections, callTimeoutMs };
  } else if (supabaseUrl) {
    if (!serviceRoleKey)
      problems.push('SUPABASE_SERVICE_ROLE_KEY is required with SUPABASE_URL (or set DATABASE_URL)');
    ledger = { kind: 'supabase', supabaseUrl: supabaseUrl.origin, serviceRoleKey: serviceRoleKey ?? '' };
  } else {
    ledger = {
      kind: 'embedded',
      dataDir: defaults.embeddedDataDir,
      port: defaults.embeddedPort,
      maxConnections,
      callTimeoutMs,
    };
  }

  const jwtSecret = value('SUPABASE_JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32)
    problems.push('SUPABASE_JWT_SECRET must be at least 32 characters');
  const jwksUrl = supabaseUrl ? `${supabaseUrl.origin}/auth/v1/.well-known/jwks.json` : null;
  if (!jwtSecret && !jwksUrl) {
    problems.push("set SUPABASE_JWT_SECRET, or SUPABASE_URL to verify access tokens with the project's JWKS");
  }

  const secretKey = value('STRIPE_SECRET_KEY');
  const publishableKey = value('STRIPE_PUBLISHABLE_KEY');
  const webhookSecrets = (value('STRIPE_WEBHOOK_SECRET') ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  const apiBase = url('STRIPE_API_BASE', value('STRIPE_API_BASE'));
  const secretMode = secretKey ? /^(?:sk|rk)_(live|test)_/.exec(secretKey)?.[1] : undefined;
  const publishableMode = publishableKey ? /^pk_(live|test)_/.exec(publishableKey)?.[1] : undefined;
  if (!secretKey) problems.push('STRIPE_SECRET_KEY is required');
  else if (!secretMode)
    problems.push('STRIPE_SECRET_KEY must start with sk_test_, sk_live_, rk_test_ or rk_live_');
  if (!publishableKey) problems.push('STRIPE_PUBLISHABLE_KEY is required');
  else if (!publishableMode) problems.push('STRIPE_PUBLISHABLE_KEY must start with pk_test_ or pk_live_');
  if (secretMode && publishableMode && secretMode !== publishableMode) {
    problems.push('STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY belong to different modes (test and live)');
  }
  if (webhookSecrets.length === 0)
    problems.push('STRIPE_WEBHOOK_SECRET is required (comma-separated for rotation)');
  if (webhookSecrets.some((secret) => !secret.startsWith('whsec_')))
    problems.push('STRIPE_WEBHOOK_SECRET entries must start with whsec_');
  if (apiBase && secretMode === 'live')
    problems.push('STRIPE_API_BASE is only for the offline sandbox and is refused with a live key');
  const mode: StripeMode = apiBase ? 'sandbox' : secretMode === 'live' ? 'live' : 'test';

  const allowedOrigins = (value('ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    const parsed = url('ALLOWED_ORIGINS', origin);
    if (parsed && parsed.origin !== origin)
      problems.push(
        `ALLOWED_ORIGINS entry ${origin} must be an exact origin like https://portal.example.com`,
      );
  }

  const publicReturnUrl = value('PUBLIC_RETURN_URL');
  if (!publicReturnUrl) problems.push('PUBLIC_RETURN_URL is required (the page that shows <credit-topup>)');
  else url('PUBLIC_RETURN_URL', publicReturnUrl);

  const stripe: StripeSettings = {
    secretKey: secretKey ?? '',
    publishableKey: publishableKey ?? '',
    webhookSecrets,
    apiBase,
    mode,
    timeoutMs: integer('STRIPE_TIMEOUT_MS', 8000, 100, 60000),
    maxNetworkRetries: integer('STRIPE_MAX_NETWORK_RETRIES', 1, 0, 5),
    // A business needs an invoice to deduct the VAT (§ 14 UStG): on unless switched off.
    invoiceCreation: flag('STRIPE_INVOICE_CREATION', true),
    allowPromotionCodes: flag('STRIPE_ALLOW_PROMOTION_CODES'),
    automaticTax: flag('STRIPE_AUTOMATIC_TAX'),
    adaptivePricing: flag('STRIPE_ADAPTIVE_PRICING'),
  };
  const config: ServerConfig = {
    port,
    ledger,
    auth: { jwtSecret, jwksUrl },
    stripe,
    selling: sellingSettings(value, stripe.automaticTax, problems),
    customAmount: customAmountSettings(flag, integer, problems),
    allowedOrigins,
    publicReturnUrl: publicReturnUrl ?? '',
    checkoutRateLimit: {
      requests: integer('CHECKOUT_RATE_LIMIT', 10, 1, 10000),
      perSeconds: integer('CHECKOUT_RATE_LIMIT_WINDOW_S', 60, 1, 86400),
    },
    sessionStatusRateLimit: {
      requests: integer('SESSION_STATUS_RATE_LIMIT', 120, 1, 100000),
      perSeconds: integer('SESSION_STATUS_RATE_LIMIT_WINDOW_S', 60, 1, 86400),
    },
    rateLimitStore: rateLimitStore(value('RATE_LIMIT_STORE'), problems),
    sessionStripeIntervalMs: integer('SESSION_STATUS_STRIPE_INTERVAL_MS', 1500, 100, 60000),
    balanceStream: {
      maxPerUser: integer('BALANCE_STREAM_MAX_PER_USER', 3, 1, 100),
      maxTotal: integer('BALANCE_STREAM_MAX_TOTAL', 2000, 1, 100000),
      heartbeatMs: integer('BALANCE_STREAM_HEARTBEAT_MS', 25000, 100, 300000),
    },
    autoRecharge: {
      sweepIntervalMs: integer('AUTO_RECHARGE_SWEEP_INTERVAL_MS', 60_000, 50, 3_600_000),
      leaseSeconds: integer('AUTO_RECHARGE_LEASE_S', 120, 1, 3600),
      retryBaseSeconds: integer('AUTO_RECHARGE_RETRY_BASE_S', 3600, 0, 7 * 86400),
      sweepTokens: sweepTokens(value('AUTO_RECHARGE_SWEEP_SECRET'), serviceRoleKey, problems),
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function sweepTokens(secret: string | null, serviceRoleKey: string | null, problems: string[]): string[] {
  if (secret !== null && secret.length < 32)
    problems.push('AUTO_RECHARGE_SWEEP_SECRET must be at least 32 characters');
  return [secret, serviceRoleKey].filter((token): token is string => token !== null && token.length >= 32);
}

// What a buyer is shown must be what is charged. Net prices ("zzgl. MwSt.") are only for businesses
// (PAngV: consumers are shown final prices) and only where Stripe Tax adds the VAT on top.
function sellingSettings(
  value: (name: string) => string | null,
  automaticTax: boolean,
  problems: string[],
): SellingSettings {
  const sellTo = value('CREDIT_TOPUP_SELL_TO') ?? 'consumers';
  if (sellTo !== 'consumers' && sellTo !== 'businesses')
    problems.push('CREDIT_TOPUP_SELL_TO must be consumers or businesses');
  const vat = value('CREDIT_TOPUP_VAT') ?? 'included';
  if (vat !== 'included' && vat !== 'added') problems.push('CREDIT_TOPUP_VAT must be included or added');
  if (vat === 'added' && sellTo !== 'businesses')
    problems.push(
      'CREDIT_TOPUP_VAT=added needs CREDIT_TOPUP_SELL_TO=businesses: consumers must be shown final prices including VAT (PAngV)',
    );
  if (vat === 'added' && !automaticTax)
    problems.push(
      'CREDIT_TOPUP_VAT=added needs STRIPE_AUTOMATIC_TAX=true: without Stripe Tax nobody adds the VAT to the net price',
    );
  // https, or http on this machine (the demo's own pages), as browsers trust localhost too.
  const httpsUrl = (name: string, raw: string | null) => {
    if (raw === null) return null;
    try {
      const url = new URL(raw);
      const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return raw;
    } catch {}
    problems.push(`${name} must be an https URL (http only on localhost), or empty`);
    return null;
  };
  const invoiceFooter = value('INVOICE_FOOTER');
  // Stripe's limit for an invoice footer.
  if (invoiceFooter !== null && invoiceFooter.length > 5000)
    problems.push('INVOICE_FOOTER must be at most 5000 characters');
  return {
    sellTo: sellTo === 'businesses' ? 'businesses' : 'consumers',
    vat: vat === 'added' ? 'added' : 'included',
    legal: {
      termsUrl: httpsUrl('LEGAL_TERMS_URL', value('LEGAL_TERMS_URL')),
      privacyUrl: httpsUrl('LEGAL_PRIVACY_URL', value('LEGAL_PRIVACY_URL')),
      withdrawalPolicyUrl: httpsUrl('LEGAL_WITHDRAWAL_POLICY_URL', value('LEGAL_WITHDRAWAL_POLICY_URL')),
    },
    invoiceFooter,
  };
}

/** Stripe's smallest charge in euros is 0.50 €; its largest 999,999.99 €: the bounds stay well inside. */
const SMALLEST_CHARGE_CENTS = 50;
const MOST_CUSTOM_CREDITS = 1_000_000;

function customAmountSettings(
  flag: (name: string, fallback?: boolean) => boolean,
  integer: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): CustomAmountSettings | null {
  if (!flag('CREDIT_TOPUP_CUSTOM_AMOUNT')) return null;
  const smallest = Math.ceil(SMALLEST_CHARGE_CENTS / CENTS_PER_CREDIT);
  const minCredits = integer('CREDIT_TOPUP_CUSTOM_AMOUNT_MIN', 20, smallest, MOST_CUSTOM_CREDITS);
  const maxCredits = integer('CREDIT_TOPUP_CUSTOM_AMOUNT_MAX', 4000, smallest, MOST_CUSTOM_CREDITS);
  const stepCredits = integer('CREDIT_TOPUP_CUSTOM_AMOUNT_STEP', 10, 1, MOST_CUSTOM_CREDITS);
  if (minCredits > maxCredits)
    problems.push('CREDIT_TOPUP_CUSTOM_AMOUNT_MIN must not be larger than CREDIT_TOPUP_CUSTOM_AMOUNT_MAX');
  return { minCredits, maxCredits, stepCredits };
}

// Several processes or isolates may serve the API at any time unless someone who knows says otherwise:
// the database is the default, and `memory` must be asked for (one process only, e.g. a single VM).
function rateLimitStore(raw: string | null, problems: string[]): RateLimitStore {
  if (raw === null || raw === 'database') return 'database';
  if (raw === 'memory') return 'memory';
  problems.push('RATE_LIMIT_STORE must be database or memory');
  return 'database';
}

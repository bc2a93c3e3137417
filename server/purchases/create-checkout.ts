// Opens a purchase and its embedded Checkout Session with one database round trip before Stripe is
// asked and no wait for the disk beyond Stripe's own time:
//   A  one call that does not wait for the disk: the rate limit counted, the tenant, its Stripe
//      customer and the purchase an Idempotency-Key already names;
//   B  the purchase recorded durably, under an id the server chose, while
//   C  Stripe creates the session, whose metadata names that id;
//   D  the session attached (not waiting for the disk), and only then its client secret let out.
// Nobody can pay for a session we cannot credit: its secret leaves only after B is on disk, and a
// session whose B failed is expired at Stripe. An attach lost in a database crash is made again from
// the session's metadata by whoever hears of the session next (attach-lost-session.ts), or by a retry
// with the same Idempotency-Key, which finds the session at Stripe. The package or custom amount, and
// so the price, is the server's to decide. A hosted session (Stripe's page in a new tab) goes the same
// way; its `url` takes the place of the client secret.

import type Stripe from 'stripe';
import type {
  CheckoutLocale,
  CheckoutUi,
  CreateCheckoutSessionResponse,
  CreateHostedCheckoutSessionResponse,
} from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY, type CreditPackage } from '../../credit-packages.ts';
import { CreditTopupError, noTenant } from '../errors.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import type { CreditStore, PreparedCheckout, Purchase } from '../ledger/credit-store.ts';
import { acceptedWithdrawalWaiver } from '../selling/withdrawal-waiver.ts';
import { callStripe, type StripeTiming } from '../stripe/call-stripe.ts';
import { type CheckoutOptions, checkoutSessionParams } from '../stripe/checkout-session-params.ts';
import type { PackagePrices } from '../stripe/package-prices.ts';
import type { TenantCustomers } from '../stripe/tenant-customers.ts';
import { chosenOffer } from './chosen-offer.ts';
import { purchaseIdFor } from './purchase-id.ts';

type CreatedCheckout = CreateCheckoutSessionResponse | CreateHostedCheckoutSessionResponse;

export interface CreateCheckoutDeps {
  store: CreditStore;
  stripe: Stripe;
  prices: PackagePrices;
  tenantCustomers: TenantCustomers;
  /** Live or test mode: each has its own Stripe customer per tenant. */
  livemode: boolean;
  options: CheckoutOptions;
  now: () => number;
  /** Checkouts per user; counted inside call A when its counters live in the ledger. */
  checkoutRateLimiter: RateLimiter;
}

export interface CreateCheckoutInput {
  userId: string;
  /** As the client sent it: anything that is not one of our packages is refused. */
  packageId: unknown;
  /** As the client sent it instead of a package: a custom amount, refused outside the configured bounds. */
  credits?: unknown;
  /** As the client sent it: `embedded` (or nothing) or `hosted`. */
  ui?: unknown;
  locale: CheckoutLocale;
  idempotencyKey: string | null;
  /** As the client sent them: the ticked waiver and the version of its text (consumers only). */
  withdrawalWaiver: unknown;
  withdrawalWaiverVersion: unknown;
}

/** Too many checkouts started by this user: the seconds until the next may start. */
export class CheckoutRateLimited extends CreditTopupError {
  override readonly name = 'CheckoutRateLimited';
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `Too many checkouts started. Please wait ${retryAfterSeconds} s.`);
  }
}

/**
 * Call A: the request counted against the checkout limit (in the same call when the limit's counters
 * live in the ledger), the user's tenant, its Stripe customer and the purchase the Idempotency-Key already
 * names. Saving a card for automatic top-up goes through it too: it also asks Stripe for a session.
 */
export async function prepareCountedCheckout(
  deps: Pick<CreateCheckoutDeps, 'store' | 'checkoutRateLimiter' | 'livemode'>,
  userId: string,
  creditPackage: CreditPackage,
  idempotencyKey: string | null,
): Promise<Extract<PreparedCheckout, { ok: true }>> {
  const ledgerLimit = deps.checkoutRateLimiter.ledgerLimit ?? null;
  if (!ledgerLimit) {
    const retryAfter = await deps.checkoutRateLimiter.take(userId);
    if (retryAfter !== null) throw new CheckoutRateLimited(retryAfter);
  }
  const prepared = await deps.store.prepareCheckout({
    userId,
    packageId: creditPackage.id,
    credits: creditPackage.credits,
    amountCents: creditPackage.amountCents,
    currency: CREDIT_CURRENCY,
    idempotencyKey,
    livemode: deps.livemode,
    limit: ledgerLimit,
  });
  if (!prepared.ok) {
    if (prepared.code === 'rate_limited') throw new CheckoutRateLimited(prepared.retryAfterSeconds);
    if (prepared.code === 'idempotency_key_reused') throw keyReused();
    throw noTenant();
  }
  return prepared;
}

/** What a session is made for before the purchase is recorded: the purchase as it will be recorded. */
type PlannedPurchase = Pick<Purchase, 'id' | 'tenantId' | 'userId' | 'currency' | 'amountCents'>;

export async function createCheckout(
  deps: CreateCheckoutDeps,
  input: CreateCheckoutInput,
  timing?: StripeTiming,
): Promise<CreatedCheckout> {
  const { store, stripe } = deps;
  const creditPackage = chosenOffer(input.packageId, input.credits, deps.options.customAmount);
  if (input.ui !== undefined && input.ui !== 'embedded' && input.ui !== 'hosted') {
    throw new CreditTopupError('invalid_request', 'checkout must be "embedded" or "hosted".');
  }
  const ui: CheckoutUi = input.ui ?? 'embedded';
  // A consumer's waiver comes before anything is recorded or sent to Stripe (§ 356 Abs. 5 BGB).
  const waiverVersion =
    deps.options.selling.sellTo === 'consumers'
      ? acceptedWithdrawalWaiver(input.withdrawalWaiver, input.withdrawalWaiverVersion)
      : null;
  // Counted after the request proved valid (an invalid one never reaches Stripe anyway), before Stripe.
  // A
  const prepared = await prepareCountedCheckout(deps, input.userId, creditPackage, input.idempotencyKey);
  // The same Idempotency-Key again (a double click, a retry): the same session.
  const attachedBefore = prepared.purchase?.stripeCheckoutSessionId;
  if (attachedBefore) return existingSession(stripe, attachedBefore, ui, timing);
  if (prepared.purchase) {
    // The key's purchase has no session: Stripe failed (or its answer was lost), or a database crash
    // lost the attach of a session already answered. A second session beside one the buyer still holds
    // could be paid as well as it, and only one can be credited: the first is found and kept.
    const earlier = await sessionMadeFor(stripe, prepared.purchase, prepared.stripeCustomerId, timing);
    if (earlier) {
      const kept = await store.attachCheckoutSession(
        prepared.purchase.id,
        earlier.id,
        earlier.expires_at ? new Date(earlier.expires_at * 1000) : null,
      );
      const session = kept.ok ? earlier.id : kept.purchase?.stripeCheckoutSessionId;
      if (!session) throw new Error(`could not attach checkout session: ${kept.ok || kept.code}`);
      return existingSession(stripe, session, ui, timing);
    }
  }
  const purchase: PlannedPurchase = {
    // A purchase the key named before (its session never made, or lost) keeps its id.
    id: prepared.purchase?.id ?? (await purchaseIdFor(input.userId, input.idempotencyKey)),
    tenantId: prepared.tenantId,
    userId: input.userId,
    currency: CREDIT_CURRENCY,
    amountCents: creditPackage.amountCents,
  };

  // B and C at once: Stripe's time hides the wait for the disk.
  const [opened, created] = await Promise.allSettled([
    store.openPurchase({
      userId: input.userId,
      packageId: creditPackage.id,
      credits: creditPackage.credits,
      amountCents: creditPackage.amountCents,
      currency: CREDIT_CURRENCY,
      tenantId: purchase.tenantId,
      idempotencyKey: input.idempotencyKey,
      withdrawalWaiverVersion: waiverVersion,
      livemode: deps.livemode,
      purchaseId: purchase.id,
    }),
    createSession(deps, purchase, creditPackage, prepared.stripeCustomerId, input.locale, ui, timing),
  ]);
  if (opened.status === 'rejected') {
    // Not recorded (as far as we know): the session must never be paid.
    if (created.status === 'fulfilled') await expireUnpaid(stripe, created.value.session.id, timing);
    throw opened.reason;
  }
  // C failed: the purchase stays pending without a session; nobody can pay for it, a retry reuses it.
  if (created.status === 'rejected') throw created.reason;
  const { session, opening } = created.value;
  const recorded = opened.value;
  if (!recorded.ok) {
    await expireUnpaid(stripe, session.id, timing);
    // A concurrent request with the same key recorded another package under it first.
    if (recorded.code === 'idempotency_key_reused') throw keyReused();
    throw noTenant(); // the membership ended between A and B
  }
  if (recorded.purchase.id !== purchase.id) {
    // Only a server from before this id was decided up front records the key's purchase under another.
    await expireUnpaid(stripe, session.id, timing);
    const winner = recorded.purchase.stripeCheckoutSessionId;
    if (winner) return existingSession(stripe, winner, ui, timing);
    throw new Error('the Idempotency-Key names a purchase opened under another id; try again');
  }

  // D
  const attached = await store.attachCheckoutSession(
    purchase.id,
    session.id,
    session.expires_at ? new Date(session.expires_at * 1000) : null,
    { durable: false },
  );
  if (!attached.ok) {
    // A concurrent request with the same Idempotency-Key attached its session first: answer with that
    // one, and close ours, which nobody has the secret of.
    const winner = attached.purchase?.stripeCheckoutSessionId;
    if (attached.code === 'session_already_attached' && winner) {
      const [answer] = await Promise.all([
        existingSession(stripe, winner, ui, timing),
        expireUnpaid(stripe, session.id, timing),
      ]);
      return answer;
    }
    throw new Error(`could not attach checkout session: ${attached.code}`);
  }
  return { id: session.id, ...opening, expires_at: session.expires_at };
}

const keyReused = () =>
  new CreditTopupError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used for a different package, amount or checkout.',
  );

/** What opens a session in the browser: the embedded one's client secret, or the hosted one's page. */
type SessionOpening = { client_secret: string } | { url: string };

function openingOf(session: Stripe.Checkout.Session, ui: CheckoutUi): SessionOpening | null {
  if (ui === 'hosted') return session.url ? { url: session.url } : null;
  return session.client_secret ? { client_secret: session.client_secret } : null;
}

/** C: the session for the planned purchase, with what opens it (a client secret, or a hosted page). */
async function createSession(
  deps: CreateCheckoutDeps,
  purchase: PlannedPurchase,
  creditPackage: CreditPackage,
  knownCustomerId: string | null,
  locale: CheckoutLocale,
  ui: CheckoutUi,
  timing: StripeTiming | undefined,
): Promise<{ session: Stripe.Checkout.Session; opening: SessionOpening }> {
  const customerId = await deps.tenantCustomers.customerFor(purchase.tenantId, knownCustomerId, timing);
  const params = checkoutSessionParams({
    purchase,
    creditPackage,
    priceId: await deps.prices.priceIdFor(creditPackage),
    customerId,
    locale,
    options: deps.options,
    nowSeconds: Math.floor(deps.now() / 1000),
    ui,
  });
  // A fresh Stripe key per attempt: the SDK's own retries of this attempt share it, while a later
  // attempt after a Stripe failure is not answered with that failure again. An attempt whose answer
  // was lost leaves a session nobody has the secret of; it expires unpaid.
  const session = await callStripe(
    () =>
      deps.stripe.checkout.sessions.create(params, {
        idempotencyKey: `credit-topup-${purchase.id}-${crypto.randomUUID()}`,
      }),
    timing,
  );
  const opening = openingOf(session, ui);
  if (!opening) {
    throw new CreditTopupError('stripe_error', `Stripe returned a ${ui} session without a way to open it.`);
  }
  return { session, opening };
}

/** A session not expired that Stripe made for the purchase (its metadata names it), or null. */
async function sessionMadeFor(
  stripe: Stripe,
  purchase: Purchase,
  customerId: string | null,
  timing: StripeTiming | undefined,
): Promise<Stripe.Checkout.Session | null> {
  if (!customerId) return null; // every session of ours names the tenant's customer, made before it
  const since = Math.floor(Date.parse(purchase.createdAt) / 1000) - 60;
  return callStripe(async () => {
    // Newest first, and only the tenant's since the purchase was opened: a page, rarely two.
    for await (const session of stripe.checkout.sessions.list({
      customer: customerId,
      created: { gte: since },
      limit: 100,
    })) {
      if (session.metadata?.purchase_id === purchase.id && session.status !== 'expired') return session;
    }
    return null;
  }, timing);
}

/**
 * Closes a session whose client secret never left the server, so it cannot be paid even if it leaked.
 * Best effort: if Stripe does not answer, the session still has no buyer and expires on its own.
 */
async function expireUnpaid(stripe: Stripe, sessionId: string, timing: StripeTiming | undefined) {
  await callStripe(() => stripe.checkout.sessions.expire(sessionId), timing).catch(() => {});
}

async function existingSession(
  stripe: Stripe,
  sessionId: string,
  ui: CheckoutUi,
  timing: StripeTiming | undefined,
): Promise<CreatedCheckout> {
  const session = await callStripe(() => stripe.checkout.sessions.retrieve(sessionId), timing);
  if (session.status !== 'open') {
    throw new CreditTopupError(
      'checkout_session_closed',
      'This checkout is already completed or expired. Start a new one.',
    );
  }
  // The key's session opens the other way (embedded, not hosted, or the reverse): not what was asked.
  const opening = openingOf(session, ui);
  if (!opening) throw keyReused();
  return { id: session.id, ...opening, expires_at: session.expires_at };
}

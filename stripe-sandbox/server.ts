// The offline Stripe sandbox: a local HTTP server the official SDK talks to through STRIPE_API_BASE,
// standing in for Stripe only. It serves
//   /v1/…            the API calls our server makes (form-encoded, Bearer sk_test_…, Idempotency-Key
//                    replay, Stripe's error shape),
//                    Stripe.js's few calls with the publishable key and a client secret (confirming
//                    and reading a PaymentIntent) are answered to any origin, as Stripe's API does,
//   /embedded-checkout  the checkout page for the browser, and /stripe-js-stand-in.js,
//   /3ds/…           the 3-D Secure challenge page a PaymentIntent or SetupIntent that requires_action names,
//   /invoices/…, /receipts/…  the hosted invoice page, the invoice PDF and the receipt objects link to,
//   /__sandbox/…     test controls: pay (or save a card), authenticate, expire, refund, dispute, resend,
//                    faults, deliveries.
// It listens on loopback only.

import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { listenOnNode } from '../server/node-listener.ts';
import type { CheckoutBuyerInput } from './checkout-collection.ts';
import { checkoutPageHtml, checkoutPageLocale, successUrlOf } from './checkout-page.ts';
import type { PayInput } from './checkout-sessions.ts';
import { type FormValue, parseStripeForm } from './form-encoding.ts';
import { hostedInvoiceHtml, invoicePdf, receiptHtml } from './invoice-pages.ts';
import { SandboxAccount } from './sandbox-account.ts';
import { missing, SandboxApiError } from './sandbox-api-error.ts';
import { stripeJsStandInSource } from './stripe-js-stand-in.ts';
import { threeDSecurePageHtml, threeDSecurePageLocale } from './three-d-secure-page.ts';
import { type Delivery, WebhookSender } from './webhook-sender.ts';

export interface StripeSandboxOptions {
  port?: number;
  /** Where events are posted (our server's /v1/stripe/webhook); can be set later. */
  webhookUrl?: string | null;
  webhookSecret?: string;
  /** Only this key is accepted when set; otherwise any sk_test_ key. */
  secretKey?: string;
  asyncPaymentDelayMs?: number;
  webhookRetryBaseMs?: number;
  webhookMaxRetryDelayMs?: number;
  webhookMaxAttempts?: number;
  webhookTimeoutMs?: number;
  webhookDropRate?: number;
  /** The account's Adaptive Pricing setting, for sessions that do not say (default on). */
  adaptivePricingByDefault?: boolean;
}

/**
 * Failures injected into POST /v1/checkout/sessions (or, with `endpoint: 'customers'`, into
 * POST /v1/customers, with `endpoint: 'payment_intents'` into POST /v1/payment_intents), consumed one per
 * request to that endpoint. `lose_answer`: the request is carried out (and its answer kept for its
 * Idempotency-Key, as Stripe keeps it), then the connection drops before the answer is sent, as when the
 * network fails after Stripe did the work.
 */
export type SandboxFault = (
  | { kind: 'error'; status: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'lose_answer' }
) & { endpoint?: FaultEndpoint };

export type FaultEndpoint = 'checkout_sessions' | 'customers' | 'payment_intents';

/** The calls Stripe.js makes with the publishable key and an intent's client secret. */
const PUBLISHABLE_KEY_ROUTES = [
  /^GET \/v1\/payment_intents\/pi_[^/]+$/,
  /^POST \/v1\/payment_intents\/pi_[^/]+\/confirm$/,
];

export interface StripeSandbox {
  url: string;
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  account: SandboxAccount;
  webhooks: WebhookSender;
  /** Requests to /v1/* as `METHOD /path`, for tests that check what the SDK sent. */
  apiRequests: {
    method: string;
    path: string;
    idempotencyKey: string | null;
    form: Record<string, FormValue>;
    /** performance.now() when the request arrived: the bench times what our server sends against it. */
    receivedAt: number;
  }[];
  setWebhookUrl(url: string | null): void;
  injectFaults(...faults: SandboxFault[]): void;
  close(): Promise<void>;
}

const DEFAULT_SECRET_KEY = 'sk_test_credit_topup_sandbox_0000000000000000';
const PUBLISHABLE_KEY = 'pk_test_credit_topup_sandbox_0000000000000000';
const DEFAULT_WEBHOOK_SECRET = 'whsec_credit_topup_sandbox_0000000000000000';

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const webhookSecret = options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET;
  const webhooks = new WebhookSender({
    url: options.webhookUrl ?? null,
    secret: webhookSecret,
    retryBaseMs: options.webhookRetryBaseMs ?? 1000,
    maxRetryDelayMs: options.webhookMaxRetryDelayMs ?? 60 * 60_000,
    maxAttempts: options.webhookMaxAttempts ?? 8,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    dropRate: options.webhookDropRate ?? 0,
  });
  const account = new SandboxAccount(webhooks, {
    asyncPaymentDelayMs: options.asyncPaymentDelayMs ?? 3000,
    adaptivePricingByDefault: options.adaptivePricingByDefault ?? true,
  });
  const faults: SandboxFault[] = [];
  const apiRequests: StripeSandbox['apiRequests'] = [];
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  /** Keys whose first request is still being answered, each with a mark of that request. */
  const idempotencyInFlight = new Map<string, symbol>();
  const hangs = new Set<() => void>();

  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof SandboxApiError) return c.json(error.body(), error.status as 400);
    return c.json(
      { error: { type: 'api_error', message: `Sandbox error: ${(error as Error).message}` } },
      500,
    );
  });

  // ----- The API ------------------------------------------------------------------------------------
  // Outermost: a request whose answer is to be lost (fault `lose_answer`) has been carried out and its
  // answer kept by the layers below; the connection then drops instead of answering.
  app.use('/v1/*', async (c, next) => {
    await next();
    if (c.get('loseAnswer' as never)) (c.env as HttpBindings).incoming.socket.destroy();
  });
  app.use('/v1/*', async (c, next) => {
    const receivedAt = performance.now();
    const form =
      c.req.method === 'GET'
        ? parseStripeForm(new URL(c.req.url).searchParams)
        : parseStripeForm(await c.req.text());
    const key = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    // Stripe.js sends the publishable key as the `key` parameter, from any page's origin.
    const publishableKey = !key && typeof form.key === 'string' ? form.key : null;
    if (publishableKey !== null) {
      c.header('Access-Control-Allow-Origin', '*');
      if (publishableKey !== PUBLISHABLE_KEY)
        throw new SandboxApiError(401, 'invalid_request_error', 'Invalid API Key provided.');
      if (
        typeof form.client_secret !== 'string' ||
        !PUBLISHABLE_KEY_ROUTES.some((route) => route.test(`${c.req.method} ${c.req.path}`))
      ) {
        throw new SandboxApiError(
          401,
          'invalid_request_error',
          'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
        );
      }
      c.set('clientSecret' as never, form.client_secret as never);
    } else {
      const accepted = options.secretKey ? key === options.secretKey : /^(sk|rk)_test_/.test(key);
      if (!accepted) {
        throw new SandboxApiError(
          401,
          'invalid_request_error',
          key.startsWith('sk_live_')
            ? 'The offline sandbox never accepts live keys.'
            : 'Invalid API Key provided.',
        );
      }
    }
    c.set('form' as never, form as never);
    const idempotencyKey = c.req.header('idempotency-key') ?? null;
    apiRequests.push({ method: c.req.method, path: c.req.path, idempotencyKey, form, receivedAt });
    if (c.req.method !== 'POST' || !idempotencyKey) return next();

    const fingerprint = `${c.req.path}\n${JSON.stringify(form)}`;
    const saved = idempotent.get(idempotencyKey);
    if (saved) {
      if (saved.fingerprint !== fingerprint) {
        throw new SandboxApiError(
          400,
          'idempotency_error',
          'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        );
      }
      c.header('Idempotent-Replayed', 'true');
      return c.json(saved.body as object, saved.status as 200);
    }
    // Like Stripe: a second request while the first with its key is still running is refused with 409,
    // which the SDK retries; it then gets the first one's saved answer.
    if (idempotencyInFlight.has(idempotencyKey)) {
      throw new SandboxApiError(
        409,
        'idempotency_error',
        'There is currently another in-progress request using this Idempotency Key. Please try again later.',
        'idempotency_key_in_use',
      );
    }
    const mark = Symbol(idempotencyKey);
    idempotencyInFlight.set(idempotencyKey, mark);
    const release = () => {
      if (idempotencyInFlight.get(idempotencyKey) === mark) idempotencyInFlight.delete(idempotencyKey);
    };
    // A request whose client gave up (a timeout) is one cut short: it keeps nothing and blocks nothing,
    // so the client's retry is answered afresh.
    const { signal } = c.req.raw;
    signal.addEventListener('abort', release, { once: true });
    try {
      await next();
      // Like Stripe: the first result for a key is kept, errors included.
      const body = await c.res
        .clone()
        .json()
        .catch(() => null);
      if (body !== null && !signal.aborted && !idempotent.has(idempotencyKey))
        idempotent.set(idempotencyKey, { fingerprint, status: c.res.status, body });
    } finally {
      signal.removeEventListener('abort', release);
      release();
    }
  });

  const form = (c: Context) => c.get('form' as never) as Record<string, FormValue>;
  const list = <T>(c: Context, items: T[], url: string) => {
    const params = form(c);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 10)));
    let start = 0;
    if (typeof params.starting_after === 'string') {
      const index = items.findIndex((item) => (item as { id: string }).id === params.starting_after);
      start = index === -1 ? items.length : index + 1;
    }
    const page = items.slice(start, start + limit);
    return c.json({ object: 'list', data: page, has_more: start + limit < items.length, url });
  };
  const createdFilter = (params: Record<string, FormValue>) => {
    const created = params.created;
    const gte =
      typeof created === 'object' && !Array.isArray(created)
        ? Number(created.gte ?? 0)
        : Number(created ?? 0);
    return (item: { created: number }) => item.created >= gte;
  };

  /**
   * The next injected fault for `endpoint`, suffered: an error thrown, the answer held back, or (marked
   * on `c`) the answer lost after the request was carried out.
   */
  async function sufferFault(endpoint: FaultEndpoint, c?: Context) {
    const index = faults.findIndex((fault) => (fault.endpoint ?? 'checkout_sessions') === endpoint);
    if (index === -1) return;
    const [fault] = faults.splice(index, 1);
    if (fault?.kind === 'lose_answer') c?.set('loseAnswer' as never, true as never);
    if (fault?.kind === 'error') {
      throw new SandboxApiError(
        fault.status,
        'api_error',
        'An unexpected error occurred (injected by the sandbox).',
      );
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'hang') await new Promise<void>((resolve) => hangs.add(resolve));
  }

  app.post('/v1/checkout/sessions', async (c) => {
    await sufferFault('checkout_sessions');
    return c.json(account.checkoutSessions.create(form(c), new URL(c.req.url).origin));
  });
  app.get('/v1/checkout/sessions/:id', (c) => c.json(account.checkoutSessions.retrieve(c.req.param('id'))));
  app.post('/v1/checkout/sessions/:id/expire', (c) =>
    c.json(account.checkoutSessions.expire(c.req.param('id'))),
  );
  app.get('/v1/checkout/sessions', (c) => {
    const params = form(c);
    // Newest first, like Stripe's lists.
    const sessions = [...account.checkoutSessions.sessions.values()]
      .reverse()
      .filter(createdFilter(params))
      .filter((session) => !params.status || session.status === params.status)
      .filter((session) => !params.customer || session.customer === params.customer);
    return list(c, sessions, '/v1/checkout/sessions');
  });
  app.post('/v1/customers', async (c) => {
    await sufferFault('customers');
    return c.json(account.customers.create(form(c)));
  });
  app.get('/v1/customers/:id', (c) => c.json(account.customers.retrieve(c.req.param('id'), form(c).expand)));
  app.post('/v1/customers/:id', (c) => c.json(account.customers.update(c.req.param('id'), form(c))));
  app.get('/v1/invoices/:id', (c) => c.json(account.invoices.retrieve(c.req.param('id'))));
  // Saved cards and off-session payments (automatic top-up).
  app.post('/v1/payment_methods/:id/attach', (c) => {
    const { customer } = form(c);
    if (typeof customer !== 'string' || customer === '') throw missing('customer');
    account.customers.retrieve(customer, undefined, 'customer');
    return c.json(account.paymentMethods.attach(c.req.param('id'), customer));
  });
  app.post('/v1/payment_methods/:id/detach', (c) => c.json(account.paymentMethods.detach(c.req.param('id'))));
  app.get('/v1/payment_methods/:id', (c) => c.json(account.paymentMethods.retrieve(c.req.param('id'))));
  app.get('/v1/customers/:id/payment_methods', (c) => {
    const id = c.req.param('id');
    account.customers.retrieve(id);
    const { type } = form(c);
    const methods = account.paymentMethods.ofCustomer(id, typeof type === 'string' ? type : undefined);
    return list(c, methods, `/v1/customers/${id}/payment_methods`);
  });
  app.get('/v1/setup_intents/:id', (c) =>
    c.json(account.setupIntents.retrieve(c.req.param('id'), form(c).expand)),
  );
  app.post('/v1/payment_intents', async (c) => {
    await sufferFault('payment_intents', c);
    return c.json(account.paymentIntents.create(form(c)));
  });
  app.get('/v1/payment_intents', (c) => {
    const params = form(c);
    const customer = typeof params.customer === 'string' ? params.customer : undefined;
    const paymentIntents = account.paymentIntents.list({ customer }).filter(createdFilter(params));
    return list(c, paymentIntents, '/v1/payment_intents');
  });
  app.get('/v1/payment_intents/search', (c) => {
    const { query, limit } = form(c);
    if (typeof query !== 'string' || query === '') throw missing('query');
    const found = account.paymentIntents.search(query);
    const size = Math.min(100, Math.max(1, Number(limit ?? 10)));
    // Stripe's search answer: a search_result, paged by next_page rather than starting_after.
    return c.json({
      object: 'search_result',
      data: found.slice(0, size),
      has_more: found.length > size,
      next_page: null,
      url: '/v1/payment_intents/search',
    });
  });
  app.post('/v1/payment_intents/:id/confirm', (c) => {
    const id = c.req.param('id');
    const clientSecret = c.get('clientSecret' as never) as string | undefined;
    if (clientSecret) account.paymentIntents.byClientSecret(id, clientSecret);
    const params = form(c);
    return c.json(
      account.paymentIntents.confirm(id, {
        paymentMethod: typeof params.payment_method === 'string' ? params.payment_method : undefined,
        // Stripe.js confirms with the customer present.
        offSession: !clientSecret && params.off_session === 'true',
      }),
    );
  });
  app.get('/v1/payment_intents/:id', (c) => {
    const clientSecret = c.get('clientSecret' as never) as string | undefined;
    const paymentIntent = clientSecret
      ? account.paymentIntents.byClientSecret(c.req.param('id'), clientSecret)
      : account.payments.paymentIntent(c.req.param('id'));
    const { expand } = form(c);
    const charge = paymentIntent.latest_charge;
    // As Stripe does: `expand[]=latest_charge` gives the charge itself in place of its id.
    const expanded =
      Array.isArray(expand) && expand.includes('latest_charge') && typeof charge === 'string'
        ? { ...paymentIntent, latest_charge: account.payments.charge(charge) }
        : paymentIntent;
    return c.json(expanded as object as Record<string, unknown>);
  });
  app.get('/v1/charges/:id', (c) => c.json(account.payments.charge(c.req.param('id'))));
  app.get('/v1/disputes/:id', (c) => c.json(account.disputes.retrieve(c.req.param('id'))));
  app.post('/v1/refunds', (c) => {
    const params = form(c);
    return c.json(
      account.refunds.create({
        charge: params.charge as string | undefined,
        payment_intent: params.payment_intent as string | undefined,
        amount: params.amount === undefined ? undefined : Number(params.amount),
      }),
    );
  });
  app.get('/v1/events', (c) => {
    const params = form(c);
    const events = [...account.events]
      .reverse()
      .filter(createdFilter(params))
      .filter((event) => !params.type || event.type === params.type);
    return list(c, events, '/v1/events');
  });
  app.get('/v1/events/:id', (c) => {
    const event = account.events.find((candidate) => candidate.id === c.req.param('id'));
    if (!event)
      throw new SandboxApiError(
        404,
        'invalid_request_error',
        `No such event: '${c.req.param('id')}'`,
        'resource_missing',
      );
    return c.json(event);
  });
  app.post('/v1/products', (c) => c.json(account.catalog.createProduct(form(c))));
  app.post('/v1/products/:id', (c) => c.json(account.catalog.updateProduct(c.req.param('id'), form(c))));
  app.get('/v1/products/:id', (c) => c.json(account.catalog.product(c.req.param('id'))));
  app.get('/v1/prices', (c) => {
    const params = form(c);
    const lookupKeys = Array.isArray(params.lookup_keys) ? params.lookup_keys.map(String) : null;
    const prices = [...account.catalog.prices.values()]
      .reverse()
      .filter(
        (price) =>
          (!lookupKeys || (price.lookup_key !== null && lookupKeys.includes(price.lookup_key))) &&
          (params.active === undefined || price.active === (params.active === 'true')) &&
          (!params.product || price.product === params.product),
      );
    return list(c, prices, '/v1/prices');
  });
  app.post('/v1/prices', (c) => c.json(account.catalog.createPrice(form(c))));
  app.post('/v1/prices/:id', (c) => c.json(account.catalog.updatePrice(c.req.param('id'), form(c))));
  app.all('/v1/*', (c) => {
    throw new SandboxApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${c.req.method}: ${c.req.path}).`,
    );
  });

  // ----- The browser side ---------------------------------------------------------------------------
  app.get('/stripe-js-stand-in.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    return c.body(stripeJsStandInSource);
  });
  app.get('/embedded-checkout', (c) => {
    const session = account.checkoutSessions.byClientSecret(c.req.query('client_secret') ?? '');
    if (!session) return c.text('Unknown or invalid client secret.', 404);
    return c.html(checkoutPageHtml(session, checkoutPageLocale(session, c.req.query('locale'))));
  });
  app.post('/embedded-checkout/pay', async (c) => {
    const { client_secret, ...body } = await c.req.json<{ client_secret?: string } & PayBody>();
    const session = account.checkoutSessions.byClientSecret(client_secret ?? '');
    if (!session)
      return c.json({ ok: false, code: 'invalid_client_secret', message: 'Unknown client secret.' }, 404);
    return payAndAnswer(c, session.id, body);
  });

  // The 3-D Secure challenge of a PaymentIntent or SetupIntent that requires_action (its
  // next_action.use_stripe_sdk.stripe_js), shown by Stripe.js (or the setup page) in a modal frame.
  const intentOfChallenge = (id: string, clientSecret: string) => {
    const intent = id.startsWith('seti_')
      ? account.setupIntents.setupIntents.get(id)
      : account.payments.paymentIntents.get(id);
    return intent && intent.client_secret === clientSecret ? intent : undefined;
  };
  app.get('/3ds/:id', (c) => {
    const intent = intentOfChallenge(c.req.param('id'), c.req.query('client_secret') ?? '');
    if (!intent) return c.text('Unknown or invalid client secret.', 404);
    return c.html(threeDSecurePageHtml(intent, threeDSecurePageLocale(c.req.query('locale'))));
  });
  app.post('/3ds/:id', async (c) => {
    const id = c.req.param('id');
    const { client_secret, outcome } = await c.req.json<{ client_secret?: string; outcome?: string }>();
    if (!intentOfChallenge(id, client_secret ?? ''))
      return c.json({ ok: false, code: 'invalid_client_secret', message: 'Unknown client secret.' }, 404);
    return c.json(authenticate(id, outcome));
  });

  /** The cardholder's answer to a challenge; the intent as it is afterwards. */
  function authenticate(id: string, outcome: unknown) {
    if (outcome !== 'complete' && outcome !== 'fail')
      throw new SandboxApiError(400, 'invalid_request_error', 'outcome must be complete or fail');
    const intent = id.startsWith('seti_')
      ? account.setupIntents.authenticate(id, outcome)
      : account.paymentIntents.authenticate(id, outcome);
    return { ok: true, id: intent.id, status: intent.status };
  }

  // A hosted session's page, at the address its `url` names (Stripe's checkout.stripe.com/c/pay/…).
  const hostedSession = (id: string) => {
    const session = account.checkoutSessions.sessions.get(id);
    return session?.ui_mode === 'hosted_page' ? session : undefined;
  };
  app.get('/c/pay/:id', (c) => {
    const session = hostedSession(c.req.param('id'));
    if (!session) return c.text('Unknown checkout session.', 404);
    return c.html(
      checkoutPageHtml(session, checkoutPageLocale(session, c.req.query('locale')), {
        payPath: `/c/pay/${session.id}/pay`,
        successUrl: successUrlOf(session),
        cancelUrl: session.cancel_url,
      }),
    );
  });
  app.post('/c/pay/:id/pay', async (c) => {
    const session = hostedSession(c.req.param('id'));
    if (!session)
      return c.json({ ok: false, code: 'resource_missing', message: 'Unknown checkout session.' }, 404);
    return payAndAnswer(c, session.id, await c.req.json<PayBody>());
  });

  /**
   * What the checkout page (and a test in its place) sends to pay: the method and the rest of the form;
   * to save a card (setup mode) the card number and, optionally, its expiry.
   */
  type PayBody = {
    card_number?: string;
    iban?: string;
    currency?: string;
    exp_month?: number;
    exp_year?: number;
  } & CheckoutBuyerInput;

  function payAndAnswer(c: Context, sessionId: string, body: PayBody) {
    if (account.checkoutSessions.retrieve(sessionId).mode === 'setup')
      return saveCardAndAnswer(c, sessionId, body);
    const { card_number, iban, currency, exp_month: _month, exp_year: _year, ...buyer } = body;
    const input: PayInput = iban
      ? { type: 'sepa_debit', iban, ...buyer }
      : { type: 'card', number: card_number ?? '', ...buyer };
    const result = account.checkoutSessions.pay(sessionId, input, currency);
    if (!result.ok) {
      const { code, message, field } = result;
      // A form the page would not submit is a bad request; a refused payment is 402, as Stripe answers.
      return c.json({ ok: false, code, message, ...(field ? { field } : {}) }, field ? 400 : 402);
    }
    return c.json({
      ok: true,
      session_id: result.session.id,
      status: result.session.status,
      payment_status: result.session.payment_status,
    });
  }

  /**
   * A setup session's card saved: the session as it is, and its SetupIntent; one that requires_action
   * names its challenge page (`challenge_url`), which completes the session once completed.
   */
  function saveCardAndAnswer(c: Context, sessionId: string, body: PayBody) {
    const expiry =
      body.exp_month && body.exp_year
        ? { month: Number(body.exp_month), year: Number(body.exp_year) }
        : undefined;
    const result = account.checkoutSessions.saveCard(sessionId, { number: body.card_number ?? '', expiry });
    if (!result.ok) {
      const { code, message, declineCode } = result;
      return c.json({ ok: false, code, message, ...(declineCode ? { decline_code: declineCode } : {}) }, 402);
    }
    const { session, setupIntent } = result;
    const challenge = setupIntent.next_action?.use_stripe_sdk as { stripe_js?: string } | undefined;
    return c.json({
      ok: true,
      session_id: session.id,
      status: session.status,
      payment_status: session.payment_status,
      setup_intent: setupIntent.id,
      setup_intent_status: setupIntent.status,
      ...(challenge?.stripe_js ? { challenge_url: challenge.stripe_js } : {}),
    });
  }

  const sessionCharge = (sessionId: string) =>
    account.payments.chargeOfSession(account.checkoutSessions.retrieve(sessionId));

  // ----- Documents at the addresses objects name (hosted_invoice_url, invoice_pdf, receipt_url) -------
  app.get('/invoices/:token', (c) => {
    const found = account.invoices.byPageToken(c.req.param('token'));
    if (!found) return c.text('Unknown invoice.', 404);
    return c.html(hostedInvoiceHtml(found.invoice, found.locale));
  });
  app.get('/invoices/:token/pdf', (c) => {
    const found = account.invoices.byPageToken(c.req.param('token'));
    if (!found) return c.text('Unknown invoice.', 404);
    c.header('Content-Type', 'application/pdf');
    c.header('Content-Disposition', `inline; filename="${found.invoice.number ?? found.invoice.id}.pdf"`);
    return c.body(new Uint8Array(invoicePdf(found.invoice, found.locale)));
  });
  app.get('/receipts/:token', (c) => {
    const found = account.payments.receiptByToken(c.req.param('token'));
    if (!found) return c.text('Unknown receipt.', 404);
    return c.html(receiptHtml(found.charge, found.locale));
  });

  // ----- Test controls ------------------------------------------------------------------------------
  const json = async <T>(c: Context): Promise<T> => (await c.req.json().catch(() => ({}))) as T;
  app.post('/__sandbox/checkout-sessions/:id/pay', async (c) =>
    payAndAnswer(c, c.req.param('id'), await json(c)),
  );
  app.post('/__sandbox/checkout-sessions/:id/expire', (c) =>
    c.json(account.checkoutSessions.expire(c.req.param('id'))),
  );
  app.post('/__sandbox/checkout-sessions/:id/refund', async (c) => {
    const { amount } = await json<{ amount?: number }>(c);
    const charge = sessionCharge(c.req.param('id'));
    return c.json(account.refunds.create({ charge: charge.id, ...(amount === undefined ? {} : { amount }) }));
  });
  app.post('/__sandbox/checkout-sessions/:id/dispute', async (c) =>
    c.json(account.disputes.open(sessionCharge(c.req.param('id')), await json(c))),
  );
  app.post('/__sandbox/disputes/:id/close', async (c) => {
    const { status } = await json<{ status?: 'won' | 'lost' }>(c);
    if (status !== 'won' && status !== 'lost')
      throw new SandboxApiError(400, 'invalid_request_error', 'status must be won or lost');
    return c.json(account.disputes.close(c.req.param('id'), status));
  });
  // The cardholder's answer to a 3-D Secure challenge, without a browser.
  app.post('/__sandbox/payment_intents/:id/authenticate', async (c) => {
    const { outcome } = await json<{ outcome?: string }>(c);
    account.payments.paymentIntent(c.req.param('id'));
    return c.json(authenticate(c.req.param('id'), outcome));
  });
  app.post('/__sandbox/setup_intents/:id/authenticate', async (c) => {
    const { outcome } = await json<{ outcome?: string }>(c);
    account.setupIntents.retrieve(c.req.param('id'));
    return c.json(authenticate(c.req.param('id'), outcome));
  });
  // A saved card reaching its expiry date: later payments with it are declined expired_card.
  app.post('/__sandbox/payment_methods/:id/expire', (c) =>
    c.json(account.paymentMethods.expire(c.req.param('id'))),
  );
  app.post('/__sandbox/faults', async (c) => {
    const { faults: injected } = await json<{ faults?: SandboxFault[] }>(c);
    faults.push(...(injected ?? []));
    return c.json({ pending: faults.length });
  });
  app.post('/__sandbox/events/:id/resend', (c) => {
    const event = account.events.find((candidate) => candidate.id === c.req.param('id'));
    if (!event) throw new SandboxApiError(404, 'invalid_request_error', 'No such event');
    return c.json(webhooks.resend(event));
  });
  app.get('/__sandbox/deliveries', (c) => c.json(webhooks.deliveries satisfies Delivery[]));

  const listener = await listenOnNode(app.fetch, { port: options.port ?? 0 });
  const { url } = listener;
  account.publicAddress.url = url;

  return {
    url,
    secretKey: options.secretKey ?? DEFAULT_SECRET_KEY,
    publishableKey: PUBLISHABLE_KEY,
    webhookSecret,
    account,
    webhooks,
    apiRequests,
    setWebhookUrl(webhookUrl) {
      webhooks.options.url = webhookUrl;
    },
    injectFaults(...injected) {
      faults.push(...injected);
    },
    async close() {
      webhooks.close();
      account.close();
      for (const release of hangs) release();
      await listener.close();
    },
  };
}

// The offline Stripe sandbox: a local HTTP server the official SDK talks to through STRIPE_API_BASE,
// standing in for Stripe only. It serves
//   /v1/…            the API calls our server makes (form-encoded, Bearer sk_test_…, Idempotency-Key
//                    replay, Stripe's error shape),
//   /embedded-checkout  the checkout page for the browser, and /stripe-js-stand-in.js,
//   /invoices/…, /receipts/…  the hosted invoice page, the invoice PDF and the receipt objects link to,
//   /__sandbox/…     test controls: pay, expire, refund, dispute, resend, faults, deliveries.
// It listens on loopback only.

import { type Context, Hono } from 'hono';
import { listenOnNode } from '../server/node-listener.ts';
import type { CheckoutBuyerInput } from './checkout-collection.ts';
import { checkoutPageHtml, checkoutPageLocale, successUrlOf } from './checkout-page.ts';
import type { PayInput } from './checkout-sessions.ts';
import { type FormValue, parseStripeForm } from './form-encoding.ts';
import { hostedInvoiceHtml, invoicePdf, receiptHtml } from './invoice-pages.ts';
import { SandboxAccount } from './sandbox-account.ts';
import { SandboxApiError } from './sandbox-api-error.ts';
import { stripeJsStandInSource } from './stripe-js-stand-in.ts';
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
 * POST /v1/customers), consumed one per request to that endpoint.
 */
export type SandboxFault = (
  | { kind: 'error'; status: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
) & { endpoint?: FaultEndpoint };

export type FaultEndpoint = 'checkout_sessions' | 'customers';

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
  app.use('/v1/*', async (c, next) => {
    const key = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
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
    const form =
      c.req.method === 'GET'
        ? parseStripeForm(new URL(c.req.url).searchParams)
        : parseStripeForm(await c.req.text());
    c.set('form' as never, form as never);
    const idempotencyKey = c.req.header('idempotency-key') ?? null;
    apiRequests.push({ method: c.req.method, path: c.req.path, idempotencyKey, form });
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

  /** The next injected fault for `endpoint`, suffered: an error thrown, or the answer held back. */
  async function sufferFault(endpoint: FaultEndpoint) {
    const index = faults.findIndex((fault) => (fault.endpoint ?? 'checkout_sessions') === endpoint);
    if (index === -1) return;
    const [fault] = faults.splice(index, 1);
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
  app.get('/v1/payment_intents/:id', (c) => {
    const paymentIntent = account.payments.paymentIntent(c.req.param('id'));
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

  /** What the checkout page (and a test in its place) sends to pay: the method and the rest of the form. */
  type PayBody = { card_number?: string; iban?: string; currency?: string } & CheckoutBuyerInput;

  function payAndAnswer(c: Context, sessionId: string, body: PayBody) {
    const { card_number, iban, currency, ...buyer } = body;
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

// THE BASELINE, not the product: the smallest server that does the same jobs as ours with the same
// libraries (Hono on @hono/node-server, postgres.js, jose, stripe), against the same database and its
// SQL. It verifies every token and every signature, but has nothing else: no request ids, no logs, no
// security headers, no CORS, no body limits, no rate limits, no error mapping. `npm run bench` starts it
// beside our server and reports our figures as a ratio to its own.

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { jwtVerify } from 'jose';
import postgres from 'postgres';
import Stripe from 'stripe';

const env = process.env as Record<string, string>;
const sql = postgres(env.DATABASE_URL!, { max: Number(env.DATABASE_POOL_MAX ?? 10), onnotice: () => {} });
const stripe = new Stripe('sk_test_peer_never_called');
const secret = new TextEncoder().encode(env.SUPABASE_JWT_SECRET!);
const app = new Hono();

app.get('/healthz', (c) => c.json({ status: 'ok' }));

app.get('/v1/balance', async (c) => {
  const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
  let userId: string;
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], audience: 'authenticated' });
    userId = String(payload.sub);
  } catch {
    return c.json({ error: 'unauthorized' }, 401);
  }
  const [row] = await sql`
    select b.tenant_id, b.balance_credits, b.reserved_credits
      from profiles p
      join memberships m on m.user_id = p.id and m.tenant_id = p.active_tenant_id
      join tenant_credit_balance b on b.tenant_id = p.active_tenant_id
     where p.id = ${userId}`;
  if (!row) return c.json({ error: 'no_tenant' }, 404);
  return c.json({
    tenant_id: row.tenant_id,
    balance_credits: row.balance_credits,
    reserved_credits: row.reserved_credits,
    available_credits: row.balance_credits - row.reserved_credits,
  });
});

app.post('/v1/stripe/webhook', async (c) => {
  const body = await c.req.text();
  let event: Stripe.Event;
  try {
    event = await stripe.webhooks.constructEventAsync(
      body,
      c.req.header('stripe-signature') ?? '',
      env.STRIPE_WEBHOOK_SECRET!,
    );
  } catch {
    return c.json({ error: 'signature_invalid' }, 400);
  }
  if (event.type === 'checkout.session.completed' && event.data.object.payment_status === 'paid') {
    const session = event.data.object;
    await sql`select public.credit_topup_fulfil_checkout_session(
      p_checkout_session_id => ${session.id}, p_amount_cents => ${session.amount_subtotal}, p_currency => ${session.currency},
      p_payment_intent_id => ${String(session.payment_intent)}, p_amount_paid_cents => ${session.amount_total},
      p_stripe_event_id => ${event.id}, p_stripe_event_type => ${event.type}) as result`;
  }
  return c.json({ received: true });
});

serve({ fetch: app.fetch, port: Number(env.PORT), hostname: '127.0.0.1' });

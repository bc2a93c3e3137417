// Demo-only endpoints, mounted by `npm run demo` and by nothing else: a sign-in that hands out the demo
// user's access token, a "spend credits" action through the portal's rpc_credit_deduct, the tenant's
// purchase and ledger history, and (in sandbox mode) a refund through the offline Stripe sandbox.

import { Hono } from 'hono';
import { SignJWT } from 'jose';
import type postgres from 'postgres';
import type { AccessTokenVerifier } from '../server/auth/access-token-verifier.ts';
import { corsForOrigins } from '../server/http/cors.ts';
import type { CreditStore } from '../server/ledger/credit-store.ts';
import { DEMO_USER_EMAIL, DEMO_USER_ID } from './demo-seed.ts';

export interface DemoRoutesDeps {
  sql: postgres.Sql;
  store: CreditStore;
  verifier: AccessTokenVerifier;
  jwtSecret: string;
  /** The sandbox's control URL, or null with real Stripe. */
  sandboxUrl: string | null;
  /** Pages that may call these endpoints from the browser: the API's own ALLOWED_ORIGINS. */
  allowedOrigins: readonly string[];
}

const SPEND_CHOICES = [1, 5, 10, 25];

export function demoRoutes(deps: DemoRoutesDeps) {
  const app = new Hono();
  // A page of the developer's own (README: "The element in a page of your own") signs in here too.
  app.use('*', corsForOrigins(deps.allowedOrigins));

  // Who may call the other demo endpoints: the holder of a demo token, resolved like the real API does.
  const caller = async (authorization: string | undefined) => {
    const token = authorization?.replace(/^Bearer /, '') ?? '';
    const { userId } = await deps.verifier.verify(token);
    const tenantId = await deps.store.resolveTenant(userId);
    if (!tenantId) throw new Error('no tenant');
    return { userId, tenantId };
  };

  app.post('/session', async (c) => {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ role: 'authenticated', email: DEMO_USER_EMAIL })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(DEMO_USER_ID)
      .setAudience('authenticated')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(deps.jwtSecret));
    return c.json({
      access_token: accessToken,
      expires_at: now + 3600,
      email: DEMO_USER_EMAIL,
      stripe_sandbox: deps.sandboxUrl !== null,
    });
  });

  app.post('/spend', async (c) => {
    const { userId, tenantId } = await caller(c.req.header('authorization')).catch(() => ({
      userId: '',
      tenantId: '',
    }));
    if (!tenantId) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
    const { credits } = (await c.req.json().catch(() => ({}))) as { credits?: unknown };
    if (typeof credits !== 'number' || !SPEND_CHOICES.includes(credits)) {
      return c.json(
        { error: { code: 'invalid_request', message: `credits must be one of ${SPEND_CHOICES.join(', ')}` } },
        400,
      );
    }
    const [row] = await deps.sql<{ result: Record<string, unknown> }[]>`
      select public.rpc_credit_deduct(
               ${tenantId}, ${credits}, 'demo_ai_action', 'demo_ai_action', null, ${userId}) as result`;
    const result = row!.result;
    if (result.success !== true)
      return c.json({ error: { code: 'insufficient_credits', message: String(result.error) } }, 409);
    return c.json(result);
  });

  app.get('/history', async (c) => {
    const { tenantId } = await caller(c.req.header('authorization')).catch(() => ({ tenantId: '' }));
    if (!tenantId) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
    const purchases = await deps.store.listPurchases(tenantId, 20);
    const ledger = await deps.sql`
      select kind, amount, ref_type, created_at from public.credit_ledger
       where tenant_id = ${tenantId} order by created_at desc limit 20`;
    return c.json({ purchases, ledger });
  });

  app.post('/refund', async (c) => {
    const { tenantId } = await caller(c.req.header('authorization')).catch(() => ({ tenantId: '' }));
    if (!tenantId) return c.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, 401);
    if (!deps.sandboxUrl)
      return c.json(
        {
          error: {
            code: 'not_available',
            message:
              'Refunds from the demo page work only with the offline sandbox; use the Stripe Dashboard.',
          },
        },
        400,
      );
    const { session_id: sessionId, amount } = (await c.req.json().catch(() => ({}))) as {
      session_id?: string;
      amount?: number;
    };
    const purchase = sessionId ? await deps.store.findPurchaseBySession(tenantId, sessionId) : null;
    if (!purchase) return c.json({ error: { code: 'not_found', message: 'No such purchase.' } }, 404);
    const response = await fetch(
      `${deps.sandboxUrl}/__sandbox/checkout-sessions/${encodeURIComponent(sessionId!)}/refund`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(amount ? { amount } : {}),
      },
    );
    return c.json(await response.json(), response.ok ? 200 : 400);
  });

  return app;
}

// Who is calling: a verified Supabase user and the tenant the database says they work in. The tenant
// never comes from the request.

import type { MiddlewareHandler } from 'hono';
import {
  type AccessTokenVerifier,
  InvalidAccessTokenError,
  type VerifiedUser,
} from '../auth/access-token-verifier.ts';
import { noTenant } from '../errors.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { setAnswerHeader } from './answer-headers.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import { requestHeader } from './request-header.ts';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

/** A verified user; the tenant is left to the route (GET /v1/balance resolves it in the same query). */
export function requireUser(verifier: AccessTokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { userId, expiresAt } = await verifiedUser(verifier, requestHeader(c, 'authorization'));
    c.set('userId', userId);
    c.set('tokenExpiresAt', expiresAt);
    setAnswerHeader(c, 'Cache-Control', 'no-store');
    await next();
  };
}

/**
 * After requireUser: the tenant the database says the user works in. Separate from it so that a route
 * can refuse a request (a rate limit) between the token check and the first database read.
 */
export function requireTenant(store: CreditStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const userId = c.get('userId');
    const tenantId = await store.resolveTenant(userId);
    if (!tenantId) throw noTenant();
    c.set('caller', { userId, tenantId });
    await next();
  };
}

async function verifiedUser(
  verifier: AccessTokenVerifier,
  authorization: string | undefined,
): Promise<VerifiedUser> {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) {
    throw new ApiError('unauthorized', 'Sign in to continue: the request carries no access token.', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error;
    throw new ApiError('unauthorized', 'Your session has expired or is not valid. Please sign in again.', {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
}

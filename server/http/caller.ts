// Who is calling: a verified Supabase user and the tenant the database says they work in. The tenant
// never comes from the request.

import type { MiddlewareHandler } from 'hono';
import { InvalidAccessTokenError, type AccessTokenVerifier } from '../auth/access-token-verifier.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

export function requireCaller(verifier: AccessTokenVerifier, store: CreditStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) {
      throw new ApiError(401, 'unauthorized', 'Sign in to continue: the request carries no access token.', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    let userId: string;
    try {
      ({ userId } = await verifier.verify(token));
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
      throw new ApiError(401, 'unauthorized', 'Your session has expired or is not valid. Please sign in again.', {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    const tenantId = await store.resolveTenant(userId);
    if (!tenantId) {
      throw new ApiError(403, 'no_tenant', 'Your account is not a member of an active organisation.');
    }
    c.set('caller', { userId, tenantId });
    c.header('Cache-Control', 'no-store');
    await next();
  };
}

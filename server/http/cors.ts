// CORS for exact origins only (ALLOWED_ORIGINS). A request from any other origin that a browser marks
// with an Origin header is refused outright, preflight or not. The refusal itself is readable by that
// page (Allow-Origin on the 403, nothing else): the element can then say that this page's origin is not
// allowed instead of "the server cannot be reached". A refused preflight carries no Allow-Methods or
// Allow-Headers, so a browser never sends that page's token or JSON body to us.

import type { MiddlewareHandler } from 'hono';
import { setAnswerHeader } from './answer-headers.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import { requestHeader } from './request-header.ts';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id';

export function corsForOrigins(allowedOrigins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    const origin = requestHeader(c, 'origin');
    if (!origin) return next();
    if (!allowed.has(origin)) {
      throw new ApiError('origin_not_allowed', 'This page is not allowed to use the credit top-up API.', {
        'Access-Control-Allow-Origin': origin,
        Vary: 'Origin',
      });
    }
    if (c.req.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': origin,
          // PUT: the automatic top-up's settings (PUT /v1/auto-recharge).
          'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
          'Access-Control-Allow-Headers': ALLOWED_HEADERS,
          'Access-Control-Max-Age': '600',
          Vary: 'Origin',
        },
      });
    }
    // Set before the answer is made, so that an error answer carries them too.
    setAnswerHeader(c, 'Access-Control-Allow-Origin', origin);
    setAnswerHeader(c, 'Access-Control-Expose-Headers', 'X-Request-Id, Retry-After, Server-Timing');
    setAnswerHeader(c, 'Vary', 'Origin', { append: true });
    await next();
  };
}

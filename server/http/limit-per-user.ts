// A route's rate limit as a middleware, after requireUser (the key is the verified user, never anything
// the request claims): over the limit, 429 rate_limited with Retry-After, before any other work.

import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import type { RateLimiter } from './rate-limiter.ts';

export function limitPerUser(
  limiter: RateLimiter,
  refusal: (retryAfterSeconds: number) => string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const retryAfter = await limiter.take(c.get('userId'));
    if (retryAfter !== null) {
      throw new ApiError('rate_limited', refusal(retryAfter), { 'Retry-After': String(retryAfter) });
    }
    await next();
  };
}

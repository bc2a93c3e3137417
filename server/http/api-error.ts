// Every error a client can see: a stable `code`, a human `message`, a fitting status.
// `{ "error": { "code": "unknown_package", "message": "…" } }`

import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ApiErrorCode =
  | 'unauthorized'
  | 'no_tenant'
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_package'
  | 'invalid_idempotency_key'
  | 'idempotency_key_reused'
  | 'checkout_session_closed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'origin_not_allowed'
  | 'rate_limited'
  | 'signature_invalid'
  | 'stripe_unavailable'
  | 'stripe_error'
  | 'database_unavailable'
  | 'internal_error';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}

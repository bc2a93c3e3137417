// Errors as HTTP answers: `{ "error": { "code": "unknown_package", "message": "…" } }` with the status
// that belongs to the code. One table decides every status, so a new code cannot go out without one.

import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorCode, ApiErrorResponse } from '../../contract/credit-topup-api.ts';
import { CreditTopupError } from '../errors.ts';

export const STATUS_OF_CODE: Record<ApiErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_limit: 400,
  invalid_cursor: 400,
  unknown_package: 400,
  invalid_amount: 400,
  invalid_threshold: 400,
  withdrawal_waiver_required: 400,
  withdrawal_waiver_outdated: 409,
  invalid_idempotency_key: 400,
  signature_invalid: 400,
  unauthorized: 401,
  no_tenant: 403,
  forbidden: 403,
  origin_not_allowed: 403,
  not_found: 404,
  idempotency_key_reused: 409,
  checkout_session_closed: 409,
  payment_method_required: 409,
  nothing_to_confirm: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_streams: 429,
  internal_error: 500,
  stream_unavailable: 501,
  stripe_unavailable: 502,
  stripe_error: 502,
  database_unavailable: 503,
};

/** A failure of the request itself (auth, headers, body), with the HTTP headers that explain it. */
export class ApiError extends CreditTopupError {
  override readonly name = 'ApiError';
  constructor(
    code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export function errorBody(code: ApiErrorCode, message: string): ApiErrorResponse {
  return { error: { code, message } };
}

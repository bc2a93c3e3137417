// A failure a client may see, as the domain names it: a stable code from the HTTP contract and a human
// message, nothing about HTTP. The use cases throw it; only the HTTP layer turns a code into a status.

import type { ApiErrorCode } from '../contract/credit-topup-api.ts';

export class CreditTopupError extends Error {
  override readonly name: string = 'CreditTopupError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The caller is signed in but works in no organisation they are a member of. */
export const noTenant = () =>
  new CreditTopupError('no_tenant', 'Your account is not a member of an active organisation.');

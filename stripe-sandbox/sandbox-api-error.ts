// Errors in Stripe's own shape, `{ error: { type, message, code?, param?, … } }` (a card error also names
// its decline_code, charge, payment_intent and payment_method), and the checks of request parameters that
// produce them, as Stripe words them.

import type { FormValue } from './form-encoding.ts';

export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
    /** The further fields of Stripe's error object (decline_code, doc_url, payment_intent, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body() {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code } : {}),
        ...(this.param ? { param: this.param } : {}),
        ...this.details,
      },
    };
  }
}

export const invalid = (message: string, param?: string) =>
  new SandboxApiError(400, 'invalid_request_error', message, 'parameter_invalid', param);

export const missing = (param: string) =>
  new SandboxApiError(
    400,
    'invalid_request_error',
    `Missing required param: ${param}.`,
    'parameter_missing',
    param,
  );

export const noSuch = (what: string, id: string, param = 'id') =>
  new SandboxApiError(404, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing', param);

/** A parameter the API version no longer has (or never had), refused as Stripe refuses it. */
export const unknownParam = (param: string) =>
  new SandboxApiError(
    400,
    'invalid_request_error',
    `Received unknown parameter: ${param}`,
    'parameter_unknown',
    param,
  );

/**
 * `allowed_payment_method_types` (API 2026-10-28; `payment_method_types` before it), which the sandbox
 * takes for cards only; null when not given.
 */
export function allowedCardTypes(params: Record<string, FormValue>, what: string): ['card'] | null {
  if (params.payment_method_types !== undefined) throw unknownParam('payment_method_types');
  const types = params.allowed_payment_method_types;
  if (types === undefined) return null;
  if (!Array.isArray(types) || types.length === 0 || types.some((type) => type !== 'card'))
    throw invalid(`The sandbox takes cards only for ${what}.`, 'allowed_payment_method_types');
  return ['card'];
}

export function integerParam(value: FormValue | undefined, param: string, min: number): number {
  if (value === undefined) throw missing(param);
  const parsed = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min) {
    throw invalid(`Invalid integer: ${String(value)}`, param);
  }
  return parsed;
}

export function stringRecord(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', param);
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalid('Metadata may have at most 50 keys.', param);
  return Object.fromEntries(
    entries.map(([key, item]) => {
      if (typeof item !== 'string' || item.length > 500)
        throw invalid(`Invalid value for ${param}[${key}]`, `${param}[${key}]`);
      return [key, item];
    }),
  );
}

// The only place that knows the server's URLs: typed calls (the shapes are the HTTP contract's), the
// bearer token, and failures turned into `{ code, message }` with the server's stable codes, or
// `network_error` when the server cannot be reached.

import type {
  ApiErrorResponse,
  BalanceResponse,
  CheckoutLocale,
  CheckoutSessionStatusResponse,
  CreateCheckoutSessionRequest,
  CreateCheckoutSessionResponse,
  PackageListResponse,
  PublicConfigResponse,
} from '../contract/credit-topup-api.ts';
import type { WidgetErrorCode } from './i18n.ts';

export class ApiError extends Error {
  constructor(
    readonly code: WidgetErrorCode,
    message: string,
    /** The HTTP status, when the server answered (a 401 means the token was refused, i.e. expired). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A failure as the page hears of it (`credit-topup-error`): the server's code and message, or internal_error. */
export interface Problem {
  code: string;
  message: string;
}

export function problemOf(error: unknown): Problem {
  return error instanceof ApiError
    ? { code: error.code, message: error.message }
    : { code: 'internal_error', message: String(error) };
}

/** Tells the page of a failure in one of the element's views, as the element tells its own. */
export function reportProblem(view: EventTarget, error: unknown): Problem {
  const problem = problemOf(error);
  view.dispatchEvent(
    new CustomEvent('credit-topup-error', { detail: problem, bubbles: true, composed: true }),
  );
  return problem;
}

// One packages request per page and server, however many elements ask; a failed one is asked again.
const packageRequests = new Map<string, Promise<PackageListResponse>>();

export class ApiClient {
  constructor(
    /** Read by the lazily loaded views that make their own requests (the history's CSV). */
    readonly base: string,
    readonly token: () => Promise<string | null>,
  ) {}

  packages = () => {
    const known = packageRequests.get(this.base);
    if (known) return known;
    const request = this.call<PackageListResponse>('GET', '/v1/packages');
    request.catch(() => packageRequests.get(this.base) === request && packageRequests.delete(this.base));
    packageRequests.set(this.base, request);
    return request;
  };
  /** `fresh`: past the browser's cache (the server lets it keep the config for minutes). */
  config = (fresh = false) =>
    this.call<PublicConfigResponse>('GET', '/v1/config', false, undefined, undefined, fresh);
  balance = () => this.call<BalanceResponse>('GET', '/v1/balance', true);
  session = (id: string) =>
    this.call<CheckoutSessionStatusResponse>('GET', `/v1/checkout-sessions/${encodeURIComponent(id)}`, true);
  /**
   * `offer`: a package's id, or a custom amount in credits. `waiverVersion`: the withdrawal waiver the
   * buyer ticked (selling to consumers), sent as given. `hosted`: Stripe's page (a `url`) for a new tab.
   */
  createSession = <Created = CreateCheckoutSessionResponse>(
    offer: string | number,
    locale: CheckoutLocale,
    idempotencyKey: string,
    waiverVersion?: string,
    hosted?: boolean,
  ) =>
    this.call<Created>(
      'POST',
      '/v1/checkout-sessions',
      true,
      {
        ...(typeof offer === 'number' ? { credits: offer } : { package_id: offer }),
        locale,
        ...(hosted ? { checkout: 'hosted' as const } : {}),
        ...(waiverVersion ? { withdrawal_waiver: true, withdrawal_waiver_version: waiverVersion } : {}),
      } satisfies CreateCheckoutSessionRequest,
      idempotencyKey,
    );

  /**
   * One request to the server. Public for the lazily loaded views' own typed calls
   * (auto-recharge/auto-recharge-requests.ts): a call defined here would ship in the first load.
   */
  async call<T>(
    method: string,
    path: string,
    auth = false,
    body?: unknown,
    idempotencyKey?: string,
    fresh = false,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (auth) {
      const token = await this.token();
      if (!token) throw new ApiError('unauthorized', 'not signed in');
      headers.Authorization = `Bearer ${token}`;
    }
    if (body) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    let response: Response;
    try {
      response = await fetch(this.base.replace(/\/$/, '') + path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : null,
        cache: fresh ? 'no-cache' : 'default',
      });
    } catch {
      throw new ApiError('network_error', 'The server cannot be reached.');
    }
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (json as Partial<ApiErrorResponse> | null)?.error;
      throw new ApiError(
        error?.code ?? 'internal_error',
        error?.message ?? `HTTP ${response.status}`,
        response.status,
      );
    }
    return json as T;
  }
}

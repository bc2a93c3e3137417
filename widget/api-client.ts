// The only place that knows the server's URLs: typed calls, the bearer token, and errors turned into
// `{ code, message }` (the server's stable codes; `network_error` when it cannot be reached).

export interface CreditPackageView {
  id: string;
  name: string;
  credits: number;
  /** Cents. */
  amount: number;
}

export interface PackageList {
  currency: string;
  packages: CreditPackageView[];
}

export interface PublicConfig {
  publishable_key: string;
  currency: string;
  stripe_mode: 'live' | 'test' | 'sandbox';
  stripe_js_url?: string;
}

export interface BalanceView {
  tenant_id: string;
  balance_credits: number;
  reserved_credits: number;
  available_credits: number;
}

export interface CreatedSession {
  id: string;
  client_secret: string;
  expires_at: number;
}

export interface SessionState {
  id: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  package_id: string;
  credits: number;
  credited: boolean;
  purchase_status: string;
  balance: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: () => Promise<string | null>,
  ) {}

  packages = () => this.call<PackageList>('GET', '/v1/packages');
  config = () => this.call<PublicConfig>('GET', '/v1/config');
  balance = () => this.call<BalanceView>('GET', '/v1/balance', true);
  session = (id: string) =>
    this.call<SessionState>('GET', `/v1/checkout-sessions/${encodeURIComponent(id)}`, true);
  createSession = (packageId: string, locale: string, idempotencyKey: string) =>
    this.call<CreatedSession>(
      'POST',
      '/v1/checkout-sessions',
      true,
      { package_id: packageId, locale },
      idempotencyKey,
    );

  private async call<T>(
    method: string,
    path: string,
    auth = false,
    body?: unknown,
    idempotencyKey?: string,
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
      });
    } catch {
      throw new ApiError('network_error', 'The server cannot be reached.');
    }
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      const error = json?.error;
      throw new ApiError(error?.code ?? 'internal_error', error?.message ?? `HTTP ${response.status}`);
    }
    return json as T;
  }
}

// The view's requests: a page of a history (JSON) and the whole history as CSV. Both carry the bearer
// token, which is why the CSV is fetched and handed to the browser as a file instead of being a link: a
// link cannot carry an Authorization header, and a token in a URL would end up in logs.

import type { ApiErrorResponse, HistoryPage } from '../../contract/credit-topup-api.ts';
import { type ApiClient, ApiError } from '../api-client.ts';
import type { Locale } from '../i18n.ts';

export type HistoryKind = 'purchases' | 'ledger';

async function authorizedGet(client: ApiClient, path: string): Promise<Response> {
  const token = await client.token();
  if (!token) throw new ApiError('unauthorized', 'not signed in');
  let response: Response;
  try {
    response = await fetch(client.base.replace(/\/$/, '') + path, {
      headers: { Authorization: `Bearer ${token}` },
    });
  } catch {
    throw new ApiError('network_error', 'The server cannot be reached.');
  }
  if (response.ok) return response;
  const error = ((await response.json().catch(() => null)) as Partial<ApiErrorResponse> | null)?.error;
  throw new ApiError(
    error?.code ?? 'internal_error',
    error?.message ?? `HTTP ${response.status}`,
    response.status,
  );
}

export async function historyPage<T>(
  client: ApiClient,
  kind: HistoryKind,
  cursor: string | null,
): Promise<HistoryPage<T>> {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  return (await authorizedGet(client, `/v1/${kind}${query}`)).json() as Promise<HistoryPage<T>>;
}

/** Downloads the whole history as a CSV file, named as the server names it. */
export async function downloadCsv(client: ApiClient, kind: HistoryKind, locale: Locale): Promise<void> {
  const response = await authorizedGet(client, `/v1/${kind}.csv?locale=${locale}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `${kind}-${new Date().toISOString().slice(0, 10)}.csv`;
  link.click();
  // Given back once the browser surely has read it; until then it holds the file in memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

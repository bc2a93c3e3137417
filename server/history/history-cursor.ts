// The opaque cursor of a history page: base64url of the last row's created_at (exactly as the database
// wrote it, microseconds included, so rows a microsecond apart stay apart) and id. It only says where
// the next page starts; the tenant is always the caller's, so a cursor made from another tenant's rows
// shows nothing of that tenant.

import { ApiError } from '../http/api-error.ts';
import type { HistoryPosition } from '../ledger/credit-store.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;

export function encodeCursor(position: HistoryPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names; 400 `invalid_cursor` for anything this server did not make. */
export function decodeCursor(cursor: string): HistoryPosition {
  const [createdAt, id, ...rest] = BASE64URL.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8').split('|')
    : [];
  if (!createdAt || !id || rest.length > 0 || !TIMESTAMP.test(createdAt) || !UUID.test(id)) {
    throw new ApiError(
      'invalid_cursor',
      'The cursor is not one this server gave out. Start from the first page.',
    );
  }
  return { createdAt, id };
}

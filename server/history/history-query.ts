// The query of a history page: `?limit=` (1..100, default 50) and `?cursor=` (from the previous page).
// Both are checked strictly: a wrong value is a 400 with its own code, never a silently different page.

import { ApiError } from '../http/api-error.ts';
import type { HistoryPosition } from '../ledger/credit-store.ts';
import { decodeCursor } from './history-cursor.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export interface HistoryQuery {
  limit: number;
  before: HistoryPosition | null;
}

export function readHistoryQuery(limit: string | undefined, cursor: string | undefined): HistoryQuery {
  return { limit: pageSize(limit), before: cursor === undefined ? null : decodeCursor(cursor) };
}

function pageSize(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  const size = /^\d{1,3}$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(size >= 1 && size <= MAX_PAGE_SIZE)) {
    throw new ApiError('invalid_limit', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

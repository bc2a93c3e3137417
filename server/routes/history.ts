// GET /v1/purchases and GET /v1/ledger: the caller's tenant's history, a keyset page at a time; and
// GET /v1/purchases.csv and GET /v1/ledger.csv: all of it as one CSV download. The tenant is the one the
// database resolves for the signed-in user, in the same round trip as the page.

import { Hono, type MiddlewareHandler } from 'hono';
import type { HistoryPage } from '../../contract/credit-topup-api.ts';
import { noTenant } from '../errors.ts';
import type { CsvLocale } from '../history/csv-format.ts';
import {
  CSV_PAGE_SIZE,
  type CsvTable,
  csvStream,
  LEDGER_CSV,
  PURCHASES_CSV,
} from '../history/history-csv.ts';
import { encodeCursor } from '../history/history-cursor.ts';
import { readHistoryQuery } from '../history/history-query.ts';
import { jsonAnswer } from '../http/answer-headers.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore, HistoryPageInput, HistoryRows } from '../ledger/credit-store.ts';

type ReadPage<T> = (input: HistoryPageInput) => Promise<HistoryRows<T>>;

export function historyRoutes(store: CreditStore, requireUser: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  history(app, requireUser, 'purchases', (input) => store.purchaseHistory(input), PURCHASES_CSV);
  history(app, requireUser, 'ledger', (input) => store.ledgerHistory(input), LEDGER_CSV);
  return app;
}

function history<T extends { id: string; created_at: string }>(
  app: Hono<AppEnv>,
  requireUser: MiddlewareHandler<AppEnv>,
  name: string,
  readPage: ReadPage<T>,
  table: CsvTable<T>,
) {
  app.get(`/v1/${name}`, requireUser, async (c) => {
    const { limit, before } = readHistoryQuery(c.req.query('limit'), c.req.query('cursor'));
    // One row more than asked says whether there is a next page, without a count of the tenant's rows.
    const page = await readPage({ userId: c.get('userId'), limit: limit + 1, before });
    if (!page) throw noTenant();
    const data = page.rows.slice(0, limit);
    const last = data.at(-1);
    const next_cursor =
      page.rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
    return jsonAnswer(c, { data, next_cursor } satisfies HistoryPage<T>);
  });

  app.get(`/v1/${name}.csv`, requireUser, async (c) => {
    const userId = c.get('userId');
    const locale: CsvLocale = c.req.query('locale') === 'en' ? 'en' : 'de';
    const first = await readPage({ userId, limit: CSV_PAGE_SIZE, before: null });
    if (!first) throw noTenant();
    const log = c.get('logger');
    const body = csvStream(table, locale, first.rows, (position) =>
      readPage({ userId, limit: CSV_PAGE_SIZE, before: position }).catch((error: unknown) => {
        // The status line is out already: the download is cut off (the browser's read fails, nothing
        // looks complete), and only this line tells an operator why.
        log.error('history export cut off', { export: name, error });
        throw error;
      }),
    );
    const headers = c.get('answerHeaders');
    headers['content-type'] = 'text/csv; charset=utf-8';
    headers['content-disposition'] = `attachment; filename="${name}-${today()}.csv"`;
    return new Response(body, { status: 200, headers });
  });
}

const today = () => new Date().toISOString().slice(0, 10);

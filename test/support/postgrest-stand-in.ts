// A small PostgREST-compatible endpoint for the `supabase` adapter's tests: supabase-js sends its real
// HTTP requests here and they are executed as SQL on the test's PostgreSQL, under the role the key
// grants, with the request's JWT claims set as PostgREST sets them. It speaks only the part of
// PostgREST the adapter uses: POST /rest/v1/rpc/<fn> with named JSON arguments, and
// GET /rest/v1/<table> with select, eq. filters, order and limit.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';

export interface PostgrestStandIn {
  /** What the adapter gets as SUPABASE_URL. */
  url: string;
  serviceRoleKey: string;
  /** Requests served, by method and path, for tests that check the adapter really went over HTTP. */
  requests: string[];
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export async function startPostgrestStandIn(databaseUrl: string): Promise<PostgrestStandIn> {
  const serviceRoleKey = `test-service-role-${Math.random().toString(36).slice(2)}`;
  const sql = postgres(databaseUrl, { max: 20, onnotice: () => {} });
  const requests: string[] = [];

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendError(response, 500, { code: 'PGRST000', message: String(error) });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    requests.push(`${request.method} ${url.pathname}`);
    const key = request.headers.apikey ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (key !== serviceRoleKey) {
      return sendError(response, 401, { code: 'PGRST301', message: 'JWT invalid' });
    }
    const rpc = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(url.pathname);
    if (rpc && request.method === 'POST') {
      return callFunction(rpc[1]!, JSON.parse((await readBody(request)) || '{}'), response);
    }
    const table = /^\/rest\/v1\/([^/]+)$/.exec(url.pathname);
    if (table && request.method === 'GET') {
      return selectRows(table[1]!, url.searchParams, response);
    }
    return sendError(response, 404, {
      code: 'PGRST000',
      message: `not served: ${request.method} ${url.pathname}`,
    });
  }

  // Runs `work` in a transaction as PostgREST does for a service-role request.
  function asServiceRole<T>(work: (tx: postgres.TransactionSql) => Promise<T>) {
    return sql.begin(async (tx) => {
      await tx.unsafe('set local role service_role');
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role' })}, true)`;
      return work(tx);
    });
  }

  async function callFunction(name: string, args: Record<string, unknown>, response: ServerResponse) {
    if (!IDENTIFIER.test(name))
      return sendError(response, 404, { code: 'PGRST202', message: 'no such function' });
    const names = Object.keys(args);
    const [signature] = await sql<{ arg_names: string[]; arg_types: string[] }[]>`
      select coalesce(p.proargnames, '{}') as arg_names,
             array(select format_type(t, null) from unnest(p.proargtypes) t) as arg_types
        from pg_proc p
       where p.proname = ${name} and p.pronamespace = 'public'::regnamespace`;
    if (!signature || names.some((argName) => !signature.arg_names.includes(argName))) {
      return sendError(response, 404, {
        code: 'PGRST202',
        message: `Could not find the function public.${name}(${names.join(', ')}) in the schema cache`,
      });
    }
    const typeOf = (argName: string) => signature.arg_types[signature.arg_names.indexOf(argName)]!;
    const argumentList = names.map(
      (argName, index) => `${argName} => $${index + 1}::text::${typeOf(argName)}`,
    );
    const values = names.map((argName) => {
      const value = args[argName];
      if (value === null || value === undefined) return null;
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    });
    try {
      const [row] = await asServiceRole((tx) =>
        tx.unsafe(`select to_jsonb(public.${name}(${argumentList.join(', ')})) as result`, values),
      );
      sendJson(response, 200, row?.result ?? null);
    } catch (error) {
      sendPostgresError(response, error);
    }
  }

  async function selectRows(table: string, params: URLSearchParams, response: ServerResponse) {
    if (!IDENTIFIER.test(table))
      return sendError(response, 404, { code: 'PGRST205', message: 'no such table' });
    const columns = (params.get('select') ?? '*').split(',').map((column) => column.trim());
    if (columns.some((column) => column !== '*' && !IDENTIFIER.test(column))) {
      return sendError(response, 400, { code: 'PGRST100', message: 'unsupported select' });
    }
    const filters: string[] = [];
    const values: string[] = [];
    let orderBy = '';
    let limit = '';
    for (const [parameter, value] of params) {
      if (parameter === 'select') continue;
      if (parameter === 'order') {
        const match = /^([a-z_][a-z0-9_]*)\.(asc|desc)$/.exec(value);
        if (!match)
          return sendError(response, 400, { code: 'PGRST100', message: `unsupported order ${value}` });
        orderBy = ` order by "${match[1]}" ${match[2]}`;
      } else if (parameter === 'limit') {
        if (!/^\d+$/.test(value)) return sendError(response, 400, { code: 'PGRST100', message: 'bad limit' });
        limit = ` limit ${value}`;
      } else if (IDENTIFIER.test(parameter) && value.startsWith('eq.')) {
        values.push(value.slice(3));
        filters.push(`"${parameter}"::text = $${values.length}`);
      } else {
        return sendError(response, 400, {
          code: 'PGRST100',
          message: `unsupported filter ${parameter}=${value}`,
        });
      }
    }
    const projection = columns.map((column) => (column === '*' ? '*' : `"${column}"`)).join(', ');
    const where = filters.length ? ` where ${filters.join(' and ')}` : '';
    try {
      const [row] = await asServiceRole((tx) =>
        tx.unsafe(
          `select coalesce(json_agg(t), '[]'::json) as rows from (select ${projection} from public."${table}"${where}${orderBy}${limit}) t`,
          values,
        ),
      );
      sendJson(response, 200, row?.rows ?? []);
    } catch (error) {
      sendPostgresError(response, error);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 5 });
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, error: { code: string; message: string }) {
  sendJson(response, status, { ...error, details: null, hint: null });
}

// PostgREST's mapping of SQLSTATEs to HTTP statuses, for the codes a test can provoke.
function sendPostgresError(response: ServerResponse, error: unknown) {
  const { code = '', message = String(error) } = error as { code?: string; message?: string };
  const status =
    code === '42501'
      ? 403
      : code.startsWith('23')
        ? 409
        : code.startsWith('08') || code.startsWith('57P')
          ? 503
          : code === 'P0001' || code.startsWith('22')
            ? 400
            : 500;
  sendError(response, status, { code, message });
}

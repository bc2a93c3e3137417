// A small stand-in for Supabase Realtime (and the one Auth call supabase-js makes for setSession), for the
// element's Realtime path: Supabase Realtime cannot run on this machine (no Supabase cloud, no Docker).
// The browser's real supabase-js client connects to it over a real WebSocket and speaks its real protocol
// (Phoenix channels, serializer 2.0.0: JSON arrays [join_ref, ref, topic, event, payload]): phx_join with
// postgres_changes bindings, heartbeat, access_token, phx_leave; it answers with phx_reply and pushes
// postgres_changes messages shaped as Realtime sends them.
//
// What differs from Realtime: its change feed is our trigger's NOTIFY (0014), not the WAL; and, as
// Realtime does, it decides by RLS what a subscriber may see: each row is read again as the subscriber
// (role authenticated, with the token's claims), and a row the policy hides is not sent.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import postgres from 'postgres';
import type { AccessTokenVerifier } from '../../server/auth/access-token-verifier.ts';
import { BALANCE_CHANNEL } from '../../server/live/balance-updates.ts';

/** The user object Supabase Auth (GoTrue) answers GET /auth/v1/user with, for a user our verifier accepts. */
export function goTrueUser(userId: string) {
  return {
    id: userId,
    aud: 'authenticated',
    role: 'authenticated',
    email: `${userId}@example.test`,
    app_metadata: {},
    user_metadata: {},
    created_at: new Date().toISOString(),
  };
}

export interface RealtimeStandIn {
  /** What the page gives createClient as the Supabase URL. */
  url: string;
  /** Topics joined so far (for tests: the element joined through Realtime). */
  joins: string[];
  /** Cuts every WebSocket, as a restart of Realtime would; supabase-js connects and joins again. */
  dropConnections(): void;
  close(): Promise<void>;
}

interface Binding {
  id: number;
  event: string;
  schema: string;
  table: string;
  filter?: string;
}
interface Joined {
  topic: string;
  joinRef: string;
  bindings: Binding[];
  token: string;
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export async function startRealtimeStandIn(
  databaseUrl: string,
  verifier: AccessTokenVerifier,
): Promise<RealtimeStandIn> {
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const sockets = new Set<Socket>();
  const subscribers = new Map<Socket, Map<string, Joined>>();
  const joins: string[] = [];
  let nextBindingId = 1;

  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers':
      'authorization, apikey, content-type, x-client-info, x-supabase-api-version',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  };
  const server = createServer(async (request, response) => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, cors).end();
      return;
    }
    // GoTrue's GET /auth/v1/user, which supabase-js calls in setSession.
    if (request.url === '/auth/v1/user') {
      try {
        const { userId } = await verifier.verify(
          String(request.headers.authorization ?? '').replace(/^Bearer /, ''),
        );
        response.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
        response.end(JSON.stringify(goTrueUser(userId)));
      } catch {
        response.writeHead(401, { ...cors, 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ code: 401, msg: 'invalid JWT' }));
      }
      return;
    }
    response.writeHead(404, cors).end();
  });

  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    if (!request.url?.startsWith('/realtime/v1/websocket')) return socket.destroy();
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}${WEBSOCKET_GUID}`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    subscribers.set(socket, new Map());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 8) return socket.end();
        if (frame.opcode === 9) socket.write(encodeFrame(frame.payload, 10));
        if (frame.opcode === 1) void onMessage(socket, frame.payload.toString('utf8'));
      }
    });
    const forget = () => {
      sockets.delete(socket);
      subscribers.delete(socket);
    };
    socket.on('close', forget);
    socket.on('error', forget);
  });

  const send = (socket: Socket, message: unknown[]) => {
    if (!socket.destroyed) socket.write(encodeFrame(Buffer.from(JSON.stringify(message))));
  };

  async function onMessage(socket: Socket, text: string) {
    const [joinRef, ref, topic, event, payload] = JSON.parse(text) as [
      string | null,
      string,
      string,
      string,
      Record<string, unknown>,
    ];
    const channels = subscribers.get(socket);
    if (!channels) return;
    const reply = (response: Record<string, unknown> = {}) =>
      send(socket, [joinRef, ref, topic, 'phx_reply', { status: 'ok', response }]);
    if (event === 'heartbeat') return reply();
    if (event === 'phx_leave') {
      channels.delete(topic);
      return reply();
    }
    if (event === 'access_token') {
      const joined = channels.get(topic);
      if (joined) joined.token = String(payload.access_token);
      return reply();
    }
    if (event !== 'phx_join') return;
    const config = (payload.config ?? {}) as { postgres_changes?: Omit<Binding, 'id'>[] };
    const token = String(payload.access_token ?? '');
    try {
      await verifier.verify(token);
    } catch {
      return send(socket, [
        joinRef,
        ref,
        topic,
        'phx_reply',
        { status: 'error', response: { reason: 'invalid JWT' } },
      ]);
    }
    const bindings = (config.postgres_changes ?? []).map((binding) => ({ ...binding, id: nextBindingId++ }));
    channels.set(topic, { topic, joinRef: String(joinRef), bindings, token });
    joins.push(topic);
    reply({ postgres_changes: bindings });
  }

  /** Reads the row as the subscriber, under RLS, as Realtime authorises each change per subscriber. */
  async function visibleRow(token: string, tenantId: string) {
    let userId: string;
    try {
      ({ userId } = await verifier.verify(token));
    } catch {
      return null;
    }
    return sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: 'authenticated' })}, true)`;
      const [row] = await tx`select * from public.tenant_credit_balance where tenant_id = ${tenantId}`;
      return row ?? null;
    });
  }

  const listening = await sql.listen(BALANCE_CHANNEL, (payload) => {
    const { tenant_id: tenantId } = JSON.parse(payload) as { tenant_id: string };
    for (const [socket, channels] of subscribers) {
      for (const joined of channels.values()) {
        const matching = joined.bindings.filter(
          (binding) =>
            binding.table === 'tenant_credit_balance' &&
            (!binding.filter || binding.filter === `tenant_id=eq.${tenantId}`),
        );
        if (!matching.length) continue;
        void visibleRow(joined.token, tenantId).then((row) => {
          if (!row) return;
          const record = Object.fromEntries(
            Object.entries(row).map(([name, value]) => [
              name,
              value instanceof Date ? value.toISOString() : value,
            ]),
          );
          send(socket, [
            null,
            null,
            joined.topic,
            'postgres_changes',
            {
              ids: matching.map((binding) => binding.id),
              data: {
                schema: 'public',
                table: 'tenant_credit_balance',
                commit_timestamp: new Date().toISOString(),
                type: 'UPDATE',
                columns: Object.keys(record).map((name) => ({ name, type: 'text' })),
                record,
                old_record: {},
                errors: null,
              },
            },
          ]);
        });
      }
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    joins,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await listening.unlisten();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 2 });
    },
  };
}

/** One WebSocket frame from the client (masked, unfragmented), or null while incomplete. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (data.length < 2) return null;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return null;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked)
    for (let index = 0; index < payload.length; index++) payload[index]! ^= data[maskOffset + (index % 4)]!;
  return { opcode, payload, length: offset + length };
}

/** A server frame (unmasked, final): text unless another opcode is given. */
function encodeFrame(payload: Buffer, opcode = 1): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : payload.length < 65536
        ? Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff])
        : (() => {
            const big = Buffer.alloc(10);
            big[0] = 0x80 | opcode;
            big[1] = 127;
            big.writeBigUInt64BE(BigInt(payload.length), 2);
            return big;
          })();
  return Buffer.concat([header, payload]);
}

// The live balance's bench (`npm run bench -- --only=stream`), as a process of its own on the load
// generator's core: many SSE subscribers of GET /v1/balance/stream (read with fetch, as the element
// reads them) and many deductions through the portal's rpc_credit_deduct in SQL, made from here so that
// the time a deduction was sent and the time its event arrived are read on one clock.
//
// Phase 1, delay: deductions at a fixed rate, one at a time per tenant; per event, the time from sending
//   the deduction (an upper bound of its commit) to its arrival at each subscriber of the tenant.
// Phase 2, throughput: deductions as fast as `connections` allow; events delivered per second, from the
//   first deduction sent to the last event received.
// Reads its job from the JSON file named by its argument; prints one JSON line.

import { readFile } from 'node:fs/promises';
import postgres from 'postgres';

interface StreamJob {
  url: string;
  databaseUrl: string;
  members: { tenantId: string; userId: string; token: string }[];
  subscribersPerMember: number;
  delayDeductions: number;
  ratePerSecond: number;
  throughputDeductions: number;
  connections: number;
}

const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as StreamJob;
const sql = postgres(job.databaseUrl, { max: job.connections, onnotice: () => {} });
const now = () => performance.now();

/** Per tenant and available balance: when the deduction that led to it was sent. */
const sentAt = new Map<string, number>();
const delays: number[] = [];
let received = 0;
let lastReceivedAt = 0;
const aborts: AbortController[] = [];
const firstEvent: Promise<void>[] = [];

for (const member of job.members) {
  for (let index = 0; index < job.subscribersPerMember; index++) {
    const abort = new AbortController();
    aborts.push(abort);
    const response = await fetch(`${job.url}/v1/balance/stream`, {
      headers: { Authorization: `Bearer ${member.token}` },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    let opened: () => void = () => {};
    firstEvent.push(new Promise((resolve) => (opened = resolve)));
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!data) continue;
            const arrived = now();
            const event = JSON.parse(data) as { tenant_id: string; available_credits: number };
            const sent = sentAt.get(`${event.tenant_id}/${event.available_credits}`);
            opened();
            if (sent === undefined) continue;
            received++;
            lastReceivedAt = arrived;
            delays.push(arrived - sent);
          }
        }
      } catch {
        // Aborted at the end.
      }
    })();
  }
}
await Promise.all(firstEvent);

const balances = new Map<string, number>(
  (
    await sql<{ tenant_id: string; balance: number }[]>`
      select tenant_id, balance_credits - reserved_credits as balance from public.tenant_credit_balance
       where tenant_id = any(${job.members.map((member) => member.tenantId)}::uuid[])`
  ).map((row) => [row.tenant_id, row.balance]),
);
/** Deducts one credit from the member's tenant, noting when it was sent under the balance it leads to. */
const deduct = async (member: StreamJob['members'][number]) => {
  const next = (balances.get(member.tenantId) ?? 0) - 1;
  balances.set(member.tenantId, next);
  sentAt.set(`${member.tenantId}/${next}`, now());
  await sql`select public.rpc_credit_deduct(${member.tenantId}, 1, 'bench', null, null, ${member.userId})`;
};
const waitForEvents = async (expected: number) => {
  const deadline = now() + 10_000;
  while (received < expected && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

// A warm-up, not measured: the driver's connections and prepared statements, the server's JIT.
for (let index = 0; index < job.members.length; index++) await deduct(job.members[index]!);
await waitForEvents(job.members.length * job.subscribersPerMember);
received = 0;
delays.length = 0;

// Phase 1: a fixed rate, one deduction per tenant in flight.
const interval = 1000 / job.ratePerSecond;
const phaseOneStart = now();
const inFlight: Promise<void>[] = [];
for (let index = 0; index < job.delayDeductions; index++) {
  const due = phaseOneStart + index * interval;
  while (now() < due) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - now())));
  inFlight.push(deduct(job.members[index % job.members.length]!));
}
await Promise.all(inFlight);
const phaseOneExpected = job.delayDeductions * job.subscribersPerMember;
await waitForEvents(phaseOneExpected);
const delayResult = {
  events: received,
  expected: phaseOneExpected,
  p50Ms: percentile(delays, 50),
  p99Ms: percentile(delays, 99),
  maxMs: percentile(delays, 100),
  /** The same over the events of the second half only (in arrival order): a warm-up shows as a difference. */
  p99LaterHalfMs: percentile(delays.slice(delays.length / 2), 99),
};

// Phase 2: as fast as the connections allow; each connection works through its own tenants in turn.
received = 0;
delays.length = 0;
let next = 0;
const phaseTwoStart = now();
await Promise.all(
  Array.from({ length: job.connections }, async () => {
    for (let index = next++; index < job.throughputDeductions; index = next++) {
      await deduct(job.members[index % job.members.length]!);
    }
  }),
);
const deductionsDoneMs = now() - phaseTwoStart;
const phaseTwoExpected = job.throughputDeductions * job.subscribersPerMember;
await waitForEvents(phaseTwoExpected);
const throughputResult = {
  events: received,
  expected: phaseTwoExpected,
  eventsPerSecond: (received * 1000) / (lastReceivedAt - phaseTwoStart),
  deductionsPerSecond: (job.throughputDeductions * 1000) / deductionsDoneMs,
  p50Ms: percentile(delays, 50),
  p99Ms: percentile(delays, 99),
};

for (const abort of aborts) abort.abort();
await sql.end({ timeout: 2 });
process.stdout.write(
  `${JSON.stringify({ subscribers: aborts.length, delay: delayResult, throughput: throughputResult })}\n`,
);

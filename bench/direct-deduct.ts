// Deduction throughput for the stream bench: the portal's rpc_credit_deduct (one credit) called straight
// through the postgres driver at the given concurrency, spread over the tenants, from a process of its
// own. run-bench.ts runs it with the balance trigger on and off, in turns.
// Reads its job from the JSON file named by its argument; prints one JSON line.

import { readFile } from 'node:fs/promises';
import postgres from 'postgres';

interface DirectDeductJob {
  databaseUrl: string;
  connections: number;
  count: number;
  members: { tenantId: string; userId: string }[];
}

const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as DirectDeductJob;
const sql = postgres(job.databaseUrl, { max: job.connections, onnotice: () => {} });
await Promise.all(Array.from({ length: job.connections }, () => sql`select 1`));
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: job.connections }, async () => {
    for (let index = next++; index < job.count; index = next++) {
      const member = job.members[index % job.members.length]!;
      await sql`select public.rpc_credit_deduct(${member.tenantId}, 1, 'bench', null, null, ${member.userId})`;
    }
  }),
);
const elapsedMs = performance.now() - started;
await sql.end({ timeout: 2 });
process.stdout.write(`${JSON.stringify({ requests: job.count, elapsedMs })}\n`);

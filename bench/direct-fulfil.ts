// The webhook's baseline: the same SQL fulfil function a delivery ends in, called straight through the
// postgres driver at the same concurrency, from a process of its own placed where the server runs.
// Reads its job from the JSON file named by its argument; prints one JSON line.

import { readFile } from 'node:fs/promises';
import postgres from 'postgres';

interface DirectFulfilJob {
  databaseUrl: string;
  connections: number;
  sessionIds: string[];
  amountCents: number;
  currency: string;
}

const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as DirectFulfilJob;
const sql = postgres(job.databaseUrl, { max: job.connections, onnotice: () => {} });
await Promise.all(Array.from({ length: job.connections }, () => sql`select 1`));
const cpuBefore = process.cpuUsage();
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: job.connections }, async () => {
    for (let index = next++; index < job.sessionIds.length; index = next++) {
      const id = job.sessionIds[index]!;
      await sql`select public.credit_topup_fulfil_checkout_session(
        p_checkout_session_id => ${id}, p_amount_cents => ${job.amountCents}, p_currency => ${job.currency},
        p_payment_intent_id => ${`pi_${id}`}, p_amount_paid_cents => ${job.amountCents},
        p_stripe_event_id => ${`evt_${id}`}, p_stripe_event_type => 'checkout.session.completed') as result`;
    }
  }),
);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
await sql.end({ timeout: 2 });
process.stdout.write(
  `${JSON.stringify({ requests: job.sessionIds.length, elapsedMs, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);

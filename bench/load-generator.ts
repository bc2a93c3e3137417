// The bench's load generator, run as a process of its own (pinned to its own core where taskset exists),
// so that its CPU is never charged to the server it measures. It reads one job from the JSON file named
// by its argument, runs it with autocannon and prints the result as one JSON line on stdout.
//
// A job either sends as fast as its connections allow (throughput, autocannon) or at a fixed offered
// rate (latency), and cycles through its requests in order: each webhook delivery is sent exactly once
// when `amount` equals the number of requests.
//
// The fixed rate is an open loop of our own: requests go out evenly spaced whatever the answers do (a
// slow answer never holds the next request back, so a stall shows in the figures instead of slowing the
// sender down). Each latency runs from the request's write to its answer's end. autocannon's own
// overallRate lets each connection
// keep its own timer; on a 32-connection pool their sends bunch up into bursts, and the latency measured
// was that of the bursts' queue.

import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  connections: number;
  /** Seconds to run; or `amount` requests in all. */
  durationSeconds?: number;
  amount?: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
  requests: { method: string; path: string; headers?: Record<string, string>; body?: string }[];
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  /** From the first request sent to the last answer received. */
  elapsedMs: number;
  requestsPerSecond: number;
  /** Answer times in milliseconds, from autocannon's own per-response times (sub-millisecond). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * At a fixed rate: how late this process's own event loop ran (p99). An answer that arrived while it
   * was stalled is counted late by as much: the floor under every latency measured here.
   */
  generatorStallP99Ms?: number;
  /** The load generator's own CPU while it ran. */
  cpuSeconds: number;
}

const job = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as LoadJob;
const cpuBefore = process.cpuUsage();
const output = job.overallRate ? await atFixedRate(job, job.overallRate) : await asFastAsAnswered(job);
process.stdout.write(`${JSON.stringify({ ...output, cpuSeconds: cpuSecondsSince(cpuBefore) })}\n`);

type Measured = Omit<LoadResult, 'cpuSeconds'>;

async function asFastAsAnswered(job: LoadJob): Promise<Measured> {
  let next = 0;
  const times: number[] = [];
  let lastAnswer = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...(job.amount ? { amount: job.amount } : { duration: job.durationSeconds ?? 5 }),
        requests: [
          {
            setupRequest: (request: autocannon.Request) => {
              const chosen = job.requests[next++ % job.requests.length]!;
              return {
                ...request,
                method: chosen.method as autocannon.Request['method'],
                path: chosen.path,
                headers: chosen.headers ?? {},
                ...(chosen.body === undefined ? {} : { body: chosen.body }),
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime: number) => {
      times.push(responseTime);
      lastAnswer = performance.now();
    });
  });
  // autocannon notices the end of a fixed amount only on its once-a-second tick: the time is taken to
  // the last answer instead.
  return summary(times, result.non2xx, result.errors + result.timeouts, lastAnswer - started);
}

async function atFixedRate(job: LoadJob, rate: number): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const url = new URL(job.url);
  const total = job.amount ?? Math.round(rate * (job.durationSeconds ?? 5));
  const intervalMs = 1000 / rate;
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  // Stalls of this process (garbage collection, the machine's own) would otherwise pass as the server's.
  loopDelay.enable();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const send = () => {
      const chosen = job.requests[sent++ % job.requests.length]!;
      const outgoing = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: chosen.method,
          path: chosen.path,
          headers: chosen.headers,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            times.push(performance.now() - sentAt);
            if (response.statusCode === undefined || response.statusCode >= 300) non2xx++;
            if (++answered === total) resolve();
          });
        },
      );
      outgoing.on('error', () => {
        errors++;
        if (++answered === total) resolve();
      });
      const sentAt = performance.now();
      outgoing.end(chosen.body);
    };
    // Every millisecond or so, send whatever has fallen due since the last look.
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * intervalMs <= now) send();
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  loopDelay.disable();
  return {
    ...summary(times, non2xx, errors, performance.now() - started),
    generatorStallP99Ms: loopDelay.percentile(99) / 1e6,
  };
}

function summary(times: number[], non2xx: number, errors: number, elapsedMs: number): Measured {
  times.sort((a, b) => a - b);
  const at = (quantile: number) =>
    times[Math.min(times.length - 1, Math.floor(times.length * quantile))] ?? 0;
  return {
    requests: times.length,
    non2xx,
    errors,
    elapsedMs,
    requestsPerSecond: times.length / (elapsedMs / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: times.at(-1) ?? 0,
  };
}

function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

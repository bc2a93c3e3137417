// CPU time of processes, read from /proc: the figure that stays steady on a noisy shared machine, where
// throughput alone moves with whatever else runs. Linux only; elsewhere the bench prints no CPU column.

import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

export const canReadProcessCpu = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

interface StatFields {
  ppid: number;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: children that ended and were waited for (Postgres backends that exited). */
  waitedChildren: number;
}

function stat(pid: number): StatFields | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: the fields after it start past the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      waitedChildren: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null; // the process has ended
  }
}

/** CPU seconds used so far by one process. */
export function cpuSecondsOf(pid: number): number {
  return (stat(pid)?.own ?? 0) / TICKS_PER_SECOND;
}

/** CPU seconds used so far by a process and all its children (PostgreSQL: the postmaster and its backends). */
export function cpuSecondsOfTree(rootPid: number): number {
  const root = stat(rootPid);
  if (!root) return 0;
  let ticks = root.own + root.waitedChildren;
  for (const pid of childrenOf(rootPid)) ticks += stat(pid)?.own ?? 0;
  return ticks / TICKS_PER_SECOND;
}

export function childrenOf(parentPid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && stat(pid)?.ppid === parentPid) children.push(pid);
  }
  return children;
}

/** CPU seconds each named process (or process tree) used while `work` ran. */
export async function measureCpu<T>(
  processes: Record<string, () => number>,
  work: () => Promise<T>,
): Promise<{ result: T; cpuSeconds: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, read]) => [name, read()]));
  const result = await work();
  const cpuSeconds = Object.fromEntries(
    Object.entries(processes).map(([name, read]) => [name, read() - before[name]!]),
  );
  return { result, cpuSeconds };
}

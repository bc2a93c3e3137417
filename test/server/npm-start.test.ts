// `npm start` as an operator runs it: server/main.ts in its own process, configured by the environment.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { startChild } from '../support/child-processes.ts';
import { eventually } from '../support/server-harness.ts';
import { createTestDatabase, stopOwnTestCluster } from '../support/test-database.ts';
import { testServerEnv } from '../support/test-server-env.ts';

after(stopOwnTestCluster);

function runMain(env: Record<string, string>) {
  return startChild(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe('npm start (server/main.ts)', () => {
  test('a bad configuration stops the start with a message naming the variable', async () => {
    const env = testServerEnv({
      databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      sandbox: {
        secretKey: 'sk_test_x',
        publishableKey: 'pk_test_x',
        webhookSecret: 'whsec_x',
        url: 'http://127.0.0.1:9',
      },
    });
    const { exited, output } = runMain({ ...env, PORT: '99999' });
    assert.equal(await exited, 1);
    assert.match(output(), /PORT must be a whole number/);
  });

  test('serves the app on the configured port, logs JSON without secrets, and stops on SIGTERM', async () => {
    const database = await createTestDatabase();
    const sandbox = await startStripeSandbox();
    const port = await findFreePort();
    const { stop, output } = runMain({
      HOST: '127.0.0.1',
      ...testServerEnv({ databaseUrl: database.url, sandbox, env: { PORT: String(port) } }),
    });
    try {
      const health = await eventually(
        'the server answers',
        () => fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null),
        10_000,
      );
      assert.equal(health.status, 200, output());
      const config = (await (await fetch(`http://127.0.0.1:${port}/v1/config`)).json()) as {
        stripe_mode: string;
      };
      assert.equal(config.stripe_mode, 'sandbox');
      assert.equal(await stop({ signal: 'SIGTERM' }), 0);
      const lines = output().trim().split('\n');
      assert.ok(
        lines.every((line) => JSON.parse(line)),
        'every log line is JSON',
      );
      assert.ok(!output().includes(sandbox.secretKey) && !output().includes(sandbox.webhookSecret));
    } finally {
      await stop({ signal: 'SIGKILL' });
      await sandbox.close();
      await database.drop();
    }
  });
});

// `npm start`: the Node entry. Reads .env when present, validates the configuration (a bad value stops
// here with a message naming it), serves, and shuts down cleanly on SIGINT/SIGTERM.

import { existsSync } from 'node:fs';
import { ConfigError, readConfig, type ServerConfig } from './config.ts';
import { createJsonLogger } from './http/logger.ts';
import { EMBEDDED_DATA_DIR, EMBEDDED_PORT } from './ledger/embedded-defaults.ts';
import { startNodeServer } from './start-node-server.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const logger = createJsonLogger();

let config: ServerConfig;
try {
  config = readConfig(process.env, { embeddedDataDir: EMBEDDED_DATA_DIR, embeddedPort: EMBEDDED_PORT });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const server = await startNodeServer(config, { logger, hostname: process.env.HOST ?? '0.0.0.0' });
logger.info('credit-topup server listening', {
  url: server.url,
  ledger: server.ledger.kind,
  stripe_mode: config.stripe.mode,
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

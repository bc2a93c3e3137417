// The Chromium every browser test drives. By default it is the one the npm registry ships inside
// `@sparticuz/chromium` (no download at install, nothing installed by hand), unpacked once into the
// temp folder; CHROMIUM_PATH points the tests at another one (a system Chromium) instead.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Flags for every launch. Only what a locked-down machine needs: no sandbox (root in CI), site
 * isolation on (our checkout frame is cross-origin like Stripe's), and none of the background traffic
 * that a closed network refuses. The package's own `chromium.args` are never used: they turn off web
 * security and site isolation, which would make the cross-origin tests meaningless.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--site-per-process',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const COMPLETE_MARKER = '.credit-topup-complete';

// The package exports no package.json; its entry lives in <package>/build/cjs/.
async function chromiumPackageVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const manifest = path.join(entry, '..', '..', '..', 'package.json');
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}

/** The path of the Chromium to launch; unpacks the npm one on first use. */
export async function chromiumExecutable(): Promise<string> {
  const fromEnvironment = process.env.CHROMIUM_PATH;
  if (fromEnvironment) {
    if (!existsSync(fromEnvironment)) throw new Error(`CHROMIUM_PATH=${fromEnvironment} does not exist`);
    return fromEnvironment;
  }
  const version = await chromiumPackageVersion();
  const target = path.join(tmpdir(), `credit-topup-chromium-${version}`);
  if (existsSync(path.join(target, COMPLETE_MARKER))) return path.join(target, 'chromium');

  // The package unpacks into os.tmpdir() and treats any file already there as finished, so a run cut
  // short would leave a broken browser behind, and two processes unpacking at once collide (ETXTBSY).
  // It therefore unpacks into a private folder that is renamed into place only once complete.
  const staging = await mkdtemp(`${target}-unpacking-`);
  const previousTmpdir = process.env.TMPDIR;
  try {
    process.env.TMPDIR = staging;
    const { default: chromium } = await import('@sparticuz/chromium');
    await chromium.executablePath();
  } finally {
    if (previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmpdir;
  }
  await writeFile(path.join(staging, COMPLETE_MARKER), `${version}\n`);
  // A folder left by an older, unfinished unpacking is not a browser.
  if (existsSync(target) && !existsSync(path.join(target, COMPLETE_MARKER))) {
    await rm(target, { recursive: true, force: true });
  }
  try {
    await rename(staging, target);
  } catch (error) {
    // Another process finished first: use its copy.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, COMPLETE_MARKER))) throw error;
  }
  return path.join(target, 'chromium');
}

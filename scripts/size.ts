// `npm run size`: builds the element and checks its first load against the budget: the entry file and
// every chunk it imports statically (what a page downloads before the element can paint), minified and
// gzipped (level 9), summed. Chunks loaded later (the dialog) are listed beside it. Stripe.js itself
// loads from Stripe and is not ours.

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const SIZE_BUDGET_BYTES = 12 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export interface ShippedFile {
  file: string;
  minified: number;
  gzipped: number;
  /** Downloaded before the element's first paint. */
  firstLoad: boolean;
}

export async function shippedJavaScript(dir = path.join(root, 'dist')) {
  const manifest = JSON.parse(await readFile(path.join(dir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const firstLoad = new Set<string>();
  const visit = (key: string) => {
    if (firstLoad.has(key)) return;
    firstLoad.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);

  const files: ShippedFile[] = [];
  for (const [key, chunk] of Object.entries(manifest)) {
    const content = await readFile(path.join(dir, chunk.file));
    files.push({
      // Named as it ships, whichever folder it was built into.
      file: path.join('dist', chunk.file),
      minified: content.length,
      gzipped: gzipSync(content, { level: 9 }).length,
      firstLoad: firstLoad.has(key),
    });
  }
  const sum = (list: ShippedFile[]) => list.reduce((total, file) => total + file.gzipped, 0);
  return {
    files,
    firstLoad: sum(files.filter((file) => file.firstLoad)),
    later: sum(files.filter((file) => !file.firstLoad)),
  };
}

/**
 * The element's JavaScript as `npm run build` ships it, built into `outDir` (which vite empties first):
 * measuring never touches dist/, where `npm run build` also keeps dist/types and custom-elements.json.
 */
export function buildElementInto(outDir: string, stdio: 'inherit' | 'pipe' = 'inherit') {
  // Lit's production build, whatever NODE_ENV the caller has (the tests run with NODE_ENV=test).
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: root,
    stdio,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = await mkdtemp(path.join(tmpdir(), 'credit-topup-size-'));
  try {
    buildElementInto(outDir);
    const { files, firstLoad, later } = await shippedJavaScript(outDir);
    for (const file of files) {
      const when = file.firstLoad ? 'first load' : 'loaded later';
      console.log(`${file.file}: ${file.minified} B minified, ${file.gzipped} B min+gzip (${when})`);
    }
    const verdict = firstLoad <= SIZE_BUDGET_BYTES ? 'within' : 'OVER';
    console.log(`loaded later: ${later} B min+gzip`);
    console.log(
      `first load: ${firstLoad} B min+gzip (${(firstLoad / 1024).toFixed(2)} KB), ` +
        `${verdict} the budget of ${SIZE_BUDGET_BYTES} B (12 KB)`,
    );
    if (firstLoad > SIZE_BUDGET_BYTES) process.exitCode = 1;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

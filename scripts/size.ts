// `npm run size`: builds the element and checks what we ship against the budget: every JavaScript file
// in dist/, minified and gzipped (level 9), summed. Stripe.js itself loads from Stripe and is not ours.

import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const SIZE_BUDGET_BYTES = 12 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));

export async function shippedJavaScript(dir = path.join(root, 'dist')) {
  const files: { file: string; minified: number; gzipped: number }[] = [];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.js')) {
        const content = await readFile(full);
        files.push({
          file: path.relative(root, full),
          minified: content.length,
          gzipped: gzipSync(content, { level: 9 }).length,
        });
      }
    }
  };
  await walk(dir);
  return { files, total: files.reduce((sum, file) => sum + file.gzipped, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv.includes('--no-build'))
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  const { files, total } = await shippedJavaScript();
  for (const file of files)
    console.log(`${file.file}: ${file.minified} B minified, ${file.gzipped} B min+gzip`);
  const verdict = total <= SIZE_BUDGET_BYTES ? 'within' : 'OVER';
  console.log(
    `total: ${total} B min+gzip (${(total / 1024).toFixed(2)} KB), ${verdict} the budget of ${SIZE_BUDGET_BYTES} B (12 KB)`,
  );
  if (total > SIZE_BUDGET_BYTES) process.exitCode = 1;
}

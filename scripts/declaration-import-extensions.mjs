// tsc keeps the `.ts` of relative imports in emitted declarations; consumers resolve `.js`.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const dir = new URL('../dist/types/', import.meta.url).pathname;
for (const name of await readdir(dir, { recursive: true })) {
  if (!name.endsWith('.d.ts')) continue;
  const file = path.join(dir, name);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/((?:from|import\()\s*'\.\.?\/[^']+)\.ts'/g, "$1.js'"));
}

// tsc keeps the `.ts` of relative imports in emitted declarations; consumers resolve `.js`.
import { readdir, readFile, writeFile } from 'node:fs/promises';

const dir = new URL('../dist/types/', import.meta.url);
for (const name of await readdir(dir)) {
  const file = new URL(name, dir);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/(from '\.\/[^']+)\.ts'/g, "$1.js'"));
}

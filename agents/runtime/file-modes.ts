import { chmodSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';

/** Mode bits that let anyone but the owner in: group and others, any of read, write, execute. */
const OPEN_TO_OTHERS = 0o077;

/** A path whose mode let others in, and whether it could be tightened. */
export interface LoosePath {
  path: string;
  /** The permission bits found, e.g. `0o666`. */
  mode: number;
  fixed: boolean;
}

/**
 * Makes `path` the owner's alone: a folder `0700` and everything under it (folders `0700`, files `0600`), or a single
 * file `0600`. Returns what was looser before; a path that does not exist is skipped; symbolic links are left alone
 * (their target is not ours to change). A chmod that fails (a read-only mount) is reported with `fixed: false`.
 */
export async function tightenTree(path: string): Promise<LoosePath[]> {
  // Synchronous calls: it runs once, at start-up, before anything is served, over every file of a database folder
  // (about 2,000 for PGlite's): a promise per file cost 100 ms of CPU, these calls a fifth of that.
  const found: LoosePath[] = [];
  function visit(current: string): void {
    let info: Stats;
    try {
      info = lstatSync(current);
    } catch {
      return;
    }
    if (info.isSymbolicLink()) return;
    const mode = info.mode & 0o777;
    const wanted = info.isDirectory() ? 0o700 : 0o600;
    if ((mode & OPEN_TO_OTHERS) !== 0 || (info.isDirectory() && mode !== wanted)) {
      let fixed = true;
      try {
        chmodSync(current, wanted);
      } catch {
        fixed = false;
      }
      if (mode & OPEN_TO_OTHERS) found.push({ path: current, mode, fixed });
    }
    if (info.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(current);
      } catch {
        // unreadable: nothing under it to tighten from here
      }
      for (const name of names) visit(join(current, name));
    }
  }
  visit(path);
  return found;
}

/**
 * The start-up check of a process that keeps secrets on disk (its database folder, key files, certificates'
 * private keys): tightens each of `paths` with {@link tightenTree} and warns, naming the path and the mode found,
 * for each that was open to other users, so an older install (or a copy made under a loose umask) is both fixed and
 * seen. Resolves to what was found; never throws.
 */
export async function checkFileModes(options: { paths: string[]; logger: Logger }): Promise<LoosePath[]> {
  const found: LoosePath[] = [];
  for (const path of options.paths) found.push(...(await tightenTree(path).catch(() => [])));
  for (const loose of found) {
    options.logger.warn(
      { path: loose.path, mode: `0${loose.mode.toString(8)}`, fixed: loose.fixed },
      loose.fixed
        ? 'a secret file was open to other users; made it the owner’s alone'
        : 'a secret file is open to other users and could not be changed',
    );
  }
  return found;
}

/** The private keys in a certificates folder (`ca-key.pem`, `<service>-key.pem`, and JSON key files). */
export async function privateKeyFiles(certsDir: string): Promise<string[]> {
  const names = await readdir(certsDir).catch(() => [] as string[]);
  return names.filter((n) => /-key\.pem$|key\.json$/.test(n)).map((n) => join(certsDir, n));
}

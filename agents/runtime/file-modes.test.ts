import { chmod, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgliteClient } from './database.js';
import { checkFileModes, privateKeyFiles } from './file-modes.js';
import { createLogger } from './logger.js';

/** Every path under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<Array<{ path: string; mode: number; directory: boolean }>> {
  const info = await stat(dir);
  const found = [{ path: dir, mode: info.mode & 0o777, directory: info.isDirectory() }];
  if (info.isDirectory())
    for (const name of await readdir(dir)) found.push(...(await modes(join(dir, name))));
  return found;
}

const originalUmask = process.umask();
afterEach(() => {
  process.umask(originalUmask);
});

describe('file modes', () => {
  it('opens an embedded database whose every folder is 0700 and every file 0600, an older install’s 0666 files included', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'atende-modes-')), 'pglite');
    // An install made before the fix: PGlite under a permissive umask leaves its files open to all (0666).
    process.umask(0o000);
    const old = await PGlite.create({ dataDir });
    await old.query('CREATE TABLE accounts (email text)');
    await old.query('INSERT INTO accounts VALUES ($1)', ['ana@example.com']);
    await old.close();
    const before = await modes(dataDir);
    expect(before.filter((m) => !m.directory && (m.mode & 0o066) === 0o066).length).toBeGreaterThan(100);

    // Opened as the processes open it, still under the permissive umask: the whole tree is tightened.
    const sql = await createPgliteClient({ dataDir });
    await sql.query('INSERT INTO accounts VALUES ($1)', ['bia@example.com']);
    const after = await modes(dataDir);
    await sql.close();
    expect(after.length).toBeGreaterThan(100);
    expect(after.filter((m) => m.directory && m.mode !== 0o700)).toEqual([]);
    expect(after.filter((m) => !m.directory && m.mode !== 0o600)).toEqual([]);

    // With the processes' umask (077), what PGlite writes later is no looser.
    process.umask(0o077);
    const again = await createPgliteClient({ dataDir });
    for (let i = 0; i < 50; i++) await again.query('INSERT INTO accounts VALUES ($1)', [`c${i}@example.com`]);
    await again.close();
    expect((await modes(dataDir)).filter((m) => (m.mode & 0o077) !== 0)).toEqual([]);
  }, 180_000);

  it('warns at start-up, naming each path, when a secret file or folder is open to others, and tightens it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atende-modes-'));
    const dataDir = join(root, 'data');
    const certs = join(root, 'certs');
    await mkdir(join(dataDir, 'keys'), { recursive: true });
    await mkdir(certs);
    await writeFile(join(dataDir, 'keys', 'service-signing.jwk.json'), '{}');
    await chmod(join(dataDir, 'keys', 'service-signing.jwk.json'), 0o644);
    await chmod(join(dataDir, 'keys'), 0o755);
    await chmod(dataDir, 0o700);
    await writeFile(join(certs, 'orders-key.pem'), 'key');
    await chmod(join(certs, 'orders-key.pem'), 0o640);
    await writeFile(join(certs, 'orders.pem'), 'public certificate');
    await chmod(join(certs, 'orders.pem'), 0o644);

    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'test', destination });
    const keyFiles = await privateKeyFiles(certs);
    expect(keyFiles).toEqual([join(certs, 'orders-key.pem')]);
    const found = await checkFileModes({ paths: [dataDir, ...keyFiles], logger });

    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings.map((w) => [w.path, w.mode]).sort()).toEqual(
      [
        [join(certs, 'orders-key.pem'), '0640'],
        [join(dataDir, 'keys'), '0755'],
        [join(dataDir, 'keys', 'service-signing.jwk.json'), '0644'],
      ].sort(),
    );
    expect(found.every((f) => f.fixed)).toBe(true);
    expect((await stat(join(dataDir, 'keys', 'service-signing.jwk.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(certs, 'orders-key.pem'))).mode & 0o777).toBe(0o600);
    // A public certificate is not a secret: left as it was.
    expect((await stat(join(certs, 'orders.pem'))).mode & 0o777).toBe(0o644);

    // Once tight, the next start has nothing to say.
    lines.length = 0;
    expect(await checkFileModes({ paths: [dataDir, ...keyFiles], logger })).toEqual([]);
    expect(lines).toEqual([]);
  });
});

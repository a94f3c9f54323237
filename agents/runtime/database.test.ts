import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteClient } from './database.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

describe('a new embedded database on disk', { timeout: 180_000 }, () => {
  it('is created apart, so the process that serves it never carries initdb’s peak', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-pglite-new-'));
    dirs.push(dir);
    const before = peakMiB();
    const sql = await createPgliteClient({ dataDir: join(dir, 'pglite') });
    try {
      await sql.query('CREATE TABLE t (v text)');
      await sql.query('INSERT INTO t VALUES ($1)', ['kept']);
      // Creating a database in this process took its peak to about 850 MiB; opening one costs a few hundred.
      expect(peakMiB() - before).toBeLessThan(600);
    } finally {
      await sql.close();
    }
    const again = await createPgliteClient({ dataDir: join(dir, 'pglite') });
    try {
      expect(await again.query('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
    } finally {
      await again.close();
    }
  });
});

describe('shared_buffers', { timeout: 60_000 }, () => {
  it('is what the option says (PGlite’s 128MB without it), and a size PostgreSQL cannot read is refused', async () => {
    const small = await createPgliteClient({ sharedBuffers: '16MB' });
    try {
      expect(await small.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await small.close();
    }
    const plain = await createPgliteClient();
    try {
      expect(await plain.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '128MB' }]);
    } finally {
      await plain.close();
    }
    await expect(createPgliteClient({ sharedBuffers: '16MB; DROP TABLE t' })).rejects.toThrow(
      /invalid shared_buffers/,
    );
  });
});

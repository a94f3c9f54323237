import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createLinePrettifier, createLogger } from './logger.js';

/** A logger whose lines are kept in `lines`. */
function capturing() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'test', destination }) };
}

describe('logger', () => {
  it("keeps a failed database statement's values out of the line, and its code and message in", async () => {
    const { lines, logger } = capturing();
    const db = await PGlite.create();
    await db.query('CREATE TABLE users (email text UNIQUE, password_hash text)');
    await db.query('INSERT INTO users VALUES ($1, $2)', ['ana@example.com', '$argon2id$v=19$secret-hash']);
    const error = await db
      .query('INSERT INTO users VALUES ($1, $2)', ['ana@example.com', '$argon2id$v=19$secret-hash'])
      .catch((e: unknown) => e);
    await db.close();
    logger.error({ err: error, requestId: 'r-1' }, 'could not register');
    const line = lines.join('');
    expect(line).toMatch(/23505/);
    expect(line).toMatch(/duplicate key/);
    expect(line).not.toMatch(/ana@example\.com/);
    expect(line).not.toMatch(/secret-hash/);
  }, 60_000);

  it('redacts tokens, passwords and cookies at the top of a log line and up to two levels down', () => {
    const { lines, logger } = capturing();
    logger.info(
      {
        authorization: 'Bearer secret-token',
        password: 'hunter22hunter',
        body: { password: 'p4ss', token: 't0k' },
        headers: { authorization: 'Bearer abc', cookie: 'session=xyz' },
        accessToken: 'eyJaccess',
        refreshToken: 'opaque-refresh',
        res: { headers: { 'set-cookie': 'sid=42' } },
        deep: { body: { password: 'two-levels', refreshToken: 'rt-deep' } },
        requestId: 'r-1',
      },
      'request',
    );
    const line = lines.join('');
    for (const secret of [
      'secret-token',
      'hunter22hunter',
      'p4ss',
      't0k',
      'Bearer abc',
      'session=xyz',
      'eyJaccess',
      'opaque-refresh',
      'sid=42',
      'two-levels',
      'rt-deep',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('r-1');
    expect(line).toContain('[redacted]');
  });

  it('prints readable lines for a terminal that are still redacted, and leaves other lines alone', async () => {
    const { lines, logger } = capturing();
    logger.info(
      { password: 'hunter22hunter', headers: { cookie: 'session=xyz' }, requestId: 'r-2' },
      'signed in',
    );
    logger.error({ err: new Error('the store is gone'), accessToken: 'eyJaccess' }, 'could not answer');
    const pretty = await createLinePrettifier();
    const [info = '', error = ''] = lines.map((line) => pretty(line.trim()));
    expect(info).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: signed in /);
    expect(info).toContain('r-2');
    expect(info).not.toContain('"pid"');
    expect(error).toMatch(/ERROR: could not answer/);
    expect(error).toContain('the store is gone');
    for (const secret of ['hunter22hunter', 'session=xyz', 'eyJaccess']) {
      expect(info + error).not.toContain(secret);
    }
    expect(info).toContain('[redacted]');
    expect(pretty('VITE v8 building for production…')).toBe('VITE v8 building for production…');
    expect(pretty('{not json')).toBe('{not json');
  });
});

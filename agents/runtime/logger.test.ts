import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('redacts tokens, passwords and cookies at the top of a log line and up to two levels down', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'test', destination });
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
});

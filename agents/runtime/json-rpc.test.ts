import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createAgentApp } from './server.js';
import { createTokenVerifier } from './service-token.js';
import { echoExecutor, testCard } from './testing/fixtures.js';
import { createTestTokens } from './testing/tokens.js';

describe('refused service tokens are logged', () => {
  it('writes one warning with the reason, the method and the request’s correlation id, never the token', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const tokens = await createTestTokens();
    const card = testCard('https://agent.test/a2a');
    const app = createAgentApp({
      card,
      executor: echoExecutor(),
      verifier: createTokenVerifier({
        keys: tokens.keys,
        issuer: 'atende',
        audience: 'https://agent.test/a2a',
      }),
      logger: createLogger({ name: 'agent', destination }),
    });
    const response = await app.request('https://agent.test/a2a', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'A2A-Version': '1.0',
        authorization: 'Bearer not.a.jwt-at-all',
        'x-request-id': 'req-42',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }),
    });
    expect(response.status).toBe(401);
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'token_refused');
    expect(entry).toMatchObject({
      level: 40,
      reason: 'malformed_token',
      method: 'SendMessage',
      correlationId: 'req-42',
    });
    expect(lines.join('')).not.toContain('not.a.jwt-at-all');
  });
});

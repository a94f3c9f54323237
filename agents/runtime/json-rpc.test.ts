import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, unacceptedMediaTypes } from './json-rpc.js';
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

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(jsonDepthExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'[{'.repeat(100)}"}`, 1)).toBe(false);
    // An escaped quote does not end the string; an escaped backslash before the quote does.
    expect(jsonDepthExceeds(String.raw`{"a":"\"[[["}`, 1)).toBe(false);
    expect(jsonDepthExceeds(String.raw`{"a":"\\","b":[[1]]}`, 2)).toBe(true);
    expect(jsonDepthExceeds(String.raw`{"a":"\\","b":[1]}`, 2)).toBe(false);
  });

  it('scans 9,000 levels without recursion', () => {
    expect(jsonDepthExceeds('['.repeat(9000) + ']'.repeat(9000), 64)).toBe(true);
    expect(jsonDepthExceeds('['.repeat(64) + ']'.repeat(64), 64)).toBe(false);
  });
});

describe('unacceptedMediaTypes', () => {
  const card = testCard('https://agent.test/a2a');
  const message = (...parts: unknown[]) => ({ parts });

  it('names what was sent and what the skill accepts when no part fits', () => {
    expect(unacceptedMediaTypes(card, 'echo', message({ raw: 'AA==', mediaType: 'image/png' }))).toEqual({
      accepted: ['text/plain'],
      sent: ['image/png'],
    });
    expect(unacceptedMediaTypes(card, 'echo', message({ data: {} }))?.sent).toEqual(['application/json']);
    expect(unacceptedMediaTypes(card, 'echo', message({ url: 'https://x.test/f' }))?.sent).toEqual([
      'application/octet-stream',
    ]);
  });

  it('accepts a fitting part, parameters and case aside, and wildcards in the modes', () => {
    expect(unacceptedMediaTypes(card, 'echo', message({ text: 'hi' }))).toBeUndefined();
    expect(
      unacceptedMediaTypes(card, 'echo', message({ text: 'hi', mediaType: 'Text/Plain; charset=utf-8' })),
    ).toBeUndefined();
    expect(unacceptedMediaTypes(card, 'echo', message({ data: {} }, { text: 'hi' }))).toBeUndefined();
    const images = testCard('https://agent.test/a2a', { defaultInputModes: ['image/*'] });
    expect(
      unacceptedMediaTypes(images, 'echo', message({ raw: 'AA==', mediaType: 'image/png' })),
    ).toBeUndefined();
    expect(unacceptedMediaTypes(images, 'echo', message({ text: 'hi' }))).toBeDefined();
  });

  it('prefers the skill’s inputModes to the card’s defaults', () => {
    const json = testCard('https://agent.test/a2a', {
      skills: [{ id: 'echo', name: 'E', description: 'E', tags: ['t'], inputModes: ['application/json'] }],
    });
    expect(unacceptedMediaTypes(json, 'echo', message({ data: { a: 1 } }))).toBeUndefined();
    expect(unacceptedMediaTypes(json, 'echo', message({ text: 'hi' }))?.accepted).toEqual([
      'application/json',
    ]);
  });
});

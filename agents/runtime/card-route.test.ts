import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { cardRoute, rpcPaths } from './card-route.js';
import { testCard } from './testing/fixtures.js';

describe('the agent card route', () => {
  const app = new Hono().get(
    '/.well-known/agent-card.json',
    cardRoute(testCard('https://a.test/a2a'), { maxAgeSec: 60 }),
  );

  it('serves the card with Cache-Control and a strong ETag, and 304 to a request that has it', async () => {
    const first = await app.request('/.well-known/agent-card.json');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    expect(((await first.json()) as { name: string }).name).toBe('Test Agent');
    const again = await app.request('/.well-known/agent-card.json', {
      headers: { 'if-none-match': `"x", ${etag}` },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const stale = await app.request('/.well-known/agent-card.json', {
      headers: { 'if-none-match': '"old"' },
    });
    expect(stale.status).toBe(200);
  });

  it('answers the JSON-RPC path with and without a trailing slash', () => {
    expect(rpcPaths('/a2a')).toEqual(['/a2a', '/a2a/']);
    expect(rpcPaths('/a2a/')).toEqual(['/a2a', '/a2a/']);
    expect(rpcPaths('/')).toEqual(['/']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../testing/app.js';

// The chat routes in-process (no agents: every reply ends `agents_unavailable`, which is all these tests need).
describe('following a conversation', () => {
  let t: Awaited<ReturnType<typeof makeApp>>;
  let token: string;
  let conversationId: string;

  beforeAll(async () => {
    t = await makeApp();
    token = ((await (await t.post('/api/auth/guest', {})).json()) as { accessToken: string }).accessToken;
    const reply = await (await t.post('/api/chat/messages', { text: 'oi' }, { token })).text();
    conversationId = JSON.parse(/data: (.*)/.exec(reply)?.[1] ?? '{}').conversationId;
  });
  afterAll(async () => {
    await t.close();
  });

  const follow = (headers: Record<string, string> = {}, query = '') =>
    t.request(`/api/conversations/${conversationId}/events${query}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });

  it('sends the stored events with their ids, and refuses a malformed cursor', async () => {
    const response = await follow({}, '?after=2');
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"state":"failed"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(/^event: delta\ndata: \{"id":3,.*\nid: 3\n/);
    expect(text).not.toMatch(/id: [12]\n/);
    expect((await follow({ 'last-event-id': 'abc' })).status).toBe(400);
  });

  it('lets one shopper hold at most five event streams at once, and frees a place when one closes', async () => {
    const open = await Promise.all(Array.from({ length: 5 }, () => follow()));
    expect(open.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await follow();
    expect(sixth.status).toBe(429);
    expect(((await sixth.json()) as { code: string }).code).toBe('too_many_streams');
    expect(sixth.headers.get('retry-after')).toBe('5');
    await open[0]?.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await follow();
    expect(again.status).toBe(200);
    await Promise.all([again, ...open.slice(1)].map((r) => r.body?.cancel()));
  });
});

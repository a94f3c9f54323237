import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts, loadTlsMaterial, type TlsMaterial } from '../certs/certs.js';
import { type ChatReplay, type ChatReplayOptions, startChatReplay } from './servers/chat-replay.js';
import { createShopperPools } from './shopper-pools.js';

// The light client against a real HTTPS server on a real socket, with the orchestrator's certificate.
let dir: string;
let tls: TlsMaterial;
const running: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atende-lg-'));
  await generateCerts({ dir, services: ['orchestrator'] });
  tls = await loadTlsMaterial(dir, 'orchestrator');
});

afterAll(async () => {
  for (const r of running.splice(0)) await r.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(options: Partial<ChatReplayOptions> = {}, count = 4, cooldownMs = 6_000) {
  const replay: ChatReplay = await startChatReplay({ cert: tls.cert, key: tls.key, ...options });
  const pools = createShopperPools({
    origin: `https://127.0.0.1:${replay.port}`,
    ca: tls.ca,
    count,
    cooldownMs,
  });
  running.push(pools, replay);
  return { replay, pools };
}

const BODY = JSON.stringify({ text: 'quanto tempo demora?', locale: 'pt-BR' });

describe('shopper pools (the light load generator)', () => {
  it('times the first agent text and the done event, and learns the conversation', async () => {
    const { pools } = await setup({ firstDeltaMs: 50, restMs: 80 });
    const line = pools.lease();
    const out = await line.chat('t', BODY, 5_000);
    line.release();
    expect(out).toMatchObject({ error: undefined, abandoned: false, failure: undefined });
    expect(out.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.firstDeltaMs).toBeGreaterThanOrEqual(45);
    expect(out.fullMs).toBeGreaterThanOrEqual((out.firstDeltaMs ?? 0) + 75);
  });

  it("keeps a shopper's connection for the follow-up and the close, and resumes TLS from another address", async () => {
    const { replay, pools } = await setup({ firstDeltaMs: 5, restMs: 5 });
    const first = pools.lease();
    const a = await first.chat('t', BODY, 5_000);
    const b = await first.chat('t', JSON.stringify({ text: 'e o frete?', locale: 'pt-BR', ...a }), 5_000);
    expect(b.conversationId).toBe(a.conversationId);
    await first.close('t', a.conversationId as string);
    first.release();
    expect(replay.connections).toEqual(['127.0.2.4']);
    // The next shopper, while that address rests, gets one never used, on a resumed TLS session.
    const second = pools.lease();
    await second.chat('t', BODY, 5_000);
    second.release();
    expect(replay.connections).toEqual(['127.0.2.4', '127.0.2.3']);
    expect(pools.handshakes()).toEqual({ handshakes: 2, resumed: 1 });
  });

  it('never gives two shoppers at once the same address; a rested one comes back with its connection', async () => {
    const { replay, pools } = await setup({ firstDeltaMs: 20 }, 3, 100);
    const lines = [pools.lease(), pools.lease(), pools.lease()];
    await Promise.all(lines.map((l) => l.chat('t', BODY, 5_000)));
    expect([...replay.connections].sort()).toEqual(['127.0.2.1', '127.0.2.2', '127.0.2.3']);
    lines[1]?.release(); // 127.0.2.2
    await new Promise((r) => setTimeout(r, 150));
    lines[2]?.release(); // 127.0.2.1
    await new Promise((r) => setTimeout(r, 150));
    lines[0]?.release(); // 127.0.2.3, not rested yet
    // The rested address released last is preferred, and its kept connection serves: no new one is made.
    const next = pools.lease();
    await next.chat('t', BODY, 5_000);
    expect(replay.messages.at(-1)).toBe('127.0.2.1');
    expect(replay.connections).toHaveLength(3);
    // None rested: the one released longest ago… and past `count` shoppers at once, addresses are shared.
    pools.lease();
    const shared = pools.lease();
    expect((await shared.chat('t', BODY, 5_000)).error).toBeUndefined();
    expect(replay.connections).toHaveLength(3);
  });

  it('a shopper whose patience runs out aborts: abandoned, not an error, and the conversation is known', async () => {
    const { pools } = await setup({ silent: true });
    const line = pools.lease();
    const started = performance.now();
    const out = await line.chat('t', BODY, 150);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(out).toMatchObject({
      abandoned: true,
      failure: undefined,
      firstDeltaMs: undefined,
      error: undefined,
    });
    expect(out.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    // The address stays usable: the aborted connection is replaced.
    await line.close('t', out.conversationId as string);
    line.release();
  });

  it('an HTTP error is the step error http_<status>, with no times', async () => {
    const { pools } = await setup({ status: 429 });
    const line = pools.lease();
    expect(await line.chat('t', BODY, 5_000)).toMatchObject({
      error: 'http_429',
      firstDeltaMs: undefined,
      fullMs: undefined,
      abandoned: false,
    });
    line.release();
  });

  it('a refused connection is a failure of the step, not an abandonment', async () => {
    const { replay, pools } = await setup();
    await replay.close();
    const line = pools.lease();
    const out = await line.chat('t', BODY, 5_000);
    expect(out.abandoned).toBe(false);
    expect(out.failure).toBeTruthy();
    line.release();
  });
});

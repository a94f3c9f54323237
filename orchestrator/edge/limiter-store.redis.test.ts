import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../replicas/tcp-proxy.js';
import { createLimiterFactory } from './limiter-store.js';

// Rate limits shared through Redis, with Redis cut off by a TCP proxy in front of it: the limiter falls back to this
// process's own counters (limits still hold, per replica), and goes back to Redis by itself once it answers again.
const redisUrl = process.env.TEST_REDIS_URL;

async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!redisUrl)('rate limits in Redis when Redis is unreachable (TEST_REDIS_URL)', () => {
  let proxy: TcpProxy | undefined;
  let client: Redis | undefined;
  let direct: Redis | undefined;
  afterAll(async () => {
    client?.disconnect();
    direct?.disconnect();
    await proxy?.close();
  });

  it("falls back to this process's counters while Redis is cut off, and back to Redis's once it returns", async () => {
    const url = new URL(redisUrl ?? '');
    proxy = await startTcpProxy([{ host: url.hostname, port: Number(url.port || 6379) }]);
    // As the orchestrator opens it (app.ts): no offline queue, so a command fails at once while disconnected.
    client = new Redis({
      host: '127.0.0.1',
      port: proxy.port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    direct = new Redis(redisUrl ?? '');
    await until(() => client?.status === 'ready', 'the client to connect');
    const keyPrefix = `test_limits_${randomUUID().slice(0, 8)}`;
    const limiter = await createLimiterFactory({ kind: 'redis', client })({
      keyPrefix,
      points: 3,
      durationSec: 60,
    });
    const stored = async () => Number(await direct?.get(`${keyPrefix}:shopper`));

    for (let i = 0; i < 3; i++) await limiter.consume('shopper');
    await expect(limiter.consume('shopper')).rejects.toMatchObject({ remainingPoints: 0 });
    expect(await stored()).toBe(4);

    await proxy.cut();
    await until(() => client?.status !== 'ready', 'the client to see Redis gone');
    // Redis's count is out of reach: this process counts afresh, and still refuses past the limit.
    for (let i = 0; i < 3; i++) await limiter.consume('shopper');
    await expect(limiter.consume('shopper')).rejects.toMatchObject({ remainingPoints: 0 });
    expect(await stored()).toBe(4);

    await proxy.restore();
    await until(() => client?.status === 'ready', 'the client to reconnect', 15_000);
    // Redis answers again: its count (over the limit) holds, across replicas.
    await expect(limiter.consume('shopper')).rejects.toMatchObject({ remainingPoints: 0 });
    expect(await stored()).toBe(5);
    await direct.del(`${keyPrefix}:shopper`);
  }, 30_000);
});

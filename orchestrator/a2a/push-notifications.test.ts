import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StreamResponse, type TaskPushNotificationConfig, TaskState } from '@a2a-js/sdk';
import { InMemoryPushNotificationStore, ServerCallContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { generateCerts, loadTlsMaterial } from '../../certs/certs.js';
import { publicFetch } from '../testing/harness.js';
import { createPushSender, createWebhookGuard, guardedPushStore } from './push-notifications.js';

// A real HTTPS webhook receiver on a local socket; its answers are scripted per test.
const logger = createLogger({ name: 'test', level: 'silent' });
let dir: string;
let server: Server;
let port: number;
let web: ReturnType<typeof publicFetch>;
const received: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];
let answers: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atende-push-'));
  await generateCerts({ dir, services: ['orchestrator'] });
  const tls = await loadTlsMaterial(dir, 'orchestrator');
  server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = answers.shift() ?? 200;
      if (status === 302) res.writeHead(302, { location: `https://localhost:${port}/elsewhere` });
      else res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {});
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  web = publicFetch(tls.ca);
});
afterAll(async () => {
  server?.close();
  await web?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received.length = 0;
  answers = [];
});

const context = () => new ServerCallContext({ user: { isAuthenticated: true, userName: 'agent-1' } });
const update = (taskId: string, state: keyof typeof TaskState): StreamResponse =>
  ({
    payload: {
      $case: 'statusUpdate',
      value: {
        taskId,
        contextId: 'c1',
        status: { state: TaskState[state], message: undefined, timestamp: undefined },
        metadata: undefined,
      },
    },
  }) as never;
const config = (
  taskId: string,
  extra: Partial<TaskPushNotificationConfig> = {},
): TaskPushNotificationConfig => ({
  tenant: '',
  id: 'hook-1',
  taskId,
  url: `https://localhost:${port}/hook`,
  token: '',
  authentication: { scheme: 'Bearer', credentials: 'receiver-secret' },
  ...extra,
});

function sender(options: { sleeps?: number[] } = {}) {
  const store = new InMemoryPushNotificationStore();
  const guard = createWebhookGuard({ allowedHosts: [`localhost:${port}`] });
  const push = createPushSender({
    store,
    guard,
    fetch: web.fetch,
    logger,
    limits: { attempts: 3, baseDelayMs: 100 },
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
  });
  return { store, push };
}

describe('push notifications', () => {
  it('delivers each update in order with the configured authentication and an idempotency key', async () => {
    const { store, push } = sender();
    await store.save('t1', context(), config('t1'));
    await push.send(update('t1', 'TASK_STATE_WORKING'), context());
    await push.send(update('t1', 'TASK_STATE_INPUT_REQUIRED'), context());
    await push.send(update('t1', 'TASK_STATE_COMPLETED'), context());
    await push.idle();
    expect(received.map((r) => JSON.parse(r.body).statusUpdate.status.state)).toEqual([
      'TASK_STATE_WORKING',
      'TASK_STATE_INPUT_REQUIRED',
      'TASK_STATE_COMPLETED',
    ]);
    expect(received[0]?.headers.authorization).toBe('Bearer receiver-secret');
    expect(received[0]?.headers['content-type']).toBe('application/a2a+json');
    const keys = received.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(push.stats).toMatchObject({ delivered: 3, dropped: 0 });
  });

  it('retries a failing webhook with backoff and the same idempotency key, at least once', async () => {
    const sleeps: number[] = [];
    const { store, push } = sender({ sleeps });
    await store.save('t2', context(), config('t2'));
    answers = [503, 500];
    await push.send(update('t2', 'TASK_STATE_COMPLETED'), context());
    await push.idle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    // Retry-After: 1 s on the 503; then the doubled base delay with its jitter.
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(150);
    expect(push.stats).toMatchObject({ delivered: 1, retried: 2 });
  });

  it('gives up on a 4xx and never follows a redirect', async () => {
    const { store, push } = sender();
    await store.save('t3', context(), config('t3'));
    answers = [302];
    await push.send(update('t3', 'TASK_STATE_COMPLETED'), context());
    answers.push(400);
    await push.send(update('t3', 'TASK_STATE_FAILED'), context());
    await push.idle();
    expect(received.map((r) => r.path)).toEqual(['/hook', '/hook']);
    expect(push.stats).toMatchObject({ delivered: 0, dropped: 2, retried: 0 });
  });

  it('gives up after the last attempt against a dead webhook', async () => {
    const { store, push } = sender();
    await store.save('t4', context(), config('t4', { url: 'https://localhost:1/hook' }));
    const guard = createWebhookGuard({ allowedHosts: ['localhost:1'] });
    const dead = createPushSender({
      store,
      guard,
      fetch: web.fetch,
      logger,
      limits: { attempts: 2 },
      sleep: async () => {},
    });
    await dead.send(update('t4', 'TASK_STATE_COMPLETED'), context());
    await dead.idle();
    expect(dead.stats).toMatchObject({ delivered: 0, retried: 1, dropped: 1 });
    expect(push.stats.delivered).toBe(0);
  });
});

describe('webhook SSRF guard', () => {
  const lookup = async (host: string) => (host === 'internal.example' ? ['10.0.0.7'] : ['93.184.215.14']);
  const guard = createWebhookGuard({ lookup });

  it.each([
    ['http://hooks.example/a', /https/],
    ['https://user:pw@hooks.example/a', /credentials/],
    ['https://127.0.0.1:8443/a', /internal/],
    ['https://[::1]/a', /internal/],
    ['https://169.254.169.254/latest/meta-data', /internal/],
    ['https://internal.example/a', /internal/],
    ['not a url', /absolute/],
  ])('refuses %s', async (url, why) => {
    await expect(guard(url)).rejects.toThrow(why);
  });

  it('accepts a public host, and a private one only when listed exactly', async () => {
    await expect(guard('https://hooks.example/a')).resolves.toBeInstanceOf(URL);
    const listed = createWebhookGuard({ lookup, allowedHosts: ['internal.example'] });
    await expect(listed('https://internal.example/a')).resolves.toBeInstanceOf(URL);
    // A receiver the operator listed is trusted as configured, plain http included; no other host is.
    await expect(listed('http://internal.example/a')).resolves.toBeInstanceOf(URL);
    await expect(listed('http://hooks.example/a')).rejects.toThrow(/https/);
    await expect(listed('ftp://internal.example/a')).rejects.toThrow(/https/);
    // A host listed without a port stands for all its ports; with one, for that port alone.
    await expect(listed('http://internal.example:8080/a')).resolves.toBeInstanceOf(URL);
    const onePort = createWebhookGuard({ lookup, allowedHosts: ['internal.example:8443'] });
    await expect(onePort('https://internal.example:8443/a')).resolves.toBeInstanceOf(URL);
    await expect(onePort('https://internal.example:9000/a')).rejects.toThrow(/internal/);
  });

  it('refuses a bad webhook when the config is created, with invalid params', async () => {
    const store = guardedPushStore(new InMemoryPushNotificationStore(), guard);
    await expect(
      store.save('t', context(), config('t', { url: 'https://10.1.2.3/x' })),
    ).rejects.toMatchObject({
      name: 'RequestMalformedError',
    });
    expect(await store.load('t', context())).toEqual([]);
  });
});

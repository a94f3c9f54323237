import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type AgentCard, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts } from '../../certs/certs.js';
import { loadAgentCard } from './card.js';
import { createLogger } from './logger.js';
import { createMtlsFetch, type MtlsFetch } from './mtls-fetch.js';
import { restRoute } from './rest.js';
import { createAgentApp, type RunningServer, startAgentServer } from './server.js';
import { createTokenVerifier } from './service-token.js';
import { createTestPki, echoExecutor, type TestPki, testCard, userMessage } from './testing/fixtures.js';
import { createTestTokens, type TestTokenRequest, type TestTokens } from './testing/tokens.js';

// The HTTP+JSON binding over real sockets and real mTLS, attacked like the JSON-RPC one (server.test.ts).

const ISSUER = 'atende-orchestrator';
let pki: TestPki;
let tokens: TestTokens;
let server: RunningServer;
let card: AgentCard;
let rpcUrl: string;
let restUrl: string;
let mesh: MtlsFetch;
let client: Client;

function token(overrides: Partial<TestTokenRequest> = {}) {
  return tokens.mintToken({
    audience: rpcUrl,
    subject: 'customer-1',
    role: 'customer',
    skill: 'echo',
    scopes: ['test:echo'],
    correlationId: randomUUID(),
    ...overrides,
  });
}

function sendBody(text: string, extra: Record<string, unknown> = {}) {
  const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] };
  return JSON.stringify({ message, metadata: { skill: 'echo' }, ...extra });
}

async function call(
  path: string,
  init: { method?: string; body?: string; authorization?: string | null; contentType?: string } = {},
  options: { url?: string; fetch?: typeof fetch } = {},
) {
  const authorization = init.authorization === undefined ? `Bearer ${await token()}` : init.authorization;
  const response = await (options.fetch ?? mesh.fetch)(`${options.url ?? restUrl}${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': init.contentType ?? 'application/json',
      'A2A-Version': '1.0',
      ...(authorization ? { authorization } : {}),
    },
    body: init.body,
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

function send(text: string) {
  return { tenant: '', message: userMessage(text), configuration: undefined, metadata: { skill: 'echo' } };
}

async function opts(sub = 'customer-1') {
  return { serviceParameters: { Authorization: `Bearer ${await token({ subject: sub })}` } };
}

beforeAll(async () => {
  pki = await createTestPki();
  tokens = await createTestTokens({ issuer: ISSUER });
  const logger = createLogger({ name: 'test-agent', level: 'silent' });
  const withRest = (base: string) => {
    const c = testCard(`${base}/a2a`);
    c.supportedInterfaces.push({
      url: `${base}/rest`,
      protocolBinding: 'HTTP+JSON',
      protocolVersion: '1.0',
      tenant: '',
    });
    return c;
  };
  const probe = await startAgentServer({
    app: createAgentApp({
      card: withRest('https://localhost:1'),
      executor: echoExecutor(),
      verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: 'x' }),
      logger,
    }),
    tls: await pki.tls('testagent'),
    port: 0,
    host: '127.0.0.1',
  });
  const port = probe.port;
  await probe.close();
  const base = `https://localhost:${port}`;
  rpcUrl = `${base}/a2a`;
  restUrl = `${base}/rest`;
  card = withRest(base);
  server = await startAgentServer({
    app: createAgentApp({
      card,
      executor: echoExecutor({ delayMs: 5 }),
      verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: rpcUrl }),
      logger,
      maxBodyBytes: 64 * 1024,
    }),
    tls: await pki.tls('testagent'),
    port,
    host: '127.0.0.1',
  });
  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  // Only the REST transport: the client must pick the HTTP+JSON interface of the card.
  const factory = new ClientFactory({ transports: [new RestTransportFactory({ fetchImpl: mesh.fetch })] });
  client = await factory.createFromAgentCard(card);
});

afterAll(async () => {
  await mesh?.close();
  await server?.close();
});

describe('restRoute', () => {
  it('maps the A2A v1.0 HTTP+JSON paths and nothing else', () => {
    expect(restRoute('POST', '/message:send')).toEqual({ op: 'send' });
    expect(restRoute('POST', '/message:stream/')).toEqual({ op: 'stream' });
    expect(restRoute('GET', '/tasks/abc')).toEqual({ op: 'getTask', taskId: 'abc' });
    expect(restRoute('POST', '/tasks/abc:cancel')).toEqual({ op: 'cancel', taskId: 'abc' });
    expect(restRoute('GET', '/tasks/abc:subscribe')).toEqual({ op: 'subscribe', taskId: 'abc' });
    expect(restRoute('DELETE', '/tasks/a/pushNotificationConfigs/b')).toEqual({
      op: 'deletePush',
      taskId: 'a',
      configId: 'b',
    });
    expect(restRoute('GET', '/message:send')).toBeUndefined();
    expect(restRoute('POST', '/tasks/abc')).toBeUndefined();
    expect(restRoute('GET', '/tasks/%E0%A4%A')).toEqual({ op: 'getTask', taskId: '%E0%A4%A' });
  });
});

describe('HTTP+JSON through the SDK’s REST client', () => {
  it('streams a task: task first, text chunks in order, completed last', async () => {
    const events = [];
    for await (const e of client.sendMessageStream(send('one two three'), await opts())) events.push(e);
    expect(events[0]?.payload?.$case).toBe('task');
    const text = events
      .flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? (e.payload.value.artifact?.parts ?? []) : []))
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join('');
    expect(text).toBe('one two three');
    const last = events.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('GetTask returns the finished task; another shopper gets TaskNotFound', async () => {
    const result = await client.sendMessage(send('alpha beta'), await opts());
    const taskId = 'id' in result && 'status' in result ? result.id : '';
    expect(taskId).not.toBe('');
    const task = await client.getTask({ tenant: '', id: taskId, historyLength: undefined }, await opts());
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]?.parts.length).toBeGreaterThan(0);
    await expect(
      client.getTask({ tenant: '', id: taskId, historyLength: undefined }, await opts('someone-else')),
    ).rejects.toThrow(/not found/i);
  });

  it('CancelTask cancels a running task and SubscribeToTask sees it end canceled', async () => {
    const stream = client.sendMessageStream(send('start hang'), await opts());
    const first = await stream.next();
    const taskId = first.value?.payload?.$case === 'task' ? first.value.payload.value.id : '';
    expect(taskId).not.toBe('');
    const seen: TaskState[] = [];
    const watching = (async () => {
      for await (const e of client.resubscribeTask({ tenant: '', id: taskId }, await opts())) {
        const p = e.payload;
        if (p?.$case === 'statusUpdate' && p.value.status) seen.push(p.value.status.state);
        if (p?.$case === 'task' && p.value.status) seen.push(p.value.status.state);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const canceled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, await opts());
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await watching;
    expect(seen).toContain(TaskState.TASK_STATE_CANCELED);
    await stream.return(undefined);
  });

  it('answers message:send as JSON with the task', async () => {
    const { status, headers, body } = await call('/message:send', { body: sendBody('x y') });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.task.status.state).toBe('TASK_STATE_COMPLETED');
  });
});

describe('HTTP+JSON refuses what JSON-RPC refuses', () => {
  it('refuses a call without a token (401, WWW-Authenticate, REST error body)', async () => {
    const { status, headers, body } = await call('/message:send', {
      body: sendBody('hi'),
      authorization: null,
    });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a token without the skill’s scope, or for another skill (403)', async () => {
    for (const t of [await token({ scopes: ['test:other'] }), await token({ skill: 'other' })]) {
      const { status, headers, body } = await call('/message:send', {
        body: sendBody('hi'),
        authorization: `Bearer ${t}`,
      });
      expect(status).toBe(403);
      expect(body.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
      expect(headers.get('www-authenticate') ?? '').toMatch(/^Bearer error="insufficient_scope"/);
    }
  });

  it('refuses GetTask with a token carrying no scope of the agent (403)', async () => {
    const { status } = await call(`/tasks/${randomUUID()}`, {
      method: 'GET',
      authorization: `Bearer ${await token({ scopes: [] })}`,
    });
    expect(status).toBe(403);
  });

  it('refuses JSON nested 9,000 deep with 400, and serves the next call', async () => {
    const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
    const { status, body } = await call('/message:send', {
      body: sendBody('hi', { metadata: { deep } }).replace(`"${deep}"`, deep),
    });
    expect(status).toBe(400);
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(/nests deeper than 64/);
    expect((await call('/message:send', { body: sendBody('after') })).status).toBe(200);
  });

  it('refuses invalid JSON (400) and a foreign content type (415)', async () => {
    expect((await call('/message:send', { body: '{not json' })).status).toBe(400);
    const refused = await call('/message:send', { body: sendBody('hi'), contentType: 'text/plain' });
    expect(refused.status).toBe(415);
  });

  it('refuses a body over the limit (413)', async () => {
    const { status, body } = await call('/message:send', { body: sendBody('x'.repeat(70 * 1024)) });
    expect(status).toBe(413);
    expect(body.error.code).toBe(413);
  });

  it('refuses a message whose only part has a media type the skill does not accept', async () => {
    const message = {
      messageId: randomUUID(),
      role: 'ROLE_USER',
      parts: [{ raw: 'AAAA', mediaType: 'image/png' }],
    };
    const { status, body } = await call('/message:send', {
      body: JSON.stringify({ message, metadata: { skill: 'echo' } }),
    });
    expect(status).toBe(415);
    expect(body.error.details[0].reason).toBe('CONTENT_TYPE_NOT_SUPPORTED');
  });

  it('answers subscribe on an unknown task with 404 JSON, not an SSE stream', async () => {
    const { status, headers, body } = await call(`/tasks/${randomUUID()}:subscribe`, { method: 'GET' });
    expect(status).toBe(404);
    expect(headers.get('content-type')).not.toMatch(/event-stream/);
    expect(body.error.status).toBe('NOT_FOUND');
  });

  it('answers an unknown operation with 404', async () => {
    expect((await call('/message:nope', { body: '{}' })).status).toBe(404);
  });

  it('refuses a request without the A2A-Version header (treated as 0.3)', async () => {
    const response = await mesh.fetch(`${restUrl}/message:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: sendBody('hi'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.details[0].reason).toBe('VERSION_NOT_SUPPORTED');
  });
});

describe('HTTP+JSON mesh identity', () => {
  let orders: RunningServer;
  let ordersRest: string;
  let ordersRpc: string;
  let sentiment: MtlsFetch;
  let orchestrator: MtlsFetch;

  beforeAll(async () => {
    await generateCerts({ dir: pki.dir, services: ['orders', 'sentiment'] });
    const cardPath = fileURLToPath(new URL('../../agent-cards/orders.json', import.meta.url));
    const probe = await startAgentServer({
      app: createAgentApp({
        card: await loadAgentCard({ path: cardPath, interfaceUrl: 'https://localhost:1/a2a' }),
        executor: echoExecutor(),
        verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: 'x' }),
        logger: createLogger({ name: 'orders', level: 'silent' }),
      }),
      tls: await pki.tls('orders'),
      port: 0,
      host: '127.0.0.1',
    });
    const port = probe.port;
    await probe.close();
    ordersRpc = `https://localhost:${port}/a2a`;
    ordersRest = `https://localhost:${port}/rest`;
    const ordersCard = await loadAgentCard({ path: cardPath, interfaceUrl: ordersRpc, restUrl: ordersRest });
    orders = await startAgentServer({
      app: createAgentApp({
        card: ordersCard,
        executor: echoExecutor(),
        verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: ordersRpc }),
        logger: createLogger({ name: 'orders', level: 'silent' }),
      }),
      tls: await pki.tls('orders'),
      port,
      host: '127.0.0.1',
    });
    sentiment = createMtlsFetch({ tls: await pki.tls('sentiment'), connections: 1 });
    orchestrator = createMtlsFetch({ tls: await pki.tls('orchestrator'), connections: 1 });
  });

  afterAll(async () => {
    await sentiment?.close();
    await orchestrator?.close();
    await orders?.close();
  });

  async function ask(fetch: typeof globalThis.fetch) {
    const t = await token({ audience: ordersRpc, skill: 'order-status', scopes: ['orders:read'] });
    const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'meu pedido' }] };
    return call(
      '/message:send',
      {
        body: JSON.stringify({ message, metadata: { skill: 'order-status' } }),
        authorization: `Bearer ${t}`,
      },
      { url: ordersRest, fetch },
    );
  }

  it('declares the HTTP+JSON interface in the loaded card, beside JSON-RPC', async () => {
    const response = await orchestrator.fetch(ordersRest.replace('/rest', '/.well-known/agent-card.json'));
    const json = (await response.json()) as any;
    expect(json.supportedInterfaces).toEqual([
      { url: ordersRpc, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: ordersRest, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ]);
  });

  it('refuses the sentiment agent’s certificate with a valid token (403, REST error body)', async () => {
    const { status, body } = await ask(sentiment.fetch as typeof fetch);
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
  });

  it('lets the orchestrator’s certificate call with the same kind of token', async () => {
    const { status, body } = await ask(orchestrator.fetch as typeof fetch);
    expect(status).toBe(200);
    expect(body.task.status.state).toBe('TASK_STATE_COMPLETED');
  });
});

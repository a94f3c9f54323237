import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type AgentCard, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { SignJWT } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts } from '../../certs/certs.js';
import { loadAgentCard } from './card.js';
import { createLogger } from './logger.js';
import { createMtlsFetch, type MtlsFetch } from './mtls-fetch.js';
import { createAgentApp, type RunningServer, startAgentServer } from './server.js';
import { createTokenVerifier } from './service-token.js';
import { createTestPki, echoExecutor, type TestPki, testCard, userMessage } from './testing/fixtures.js';
import { createTestTokens, type TestTokenRequest, type TestTokens } from './testing/tokens.js';

const ISSUER = 'atende-orchestrator';
let pki: TestPki;
let tokens: TestTokens;
let server: RunningServer;
let card: AgentCard;
let baseUrl: string;
let rpcUrl: string;
let mesh: MtlsFetch;
let client: Client;

async function token(overrides: Partial<TestTokenRequest> = {}, options?: { now?: number; ttlSec?: number }) {
  return tokens.mintToken(
    {
      audience: rpcUrl,
      subject: 'customer-1',
      role: 'customer',
      skill: 'echo',
      scopes: ['test:echo'],
      correlationId: randomUUID(),
      ...overrides,
    },
    options,
  );
}

function rpcBody(method: string, params: unknown) {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
}

async function rawCall(authorization: string | undefined, method = 'SendMessage', version = '1.0') {
  const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello there' }] };
  const response = await mesh.fetch(rpcUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(version ? { 'A2A-Version': version } : {}),
      ...(authorization ? { authorization } : {}),
    },
    body: rpcBody(method, { message, metadata: { skill: 'echo' } }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

function send(text: string) {
  return { tenant: '', message: userMessage(text), configuration: undefined, metadata: { skill: 'echo' } };
}

beforeAll(async () => {
  pki = await createTestPki();
  tokens = await createTestTokens({ issuer: ISSUER });
  const logger = createLogger({ name: 'test-agent', level: 'silent' });
  // Port 0 first to learn a free port, then the card names it.
  const placeholder = testCard('https://localhost:1/a2a');
  const verifierFor = (audience: string) =>
    createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience });
  const probe = await startAgentServer({
    app: createAgentApp({ card: placeholder, executor: echoExecutor(), verifier: verifierFor('x'), logger }),
    tls: await pki.tls('testagent'),
    port: 0,
    host: '127.0.0.1',
  });
  const port = probe.port;
  await probe.close();
  baseUrl = `https://localhost:${port}`;
  rpcUrl = `${baseUrl}/a2a`;
  card = testCard(rpcUrl);
  server = await startAgentServer({
    app: createAgentApp({
      card,
      executor: echoExecutor({ delayMs: 5 }),
      verifier: verifierFor(rpcUrl),
      logger,
    }),
    tls: await pki.tls('testagent'),
    port,
    host: '127.0.0.1',
  });
  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: mesh.fetch })] });
  client = await factory.createFromAgentCard(card);
});

afterAll(async () => {
  await mesh?.close();
  await server?.close();
});

describe('mutual TLS', () => {
  it('serves the card to any client with a mesh certificate, with the configured interface URL', async () => {
    const response = await mesh.fetch(`${baseUrl}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    const json = (await response.json()) as any;
    expect(json.name).toBe('Test Agent');
    expect(json.supportedInterfaces[0].url).toBe(rpcUrl);
    expect(json.securitySchemes.serviceToken.httpAuthSecurityScheme.scheme).toBe('bearer');
  });

  it('refuses a client without a certificate at the handshake', async () => {
    const tls = await pki.tls('orchestrator');
    const dispatcher = new Agent({ connect: { ca: tls.ca } });
    const error = await undiciFetch(`${baseUrl}/.well-known/agent-card.json`, { dispatcher }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error.cause?.code ?? error.cause)).toMatch(/ERR_SSL|ECONNRESET|certificate|alert|socket/i);
    await dispatcher.close();
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const mine = await pki.tls('orchestrator');
    const foreign = await pki.foreignTls('orchestrator');
    const dispatcher = new Agent({ connect: { ca: mine.ca, cert: foreign.cert, key: foreign.key } });
    const error = await undiciFetch(`${baseUrl}/.well-known/agent-card.json`, { dispatcher }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error.cause?.code ?? error.cause)).toMatch(/ERR_SSL|ECONNRESET|unknown ca|alert|socket/i);
    await dispatcher.close();
  });
});

describe('service tokens', () => {
  it('refuses a call without a token (401, WWW-Authenticate)', async () => {
    const { status, headers, body } = await rawCall(undefined);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(body.error.code).toBe(-32010);
  });

  it('refuses a token signed by another key, whether it names an unknown key or the real key’s id', async () => {
    for (const kid of [undefined, tokens.kid]) {
      const other = await createTestTokens({ issuer: ISSUER, kid });
      const forged = await other.mintToken({
        audience: rpcUrl,
        subject: 'customer-1',
        role: 'customer',
        skill: 'echo',
        scopes: ['test:echo'],
      });
      const { status, body } = await rawCall(`Bearer ${forged}`);
      expect(status, `kid ${kid}`).toBe(401);
      expect(body.error.message).toMatch(/not signed by the orchestrator/);
    }
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        iss: ISSUER,
        aud: rpcUrl,
        sub: 'x',
        role: 'admin',
        scope: 'test:echo',
        skill: 'echo',
        jti: 'j',
        cid: 'c',
        iat: now,
        exp: now + 60,
      }),
    ).toString('base64url');
    const { status } = await rawCall(`Bearer ${header}.${payload}.`);
    expect(status).toBe(401);
  });

  it('refuses a token for another audience', async () => {
    const { status, body } = await rawCall(`Bearer ${await token({ audience: 'https://localhost:9/a2a' })}`);
    expect(status).toBe(401);
    expect(body.error.message).toMatch(/another agent/);
  });

  it('refuses an expired token', async () => {
    const expired = await token({}, { now: Date.now() - 120_000, ttlSec: 10 });
    const { status, body } = await rawCall(`Bearer ${expired}`);
    expect(status).toBe(401);
    expect(body.error.message).toMatch(/expired/);
  });

  it('refuses a token without the skill scope (403, insufficient_scope)', async () => {
    const { status, headers, body } = await rawCall(`Bearer ${await token({ scopes: ['test:other'] })}`);
    expect(status).toBe(403);
    expect(headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(body.error.code).toBe(-32011);
  });

  it('refuses a token minted for another skill', async () => {
    const { status } = await rawCall(`Bearer ${await token({ skill: 'other' })}`);
    expect(status).toBe(403);
  });

  it('refuses a token signed with HS256 using the public key as secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(tokens.jwks.keys[0]));
    const hs = await new SignJWT({ role: 'customer', scope: 'test:echo', skill: 'echo', cid: 'c' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(rpcUrl)
      .setSubject('customer-1')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(secret);
    const { status } = await rawCall(`Bearer ${hs}`);
    expect(status).toBe(401);
  });

  it('refuses a request without the A2A-Version header (treated as 0.3)', async () => {
    const { body } = await rawCall(`Bearer ${await token()}`, 'SendMessage', '');
    expect(body.error.code).toBe(-32009);
  });
});

describe('A2A methods through the SDK client', () => {
  async function opts(sub = 'customer-1') {
    return { serviceParameters: { Authorization: `Bearer ${await token({ subject: sub })}` } };
  }

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

  it('GetTask returns the finished task with its artifacts; another shopper cannot see it', async () => {
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

  it('ListTasks lists only the caller’s tasks', async () => {
    const sub = `lister-${randomUUID()}`;
    await client.sendMessage(send('a b'), await opts(sub));
    await client.sendMessage(send('c d'), await opts(sub));
    const list = await client.listTasks(
      {
        tenant: '',
        contextId: '',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: '',
        statusTimestampAfter: undefined,
      },
      await opts(sub),
    );
    expect(list.tasks).toHaveLength(2);
  });

  it('CancelTask cancels a running task and SubscribeToTask sees it end canceled', async () => {
    const stream = client.sendMessageStream(send('start hang'), await opts());
    const first = await stream.next();
    const taskId = first.value?.payload?.$case === 'task' ? first.value.payload.value.id : '';
    expect(taskId).not.toBe('');
    const subscription = client.resubscribeTask({ tenant: '', id: taskId }, await opts());
    const seen: TaskState[] = [];
    const watching = (async () => {
      for await (const e of subscription) {
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

  it('answers a malformed body with a JSON-RPC parse error', async () => {
    const response = await mesh.fetch(rpcUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'A2A-Version': '1.0',
        authorization: `Bearer ${await token()}`,
      },
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe(-32700);
  });
});

/** A raw JSON-RPC call over the mesh: status, content type and the parsed (or raw) body. */
async function rpc(
  body: string,
  options: { url?: string; fetch?: typeof fetch; authorization?: string } = {},
): Promise<{ status: number; contentType: string; body: any; text: string }> {
  const response = await (options.fetch ?? mesh.fetch)(options.url ?? rpcUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'A2A-Version': '1.0',
      authorization: options.authorization ?? `Bearer ${await token()}`,
    },
    body,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: parsed,
    text,
  };
}

describe('A2A conformance found by the TCK (issue 14)', () => {
  it('answers SubscribeToTask on a finished task with the JSON-RPC error itself, not an SSE stream', async () => {
    const result = await client.sendMessage(send('done now'), {
      serviceParameters: { Authorization: `Bearer ${await token()}` },
    });
    const taskId = 'id' in result && 'status' in result ? result.id : '';
    expect(taskId).not.toBe('');
    const { status, contentType, body } = await rpc(rpcBody('SubscribeToTask', { id: taskId }));
    expect(contentType).toMatch(/^application\/json/);
    expect(status).toBe(200);
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32004 } });
  });

  it('answers SubscribeToTask on an unknown task with TaskNotFoundError as JSON', async () => {
    const { contentType, body } = await rpc(rpcBody('SubscribeToTask', { id: randomUUID() }));
    expect(contentType).toMatch(/^application\/json/);
    expect(body.error.code).toBe(-32001);
  });

  it('still streams SubscribeToTask on a running task, its first event the task', async () => {
    const stream = client.sendMessageStream(send('start hang'), {
      serviceParameters: { Authorization: `Bearer ${await token()}` },
    });
    const first = await stream.next();
    const taskId = first.value?.payload?.$case === 'task' ? first.value.payload.value.id : '';
    const response = await mesh.fetch(rpcUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'A2A-Version': '1.0',
        authorization: `Bearer ${await token()}`,
      },
      body: rpcBody('SubscribeToTask', { id: taskId }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunk = new TextDecoder().decode((await reader.read()).value);
    expect(chunk).toMatch(/^data: .*"task"/);
    await reader.cancel();
    await client.cancelTask(
      { tenant: '', id: taskId, metadata: undefined },
      { serviceParameters: { Authorization: `Bearer ${await token()}` } },
    );
    await stream.return(undefined);
  });

  it('refuses a message whose only part has a media type the skill does not accept (-32005)', async () => {
    for (const part of [
      { raw: Buffer.from('PNG').toString('base64'), mediaType: 'image/png' },
      { data: { order: 1 } },
      { text: '<p>hi</p>', mediaType: 'text/html' },
    ]) {
      for (const method of ['SendMessage', 'SendStreamingMessage']) {
        const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [part] };
        const { contentType, body } = await rpc(rpcBody(method, { message, metadata: { skill: 'echo' } }));
        expect(contentType, `${method} ${JSON.stringify(part)}`).toMatch(/^application\/json/);
        expect(body.error.code, `${method} ${JSON.stringify(part)}`).toBe(-32005);
      }
    }
  });

  it('accepts a message when one of its parts has an accepted media type', async () => {
    const message = {
      messageId: randomUUID(),
      role: 'ROLE_USER',
      parts: [{ text: 'hello there', mediaType: 'text/plain; charset=utf-8' }, { data: { extra: true } }],
    };
    const { body } = await rpc(rpcBody('SendMessage', { message, metadata: { skill: 'echo' } }));
    expect(body.error).toBeUndefined();
    expect(body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('refuses JSON nested 9,000 deep with a plain JSON-RPC error, and serves the next call', async () => {
    const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
    const message = `{"messageId":"${randomUUID()}","role":"ROLE_USER","parts":[{"text":"x"}],"metadata":{"deep":${deep}}}`;
    const { status, contentType, body, text } = await rpc(
      `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":${message}}}`,
    );
    expect(status).toBe(400);
    expect(contentType).toMatch(/^application\/json/);
    expect(body.error).toEqual({ code: -32600, message: 'the request nests deeper than 64 levels' });
    expect(text).not.toMatch(/stack/i);
    // Brackets inside strings do not count, and 60 levels are still fine.
    const fine = `{"a":"${'['.repeat(9000)}","b":${'['.repeat(60)}${']'.repeat(60)}}`;
    const ok = await rpc(
      rpcBody('SendMessage', {
        message: {
          messageId: randomUUID(),
          role: 'ROLE_USER',
          parts: [{ text: 'a b' }],
          metadata: JSON.parse(fine),
        },
        metadata: { skill: 'echo' },
      }),
    );
    expect(ok.body.error).toBeUndefined();
  });

  it('serves JSON-RPC at the interface URL with a trailing slash', async () => {
    const { status, body } = await rpc(rpcBody('GetTask', { id: randomUUID() }), { url: `${rpcUrl}/` });
    expect(status).toBe(200);
    expect(body.error.code).toBe(-32001);
  });
});

describe('mesh identity', () => {
  let orders: RunningServer;
  let ordersUrl: string;
  let sentiment: MtlsFetch;
  let orchestrator: MtlsFetch;
  const logged: string[] = [];

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
    ordersUrl = `https://localhost:${port}/a2a`;
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    orders = await startAgentServer({
      // No trustedCallers: the default, the orchestrator only.
      app: createAgentApp({
        card: await loadAgentCard({ path: cardPath, interfaceUrl: ordersUrl }),
        executor: echoExecutor(),
        verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: ordersUrl }),
        logger: createLogger({ name: 'orders', destination }),
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

  async function ordersToken() {
    return token({ audience: ordersUrl, skill: 'order-status', scopes: ['orders:read'] });
  }

  function ask() {
    const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'meu pedido' }] };
    return rpcBody('SendMessage', { message, metadata: { skill: 'order-status' } });
  }

  it('refuses the sentiment agent’s certificate with a valid token (403), once per connection', async () => {
    for (const url of [ordersUrl, `${ordersUrl}/`]) {
      const { status, body } = await rpc(ask(), {
        url,
        fetch: sentiment.fetch,
        authorization: `Bearer ${await ordersToken()}`,
      });
      expect(status, url).toBe(403);
      expect(body.error).toEqual({ code: -32011, message: 'this caller may not call this agent' });
    }
    const refusals = logged.map((l) => JSON.parse(l)).filter((l) => l.event === 'caller_refused');
    // Two calls on one kept-alive connection: decided and logged once.
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, peer: 'sentiment' });
  });

  it('lets the orchestrator’s certificate call with the same kind of token', async () => {
    const { status, body } = await rpc(ask(), {
      url: ordersUrl,
      fetch: orchestrator.fetch,
      authorization: `Bearer ${await ordersToken()}`,
    });
    expect(status).toBe(200);
    expect(body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('serves the card and the health probe to both', async () => {
    const cardUrl = ordersUrl.replace(/\/a2a$/, '/.well-known/agent-card.json');
    for (const peer of [sentiment, orchestrator]) {
      const card = await peer.fetch(cardUrl);
      expect(card.status).toBe(200);
      expect(((await card.json()) as { name: string }).name).toBe('Atende Orders');
      expect((await peer.fetch(ordersUrl.replace(/\/a2a$/, '/healthz'))).status).toBe(200);
    }
  });

  it('trusts whom it is configured to trust, and no one else', async () => {
    const app = createAgentApp({
      card: testCard('https://agent.test/a2a'),
      executor: echoExecutor(),
      verifier: createTokenVerifier({
        keys: tokens.keys,
        issuer: ISSUER,
        audience: 'https://agent.test/a2a',
      }),
      logger: createLogger({ name: 'x', level: 'silent' }),
      trustedCallers: ['assistant'],
    });
    // A socket with a certificate name, as @hono/node-server hands each request on a TLS connection.
    const env = (cn: string | undefined) => ({
      incoming: { socket: { getPeerCertificate: () => (cn ? { subject: { CN: cn } } : {}) } },
    });
    const call = async (cn: string | undefined) =>
      (
        await app.request(
          'https://agent.test/a2a',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
            body: rpcBody('GetTask', { id: 'x' }),
          },
          env(cn),
        )
      ).status;
    expect(await call('assistant')).toBe(401); // trusted: on to the token check, which fails without one
    expect(await call('orchestrator')).toBe(403);
    expect(await call(undefined)).toBe(403);
  });
});

import { randomUUID } from 'node:crypto';
import { type AgentCard, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { SignJWT } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

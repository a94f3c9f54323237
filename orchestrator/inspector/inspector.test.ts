import { AgentCard, generateAgentCardSignature } from '@a2a-js/sdk';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgentApp, createLogger, createTokenVerifier } from '../../agents/runtime/index.js';
import { echoExecutor, testCard } from '../../agents/runtime/testing/fixtures.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { handleError } from '../errors.js';
import { createServiceTokenMinter } from '../mesh/service-tokens.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { TEST_SCOPE_POLICY } from '../testing/app.js';
import { inspectorRoutes } from './routes.js';

// The inspector in-process: its HTTP API, a real agent app (the echo test agent) and a card host, reached through
// an in-memory `fetch` that routes by host name instead of the mesh's mTLS one.

const ISSUER = 'atende-orchestrator';
const logger = createLogger({ name: 'test', level: 'silent' });
let app: Hono<{ Variables: { requestId: string } }>;
let staffToken: string;
let customerToken: string;
let deploymentKey: JWK;
const cards = new Hono();
const world: Record<string, Hono<any>> = { 'cards.test': cards };

/** The headers of each call (POST) that reached the echo agent, last one last. */
const agentSaw: Headers[] = [];
const worldFetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const request = new Request(input, init);
  if (new URL(request.url).host === 'agent.test' && request.method === 'POST')
    agentSaw.push(new Headers(request.headers));
  const target = world[new URL(request.url).host];
  if (!target) throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
  return target.fetch(request);
}) as typeof fetch;

const brokenCard = {
  name: 'Broken',
  description: 'x',
  version: '1',
  supportedInterfaces: [{ url: 'https://cards.test/a2a', protocolBinding: 'SOAP', protocolVersion: '1.0' }],
  capabilities: {},
  securityRequirements: [{ schemes: { nope: { list: [] } } }],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [],
};

beforeAll(async () => {
  const keys = await createSigningKeys();
  const accessTokens = createAccessTokens({ keys, issuer: ISSUER, guestTtlSec: 60 });
  staffToken = (await accessTokens.issue({ subject: 'op-1', role: 'operator' })).token;
  customerToken = (await accessTokens.issue({ subject: 'cu-1', role: 'customer' })).token;
  const minter = createServiceTokenMinter({ keys, issuer: ISSUER, ttlSec: 60 });
  // The echo agent with both bindings: JSON-RPC at /a2a and HTTP+JSON at /rest (tokens for the JSON-RPC URL).
  world['agent.test'] = createAgentApp({
    card: testCard('https://agent.test/a2a', {
      supportedInterfaces: [
        { url: 'https://agent.test/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: 'https://agent.test/rest', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
      ],
    }),
    executor: echoExecutor(),
    verifier: createTokenVerifier({
      keys: createLocalJWKSet(keys.jwks),
      issuer: ISSUER,
      audience: 'https://agent.test/a2a',
    }),
    logger,
  });

  // A card signed with an ES256 key published at the card host's jku, and a copy altered after signing.
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'card-key', alg: 'ES256' };
  const sign = generateAgentCardSignature(privateKey, {
    alg: 'ES256',
    kid: 'card-key',
    typ: 'JOSE',
    jku: 'https://cards.test/jwks.json',
  });
  const signed = AgentCard.toJSON(await sign(testCard('https://agent.test/a2a'))) as Record<string, unknown>;
  cards.get('/signed.json', (c) => c.json(signed));
  cards.get('/tampered.json', (c) => c.json({ ...signed, name: 'Not the signed name' }));
  cards.get('/jwks.json', (c) => c.json({ keys: [jwk] }));
  cards.get('/broken.json', (c) => c.json(brokenCard));
  // A card signed with "the deployment's" key, whose jku leads nowhere: only the trusted key can verify it.
  const deployment = await generateKeyPair('ES256', { extractable: true });
  deploymentKey = { ...(await exportJWK(deployment.publicKey)), kid: 'deploy-key', alg: 'ES256' };
  const own = await generateAgentCardSignature(deployment.privateKey, {
    alg: 'ES256',
    kid: 'deploy-key',
    typ: 'JOSE',
    jku: 'https://nowhere.test/jwks.json',
  })(testCard('https://agent.test/a2a'));
  cards.get('/own.json', (c) => c.json(AgentCard.toJSON(own)));
  const premium = AgentCard.toJSON(testCard('https://agent.test/a2a')) as any;
  premium.skills[0].securityRequirements = [
    { schemes: { mtls: {}, serviceToken: { list: ['promotions:read'] } } },
  ];
  cards.get('/premium.json', (c) => c.json(premium));
  cards.get('/not-json.json', (c) => c.text('<html>hello</html>'));
  cards.get('/big.json', (c) => c.text(`"${'x'.repeat(300 * 1024)}"`));
  cards.get('/hop.json', (c) => c.redirect('https://cards.test/broken.json'));
  cards.get('/away.json', (c) => c.redirect('https://169.254.169.254/latest/meta-data'));

  app = new Hono<{ Variables: { requestId: string } }>();
  app.use(requestId());
  app.route(
    '/api/inspector',
    inspectorRoutes({
      accessTokens,
      fetch: worldFetch,
      minter,
      allowedHosts: ['agent.test', 'cards.test'],
      scopePolicy: TEST_SCOPE_POLICY,
      trustedKeys: [deploymentKey],
      logger,
      audit: {
        record: async (entry) => {
          audited.push(entry);
        },
        recent: async () => [],
      },
    }),
  );
  app.onError(handleError(logger));
});

const audited: Array<{ event: string; subject?: string; details?: object }> = [];

/** The data of each SSE event of a `/send` answer. */
async function sseEvents(response: Response): Promise<any[]> {
  return (await response.text())
    .split('\n\n')
    .filter(Boolean)
    .map((block) =>
      JSON.parse(
        block
          .split('\n')
          .find((l) => l.startsWith('data:'))!
          .slice(5),
      ),
    );
}

/** The task and context ids the agent's events carry. */
function idsOf(events: any[]) {
  const ids = new Set<string>();
  const contexts = new Set<string>();
  for (const e of events.filter((x) => x.type === 'event')) {
    const value: any = Object.values(e.data.result ?? {})[0] ?? {};
    if (value.taskId ?? value.id) ids.add(value.taskId ?? value.id);
    if (value.contextId) contexts.add(value.contextId);
  }
  return { taskIds: [...ids], contextIds: [...contexts] };
}

function post(path: string, body: unknown, token = staffToken) {
  return app.request(`/api/inspector${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

describe('the inspector API', () => {
  it('is for operators and admins only', async () => {
    expect((await app.request('/api/inspector/hosts')).status).toBe(401);
    const customer = await post('/inspect', { url: 'https://agent.test' }, customerToken);
    expect(customer.status).toBe(403);
    expect(await customer.json()).toMatchObject({ code: 'forbidden' });
  });

  it('validates a real agent card from its base URL and summarises it', async () => {
    const response = await post('/inspect', { url: 'https://agent.test' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as any;
    expect(report).toMatchObject({ url: 'https://agent.test/.well-known/agent-card.json', valid: true });
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(report.summary.skills[0]).toMatchObject({
      id: 'echo',
      security: ['mtls + serviceToken (test:echo)'],
    });
    expect(report.summary.securitySchemes.map((s: any) => s.type)).toEqual([
      'mutual TLS',
      'HTTP bearer (JWT)',
    ]);
    expect(report.signatures.status).toBe('absent');
  });

  it('explains each problem of a broken card in words', async () => {
    const report = (await (await post('/inspect', { url: 'https://cards.test/broken.json' })).json()) as any;
    expect(report.valid).toBe(false);
    const messages = report.findings.map((f: any) => `${f.severity} ${f.path}: ${f.message}`);
    expect(messages).toContain('error skills: a card needs at least one skill');
    expect(messages).toContain(
      'error securityRequirements.0.schemes.nope: security requirement names the scheme "nope", which securitySchemes does not declare',
    );
    expect(messages.some((m: string) => m.startsWith('error supportedInterfaces.0.protocolBinding'))).toBe(
      true,
    );
    expect(messages.some((m: string) => m.startsWith('warning capabilities.streaming'))).toBe(true);
  });

  it('verifies JWS signatures against the key at their jku, and catches an altered card', async () => {
    const good = (await (await post('/inspect', { url: 'https://cards.test/signed.json' })).json()) as any;
    expect(good.signatures).toMatchObject({
      status: 'valid',
      results: [{ kid: 'card-key', status: 'valid' }],
    });
    expect(good.valid).toBe(true);
    const bad = (await (await post('/inspect', { url: 'https://cards.test/tampered.json' })).json()) as any;
    expect(bad.signatures.status).toBe('invalid');
    expect(bad.valid).toBe(false);
  });

  it('refuses hosts it was not given, and redirects towards them', async () => {
    for (const url of ['https://169.254.169.254/latest', 'https://localhost:8443/', 'http://agent.test/']) {
      const response = await post('/inspect', { url });
      expect(response.status, url).toBeGreaterThanOrEqual(400);
    }
    const away = (await (await post('/inspect', { url: 'https://cards.test/away.json' })).json()) as any;
    expect(away.error).toMatchObject({ code: 'redirect_refused' });
    expect(away.error.message).toMatch(/169\.254\.169\.254/);
    // A redirect within the allowed hosts is followed.
    const hop = (await (await post('/inspect', { url: 'https://cards.test/hop.json' })).json()) as any;
    expect(hop.url).toBe('https://cards.test/broken.json');
  });

  it('reports answers that are too large or not JSON', async () => {
    const big = (await (await post('/inspect', { url: 'https://cards.test/big.json' })).json()) as any;
    expect(big.error).toMatchObject({ code: 'too_large' });
    const html = (await (await post('/inspect', { url: 'https://cards.test/not-json.json' })).json()) as any;
    expect(html.error).toMatchObject({ code: 'not_json' });
    const gone = (await (await post('/inspect', { url: 'https://cards.test/missing.json' })).json()) as any;
    expect(gone.error).toMatchObject({ code: 'http_error' });
  });

  it('sends a test message and streams the raw request and each event with its timing', async () => {
    const response = await post('/send', {
      url: 'https://agent.test',
      skill: 'echo',
      text: 'repeat after me olá mundo',
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) =>
        JSON.parse(
          block
            .split('\n')
            .find((l) => l.startsWith('data:'))!
            .slice(5),
        ),
      );
    expect(events[0]).toMatchObject({
      type: 'request',
      url: 'https://agent.test/a2a',
      body: { jsonrpc: '2.0', method: 'SendStreamingMessage', params: { message: { role: 'ROLE_USER' } } },
      token: { sub: 'op-1', role: 'operator', aud: 'https://agent.test/a2a', scope: 'test:echo' },
    });
    expect(events[0].headers.authorization).toMatch(/redacted/);
    expect(events[1]).toMatchObject({ type: 'response', status: 200 });
    const streamed = events.filter((e) => e.type === 'event');
    expect(streamed.length).toBeGreaterThan(3);
    expect(streamed.every((e) => typeof e.ms === 'number')).toBe(true);
    const words = streamed.flatMap(
      (e) => e.data.result?.artifactUpdate?.artifact?.parts?.map((p: any) => p.text) ?? [],
    );
    expect(words.join('')).toBe('repeat after me olá mundo');
    expect(events.at(-1)).toMatchObject({ type: 'end' });
    expect(audited.at(-1)).toMatchObject({
      event: 'inspector_test_message',
      subject: 'op-1',
      details: { url: 'https://agent.test/.well-known/agent-card.json', skill: 'echo' },
    });
  });

  it('gives a test token no scope the role may not hold', async () => {
    const response = await post('/send', {
      url: 'https://cards.test/premium.json',
      skill: 'echo',
      text: 'hi',
    });
    const first = JSON.parse(
      (await response.text())
        .split('\n')
        .find((l) => l.startsWith('data:'))!
        .slice(5),
    );
    expect(first).toMatchObject({ type: 'request', withheldScopes: ['promotions:read'] });
    expect(first.token.scope).toBe('');
  });

  it('refuses a test message to an unknown skill before streaming', async () => {
    const response = await post('/send', { url: 'https://agent.test', skill: 'nope', text: 'hi' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).message).toMatch(/no skill "nope"/);
  });

  it("says a card is signed with this deployment's key, verified without fetching its jku", async () => {
    const own = (await (await post('/inspect', { url: 'https://cards.test/own.json' })).json()) as any;
    expect(own.signatures).toMatchObject({
      status: 'valid',
      results: [
        {
          kid: 'deploy-key',
          deployment: true,
          status: 'valid',
          message: "signed with this deployment's card-signing key",
        },
      ],
    });
    // Another key's signature is not the deployment's, even when it verifies.
    const other = (await (await post('/inspect', { url: 'https://cards.test/signed.json' })).json()) as any;
    expect(other.signatures.results[0].deployment).toBeUndefined();
  });

  it('keeps one conversation across turns, then gets and cancels the last task', async () => {
    const first = await sseEvents(
      await post('/send', { url: 'https://agent.test', skill: 'echo', text: 'primeira pergunta' }),
    );
    const one = idsOf(first);
    expect(one.contextIds).toHaveLength(1);
    expect(one.taskIds).toHaveLength(1);
    const second = await sseEvents(
      await post('/send', {
        url: 'https://agent.test',
        skill: 'echo',
        text: 'segunda pergunta',
        contextId: one.contextIds[0],
      }),
    );
    expect(second[0].body.params.message.contextId).toBe(one.contextIds[0]);
    const two = idsOf(second);
    expect(two.contextIds).toEqual(one.contextIds);
    expect(two.taskIds).toHaveLength(1);
    expect(two.taskIds[0]).not.toBe(one.taskIds[0]);

    const got = await post('/task', {
      url: 'https://agent.test',
      skill: 'echo',
      taskId: two.taskIds[0],
      method: 'GetTask',
    });
    expect(got.status).toBe(200);
    const task = (await got.json()) as any;
    expect(task.request).toMatchObject({ body: { method: 'GetTask', params: { id: two.taskIds[0] } } });
    expect(task.request.headers.authorization).toMatch(/redacted/);
    expect(task.response).toMatchObject({
      status: 200,
      body: {
        result: {
          id: two.taskIds[0],
          contextId: one.contextIds[0],
          status: { state: 'TASK_STATE_COMPLETED' },
        },
      },
    });
    // A finished task cannot be cancelled: the agent's JSON-RPC error is shown as it came.
    const cancelled = (await (
      await post('/task', {
        url: 'https://agent.test',
        skill: 'echo',
        taskId: two.taskIds[0],
        method: 'CancelTask',
      })
    ).json()) as any;
    expect(cancelled.response.body.error).toMatchObject({ code: -32002 });
    const unknown = (await (
      await post('/task', {
        url: 'https://agent.test',
        skill: 'echo',
        taskId: 'no-such-task',
        method: 'GetTask',
      })
    ).json()) as any;
    expect(unknown.response.body.error).toMatchObject({ code: -32001 });
  });

  it('sends extra headers, but never lets them replace the minted token or the connection', async () => {
    const before = agentSaw.length;
    const ok = await post('/send', {
      url: 'https://agent.test',
      skill: 'echo',
      text: 'hi',
      headers: { 'X-Tenant-Probe': 'blue', 'A2A-Extensions': 'https://example.test/ext' },
    });
    const events = await sseEvents(ok);
    expect(events[0].headers).toMatchObject({ 'x-tenant-probe': 'blue' });
    const saw = agentSaw.at(-1)!;
    expect(agentSaw.length).toBe(before + 1);
    expect(saw.get('x-tenant-probe')).toBe('blue');
    expect(saw.get('authorization')).toMatch(/^Bearer eyJ/);
    expect(events.at(-1)).toMatchObject({ type: 'end' });

    const attacks: Array<[Record<string, string>, RegExp]> = [
      [{ Authorization: 'Bearer forged' }, /authorization.*cannot be overridden/],
      [{ AUTHORIZATION: 'Bearer forged' }, /authorization/],
      [{ 'proxy-authorization': 'Basic x' }, /hop-by-hop/],
      [{ Connection: 'close' }, /hop-by-hop/],
      [{ 'Transfer-Encoding': 'chunked' }, /hop-by-hop/],
      [{ Host: 'evil.test' }, /hop-by-hop/],
      [{ 'x-a': 'one\r\nAuthorization: Bearer forged' }, /cannot carry/],
      [{ 'bad name': 'x' }, /not a header name/],
      [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])), /at most 20/],
      [
        Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`x-big${i}`, 'v'.repeat(2000)])),
        /4096 bytes/,
      ],
    ];
    for (const [headers, reason] of attacks) {
      const send = await post('/send', { url: 'https://agent.test', skill: 'echo', text: 'hi', headers });
      expect(send.status, JSON.stringify(headers).slice(0, 80)).toBe(400);
      const body = (await send.json()) as any;
      expect(body.code).toBe('headers_invalid');
      expect(body.message).toMatch(reason);
      const task = await post('/task', {
        url: 'https://agent.test',
        skill: 'echo',
        taskId: 'x',
        method: 'GetTask',
        headers,
      });
      expect(task.status).toBe(400);
    }
    // None of the refused calls reached the agent.
    expect(agentSaw.length).toBe(before + 1);
  });

  it('speaks HTTP+JSON when asked: a streamed turn, then GetTask and CancelTask of its task', async () => {
    const events = await sseEvents(
      await post('/send', {
        url: 'https://agent.test',
        skill: 'echo',
        text: 'olá rest',
        binding: 'HTTP+JSON',
      }),
    );
    expect(events[0]).toMatchObject({
      type: 'request',
      url: 'https://agent.test/rest/message:stream',
      body: { message: { role: 'ROLE_USER', parts: [{ text: 'olá rest' }] } },
      token: { aud: 'https://agent.test/a2a' },
    });
    expect(events[0].body.jsonrpc).toBeUndefined();
    expect(events[1]).toMatchObject({ type: 'response', status: 200 });
    // REST events are the stream responses themselves, with no JSON-RPC envelope.
    const streamed = events.filter((e) => e.type === 'event');
    const words = streamed.flatMap(
      (e) => e.data.artifactUpdate?.artifact?.parts?.map((p: any) => p.text) ?? [],
    );
    expect(words.join('')).toBe('olá rest');
    const taskId = streamed.map((e) => e.data.task?.id ?? e.data.statusUpdate?.taskId).find(Boolean);
    expect(taskId).toBeTruthy();

    const got = (await (
      await post('/task', {
        url: 'https://agent.test',
        skill: 'echo',
        taskId,
        method: 'GetTask',
        binding: 'HTTP+JSON',
      })
    ).json()) as any;
    expect(got.request).toMatchObject({ method: 'GET', url: `https://agent.test/rest/tasks/${taskId}` });
    expect(got.response).toMatchObject({
      status: 200,
      body: { id: taskId, status: { state: 'TASK_STATE_COMPLETED' } },
    });
    const cancel = (await (
      await post('/task', {
        url: 'https://agent.test',
        skill: 'echo',
        taskId,
        method: 'CancelTask',
        binding: 'HTTP+JSON',
      })
    ).json()) as any;
    expect(cancel.request).toMatchObject({
      method: 'POST',
      url: `https://agent.test/rest/tasks/${taskId}:cancel`,
    });
    expect(cancel.response.status).toBeGreaterThanOrEqual(400);

    // A binding the card does not declare is refused before anything is sent.
    const soap = await post('/send', {
      url: 'https://cards.test/signed.json',
      skill: 'echo',
      text: 'hi',
      binding: 'HTTP+JSON',
    });
    expect(soap.status).toBe(400);
    expect(((await soap.json()) as any).message).toMatch(/no HTTP\+JSON interface/);
  });
});

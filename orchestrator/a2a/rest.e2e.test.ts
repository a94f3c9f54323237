import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AgentCard, type StreamResponse, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistantExecutor, createRetriever, loadKnowledgeBase } from '../../agents/assistant/index.js';
import {
  createAgentApp,
  createLogger,
  createMtlsFetch,
  createTokenVerifier,
  listenTls,
  loadAgentCard,
  type MtlsFetch,
  type RunningServer,
  startAgentServer,
} from '../../agents/runtime/index.js';
import { createTestPki, userMessage } from '../../agents/runtime/testing/fixtures.js';
import { createChatAllowance } from '../edge/chat-rate-limit.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { makeApp } from '../testing/app.js';
import { freePort, publicFetch } from '../testing/harness.js';
import { a2aRoutes, loadOrchestratorCard } from './index.js';

// The HTTP+JSON binding of the shop's own A2A agent on real sockets: the orchestrator's routes over HTTPS, the real
// assistant agent over mTLS, and a third-party agent driving `/rest` with the SDK's real REST client.
const CARDS = join(import.meta.dirname, '../../agent-cards');

let assistant: RunningServer;
let orchestrator: RunningServer;
let mesh: MtlsFetch;
let web: ReturnType<typeof publicFetch>;
let made: Awaited<ReturnType<typeof makeApp>>;
let client: Client;
let baseUrl: string;

beforeAll(async () => {
  const pki = await createTestPki();
  const keys = await createSigningKeys();
  const logger = createLogger({ name: 'test', level: 'silent' });

  const agentPort = await freePort();
  const agentRpcUrl = `https://localhost:${agentPort}/a2a`;
  const assistantCard = await loadAgentCard({
    path: join(CARDS, 'assistant.json'),
    interfaceUrl: agentRpcUrl,
  });
  const entries = await loadKnowledgeBase(new URL('../../agents/assistant/faq.json', import.meta.url));
  assistant = await startAgentServer({
    app: createAgentApp({
      card: assistantCard,
      executor: createAssistantExecutor({ retriever: createRetriever({ entries }) }),
      verifier: createTokenVerifier({
        keys: createLocalJWKSet(keys.jwks),
        issuer: 'atende-orchestrator',
        audience: agentRpcUrl,
      }),
      logger,
    }),
    tls: await pki.tls('assistant'),
    port: agentPort,
    host: '127.0.0.1',
  });
  // The orders agent is never reached: guests are refused before any task is sent.
  const ordersCard = await loadAgentCard({
    path: join(CARDS, 'orders.json'),
    interfaceUrl: 'https://localhost:9/a2a',
  });

  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  made = await makeApp({
    keys,
    meshFetch: mesh.fetch,
    cards: [
      { baseUrl: `https://localhost:${agentPort}`, card: assistantCard },
      { baseUrl: 'https://localhost:9', card: ordersCard },
    ],
  });

  const port = await freePort();
  baseUrl = `https://localhost:${port}`;
  const card = await loadOrchestratorCard({ publicUrl: baseUrl });
  const host = new Hono();
  host.use(requestId({ headerName: 'X-Request-Id' }));
  host.route(
    '/',
    await a2aRoutes({
      card,
      chat: made.chat,
      accessTokens: made.accessTokens,
      allowance: await createChatAllowance({ limiters: made.limiters }),
      logger: made.logger,
    }),
  );
  const tls = await pki.tls('orchestrator');
  orchestrator = await listenTls({
    fetch: host.fetch as never,
    port,
    host: '127.0.0.1',
    serverOptions: { cert: tls.cert, key: tls.key },
  });

  web = publicFetch(tls.ca);
  const published = await web.fetch(`${baseUrl}/.well-known/agent-card.json`);
  const factory = new ClientFactory({ transports: [new RestTransportFactory({ fetchImpl: web.fetch })] });
  client = await factory.createFromAgentCard(AgentCard.fromJSON(await published.json()));
  // Certificates, keys, a database and two servers: slow on a loaded machine.
}, 120_000);

afterAll(async () => {
  await web?.close();
  await mesh?.close();
  await orchestrator?.close();
  await assistant?.close();
});

async function guestToken(): Promise<string> {
  return (await made.accessTokens.issueGuest()).token;
}

async function ask(token: string, text: string, extra: { contextId?: string; locale?: string } = {}) {
  const events: StreamResponse[] = [];
  for await (const event of client.sendMessageStream(
    {
      tenant: '',
      message: userMessage(text, {
        contextId: extra.contextId ?? '',
        metadata: extra.locale ? { locale: extra.locale } : undefined,
      }),
      configuration: undefined,
      metadata: undefined,
    },
    { serviceParameters: { Authorization: `Bearer ${token}` } },
  )) {
    events.push(event);
  }
  const updates = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value] : []));
  const parts = (artifactId: string) =>
    updates.filter((u) => u.artifact?.artifactId === artifactId).flatMap((u) => u.artifact?.parts ?? []);
  const last = events.at(-1)?.payload;
  const status = last?.$case === 'statusUpdate' ? last.value.status : undefined;
  return {
    events,
    first: events[0]?.payload,
    chunks: parts('answer').map((p) => (p.content?.$case === 'text' ? p.content.value : '')),
    data: parts('annotations').flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
    state: status?.state,
    statusText: status?.message?.parts
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join(''),
    contextId: last?.$case === 'statusUpdate' ? last.value.contextId : undefined,
  };
}

async function rest(path: string, init: { method?: string; body?: string; token?: string | null } = {}) {
  const token = init.token === undefined ? await guestToken() : init.token;
  const response = await web.fetch(`${baseUrl}/rest${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      'A2A-Version': '1.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
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
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, text };
}

function sendBody(parts: unknown[] = [{ text: 'Qual o prazo de entrega?' }]) {
  return JSON.stringify({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts } });
}

describe("the shop's own A2A agent over HTTP+JSON (/rest)", () => {
  it('declares the HTTP+JSON interface in its card, beside JSON-RPC', async () => {
    const card = (await (await web.fetch(`${baseUrl}/.well-known/agent-card.json`)).json()) as any;
    expect(card.supportedInterfaces).toEqual([
      { url: `${baseUrl}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${baseUrl}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ]);
  });

  it('answers "Qual o prazo de entrega?" as a streamed task with citations, COMPLETED, through the REST client', async () => {
    const result = await ask(await guestToken(), 'Qual o prazo de entrega?');
    expect(result.first?.$case).toBe('task');
    expect(result.chunks.join('')).toMatch(/dias úteis/);
    const citations = result.data.find((d) => d.kind === 'citations');
    expect(citations?.citations.map((c: any) => c.id)).toContain('delivery-time');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('GetTask returns the caller’s finished task; another shopper gets 404', async () => {
    const token = await guestToken();
    const result = await client.sendMessage(
      {
        tenant: '',
        message: userMessage('Posso pagar com Pix?'),
        configuration: undefined,
        metadata: undefined,
      },
      { serviceParameters: { Authorization: `Bearer ${token}` } },
    );
    const taskId = 'id' in result && 'status' in result ? result.id : '';
    expect(taskId).not.toBe('');
    const task = await client.getTask(
      { tenant: '', id: taskId, historyLength: undefined },
      { serviceParameters: { Authorization: `Bearer ${token}` } },
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const other = await rest(`/tasks/${taskId}`, { method: 'GET' });
    expect(other.status).toBe(404);
    expect(other.body.error.status).toBe('NOT_FOUND');
  });

  it('refuses a call without a token, or with a bad one, with 401 and a REST error body', async () => {
    const none = await rest('/message:send', { body: sendBody(), token: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(none.body.error.message).toMatch(/access token/);
    const bad = await rest('/message:send', { body: sendBody(), token: 'not.a.token' });
    expect(bad.status).toBe(401);
  });

  it('refuses JSON nested 9,000 deep with 400 and a generic message', async () => {
    const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
    const body = JSON.stringify({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }] },
      metadata: { d: 'DEEP' },
    }).replace('"DEEP"', deep);
    const { status, body: answer } = await rest('/message:send', { body });
    expect(status).toBe(400);
    expect(answer.error.message).toMatch(/nests deeper/);
    expect(answer.error.message).not.toMatch(/stack/);
  });

  it('refuses a message whose only part is an image (415 ContentTypeNotSupported)', async () => {
    const { status, body } = await rest('/message:send', {
      body: sendBody([{ raw: 'iVBORw0KGgo=', mediaType: 'image/png' }]),
    });
    expect(status).toBe(415);
    expect(body.error.details[0].reason).toBe('CONTENT_TYPE_NOT_SUPPORTED');
  });

  it('answers subscribe on an unknown task with 404 JSON, not an SSE stream', async () => {
    const { status, contentType } = await rest(`/tasks/${randomUUID()}:subscribe`, { method: 'GET' });
    expect(status).toBe(404);
    expect(contentType).not.toMatch(/event-stream/);
  });
});

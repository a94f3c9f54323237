import { join } from 'node:path';
import { AgentCard, type StreamResponse } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { createLocalJWKSet } from 'jose';
import {
  createAssistantExecutor,
  createRetriever,
  loadKnowledgeBase,
  loadOutOfScope,
} from '../../agents/assistant/index.js';
import {
  createAgentApp,
  createLogger,
  createMtlsFetch,
  createTokenVerifier,
  listenTls,
  loadAgentCard,
  startAgentServer,
} from '../../agents/runtime/index.js';
import { createTestPki, userMessage } from '../../agents/runtime/testing/fixtures.js';
import { a2aRoutes, loadOrchestratorCard } from '../a2a/index.js';
import { createChatAllowance } from '../edge/chat-rate-limit.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { makeApp } from './app.js';
import { freePort, publicFetch } from './harness.js';

const CARDS = join(import.meta.dirname, '../../agent-cards');
const ASSISTANT = new URL('../../agents/assistant/', import.meta.url);

/** One streamed exchange with the shop's own A2A agent, read the way a third-party agent reads it. */
export interface Exchange {
  events: StreamResponse[];
  first: StreamResponse['payload'];
  chunks: string[];
  /** The annotations' data parts (citations, cards…), free-form for the tests to inspect. */
  data: any[];
  state: number | undefined;
  statusText: string | undefined;
  contextId: string | undefined;
}

/** The running stack of {@link startA2aStack}. */
export interface A2aStack {
  /** The SDK's real client over the binding asked for, built from the published card. */
  client: Client;
  /** Public HTTPS fetch that trusts the test CA (no client certificate, as a third party calls). */
  web: ReturnType<typeof publicFetch>;
  made: Awaited<ReturnType<typeof makeApp>>;
  baseUrl: string;
  guestToken(): Promise<string>;
  ask(token: string, text: string, extra?: { contextId?: string; locale?: string }): Promise<Exchange>;
  close(): Promise<void>;
}

/**
 * On real sockets: the orchestrator's A2A routes over HTTPS, the real assistant agent over mTLS (the orders agent
 * is declared but never reached: guests are refused before any task is sent), and the SDK's real client over the
 * JSON-RPC or HTTP+JSON binding, authorised by a shop access token.
 */
export async function startA2aStack(binding: 'jsonrpc' | 'rest'): Promise<A2aStack> {
  const pki = await createTestPki();
  const keys = await createSigningKeys();
  const logger = createLogger({ name: 'test', level: 'silent' });

  const agentPort = await freePort();
  const agentRpcUrl = `https://localhost:${agentPort}/a2a`;
  const assistantCard = await loadAgentCard({
    path: join(CARDS, 'assistant.json'),
    interfaceUrl: agentRpcUrl,
  });
  const retriever = createRetriever({
    entries: await loadKnowledgeBase(new URL('faq.json', ASSISTANT)),
    outOfScope: await loadOutOfScope(new URL('out-of-scope.json', ASSISTANT)),
  });
  const assistant = await startAgentServer({
    app: createAgentApp({
      card: assistantCard,
      executor: createAssistantExecutor({ retriever }),
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
  const ordersCard = await loadAgentCard({
    path: join(CARDS, 'orders.json'),
    interfaceUrl: 'https://localhost:9/a2a',
  });

  const mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  const made = await makeApp({
    keys,
    meshFetch: mesh.fetch,
    cards: [
      { baseUrl: `https://localhost:${agentPort}`, card: assistantCard },
      { baseUrl: 'https://localhost:9', card: ordersCard },
    ],
  });

  const port = await freePort();
  const baseUrl = `https://localhost:${port}`;
  const host = new Hono();
  host.use(requestId({ headerName: 'X-Request-Id' }));
  host.route(
    '/',
    await a2aRoutes({
      card: await loadOrchestratorCard({ publicUrl: baseUrl }),
      chat: made.chat,
      accessTokens: made.accessTokens,
      allowance: await createChatAllowance({ limiters: made.limiters }),
      logger: made.logger,
    }),
  );
  const tls = await pki.tls('orchestrator');
  const orchestrator = await listenTls({
    fetch: host.fetch as never,
    port,
    host: '127.0.0.1',
    serverOptions: { cert: tls.cert, key: tls.key },
  });

  const web = publicFetch(tls.ca);
  const published = await web.fetch(`${baseUrl}/.well-known/agent-card.json`);
  const transport =
    binding === 'rest'
      ? new RestTransportFactory({ fetchImpl: web.fetch })
      : new JsonRpcTransportFactory({ fetchImpl: web.fetch });
  const client = await new ClientFactory({ transports: [transport] }).createFromAgentCard(
    AgentCard.fromJSON(await published.json()),
  );

  return {
    client,
    web,
    made,
    baseUrl,
    guestToken: async () => (await made.accessTokens.issueGuest()).token,
    ask: (token, text, extra = {}) => ask(client, token, text, extra),
    async close() {
      await web.close();
      await mesh.close();
      await orchestrator.close();
      await assistant.close();
    },
  };
}

async function ask(
  client: Client,
  token: string,
  text: string,
  extra: { contextId?: string; locale?: string },
): Promise<Exchange> {
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
    data: parts('annotations').flatMap((p) => (p.content?.$case === 'data' ? [p.content.value] : [])),
    state: status?.state,
    statusText: status?.message?.parts
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join(''),
    contextId: last?.$case === 'statusUpdate' ? last.value.contextId : undefined,
  };
}

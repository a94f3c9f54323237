import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AgentCard, type StreamResponse, type TaskState } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { loadAgentCard } from '../card.js';
import { createLogger } from '../logger.js';
import { createMtlsFetch } from '../mtls-fetch.js';
import { createAgentApp, startAgentServer } from '../server.js';
import { createTokenVerifier } from '../service-token.js';
import { createTestPki, userMessage } from './fixtures.js';
import { createTestTokens } from './tokens.js';

const ISSUER = 'atende-orchestrator';

/** What one streamed task gave back: its text, its data parts, its final state and every raw event. */
export interface TaskResult {
  text: string;
  data: any[];
  state: TaskState | undefined;
  raw: string;
  events: StreamResponse[];
}

/** Who a test task is sent for, and the skill and scopes its token carries. */
export interface Caller {
  subject: string;
  role: string;
  skill: string;
  scopes: string[];
  locale?: string;
}

/**
 * Serves an agent as it runs: its real card from `agent-cards/<cardName>.json`, on a real mTLS socket, with tokens
 * minted the way the orchestrator mints them, reached with the SDK's own client.
 */
export async function serveAgent(options: { cardName: string; executor: AgentExecutor }) {
  const pki = await createTestPki();
  const tokens = await createTestTokens({ issuer: ISSUER });
  const logger = createLogger({ name: options.cardName, level: 'silent' });
  const tls = await pki.tls('testagent');
  const cardPath = fileURLToPath(new URL(`../../../agent-cards/${options.cardName}.json`, import.meta.url));
  const build = (card: AgentCard, audience: string) =>
    createAgentApp({
      card,
      executor: options.executor,
      logger,
      verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience }),
    });
  // Port 0 first to learn a free port, then the card and the audience name it.
  const probeCard = await loadAgentCard({ path: cardPath, interfaceUrl: 'https://localhost:1/a2a' });
  const probe = await startAgentServer({ app: build(probeCard, 'x'), tls, port: 0, host: '127.0.0.1' });
  const port = probe.port;
  await probe.close();
  const rpcUrl = `https://localhost:${port}/a2a`;
  const card = await loadAgentCard({ path: cardPath, interfaceUrl: rpcUrl });
  const server = await startAgentServer({ app: build(card, rpcUrl), tls, port, host: '127.0.0.1' });
  const mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: mesh.fetch })] });
  const published = await mesh.fetch(`https://localhost:${port}/.well-known/agent-card.json`);
  const client = await factory.createFromAgentCard(AgentCard.fromJSON(await published.json()));

  function token(caller: Omit<Caller, 'locale'>) {
    return tokens.mintToken({
      audience: rpcUrl,
      subject: caller.subject,
      role: caller.role,
      skill: caller.skill,
      scopes: caller.scopes,
      correlationId: randomUUID(),
    });
  }

  return {
    rpcUrl,
    mesh,
    /** A service token for this agent, as the orchestrator would mint it for `caller`. */
    token,
    /** Sends `text` as one streamed task with a token for `caller` (or `authorization` as given), and gathers what comes back. */
    async ask(text: string, caller: Caller, authorization?: string): Promise<TaskResult> {
      const bearer = authorization ?? `Bearer ${await token(caller)}`;
      const events: StreamResponse[] = [];
      for await (const e of client.sendMessageStream(
        {
          tenant: '',
          message: userMessage(text, { metadata: { locale: caller.locale ?? 'pt-BR', skill: caller.skill } }),
          configuration: undefined,
          metadata: { skill: caller.skill },
        },
        { serviceParameters: { Authorization: bearer } },
      )) {
        events.push(e);
      }
      const parts = events.flatMap((e) =>
        e.payload?.$case === 'artifactUpdate' ? (e.payload.value.artifact?.parts ?? []) : [],
      );
      const last = events.at(-1)?.payload;
      return {
        events,
        raw: JSON.stringify(events),
        text: parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''),
        data: parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
        state: last?.$case === 'statusUpdate' ? last.value.status?.state : undefined,
      };
    },
    async close() {
      await mesh.close();
      await server.close();
    },
  };
}

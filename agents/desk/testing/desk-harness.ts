import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Message, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { generateCerts, loadTlsMaterial } from '../../../certs/certs.js';
import {
  createAgentApp,
  createLogger,
  createMtlsFetch,
  createPgliteClient,
  createTokenVerifier,
  loadAgentCard,
  type RunningServer,
  type SqlClient,
  startAgentServer,
} from '../../runtime/index.js';
import { freePort, userMessage } from '../../runtime/testing/fixtures.js';
import { createTestTokens } from '../../runtime/testing/tokens.js';
import { createDeskAgent } from '../app.js';
import { loadDeskConfig } from '../config.js';
import type { TicketMailer } from '../mailer.js';
import { HANDOFF_SKILL, type HandoffRequest, OPERATOR_SKILL, type OperatorAction } from '../protocol.js';

// The desk as it runs, for end-to-end tests: its real card on a real mTLS socket, tokens minted like the
// orchestrator mints them, the SDK's own client; the database survives `restart()`.

const ISSUER = 'atende-orchestrator';

/** Who a test call is made as. */
export interface TestCaller {
  subject: string;
  role: string;
  /** Defaults to the skill's scope. */
  scopes?: string[];
}

/** A stream read in the background, with a way to wait for an event. */
export interface Collected {
  events: StreamResponse[];
  /** Resolves with the first event (already received or to come) that matches, or rejects after `timeoutMs`. */
  until(match: (e: StreamResponse) => boolean, timeoutMs?: number): Promise<StreamResponse>;
  /** Resolves when the stream has ended. */
  ended: Promise<void>;
  /** The error the stream ended with, if any. */
  error(): unknown;
}

function collect(stream: AsyncGenerator<StreamResponse>): Collected {
  const events: StreamResponse[] = [];
  const wake = new Set<() => void>();
  let failure: unknown;
  const ended = (async () => {
    try {
      for await (const e of stream) {
        events.push(e);
        for (const w of wake) w();
      }
    } catch (error) {
      // An A2A error, or a stream the server closed at shutdown.
      failure = error;
    }
  })();
  return {
    events,
    ended,
    error: () => failure,
    until(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return false;
          wake.delete(check as never);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          wake.delete(check as never);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        if (!check()) wake.add(check as never);
      });
    },
  };
}

/** The handoff state in a status update or task event, if any. */
export function handoffOf(e: StreamResponse): any {
  const p = e.payload;
  if (p?.$case === 'statusUpdate') return (p.value.metadata as any)?.handoff;
  if (p?.$case === 'task') return (p.value.metadata as any)?.handoff;
  return undefined;
}

/** The task state of a status update or task event, if any. */
export function stateOf(e: StreamResponse): TaskState | undefined {
  const p = e.payload;
  if (p?.$case === 'statusUpdate') return p.value.status?.state;
  if (p?.$case === 'task') return p.value.status?.state;
  return undefined;
}

/** The text of a status update's message, if any. */
export function statusTextOf(e: StreamResponse): string | undefined {
  const p = e.payload;
  if (p?.$case !== 'statusUpdate') return undefined;
  const part = p.value.status?.message?.parts[0]?.content;
  return part?.$case === 'text' ? part.value : undefined;
}

/** The data parts of a task's artifacts. */
export function dataOfTask(task: Task): any[] {
  return task.artifacts.flatMap((a) =>
    a.parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value] : [])),
  );
}

function withData(message: Message, data: Record<string, unknown>): Message {
  return {
    ...message,
    parts: [
      ...message.parts,
      {
        content: { $case: 'data', value: data },
        metadata: undefined,
        filename: '',
        mediaType: 'application/json',
      },
    ],
  };
}

/** A handoff request as the orchestrator would send it. */
export function handoffRequest(overrides: Partial<HandoffRequest> = {}): HandoffRequest {
  return {
    kind: 'handoff_request',
    conversationId: randomUUID(),
    shopper: { subject: `customer:${randomUUID()}`, role: 'customer', name: 'Maria' },
    language: 'pt-BR',
    reason: 'asked_for_human',
    transcript: [{ author: 'shopper', text: 'quero falar com uma pessoa', at: new Date().toISOString() }],
    ...overrides,
  };
}

// Certificates and signing keys are slow to make: one set per test file.
let shared: Promise<{ pkiDir: string; tokens: Awaited<ReturnType<typeof createTestTokens>> }> | undefined;
async function createShared() {
  const pkiDir = await mkdtemp(join(tmpdir(), 'atende-desk-pki-'));
  await generateCerts({ dir: pkiDir, services: ['orchestrator', 'desk'] });
  return { pkiDir, tokens: await createTestTokens({ issuer: ISSUER }) };
}

/** Starts a desk for tests; `env` adds desk settings, `openSql` replaces the PGlite under a temp folder. */
export async function startDesk(
  options: {
    env?: Record<string, string>;
    now?: () => Date;
    mailer?: TicketMailer;
    openSql?: () => Promise<SqlClient>;
    /** Keep the database on disk under a temp folder (for `restart()`); in memory otherwise, which starts faster. */
    persistent?: boolean;
  } = {},
) {
  shared ??= createShared();
  const { pkiDir, tokens } = await shared;
  const dataDir = await mkdtemp(join(tmpdir(), 'atende-desk-data-'));
  const logger = createLogger({ name: 'desk', level: 'silent' });
  const port = await freePort();
  const rpcUrl = `https://localhost:${port}/a2a`;
  const cardPath = fileURLToPath(new URL('../../../agent-cards/desk.json', import.meta.url));
  const card = await loadAgentCard({ path: cardPath, interfaceUrl: rpcUrl });
  const config = loadDeskConfig({ DATA_DIR: dataDir, ...options.env });
  const memory = options.persistent || options.openSql ? undefined : await createPgliteClient();
  // An in-memory database outlives the desk's stops, like a file would; closed with the harness.
  const inMemory: SqlClient | undefined = memory && { ...memory, close: async () => {} };
  const openSql =
    options.openSql ??
    (async () => inMemory ?? (await createPgliteClient({ dataDir: join(dataDir, 'pglite') })));
  const tls = await loadTlsMaterial(pkiDir, 'desk');

  let sql: SqlClient;
  let server: RunningServer;
  async function start() {
    sql = await openSql();
    const parts = await createDeskAgent({ sql, config, logger, now: options.now, mailer: options.mailer });
    const app = createAgentApp({
      card,
      executor: parts.executor,
      verifier: createTokenVerifier({ keys: tokens.keys, issuer: ISSUER, audience: rpcUrl }),
      logger,
      taskStore: parts.taskStore,
      eventBusManager: parts.eventBusManager,
      keepBusAliveStates: parts.keepBusAliveStates,
    });
    server = await startAgentServer({ app, tls, port, host: '127.0.0.1' });
  }
  async function stop() {
    await server.close();
    await sql.close();
  }
  await start();

  const mesh = createMtlsFetch({ tls: await loadTlsMaterial(pkiDir, 'orchestrator') });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: mesh.fetch })] });
  const client: Client = await factory.createFromAgentCard(card);

  async function auth(caller: TestCaller, skill: string) {
    const scopes = caller.scopes ?? [skill === OPERATOR_SKILL ? 'desk:operate' : 'desk:handoff'];
    const token = await tokens.mintToken({
      audience: rpcUrl,
      subject: caller.subject,
      role: caller.role,
      skill,
      scopes,
    });
    return { serviceParameters: { Authorization: `Bearer ${token}` } };
  }
  const request = (message: Message, skill: string) => ({
    tenant: '',
    message: { ...message, metadata: { ...(message.metadata ?? {}), skill } },
    configuration: undefined,
    metadata: { skill },
  });

  return {
    rpcUrl,
    dataDir,
    get sql() {
      return sql;
    },
    /** Stops the desk (server and database) and starts a new one on the same database and port. */
    async restart() {
      await stop();
      await start();
    },
    /** Asks for a handoff as `caller`, streaming; the stream is read in the background. */
    async handoff(caller: TestCaller, data: Record<string, unknown>, text = 'quero falar com uma pessoa') {
      const stream = client.sendMessageStream(
        request(withData(userMessage(text), data), HANDOFF_SKILL),
        await auth(caller, HANDOFF_SKILL),
      );
      return collect(stream);
    },
    /** Sends a new `human-handoff` task and waits for its end (offline messages, refusals). */
    async handoffTask(caller: TestCaller, data: Record<string, unknown>, text = '') {
      return (await client.sendMessage(
        request(withData(userMessage(text), data), HANDOFF_SKILL),
        await auth(caller, HANDOFF_SKILL),
      )) as Task;
    },
    /** The shopper writes again in an open handoff; reads the reply stream in the background. */
    async followUp(caller: TestCaller, task: { taskId: string; contextId: string }, text: string) {
      const message = withData(userMessage(text, { taskId: task.taskId, contextId: task.contextId }), {
        kind: 'shopper_message',
        messageId: randomUUID(),
      });
      return collect(
        client.sendMessageStream(request(message, HANDOFF_SKILL), await auth(caller, HANDOFF_SKILL)),
      );
    },
    /** Subscribes to a task as `caller`. */
    async subscribe(caller: TestCaller, taskId: string) {
      return collect(client.resubscribeTask({ tenant: '', id: taskId }, await auth(caller, HANDOFF_SKILL)));
    },
    async cancel(caller: TestCaller, taskId: string) {
      return client.cancelTask(
        { tenant: '', id: taskId, metadata: undefined },
        await auth(caller, HANDOFF_SKILL),
      );
    },
    async getTask(caller: TestCaller, taskId: string) {
      return client.getTask(
        { tenant: '', id: taskId, historyLength: undefined },
        await auth(caller, HANDOFF_SKILL),
      );
    },
    /** One operator action as `caller`; resolves with the task and its first data part (result or error). */
    async act(
      caller: TestCaller,
      action: Record<string, unknown> & { action: OperatorAction['action'] },
      skill = OPERATOR_SKILL,
    ) {
      const message: Message = { ...withData(userMessage(''), action), parts: [] };
      const full = withData(message, action);
      const task = (await client.sendMessage(request(full, skill), await auth(caller, skill))) as Task;
      return { task, state: task.status?.state, result: dataOfTask(task)[0] };
    },
    async close() {
      // The server first: closing it cuts the open streams, which the client's agent would otherwise wait for.
      await stop();
      await memory?.close();
      await Promise.race([mesh.close(), new Promise((r) => setTimeout(r, 1_000))]);
    },
  };
}

/** The running test desk. */
export type TestDesk = Awaited<ReturnType<typeof startDesk>>;

export const ANA: TestCaller = { subject: 'operator:ana', role: 'operator' };
export const BRUNO: TestCaller = { subject: 'operator:bruno', role: 'operator' };
export const TASK_STATE = TaskState;

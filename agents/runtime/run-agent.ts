import { join } from 'node:path';
import type { TaskState } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBusManager, TaskStore } from '@a2a-js/sdk/server';
import { loadTlsMaterial } from '../../certs/certs.js';
import { loadAgentCard } from './card.js';
import { CARD_KEYS_PATH, loadOrCreateCardSigningKey, signAgentCard } from './card-signing.js';
import type { AgentConfig } from './config.js';
import { checkFileModes, privateKeyFiles } from './file-modes.js';
import { createLogger, type Logger } from './logger.js';
import { createMtlsFetch } from './mtls-fetch.js';
import { createAgentApp, type RunningServer, startAgentServer } from './server.js';
import { createRemoteKeySet, createTokenVerifier } from './service-token.js';
import { BoundedTaskStore } from './task-store.js';
import { startTracing } from './tracing.js';

/**
 * What an agent that keeps its own tasks hands the runtime instead of a bare executor: its task store, event
 * buses and the states that keep a bus open (see `AgentAppOptions`), and what to release on shutdown.
 */
export interface AgentParts {
  executor: AgentExecutor;
  taskStore?: TaskStore;
  eventBusManager?: ExecutionEventBusManager;
  keepBusAliveStates?: TaskState[];
  /** Called after the server stopped, e.g. to close a database. */
  close?: () => Promise<void>;
}

/** Starts one agent process from its configuration and executor: card, mTLS server, token verification. */
export async function runAgent(options: {
  config: AgentConfig;
  createExecutor: (deps: {
    logger: Logger;
  }) => Promise<AgentExecutor | AgentParts> | AgentExecutor | AgentParts;
}): Promise<RunningServer> {
  const { config } = options;
  // Whatever the agent writes (a database, keys) is its user's alone, whatever umask it was started with.
  process.umask(0o077);
  const logger = createLogger({ name: config.name, level: config.LOG_LEVEL });
  await checkFileModes({ paths: await privateKeyFiles(config.CERTS_DIR), logger });
  const tracing = await startTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? config.name,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  if (tracing.enabled) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'exporting traces');
  const tls = await loadTlsMaterial(config.CERTS_DIR, config.name);
  const interfaceUrl = `${config.publicUrl}/a2a`;
  // Signed with the deployment's card-signing key (beside the certificates); the orchestrator publishes its JWKS.
  const card = await signAgentCard(
    await loadAgentCard({
      path: join(config.AGENT_CARDS_DIR, `${config.name}.json`),
      interfaceUrl,
      restUrl: `${config.publicUrl}/rest`,
    }),
    await loadOrCreateCardSigningKey(config.CERTS_DIR),
    { jku: new URL(CARD_KEYS_PATH, config.ORCHESTRATOR_JWKS_URL).href },
  );
  const { fetch: mtlsFetch } = createMtlsFetch({ tls, connections: 2 });
  // Fetched again on a kid it does not know (a rotated key), at most once per 5 s, failures included.
  const keys = createRemoteKeySet({
    url: new URL(config.ORCHESTRATOR_JWKS_URL),
    fetch: mtlsFetch as typeof fetch,
  });
  const verifier = createTokenVerifier({ keys, issuer: config.TOKEN_ISSUER, audience: interfaceUrl });
  const created = await options.createExecutor({ logger });
  const parts: AgentParts = 'execute' in created ? { executor: created } : created;
  const taskStore =
    parts.taskStore ??
    new BoundedTaskStore({
      maxTasks: config.TASK_STORE_MAX_TASKS,
      finishedTtlMs: config.TASK_STORE_FINISHED_TTL_MS,
    });
  const app = createAgentApp({
    card,
    executor: parts.executor,
    verifier,
    logger,
    taskStore,
    eventBusManager: parts.eventBusManager,
    keepBusAliveStates: parts.keepBusAliveStates,
    trustedCallers: config.TRUSTED_CALLERS,
  });
  const running = await startAgentServer({ app, tls, port: config.PORT, host: config.HOST });
  logger.info({ url: interfaceUrl, port: running.port }, `${config.name} agent listening`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.close();
    await parts.close?.();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return running;
}

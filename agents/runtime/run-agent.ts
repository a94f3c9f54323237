import { join } from 'node:path';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { createRemoteJWKSet, customFetch } from 'jose';
import { loadTlsMaterial } from '../../certs/certs.js';
import { loadAgentCard } from './card.js';
import type { AgentConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createMtlsFetch } from './mtls-fetch.js';
import { createAgentApp, type RunningServer, startAgentServer } from './server.js';
import { createTokenVerifier } from './service-token.js';
import { BoundedTaskStore } from './task-store.js';

/** Starts one agent process from its configuration and executor: card, mTLS server, token verification. */
export async function runAgent(options: {
  config: AgentConfig;
  createExecutor: (deps: { logger: Logger }) => Promise<AgentExecutor> | AgentExecutor;
}): Promise<RunningServer> {
  const { config } = options;
  const logger = createLogger({ name: config.name, level: config.LOG_LEVEL });
  const tls = await loadTlsMaterial(config.CERTS_DIR, config.name);
  const interfaceUrl = `${config.publicUrl}/a2a`;
  const card = await loadAgentCard({
    path: join(config.AGENT_CARDS_DIR, `${config.name}.json`),
    interfaceUrl,
  });
  const { fetch: mtlsFetch } = createMtlsFetch({ tls, connections: 2 });
  const keys = createRemoteJWKSet(new URL(config.ORCHESTRATOR_JWKS_URL), {
    [customFetch]: mtlsFetch as never,
    cooldownDuration: 5_000,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 3_000,
  });
  const verifier = createTokenVerifier({ keys, issuer: config.TOKEN_ISSUER, audience: interfaceUrl });
  const executor = await options.createExecutor({ logger });
  const taskStore = new BoundedTaskStore({
    maxTasks: config.TASK_STORE_MAX_TASKS,
    finishedTtlMs: config.TASK_STORE_FINISHED_TTL_MS,
  });
  const app = createAgentApp({ card, executor, verifier, logger, taskStore });
  const running = await startAgentServer({ app, tls, port: config.PORT, host: config.HOST });
  logger.info({ url: interfaceUrl, port: running.port }, `${config.name} agent listening`);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return running;
}

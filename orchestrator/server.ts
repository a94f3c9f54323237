import { join } from 'node:path';
import { createLogger, type Logger } from '../agents/runtime/logger.js';
import { createMtlsFetch } from '../agents/runtime/mtls-fetch.js';
import { listenTls, type RunningServer } from '../agents/runtime/server.js';
import { loadTlsMaterial } from '../certs/certs.js';
import { createApp } from './app.js';
import { createAccessTokens } from './auth/access-tokens.js';
import { createChatService } from './chat/reply.js';
import type { Config } from './config.js';
import { createAgentDirectory } from './mesh/agent-directory.js';
import { createDispatcher } from './mesh/dispatch.js';
import { createServiceTokenMinter } from './mesh/service-tokens.js';
import { loadOrCreateSigningKeys, type SigningKeys } from './mesh/signing-keys.js';
import { openStore } from './store/index.js';

/** A running orchestrator and what tests need to reach into it. */
export interface Orchestrator {
  url: string;
  port: number;
  keys: SigningKeys;
  logger: Logger;
  close(): Promise<void>;
}

/** Wires the orchestrator from its configuration and starts it over HTTPS. */
export async function startOrchestrator(
  config: Config,
  overrides: { logger?: Logger } = {},
): Promise<Orchestrator> {
  const logger = overrides.logger ?? createLogger({ name: 'orchestrator', level: config.LOG_LEVEL });
  const tls = await loadTlsMaterial(config.CERTS_DIR, 'orchestrator');
  const keys = await loadOrCreateSigningKeys(join(config.DATA_DIR, 'keys', 'service-signing.jwk.json'));
  const store = await openStore({
    databaseUrl: config.DATABASE_URL,
    dataDir: join(config.DATA_DIR, 'pglite'),
  });
  const mesh = createMtlsFetch({ tls });
  const directory = createAgentDirectory({ baseUrls: config.AGENT_URLS, fetch: mesh.fetch, logger });
  await directory.refresh();
  directory.start(config.DISCOVERY_INTERVAL_MS);
  const minter = createServiceTokenMinter({
    keys,
    issuer: config.TOKEN_ISSUER,
    ttlSec: config.SERVICE_TOKEN_TTL_SEC,
  });
  const dispatcher = createDispatcher({
    fetch: mesh.fetch,
    minter,
    logger,
    firstEventTimeoutMs: config.AGENT_FIRST_EVENT_TIMEOUT_MS,
    taskTimeoutMs: config.AGENT_TASK_TIMEOUT_MS,
  });
  const accessTokens = createAccessTokens({
    keys,
    issuer: config.TOKEN_ISSUER,
    guestTtlSec: config.GUEST_TOKEN_TTL_SEC,
  });
  const chat = createChatService({ chatLog: store.chatLog, directory, dispatcher, logger });
  const app = createApp({
    keys,
    accessTokens,
    chat,
    chatLog: store.chatLog,
    directory,
    logger,
    webDir: config.WEB_DIR,
    maxMessageChars: config.MAX_MESSAGE_CHARS,
  });
  let running: RunningServer;
  try {
    running = await listenTls({
      fetch: app.fetch as never,
      port: config.PORT,
      host: config.HOST,
      // Shoppers' browsers have no client certificate: the public edge is plain server-side TLS.
      serverOptions: { cert: tls.cert, key: tls.key, ca: tls.ca },
    });
  } catch (error) {
    directory.stop();
    await mesh.close();
    await store.close();
    throw error;
  }
  const url = config.PUBLIC_URL ?? `https://localhost:${running.port}`;
  logger.info({ url, agents: config.AGENT_URLS }, 'orchestrator listening');
  return {
    url,
    port: running.port,
    keys,
    logger,
    async close() {
      directory.stop();
      await running.close();
      await mesh.close();
      await store.close();
    },
  };
}

import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createLogger, type Logger } from '../agents/runtime/logger.js';
import { createMtlsFetch } from '../agents/runtime/mtls-fetch.js';
import { listenTls, type RunningServer } from '../agents/runtime/server.js';
import { loadTlsMaterial } from '../certs/certs.js';
import { loadOrchestratorCard } from './a2a/index.js';
import { createApp } from './app.js';
import { createAccessTokens } from './auth/access-tokens.js';
import { createAccountStore } from './auth/accounts.js';
import { createAuditLog } from './auth/audit-log.js';
import { demoAccounts, seedDemoAccounts } from './auth/demo-accounts.js';
import { createLoginGuard } from './auth/login-guard.js';
import { createChatService } from './chat/reply.js';
import type { Config } from './config.js';
import { createLimiterFactory, type LimiterBackend } from './edge/limiter-store.js';
import { createPinnedLookup } from './inspector/index.js';
import { createAgentDirectory } from './mesh/agent-directory.js';
import { createDispatcher } from './mesh/dispatch.js';
import { createCachingMinter, createServiceTokenMinter } from './mesh/service-tokens.js';
import { loadOrCreateSigningKeys, type SigningKeys } from './mesh/signing-keys.js';
import { createMetricsQueries, createMetricsRegistry } from './metrics/index.js';
import { openStore } from './store/index.js';
import { ensureWebBuild } from './web/index.js';

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
  const cleanups: Array<() => Promise<unknown>> = [() => store.close()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const audit = createAuditLog({ sql: store.sql });
    const accounts = createAccountStore({ sql: store.sql });
    if (config.seedDemoAccounts) {
      const created = await seedDemoAccounts(accounts, demoAccounts(config.DEMO_PASSWORD));
      if (created.length) logger.info({ created }, 'demo accounts created');
    }
    const limiters = createLimiterFactory(await limiterBackend(config, cleanups));
    const guard = await createLoginGuard({ limiters });
    const mesh = createMtlsFetch({ tls });
    cleanups.push(() => mesh.close());
    const directory = createAgentDirectory({
      baseUrls: config.AGENT_URLS,
      fetch: mesh.fetch,
      logger,
      scopePolicy: config.SCOPE_POLICY,
    });
    await directory.refresh();
    directory.start(config.DISCOVERY_INTERVAL_MS);
    cleanups.push(async () => directory.stop());
    const minter = createCachingMinter({
      minter: createServiceTokenMinter({
        keys,
        issuer: config.TOKEN_ISSUER,
        ttlSec: config.SERVICE_TOKEN_TTL_SEC,
      }),
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
      accessTtlSec: config.ACCESS_TOKEN_TTL_SEC,
    });
    const metrics = createMetricsRegistry();
    const metricsQueries = createMetricsQueries({ sql: store.sql });
    const chat = createChatService({
      chatLog: store.chatLog,
      directory,
      dispatcher,
      logger,
      audit,
      metrics,
      scopePolicy: config.SCOPE_POLICY,
    });
    // The pages are not the service: without a build (and without Vite to make one) the API still runs.
    await ensureWebBuild({ webDir: config.WEB_DIR, logger }).catch((error: unknown) =>
      logger.error({ err: error }, 'web pages unavailable: the build is missing and cannot be made'),
    );
    const a2aCard = await loadOrchestratorCard({ publicUrl: config.publicUrl });
    // The inspector has its own connections, whose name resolution refuses internal addresses as they are made.
    const inspectorHosts = config.INSPECTOR_ALLOWED_HOSTS ?? config.AGENT_URLS.map((u) => new URL(u).host);
    const inspectorMesh = createMtlsFetch({
      tls,
      connections: 8,
      lookup: createPinnedLookup({ allowedHosts: inspectorHosts }),
    });
    cleanups.push(() => inspectorMesh.close());
    const app = await createApp({
      keys,
      accessTokens,
      chat,
      chatLog: store.chatLog,
      directory,
      logger,
      webDir: config.WEB_DIR,
      maxMessageChars: config.MAX_MESSAGE_CHARS,
      accounts,
      audit,
      guard,
      limiters,
      allowedOrigins: [config.publicUrl, ...(config.WEB_ORIGIN ? [config.WEB_ORIGIN] : [])],
      chatMessagesPerMinute: config.CHAT_MESSAGES_PER_MINUTE,
      metrics,
      metricsQueries,
      metricsToken: config.METRICS_TOKEN,
      a2aCard,
      inspector: {
        fetch: inspectorMesh.fetch,
        minter,
        scopePolicy: config.SCOPE_POLICY,
        allowedHosts: inspectorHosts,
      },
    });
    const running: RunningServer = await listenTls({
      fetch: app.fetch as never,
      port: config.PORT,
      host: config.HOST,
      // Shoppers' browsers have no client certificate: the public edge is plain server-side TLS.
      serverOptions: { cert: tls.cert, key: tls.key },
    });
    cleanups.push(() => running.close());
    const url = config.PUBLIC_URL ?? `https://localhost:${running.port}`;
    logger.info({ url, agents: config.AGENT_URLS }, 'orchestrator listening');
    return { url, port: running.port, keys, logger, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function limiterBackend(
  config: Config,
  cleanups: Array<() => Promise<unknown>>,
): Promise<LimiterBackend> {
  if (config.RATE_LIMIT_STORE === 'redis' && config.REDIS_URL) {
    const client = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // reconnects by itself; the limiter falls back meanwhile
    cleanups.push(async () => client.disconnect());
    return { kind: 'redis', client };
  }
  if (config.RATE_LIMIT_STORE === 'postgres' && config.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
    cleanups.push(() => pool.end());
    return { kind: 'postgres', pool };
  }
  return { kind: 'memory' };
}

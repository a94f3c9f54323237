import type { AgentCard } from '@a2a-js/sdk';
import { createLogger } from '../../agents/runtime/logger.js';
import { loadOrchestratorCard } from '../a2a/index.js';
import { createApp } from '../app.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { createAccountStore } from '../auth/accounts.js';
import { createAuditLog } from '../auth/audit-log.js';
import { demoAccounts, seedDemoAccounts } from '../auth/demo-accounts.js';
import { createLoginGuard } from '../auth/login-guard.js';
import { createChatService } from '../chat/reply.js';
import { createLimiterFactory, type LimiterBackend } from '../edge/limiter-store.js';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { createDispatcher } from '../mesh/dispatch.js';
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from '../mesh/scope-policy.js';
import { createServiceTokenMinter } from '../mesh/service-tokens.js';
import { createSigningKeys, type SigningKeys } from '../mesh/signing-keys.js';
import { createMetricsQueries, createMetricsRegistry } from '../metrics/index.js';
import { createChatLog, createPgliteClient, migrate, type SqlClient } from '../store/index.js';

/** Demo password used by in-process tests. */
export const TEST_PASSWORD = 'correct horse battery';
/** The orchestrator origin in in-process tests. */
export const TEST_ORIGIN = 'https://shop.test';
/** The default scope policy, plus the test agent's scope for every role (a shop grants a new agent's scopes so). */
export const TEST_SCOPE_POLICY: ScopePolicy = {
  ...DEFAULT_SCOPE_POLICY,
  'test:echo': ['guest', 'customer', 'premium', 'operator', 'admin'],
};

/** Builds the whole orchestrator app in-process (PGlite in memory, no network) with overridable parts. */
export async function makeApp(
  overrides: {
    backend?: LimiterBackend;
    sql?: SqlClient;
    keys?: SigningKeys;
    cards?: Array<{ baseUrl: string; card: AgentCard }>;
    chatMessagesPerMinute?: number;
    /** How the dispatcher reaches agents (an mTLS fetch in end-to-end tests); no network by default. */
    meshFetch?: typeof fetch;
  } = {},
) {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const keys = overrides.keys ?? (await createSigningKeys());
  const sql = overrides.sql ?? (await createPgliteClient());
  if (!overrides.sql) await migrate({ sql });
  const chatLog = createChatLog({ sql });
  const audit = createAuditLog({ sql });
  const accounts = createAccountStore({ sql });
  await seedDemoAccounts(accounts, demoAccounts(TEST_PASSWORD));
  const limiters = createLimiterFactory(overrides.backend ?? { kind: 'memory' });
  const guard = await createLoginGuard({ limiters });
  const directory = createStaticAgentDirectory(overrides.cards ?? []);
  const issuer = 'atende-orchestrator';
  const accessTokens = createAccessTokens({ keys, issuer, guestTtlSec: 3600 });
  const dispatcher = createDispatcher({
    fetch:
      overrides.meshFetch ?? ((() => Promise.reject(new Error('no network in in-process tests'))) as never),
    minter: createServiceTokenMinter({ keys, issuer, ttlSec: 60 }),
    logger,
    firstEventTimeoutMs: 1000,
    taskTimeoutMs: 2000,
  });
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const chat = createChatService({
    chatLog,
    directory,
    dispatcher,
    logger,
    audit,
    metrics,
    scopePolicy: TEST_SCOPE_POLICY,
  });
  const app = await createApp({
    keys,
    accessTokens,
    chat,
    chatLog,
    directory,
    logger,
    webDir: 'web',
    maxMessageChars: 2000,
    accounts,
    audit,
    guard,
    limiters,
    allowedOrigins: [TEST_ORIGIN],
    chatMessagesPerMinute: overrides.chatMessagesPerMinute,
    metrics,
    metricsQueries: createMetricsQueries({ sql }),
    a2aCard: await loadOrchestratorCard({ publicUrl: TEST_ORIGIN }),
    inspector: {
      fetch: (() => Promise.reject(new Error('no network in in-process tests'))) as never,
      minter: createServiceTokenMinter({ keys, issuer, ttlSec: 60 }),
      allowedHosts: [],
      scopePolicy: TEST_SCOPE_POLICY,
    },
  });
  /** Calls the app as a client at `ip`. */
  const request = (path: string, init: RequestInit & { ip?: string } = {}) =>
    app.request(`${TEST_ORIGIN}${path}`, init, {
      incoming: { socket: { remoteAddress: init.ip ?? '203.0.113.7' } },
    });
  const post = (path: string, body: unknown, init: RequestInit & { ip?: string; token?: string } = {}) =>
    request(path, {
      ...init,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    app,
    request,
    post,
    sql,
    keys,
    accounts,
    audit,
    accessTokens,
    chatLog,
    chat,
    limiters,
    logger,
    issuer,
  };
}

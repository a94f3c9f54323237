import type { AgentCard } from '@a2a-js/sdk';
import { createLogger, type Logger } from '../../agents/runtime/index.js';
import { createOrchestrator } from '../app.js';
import { loadConfig } from '../config.js';
import type { LimiterBackend } from '../edge/limiter-store.js';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from '../mesh/scope-policy.js';
import { createSigningKeys, type SigningKeys } from '../mesh/signing-keys.js';
import { createMetricsRegistry } from '../metrics/index.js';
import { createPgliteClient, migrate, type SqlClient } from '../store/index.js';

/** Demo password used by in-process tests. */
export const TEST_PASSWORD = 'correct horse battery';
/** The orchestrator origin in in-process tests. */
export const TEST_ORIGIN = 'https://shop.test';
/** The default scope policy, plus the test agent's scope for every role (a shop grants a new agent's scopes so). */
export const TEST_SCOPE_POLICY: ScopePolicy = {
  ...DEFAULT_SCOPE_POLICY,
  'test:echo': ['guest', 'customer', 'premium', 'operator', 'admin'],
};

/** A `fetch` for the parts of in-process tests that must not reach the network. */
const noNetwork = (() => Promise.reject(new Error('no network in in-process tests'))) as typeof fetch;

/**
 * Builds the whole orchestrator app in-process through `createOrchestrator`, as production does, from a test
 * configuration, with PGlite in memory, a fixed directory of `cards` and no network unless `meshFetch` is given.
 */
export async function makeApp(
  overrides: {
    backend?: LimiterBackend;
    sql?: SqlClient;
    keys?: SigningKeys;
    cards?: Array<{ baseUrl: string; card: AgentCard }>;
    chatMessagesPerMinute?: number;
    /** How the dispatcher reaches agents (an mTLS fetch in end-to-end tests); no network by default. */
    meshFetch?: typeof fetch;
    /** The app's logger (e.g. one whose lines a test reads); silent by default. */
    logger?: Logger;
  } = {},
) {
  const cards = overrides.cards ?? [];
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: TEST_ORIGIN,
    WEB_DIR: 'web',
    AGENT_URLS: cards.map((c) => c.baseUrl).join(','),
    SCOPE_POLICY: JSON.stringify(TEST_SCOPE_POLICY),
    DEMO_PASSWORD: TEST_PASSWORD,
    GUEST_TOKEN_TTL_SEC: '3600',
    AGENT_FIRST_EVENT_TIMEOUT_MS: '1000',
    AGENT_TASK_TIMEOUT_MS: '2000',
    MAX_MESSAGE_CHARS: '2000',
    LOG_LEVEL: 'silent',
    ...(overrides.chatMessagesPerMinute
      ? { CHAT_MESSAGES_PER_MINUTE: String(overrides.chatMessagesPerMinute) }
      : {}),
  });
  const logger = overrides.logger ?? createLogger({ name: 'test', level: 'silent' });
  const sql = overrides.sql ?? (await createPgliteClient());
  if (!overrides.sql) await migrate({ sql });
  const { app, deps, close } = await createOrchestrator(config, {
    logger,
    sql,
    keys: overrides.keys ?? (await createSigningKeys()),
    limiterBackend: overrides.backend,
    directory: createStaticAgentDirectory(cards),
    meshFetch: overrides.meshFetch ?? noNetwork,
    inspectorFetch: noNetwork,
    metrics: createMetricsRegistry({ defaultMetrics: false }),
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
    keys: deps.keys,
    accounts: deps.accounts,
    audit: deps.audit,
    accessTokens: deps.accessTokens,
    chatLog: deps.chatLog,
    chat: deps.chat,
    limiters: deps.limiters,
    logger,
    issuer: config.TOKEN_ISSUER,
    /** Closes what the orchestrator opened, and the in-memory database unless `sql` was given. */
    close: async () => {
      await close();
      if (!overrides.sql) await sql.close();
    },
  };
}

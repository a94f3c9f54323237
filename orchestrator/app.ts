import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { AgentCard } from '@a2a-js/sdk';
import { InMemoryPushNotificationStore } from '@a2a-js/sdk/server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { JWK } from 'jose';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import {
  CARD_KEYS_PATH,
  type CardSigningKey,
  createCardSignatureCheck,
  createLogger,
  createMtlsFetch,
  type Logger,
  loadOrCreateCardSigningKey,
  signAgentCard,
} from '../agents/runtime/index.js';
import { loadTlsMaterial, type TlsMaterial } from '../certs/certs.js';
import { createExtendedCardProvider } from './a2a/extended-card.js';
import { type A2aRoutesOptions, a2aRoutes, loadOrchestratorCard } from './a2a/index.js';
import { createPushSender, createWebhookGuard, guardedPushStore } from './a2a/push-notifications.js';
import { type AccessTokens, createAccessTokens, RefusedTokenError } from './auth/access-tokens.js';
import { type AccountStore, createAccountStore } from './auth/accounts.js';
import { type AuditLog, cappedAudit, createAuditLog } from './auth/audit-log.js';
import { demoAccounts, seedDemoAccounts } from './auth/demo-accounts.js';
import { createLoginGuard, type LoginGuard } from './auth/login-guard.js';
import { authRoutes } from './auth/routes.js';
import { type ChatService, createChatService } from './chat/index.js';
import { chatRoutes } from './chat/routes.js';
import type { Config } from './config.js';
import { createDeskClient } from './desk/desk-client.js';
import { createHandoffService, type HandoffService } from './desk/handoffs.js';
import { ordersLookup } from './desk/orders-lookup.js';
import { deskRoutes } from './desk/routes.js';
import { chatRateLimit, createChatAllowance } from './edge/chat-rate-limit.js';
import { clientIp } from './edge/client-ip.js';
import { createLimiterFactory, type LimiterBackend, type LimiterFactory } from './edge/limiter-store.js';
import { streamLimit } from './edge/stream-limit.js';
import { handleError, httpError, RoleRefusedError } from './errors.js';
import { createPinnedLookup, inspectorRoutes } from './inspector/index.js';
import { type AgentDirectory, createAgentDirectory } from './mesh/agent-directory.js';
import { createDispatcher, type Dispatcher } from './mesh/dispatch.js';
import type { ScopePolicy } from './mesh/scope-policy.js';
import {
  createCachingMinter,
  createServiceTokenMinter,
  type ServiceTokenMinter,
} from './mesh/service-tokens.js';
import {
  type FileKeySetOptions,
  loadOrCreateSigningKeys,
  loadSigningKeys,
  type SigningKeys,
} from './mesh/signing-keys.js';
import {
  createMetricsQueries,
  createMetricsRegistry,
  type MetricsQueries,
  type MetricsRegistry,
  metricsRoutes,
} from './metrics/index.js';
import { leasedChatLog, startReplyLeases } from './replicas/reply-leases.js';
import { settingsRoutes } from './settings/index.js';
import { guardAvailability } from './store/availability.js';
import { createEventHub, type EventHub } from './store/event-hub.js';
import { listenForEvents } from './store/event-listener.js';
import { createHandoffLog, type HandoffLog } from './store/handoff-log.js';
import { type ChatLog, createChatLog, openStore, type SqlClient } from './store/index.js';
import { webRoutes } from './web/index.js';

/** Everything the orchestrator's HTTP app needs, built by {@link createOrchestrator}. */
export interface AppDeps {
  keys: SigningKeys;
  accessTokens: AccessTokens;
  chat: ChatService;
  chatLog: ChatLog;
  /** Where committed conversation events reach this process's followers. */
  hub: EventHub;
  directory: AgentDirectory;
  logger: Logger;
  webDir: string;
  maxMessageChars: number;
  accounts: AccountStore;
  audit: AuditLog;
  guard: LoginGuard;
  limiters: LimiterFactory;
  /** Origins allowed to call the API from a browser (the orchestrator's own public URL at least). */
  allowedOrigins: string[];
  chatMessagesPerMinute?: number;
  /** Open streams per client address and in all (`streamLimit`); its defaults when unset. */
  streamLimits?: { perAddress: number; overall: number };
  metrics: MetricsRegistry;
  metricsQueries: MetricsQueries;
  metricsToken?: string;
  /** The orchestrator's own agent card (`loadOrchestratorCard`), served with `POST /a2a` for third-party agents. */
  a2aCard: AgentCard;
  /** The public card-signing keys, published at `CARD_KEYS_PATH` for whoever verifies the mesh's cards. */
  cardKeys: { keys: JWK[] };
  /** Push notifications and the authenticated extended card of `/a2a` (see `a2aRoutes`); neither when unset. */
  a2aExtras?: Pick<A2aRoutesOptions, 'push' | 'extendedCard'>;
  /** The human desk: handoffs and the operators' routes. */
  desk: {
    client: ReturnType<typeof createDeskClient>;
    handoffs: HandoffService;
    handoffLog: HandoffLog;
    ordersOf: ReturnType<typeof ordersLookup>;
  };
  /** The inspector reaches agents' cards through the mesh (mTLS) fetch, only at allowed hosts. */
  inspector: {
    fetch: typeof fetch;
    minter: ServiceTokenMinter;
    allowedHosts: string[];
    scopePolicy?: ScopePolicy;
  };
}

/** Builds the orchestrator's Hono app; no side effects beyond the limiters it asks the factory for. */
export async function createApp(deps: AppDeps) {
  const { keys, accessTokens, chat, chatLog, directory, logger, webDir, audit } = deps;
  const app = new Hono<{ Variables: { requestId: string } }>();
  const allowed = new Set(deps.allowedOrigins.map((o) => new URL(o).origin));
  // Events that need no credentials to cause are audited under a cap, so a scripted flood cannot fill the
  // append-only log: 30 a minute per address for refused tokens and foreign origins, one a minute per client for
  // spent rate limits.
  const originRefusals = await deps.limiters({ keyPrefix: 'audit-origin', points: 30, durationSec: 60 });
  const tokenRefusals = await deps.limiters({ keyPrefix: 'audit-token', points: 30, durationSec: 60 });
  const limitedClients = await deps.limiters({ keyPrefix: 'audit-limited', points: 1, durationSec: 60 });
  const roleRefusals = await deps.limiters({ keyPrefix: 'audit-role', points: 30, durationSec: 60 });

  /** Records a security event unless `cap` is spent for `key`; a failing audit log is logged, never thrown. */
  async function auditCapped(
    cap: Awaited<ReturnType<AppDeps['limiters']>>,
    key: string,
    entry: Parameters<AuditLog['record']>[0],
  ): Promise<void> {
    const allowed = await cap.consume(key).then(
      () => true,
      () => false,
    );
    if (!allowed) return;
    await audit
      .record(entry)
      .catch((error: unknown) =>
        logger.error(
          { err: error, event: entry.event, requestId: entry.requestId },
          'could not write the audit log',
        ),
      );
  }

  app.use(
    requestId({
      headerName: 'X-Request-Id',
      limitLength: 128,
      // Accept a caller's id only if it looks like one; otherwise make our own.
      generator: () => crypto.randomUUID(),
    }),
  );
  app.use(deps.metrics.middleware());
  // One line per request is for debugging (`LOG_LEVEL=debug`): at `info` it drowns the real events. An answer
  // the server failed (5xx) stays visible as a warning.
  app.use(async function requestLog(c, next) {
    const started = performance.now();
    await next();
    const log = c.res.status >= 500 ? logger.warn.bind(logger) : logger.debug.bind(logger);
    log(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  // Security headers on every answer, refusals included.
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
      },
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
      referrerPolicy: 'no-referrer',
    }),
  );
  // A refused access token (bad signature, expired, forged claims) and a role refused by a staff-only route are
  // security events, wherever they happen.
  app.use(async function auditRefusedTokens(c, next) {
    await next();
    if (c.error instanceof RoleRefusedError) {
      const { subject, role } = c.error.shopper;
      await auditCapped(roleRefusals, subject, {
        event: 'role_refused',
        subject,
        ip: clientIp(c),
        requestId: c.get('requestId'),
        details: { role, route: c.req.path },
      });
    }
    if (c.error instanceof RefusedTokenError) {
      const ip = clientIp(c);
      await auditCapped(tokenRefusals, ip, {
        event: 'token_refused',
        ip,
        requestId: c.get('requestId'),
        details: { reason: c.error.reason, path: c.req.path },
      });
    }
  });
  // A browser request from a foreign origin is refused outright, before CORS or any handler runs.
  app.use('/api/*', async function originGuard(c, next) {
    const origin = c.req.header('origin');
    if (origin && !allowed.has(origin)) {
      const ip = clientIp(c);
      await auditCapped(originRefusals, ip, {
        event: 'origin_refused',
        ip,
        requestId: c.get('requestId'),
        details: { origin, reason: 'foreign_origin' },
      });
      throw httpError(403, 'origin_not_allowed', 'this origin may not call the Atende API');
    }
    await next();
  });
  app.use(
    '/api/*',
    cors({
      origin: (origin) => (allowed.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT'],
      allowHeaders: ['content-type', 'authorization', 'x-request-id', 'last-event-id'],
      exposeHeaders: [
        'x-request-id',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'ratelimit-policy',
      ],
      maxAge: 600,
    }),
  );
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw httpError(413, 'body_too_large', 'the request body is too large');
      },
    }),
  );

  // Public: whether the service and each agent are up, by name only (no internal addresses or errors).
  app.get('/healthz', (c) => {
    const agents = directory.list().map((a) => ({ name: a.card?.name ?? null, state: a.state }));
    const up = agents.filter((a) => a.state === 'up').length;
    return c.json({ status: up > 0 ? 'ok' : 'degraded', agents });
  });

  // The keys scheduled to sign next, the current and the previous ones (see signing-keys.ts); agents cache it and
  // fetch it again when a token names a kid they do not know.
  app.get('/.well-known/jwks.json', (c) =>
    c.json(keys.jwks, 200, { 'cache-control': 'public, max-age=300' }),
  );
  // The keys every card of this deployment (the agents' and the shop's own) is signed with; the signatures' `jku`.
  app.get(CARD_KEYS_PATH, (c) => c.json(deps.cardKeys, 200, { 'cache-control': 'public, max-age=300' }));

  app.route(
    '/api/auth',
    authRoutes({ accessTokens, accounts: deps.accounts, audit, guard: deps.guard, limiters: deps.limiters }),
  );

  // Staff only: where each agent is, its state, last error and skills.
  app.get('/api/agents', async (c) => {
    const caller = await accessTokens.verify(c.req.header('authorization'));
    if (caller.role !== 'operator' && caller.role !== 'admin') {
      throw new RoleRefusedError(caller, 'only operators and admins may list the agents');
    }
    return c.json({
      agents: directory.list().map((a) => ({
        url: a.baseUrl,
        state: a.state,
        name: a.card?.name ?? null,
        lastCheckedAt: a.lastCheckedAt ?? null,
        error: a.lastError ?? null,
        // The card-signing key whose signature verified the card (null when signatures are not required).
        signedBy: a.signedBy ?? null,
        skills: a.card?.skills.map((s) => ({ id: s.id, name: s.name, tags: s.tags })) ?? [],
      })),
    });
  });

  // Long-lived responses are bounded per address and in all, before any other work is done for them.
  const streams = streamLimit({
    ...deps.streamLimits,
    onRefused: (c, scope) =>
      logger.warn(
        { ip: clientIp(c), scope, requestId: c.get('requestId'), path: c.req.path },
        'too many streams',
      ),
  });
  for (const path of [
    '/api/chat/messages',
    '/api/conversations/:id/events',
    '/api/desk/events',
    '/a2a',
    '/a2a/',
    // The shop's agent over HTTP+JSON (message:stream, tasks/{id}:subscribe).
    '/rest/*',
  ])
    app.use(path, streams);

  // One allowance for the chat API and the shop's own A2A agent: 10 messages a minute in all, whichever the door.
  const allowance = await createChatAllowance({
    limiters: deps.limiters,
    perClient: deps.chatMessagesPerMinute,
  });
  const rateLimit = chatRateLimit({
    allowance,
    onLimited: async (c, key) => {
      await auditCapped(limitedClients, key, {
        event: 'rate_limited',
        subject: key,
        ip: clientIp(c),
        requestId: c.get('requestId' as never),
      });
    },
  });
  app.route(
    '/api',
    chatRoutes({
      chat,
      chatLog,
      hub: deps.hub,
      accessTokens,
      maxMessageChars: deps.maxMessageChars,
      rateLimit,
      staffMayRead: async (conversationId, staff) =>
        staff.role === 'admin' || (await deps.desk.handoffLog.get(conversationId))?.state != null,
      onClose: (conversationId, correlationId) => deps.desk.handoffs.abandon(conversationId, correlationId),
    }),
  );
  app.route(
    '/api',
    deskRoutes({
      desk: deps.desk.client,
      handoffs: deps.desk.handoffs,
      handoffLog: deps.desk.handoffLog,
      accessTokens,
      accounts: deps.accounts,
      audit,
      logger,
      maxMessageChars: deps.maxMessageChars,
      rateLimit,
      ordersOf: deps.desk.ordersOf,
    }),
  );

  app.route(
    '/',
    await a2aRoutes({
      card: deps.a2aCard,
      chat,
      accessTokens,
      allowance,
      logger,
      maxMessageChars: deps.maxMessageChars,
      ...deps.a2aExtras,
      onTokenRefused: async (c, reason) => {
        const ip = clientIp(c);
        await auditCapped(tokenRefusals, ip, {
          event: 'token_refused',
          ip,
          requestId: c.get('requestId' as never),
          details: { reason, path: c.req.path },
        });
      },
    }),
  );
  app.route(
    '/api/inspector',
    inspectorRoutes({ accessTokens, logger, audit, trustedKeys: deps.cardKeys.keys, ...deps.inspector }),
  );
  app.route('/api/settings', settingsRoutes({ accessTokens, scopePolicy: deps.inspector.scopePolicy }));
  app.route('/', webRoutes({ webDir, logger }));
  app.route(
    '/',
    metricsRoutes({
      queries: deps.metricsQueries,
      accessTokens,
      registry: deps.metrics,
      metricsToken: deps.metricsToken,
    }),
  );
  app.notFound((c) =>
    c.json({ code: 'not_found', message: 'no such route', requestId: c.get('requestId') }, 404),
  );
  app.onError(handleError(logger));
  return app;
}

/**
 * The token keys: the shared key-set file when `SIGNING_KEYS_FILE` is set (every replica alike), else one created
 * under `DATA_DIR/keys` on first start. A key verifies until the longest-lived token it signed can have expired.
 */
async function configuredSigningKeys(config: Config, logger: Logger): Promise<SigningKeys> {
  const options: FileKeySetOptions = {
    retireAfterSec:
      Math.max(config.GUEST_TOKEN_TTL_SEC, config.ACCESS_TOKEN_TTL_SEC, config.SERVICE_TOKEN_TTL_SEC) + 300,
    reloadIntervalMs: config.SIGNING_KEYS_RELOAD_INTERVAL_MS,
    onReloadError: (error) =>
      logger.error({ err: error }, 'could not read the changed signing keys; the keys in use stay'),
  };
  if (config.SIGNING_KEYS_FILE) return loadSigningKeys(config.SIGNING_KEYS_FILE, options);
  return loadOrCreateSigningKeys(join(config.DATA_DIR, 'keys', 'service-signing.jwk.json'), options);
}

/** The orchestrator's Hono app. */
export type App = Awaited<ReturnType<typeof createApp>>;

/**
 * Parts {@link createOrchestrator} builds from the configuration unless given here. An override is owned by its
 * caller: `close()` leaves it open.
 */
export interface OrchestratorOverrides {
  logger?: Logger;
  /** An open, migrated database, instead of the one the configuration names (PostgreSQL or PGlite). */
  sql?: SqlClient;
  keys?: SigningKeys;
  /** The deployment's card-signing key; read (or created) from `CERTS_DIR` by default. */
  cardKey?: CardSigningKey;
  limiterBackend?: LimiterBackend;
  /** The orchestrator's client certificate for the mesh; read from `CERTS_DIR` only when a mesh fetch is built. */
  tls?: TlsMaterial;
  /** How the directory and the dispatcher reach agents; an mTLS fetch by default. */
  meshFetch?: typeof fetch;
  /** The agents; by default discovered from `AGENT_URLS` (the caller starts discovery). */
  directory?: AgentDirectory;
  /** How the inspector reaches cards; by default its own mTLS pool that refuses internal addresses. */
  inspectorFetch?: typeof fetch;
  metrics?: MetricsRegistry;
}

/** What the app is built from, plus the parts behind them that callers reach into. */
export interface OrchestratorDeps extends AppDeps {
  sql: SqlClient;
  dispatcher: Dispatcher;
  minter: ServiceTokenMinter;
}

/** An assembled orchestrator: its app (not listening), its parts, and one close for all it opened. */
export interface AssembledOrchestrator {
  app: App;
  deps: OrchestratorDeps;
  /** Waits for replies in progress, stops discovery and closes what was opened here (not the overrides). */
  close(): Promise<void>;
}

/**
 * Assembles the orchestrator from its parsed configuration: the one place every dependency is built, used by
 * `server.ts` (and so `main.ts`, the end-to-end tests and the bench) and by the in-process tests' `makeApp`.
 * Opens the store, seeds the demo accounts when configured, reads keys and certificates; does not listen, build
 * the web pages or start discovery.
 */
export async function createOrchestrator(
  config: Config,
  overrides: OrchestratorOverrides = {},
): Promise<AssembledOrchestrator> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const logger = overrides.logger ?? createLogger({ name: 'orchestrator', level: config.LOG_LEVEL });
    const keys = overrides.keys ?? (await configuredSigningKeys(config, logger));
    const cardKey = overrides.cardKey ?? (await loadOrCreateCardSigningKey(config.CERTS_DIR));
    // An unreachable database answers 503 with Retry-After (`database_unavailable`); the pool reconnects by itself.
    const sql = overrides.sql ?? guardAvailability(await openConfiguredStore(config, cleanups));
    // The conversation event log: committed events reach this process's followers through the hub; with a shared
    // PostgreSQL, other processes' writes arrive as LISTEN hints (and ours are sent to them).
    const shared = Boolean(config.DATABASE_URL) && !overrides.sql;
    let chatLog: ChatLog | undefined;
    const hub = createEventHub({
      readAfter: (conversationId, after) => {
        if (!chatLog) throw new Error('the chat log is not open yet');
        return chatLog.listEvents(conversationId, { after, limit: 1000 });
      },
      onError: (error, conversationId) =>
        logger.warn({ err: error, conversationId }, 'could not read conversation events'),
    });
    // Group commit: one writer on PGlite (one connection), a few batches side by side on a PostgreSQL pool.
    const grouped =
      config.CHAT_LOG_GROUP_COMMIT === 'on' ||
      (config.CHAT_LOG_GROUP_COMMIT === 'auto' && !!config.DATABASE_URL);
    const groupCommit = grouped && { concurrency: config.DATABASE_URL ? 4 : 1 };
    chatLog = createChatLog({ sql, hub, notify: shared, groupCommit });
    /** The chat log the reply pipeline writes through (leased per reply on a shared PostgreSQL). */
    let replyLog: ChatLog = chatLog;
    if (shared && config.DATABASE_URL) {
      const listening = listenForEvents({
        connectionString: config.DATABASE_URL,
        schema: config.DATABASE_SCHEMA,
        hub,
        logger,
      });
      cleanups.push(() => listening.close());
      // Replies outlive the replica running them: one that stops mid-reply has its replies ended by the others.
      const leases = startReplyLeases({
        connectionString: config.DATABASE_URL,
        schema: config.DATABASE_SCHEMA,
        sql,
        chatLog,
        logger,
        sweepIntervalMs: config.REPLY_SWEEP_INTERVAL_MS,
        graceMs: config.REPLY_SWEEP_GRACE_MS,
      });
      cleanups.push(() => leases.close());
      replyLog = leasedChatLog(chatLog, leases);
      // Followers on this replica see other replicas' events once it listens; it starts without waiting long.
      await Promise.race([listening.ready, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    }
    const audit = createAuditLog({ sql });
    const accounts = createAccountStore({ sql });
    if (config.seedDemoAccounts) {
      logger.info('checking the demo accounts (the first start hashes their passwords: a few seconds)');
      const created = await seedDemoAccounts(accounts, demoAccounts(config.DEMO_PASSWORD));
      if (created.length) logger.info({ created }, 'demo accounts created');
    }
    const limiters = createLimiterFactory(
      overrides.limiterBackend ?? (await limiterBackend(config, cleanups)),
    );
    const guard = await createLoginGuard({ limiters });

    let tls = overrides.tls;
    const clientTls = async () => {
      tls ??= await loadTlsMaterial(config.CERTS_DIR, 'orchestrator');
      return tls;
    };
    let meshFetch = overrides.meshFetch;
    if (!meshFetch) {
      const mesh = createMtlsFetch({ tls: await clientTls() });
      cleanups.push(() => mesh.close());
      meshFetch = mesh.fetch;
    }
    const directory =
      overrides.directory ??
      createAgentDirectory({
        baseUrls: config.AGENT_URLS,
        fetch: meshFetch,
        logger,
        scopePolicy: config.SCOPE_POLICY,
        verifyCard:
          config.CARD_SIGNATURES === 'required'
            ? createCardSignatureCheck({ jwks: cardKey.jwks })
            : undefined,
      });
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
      fetch: meshFetch,
      minter,
      logger,
      firstEventTimeoutMs: config.AGENT_FIRST_EVENT_TIMEOUT_MS,
      taskTimeoutMs: config.AGENT_TASK_TIMEOUT_MS,
      binding: config.AGENT_BINDING,
    });
    const accessTokens = createAccessTokens({
      keys,
      issuer: config.TOKEN_ISSUER,
      guestTtlSec: config.GUEST_TOKEN_TTL_SEC,
      accessTtlSec: config.ACCESS_TOKEN_TTL_SEC,
    });
    const metrics = overrides.metrics ?? createMetricsRegistry();

    // The chat service: built here and nowhere else.
    // Role refusals in the chat are events any guest can cause: 30 a minute per address reach the audit log.
    const chatAudit = cappedAudit({
      audit,
      limiter: await limiters({ keyPrefix: 'audit-chat-role', points: 30, durationSec: 60 }),
      onError: (error, entry) =>
        logger.error(
          { err: error, event: entry.event, requestId: entry.requestId },
          'could not write the audit log',
        ),
    });
    // The human desk: handoffs are recorded in the same database and followed into the conversations' events.
    const handoffLog = createHandoffLog({ sql, hub, notify: shared });
    const deskClient = createDeskClient({
      directory,
      fetch: meshFetch,
      minter,
      scopePolicy: config.SCOPE_POLICY,
    });
    const handoffs = createHandoffService({ desk: deskClient, handoffLog, chatLog, logger });
    cleanups.push(() => handoffs.stop());
    const chat = createChatService({
      chatLog: replyLog,
      hub,
      desk: { handoffs, handoffLog },
      coalesceMs: config.EVENT_COALESCE_MS,
      directory,
      dispatcher,
      logger,
      audit: chatAudit,
      metrics,
      scopePolicy: config.SCOPE_POLICY,
    });
    // On shutdown, replies in progress get a few seconds to end and be stored; one stuck on an agent's deadline
    // does not hold the process (its shopper message is already stored).
    cleanups.push(() =>
      Promise.race([chat.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]),
    );

    // The inspector has its own connections, whose name resolution refuses internal addresses as they are made.
    // The shop's own public URL is always inspectable: developers check the card the world sees.
    const inspectorHosts = [
      ...new Set([
        ...(config.INSPECTOR_ALLOWED_HOSTS ?? config.AGENT_URLS.map((u) => new URL(u).host)),
        new URL(config.publicUrl).host,
      ]),
    ];
    let inspectorFetch = overrides.inspectorFetch;
    if (!inspectorFetch) {
      const inspectorMesh = createMtlsFetch({
        tls: await clientTls(),
        connections: 8,
        lookup: createPinnedLookup({ allowedHosts: inspectorHosts }),
      });
      cleanups.push(() => inspectorMesh.close());
      inspectorFetch = inspectorMesh.fetch;
    }

    const signOwnCard = (card: AgentCard) =>
      signAgentCard(card, cardKey, { jku: new URL(CARD_KEYS_PATH, config.publicUrl).href });
    const a2aCard = await signOwnCard(await loadOrchestratorCard({ publicUrl: config.publicUrl }));
    const deps: OrchestratorDeps = {
      keys,
      accessTokens,
      chat,
      chatLog,
      hub,
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
      streamLimits: { perAddress: config.STREAMS_PER_ADDRESS, overall: config.STREAMS_MAX },
      metrics,
      metricsQueries: createMetricsQueries({ sql }),
      metricsToken: config.METRICS_TOKEN,
      a2aCard,
      cardKeys: cardKey.jwks,
      a2aExtras: {
        push: await a2aPush(config, logger, cleanups),
        extendedCard: createExtendedCardProvider({ card: a2aCard, sign: signOwnCard }),
      },
      desk: {
        client: deskClient,
        handoffs,
        handoffLog,
        ordersOf: ordersLookup({ directory, dispatcher, scopePolicy: config.SCOPE_POLICY }),
      },
      inspector: {
        fetch: inspectorFetch,
        minter,
        scopePolicy: config.SCOPE_POLICY,
        allowedHosts: inspectorHosts,
      },
      sql,
      dispatcher,
      minter,
    };
    return { app: await createApp(deps), deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens the configured store (PostgreSQL at `DATABASE_URL`, else PGlite under `DATA_DIR`), closed on `close()`. */
async function openConfiguredStore(
  config: Config,
  cleanups: Array<() => Promise<unknown>>,
): Promise<SqlClient> {
  const store = await openStore({
    databaseUrl: config.DATABASE_URL,
    databaseSchema: config.DATABASE_SCHEMA,
    dataDir: join(config.DATA_DIR, 'pglite'),
    pgliteWorker: config.PGLITE_WORKER === 'on',
    pgliteSharedBuffers: config.PGLITE_SHARED_BUFFERS,
  });
  cleanups.push(() => store.close());
  return store.sql;
}

/**
 * The rate limiters' shared store from `RATE_LIMIT_STORE`; its connection is closed on `close()`. Its client is
 * loaded only when configured: ioredis and pg cost a process on the embedded defaults about 230 ms of start-up.
 */
async function limiterBackend(
  config: Config,
  cleanups: Array<() => Promise<unknown>>,
): Promise<LimiterBackend> {
  if (config.RATE_LIMIT_STORE === 'redis' && config.REDIS_URL) {
    const { Redis } = await import('ioredis');
    const client = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // reconnects by itself; the limiter falls back meanwhile
    cleanups.push(async () => client.disconnect());
    return { kind: 'redis', client };
  }
  if (config.RATE_LIMIT_STORE === 'postgres' && config.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
    cleanups.push(() => pool.end());
    return { kind: 'postgres', pool };
  }
  return { kind: 'memory' };
}

/**
 * Webhooks of `/a2a` tasks: configs per shopper in memory behind the SSRF guard (checked when created and again at
 * each delivery, with connections pinned to the addresses the guard allowed), delivered by `createPushSender`.
 * Receivers are trusted by the public roots and, for a receiver inside the deployment, by the mesh CA.
 */
async function a2aPush(config: Config, logger: Logger, cleanups: Array<() => Promise<unknown>>) {
  const guard = createWebhookGuard({ allowedHosts: config.PUSH_ALLOWED_HOSTS });
  const meshCa = await readFile(join(config.CERTS_DIR, 'ca.pem'), 'utf8').catch(() => undefined);
  const dispatcher = new UndiciAgent({
    connect: {
      lookup: createPinnedLookup({ allowedHosts: config.PUSH_ALLOWED_HOSTS }),
      ca: meshCa ? [...rootCertificates, meshCa] : undefined,
    },
  });
  cleanups.push(() => dispatcher.close());
  const store = guardedPushStore(new InMemoryPushNotificationStore(), guard);
  const fetch = ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof globalThis.fetch;
  return { store, sender: createPushSender({ store, guard, fetch, logger }) };
}

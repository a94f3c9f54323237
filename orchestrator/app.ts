import type { AgentCard } from '@a2a-js/sdk';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../agents/runtime/logger.js';
import { a2aRoutes } from './a2a/index.js';
import { type AccessTokens, RefusedTokenError } from './auth/access-tokens.js';
import type { AccountStore } from './auth/accounts.js';
import type { AuditLog } from './auth/audit-log.js';
import type { LoginGuard } from './auth/login-guard.js';
import { authRoutes } from './auth/routes.js';
import type { ChatService } from './chat/reply.js';
import { chatRoutes } from './chat/routes.js';
import { chatRateLimit } from './edge/chat-rate-limit.js';
import { clientIp } from './edge/client-ip.js';
import type { LimiterFactory } from './edge/limiter-store.js';
import { handleError, httpError, RoleRefusedError } from './errors.js';
import { inspectorRoutes } from './inspector/index.js';
import type { AgentDirectory } from './mesh/agent-directory.js';
import type { ScopePolicy } from './mesh/scope-policy.js';
import type { ServiceTokenMinter } from './mesh/service-tokens.js';
import type { SigningKeys } from './mesh/signing-keys.js';
import { type MetricsQueries, type MetricsRegistry, metricsRoutes } from './metrics/index.js';
import type { ChatLog } from './store/index.js';
import { webRoutes } from './web/index.js';

/** Everything the orchestrator's HTTP app needs, built by `main.ts` (or by tests). */
export interface AppDeps {
  keys: SigningKeys;
  accessTokens: AccessTokens;
  chat: ChatService;
  chatLog: ChatLog;
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
  metrics: MetricsRegistry;
  metricsQueries: MetricsQueries;
  metricsToken?: string;
  /** The orchestrator's own agent card (`loadOrchestratorCard`), served with `POST /a2a` for third-party agents. */
  a2aCard: AgentCard;
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
  app.use(async function requestLog(c, next) {
    const started = performance.now();
    await next();
    logger.info(
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
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['content-type', 'authorization', 'x-request-id'],
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

  app.get('/.well-known/jwks.json', (c) =>
    c.json(keys.jwks, 200, { 'cache-control': 'public, max-age=300' }),
  );

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
        skills: a.card?.skills.map((s) => ({ id: s.id, name: s.name, tags: s.tags })) ?? [],
      })),
    });
  });

  const rateLimit = await chatRateLimit({
    limiters: deps.limiters,
    perClient: deps.chatMessagesPerMinute,
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
    chatRoutes({ chat, chatLog, accessTokens, maxMessageChars: deps.maxMessageChars, rateLimit }),
  );

  app.route(
    '/',
    await a2aRoutes({
      card: deps.a2aCard,
      chat,
      accessTokens,
      limiters: deps.limiters,
      logger,
      tasksPerMinute: deps.chatMessagesPerMinute,
      maxMessageChars: deps.maxMessageChars,
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
  app.route('/api/inspector', inspectorRoutes({ accessTokens, logger, audit, ...deps.inspector }));
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

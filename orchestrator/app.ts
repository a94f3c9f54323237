import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../agents/runtime/logger.js';
import type { AccessTokens } from './auth/access-tokens.js';
import type { AccountStore } from './auth/accounts.js';
import type { AuditLog } from './auth/audit-log.js';
import type { LoginGuard } from './auth/login-guard.js';
import { authRoutes } from './auth/routes.js';
import type { ChatService } from './chat/reply.js';
import { chatRoutes } from './chat/routes.js';
import { chatRateLimit } from './edge/chat-rate-limit.js';
import { clientIp } from './edge/client-ip.js';
import type { LimiterFactory } from './edge/limiter-store.js';
import { handleError, httpError } from './errors.js';
import { inspectorRoutes } from './inspector/index.js';
import type { AgentDirectory } from './mesh/agent-directory.js';
import type { ServiceTokenMinter } from './mesh/service-tokens.js';
import type { SigningKeys } from './mesh/signing-keys.js';
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
  /** The inspector reaches agents' cards through the mesh (mTLS) fetch, only at allowed hosts. */
  inspector: { fetch: typeof fetch; minter: ServiceTokenMinter; allowedHosts: string[] };
}

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Builds the orchestrator's Hono app; no side effects beyond the limiters it asks the factory for. */
export async function createApp(deps: AppDeps) {
  const { keys, accessTokens, chat, chatLog, directory, logger, webDir, audit } = deps;
  const app = new Hono<{ Variables: { requestId: string } }>();
  const allowed = new Set(deps.allowedOrigins.map((o) => new URL(o).origin));

  app.use(
    requestId({
      headerName: 'X-Request-Id',
      limitLength: 128,
      // Accept a caller's id only if it looks like one; otherwise make our own.
      generator: () => crypto.randomUUID(),
    }),
  );
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
  // A browser request from a foreign origin is refused outright, before CORS or any handler runs.
  app.use('/api/*', async function originGuard(c, next) {
    const origin = c.req.header('origin');
    if (origin && !allowed.has(origin)) {
      await audit.record({
        event: 'origin_refused',
        ip: clientIp(c),
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
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw httpError(413, 'body_too_large', 'the request body is too large');
      },
    }),
  );

  app.get('/healthz', (c) => {
    const agents = directory.list().map((a) => ({
      url: a.baseUrl,
      name: a.card?.name ?? null,
      state: a.state,
      lastCheckedAt: a.lastCheckedAt ?? null,
      error: a.lastError ?? null,
    }));
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

  app.get('/api/agents', (c) =>
    c.json({
      agents: directory.list().map((a) => ({
        url: a.baseUrl,
        state: a.state,
        name: a.card?.name ?? null,
        skills: a.card?.skills.map((s) => ({ id: s.id, name: s.name, tags: s.tags })) ?? [],
      })),
    }),
  );

  const rateLimit = await chatRateLimit({
    limiters: deps.limiters,
    perClient: deps.chatMessagesPerMinute,
    onLimited: (c, key) => {
      void audit.record({
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

  app.route('/api/inspector', inspectorRoutes({ accessTokens, logger, ...deps.inspector }));
  app.route('/', webRoutes({ webDir, logger }));
  app.get('/', async (c) => c.html(await readFile(join(webDir, 'index.html'), 'utf8')));
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
    if (!/^[\w.-]+$/.test(file) || !ASSET_TYPES[ext]) throw httpError(404, 'not_found', 'no such asset');
    try {
      const body = await readFile(join(webDir, 'assets', file));
      return c.body(body, 200, { 'content-type': ASSET_TYPES[ext], 'cache-control': 'no-cache' });
    } catch {
      throw httpError(404, 'not_found', 'no such asset');
    }
  });

  app.notFound((c) =>
    c.json({ code: 'not_found', message: 'no such route', requestId: c.get('requestId') }, 404),
  );
  app.onError(handleError(logger));
  return app;
}

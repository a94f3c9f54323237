import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { streamSSE } from 'hono/streaming';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { Logger } from '../../agents/runtime/index.js';
import type { AccessTokens, Shopper } from '../auth/access-tokens.js';
import type { AuditLog } from '../auth/audit-log.js';
import { httpError, RoleRefusedError } from '../errors.js';
import type { ScopePolicy } from '../mesh/scope-policy.js';
import type { ServiceTokenMinter } from '../mesh/service-tokens.js';
import { checkExtraHeaders } from './extra-headers.js';
import { fetchText } from './guarded-fetch.js';
import { cardUrlFor, inspectCard } from './inspect-card.js';
import { callTask, sendTestMessage } from './test-message.js';
import { createUrlGuard, InspectorError, type Lookup } from './url-guard.js';

/** What the inspector API needs; `fetch` is the orchestrator's mTLS mesh fetch. */
export interface InspectorRoutesDeps {
  accessTokens: AccessTokens;
  fetch: typeof fetch;
  minter: ServiceTokenMinter;
  /** Hosts (`host` or `host:port`, or `*.domain`) the inspector may reach; nothing else. */
  allowedHosts: string[];
  logger: Logger;
  /** Name resolution for the SSRF guard; the system resolver by default (tests pass their own). */
  lookup?: Lookup;
  /** The chat's scope policy (the default one unless given): test tokens follow it too. */
  scopePolicy?: ScopePolicy;
  /** Where each test message is recorded: staff acting on agents in a shopper-like role is a security event. */
  audit?: AuditLog;
  /** This deployment's card-signing keys, so its own cards verify without fetching their `jku`. */
  trustedKeys?: JWK[];
}

type InspectorEnv = { Variables: { requestId: string; staff: Shopper } };

const STAFF = new Set(['operator', 'admin']);

const inspectBody = z.object({ url: z.string().trim().min(1).max(2048) }).strict();
// Extra headers arrive as a name → value map; `checkExtraHeaders` refuses what may not be sent.
const extraHeaders = z.record(z.string().max(200), z.string().max(2048)).optional();
const sendBody = z
  .object({
    url: z.string().trim().min(1).max(2048),
    skill: z.string().min(1).max(200),
    text: z.string().trim().min(1).max(2000),
    locale: z.enum(['pt-BR', 'en']).default('pt-BR'),
    /** The conversation a turn continues (from the agent's previous answer). */
    contextId: z.string().max(200).optional(),
    /** The task a turn continues (one the agent left waiting for input). */
    taskId: z.string().max(200).optional(),
    headers: extraHeaders,
    binding: z.enum(['JSONRPC', 'HTTP+JSON']).default('JSONRPC'),
  })
  .strict();
const taskBody = z
  .object({
    url: z.string().trim().min(1).max(2048),
    skill: z.string().min(1).max(200),
    taskId: z.string().min(1).max(200),
    method: z.enum(['GetTask', 'CancelTask']),
    headers: extraHeaders,
    binding: z.enum(['JSONRPC', 'HTTP+JSON']).default('JSONRPC'),
  })
  .strict();

async function json(c: { req: { json(): Promise<unknown> } }): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw httpError(400, 'invalid_json', 'the body must be valid JSON');
  }
}

function refused(error: unknown): never {
  if (error instanceof InspectorError) {
    const status =
      error.code === 'host_not_allowed' || error.code === 'private_address'
        ? 403
        : error.code === 'unreachable' || error.code === 'timeout'
          ? 503
          : 400;
    throw httpError(status, error.code, error.message);
  }
  throw error;
}

/**
 * Mount with `app.route('/api/inspector', inspectorRoutes(deps))`. The agent-card inspector's API, for operators
 * and admins only (it acts with the orchestrator's mesh certificate): `GET /hosts`, `POST /inspect { url }`, and
 * `POST /send { url, skill, text, contextId?, taskId?, headers?, binding? }`, which streams the raw request and
 * the agent's events as SSE, and `POST /task { url, skill, taskId, method: GetTask | CancelTask, headers?,
 * binding? }`, which answers the raw exchange; `binding` is `JSONRPC` (default) or `HTTP+JSON`. Extra headers never replace the minted token (see `checkExtraHeaders`).
 */
export function inspectorRoutes(deps: InspectorRoutesDeps) {
  const { accessTokens, fetch, minter, logger } = deps;
  const guard = createUrlGuard({ allowedHosts: deps.allowedHosts, lookup: deps.lookup });
  const app = new Hono<InspectorEnv>();

  app.use(
    createMiddleware<InspectorEnv>(async function requireStaff(c, next) {
      const caller = await accessTokens.verify(c.req.header('authorization'));
      if (!STAFF.has(caller.role)) {
        throw new RoleRefusedError(caller, 'the inspector is for operators and admins');
      }
      c.set('staff', caller);
      await next();
    }),
  );

  app.get('/hosts', (c) => c.json({ allowedHosts: guard.allowedHosts }));

  app.post('/inspect', async (c) => {
    const { url } = inspectBody.parse(await json(c));
    const report = await inspectCard({ input: url, fetch, guard, trustedKeys: deps.trustedKeys }).catch(
      refused,
    );
    logger.info(
      {
        requestId: c.get('requestId'),
        subject: c.get('staff').subject,
        url: report.url,
        valid: report.valid,
      },
      'card inspected',
    );
    return c.json(report);
  });

  /** The card at `url`, fetched through the guard. */
  async function cardAt(url: string) {
    const fetched = await fetchText({ fetch, guard, url: cardUrlFor(url) }).catch(refused);
    try {
      return { url: fetched.url, card: JSON.parse(fetched.text) as unknown };
    } catch {
      throw httpError(400, 'not_json', 'the card is not JSON');
    }
  }

  app.post('/send', async (c) => {
    const body = sendBody.parse(await json(c));
    let headers: Record<string, string>;
    try {
      headers = checkExtraHeaders(body.headers);
    } catch (error) {
      refused(error);
    }
    const staff = c.get('staff');
    const requestId = c.get('requestId') ?? crypto.randomUUID();
    const fetched = await cardAt(body.url);
    const card = fetched.card;
    const abort = new AbortController();
    const events = sendTestMessage({
      card,
      skill: body.skill,
      text: body.text,
      locale: body.locale,
      contextId: body.contextId,
      taskId: body.taskId,
      extraHeaders: headers,
      binding: body.binding,
      caller: staff,
      correlationId: requestId,
      fetch,
      guard,
      minter,
      signal: abort.signal,
      scopePolicy: deps.scopePolicy,
    });
    // The first step (card, skill, guard, token) fails as a plain HTTP error, before the stream starts.
    const first = await events.next().catch(refused);
    logger.info(
      { requestId, subject: staff.subject, url: fetched.url, skill: body.skill },
      'inspector test message',
    );
    await deps.audit?.record({
      event: 'inspector_test_message',
      subject: staff.subject,
      requestId,
      details: {
        role: staff.role,
        url: fetched.url,
        skill: body.skill,
        binding: body.binding,
        extraHeaders: Object.keys(headers),
      },
    });
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => abort.abort());
      if (!first.done) await stream.writeSSE({ event: first.value.type, data: JSON.stringify(first.value) });
      for await (const event of events) {
        await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
      }
    });
  });

  app.post('/task', async (c) => {
    const body = taskBody.parse(await json(c));
    let headers: Record<string, string>;
    try {
      headers = checkExtraHeaders(body.headers);
    } catch (error) {
      refused(error);
    }
    const staff = c.get('staff');
    const requestId = c.get('requestId') ?? crypto.randomUUID();
    const { url, card } = await cardAt(body.url);
    const result = await callTask({
      card,
      skill: body.skill,
      method: body.method,
      taskId: body.taskId,
      extraHeaders: headers,
      binding: body.binding,
      caller: staff,
      correlationId: requestId,
      fetch,
      guard,
      minter,
      scopePolicy: deps.scopePolicy,
    }).catch(refused);
    logger.info(
      { requestId, subject: staff.subject, url, method: body.method, taskId: body.taskId },
      'inspector task call',
    );
    await deps.audit?.record({
      event: 'inspector_test_message',
      subject: staff.subject,
      requestId,
      details: {
        role: staff.role,
        url,
        skill: body.skill,
        method: body.method,
        taskId: body.taskId,
        binding: body.binding,
      },
    });
    return c.json(result);
  });

  return app;
}

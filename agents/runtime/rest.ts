import {
  A2A_CONTENT_TYPE,
  A2A_VERSION_HEADER,
  type AgentCard,
  AgentCard as AgentCardJson,
  formatSSEErrorEvent,
  formatSSEEvent,
  ListTaskPushNotificationConfigsResponse,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  SSE_HEADERS,
  StreamResponse,
  Task,
  TaskPushNotificationConfig,
  taskStateFromJSON,
} from '@a2a-js/sdk';
import {
  ContentTypeNotSupportedError,
  HTTP_STATUS,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  restStatusFor,
  toRestErrorBody,
} from '@a2a-js/sdk/errors';
import {
  type A2ARequestHandler,
  defaultServerCallContextBuilder,
  type ServerCallContext,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { Context } from 'hono';
import { requiredScopeSets } from './card.js';
import {
  authorizeCall,
  bearerChallenge,
  type JsonRpcRouteOptions,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  requestedSkill,
  TokenUser,
  unacceptedMediaTypes,
} from './json-rpc.js';
import type { Logger } from './logger.js';
import type { AgentEnv } from './peer.js';
import { type ServiceTokenClaims, ServiceTokenError } from './service-token.js';

/** The same options as the JSON-RPC handler: one card, one request handler, one token rule for both bindings. */
export type RestRouteOptions = JsonRpcRouteOptions;

/** The body of an HTTP+JSON error (`google.rpc.Status` shape, as the SDK's REST binding answers). */
export function restError(status: number, name: string, message: string) {
  return { error: { code: status, status: name, message, details: [] } };
}

/** Refusal body of an untrusted mesh caller on the HTTP+JSON binding (see `trustedCallers`). */
export const REST_CALLER_REFUSED = restError(403, 'PERMISSION_DENIED', 'this caller may not call this agent');

/** Refusal body of a body over the size limit on the HTTP+JSON binding. */
export const REST_BODY_TOO_LARGE = restError(413, 'RESOURCE_EXHAUSTED', 'request body too large');

type Route =
  | { op: 'send' | 'stream' | 'listTasks' | 'extendedCard' }
  | { op: 'getTask' | 'cancel' | 'subscribe' | 'createPush' | 'listPush'; taskId: string }
  | { op: 'getPush' | 'deletePush'; taskId: string; configId: string };

/** The A2A v1.0 HTTP+JSON operation of a method and a path below the interface URL, if any. */
export function restRoute(method: string, path: string): Route | undefined {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (method === 'POST' && p === '/message:send') return { op: 'send' };
  if (method === 'POST' && p === '/message:stream') return { op: 'stream' };
  if (method === 'GET' && p === '/tasks') return { op: 'listTasks' };
  if (method === 'GET' && p === '/extendedAgentCard') return { op: 'extendedCard' };
  let m = /^\/tasks\/([^/]+?)(:cancel|:subscribe)?$/.exec(p);
  if (m?.[1]) {
    const taskId = decode(m[1]);
    if (!m[2] && method === 'GET') return { op: 'getTask', taskId };
    if (m[2] === ':cancel' && method === 'POST') return { op: 'cancel', taskId };
    if (m[2] === ':subscribe' && (method === 'GET' || method === 'POST')) return { op: 'subscribe', taskId };
    return undefined;
  }
  m = /^\/tasks\/([^/]+)\/pushNotificationConfigs(?:\/([^/]+))?$/.exec(p);
  if (m?.[1]) {
    const taskId = decode(m[1]);
    if (m[2] === undefined) {
      if (method === 'POST') return { op: 'createPush', taskId };
      if (method === 'GET') return { op: 'listPush', taskId };
      return undefined;
    }
    const configId = decode(m[2]);
    if (method === 'GET') return { op: 'getPush', taskId, configId };
    if (method === 'DELETE') return { op: 'deletePush', taskId, configId };
  }
  return undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const BODY_OPS = new Set<Route['op']>(['send', 'stream', 'createPush']);

/**
 * The Hono handler of the A2A HTTP+JSON binding (`POST /message:send`, `POST /message:stream`, `GET /tasks/{id}`,
 * `POST /tasks/{id}:cancel`, `GET|POST /tasks/{id}:subscribe`, `GET /tasks`, push configs, `GET /extendedAgentCard`)
 * under the interface path `prefix`, with the JSON-RPC handler's checks in the same order: media type of the body
 * (415), nesting depth (400), JSON (400), the bearer token for the skill and its scopes (401/403/503 with
 * `WWW-Authenticate`), the media types of the message's parts (415 `ContentTypeNotSupportedError`, as the specification maps it), the A2A-Version
 * of the HTTP+JSON interface; then the call goes to the SDK's request handler, as the SDK's own REST transport does.
 * Errors are the SDK's REST error bodies; streams are SSE once their first item is there (an error before it is
 * the HTTP error itself). The mTLS caller check and the body limit are the mounting app's middleware.
 */
export function createRestHandler(options: RestRouteOptions & { prefix: string }) {
  const { card, requestHandler, verifier, logger, maxDepth = MAX_JSON_DEPTH } = options;
  const prefix = options.prefix.replace(/\/+$/, '');
  const correlationIdOf = options.correlationIdOf ?? ((c: Context<AgentEnv>) => c.req.header('x-request-id'));
  const anySkillScopes = card.skills.flatMap((s) => requiredScopeSets(card, s.id) ?? []);

  const fail = (c: Context<AgentEnv>, error: unknown) => {
    // The specification maps ContentTypeNotSupportedError to 415 (the SDK answers 400; the TCK wants 415).
    const status = error instanceof ContentTypeNotSupportedError ? 415 : restStatusFor(error);
    if (status >= 500) logger.error({ err: error, path: c.req.path }, 'HTTP+JSON call failed');
    const body = toRestErrorBody(status >= 500 ? new Error('internal error') : error, status);
    return c.json(body, status as 400);
  };

  return async function a2aRest(c: Context<AgentEnv>): Promise<Response> {
    const route = restRoute(c.req.method, c.req.path.slice(prefix.length) || '/');
    if (!route) return c.json(restError(404, 'NOT_FOUND', 'no such A2A operation'), 404);
    const contentType = c.req.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
    if (contentType && contentType !== 'application/json' && contentType !== A2A_CONTENT_TYPE) {
      return fail(c, new ContentTypeNotSupportedError(`unsupported content type ${contentType}`));
    }
    let body: Record<string, unknown> = {};
    if (BODY_OPS.has(route.op)) {
      const text = await c.req.text();
      if (jsonDepthExceeds(text, maxDepth)) {
        return fail(c, new RequestMalformedError(`the request nests deeper than ${maxDepth} levels`));
      }
      try {
        const parsed: unknown = JSON.parse(text || '{}');
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return fail(c, new RequestMalformedError('invalid JSON payload'));
      }
    }
    const correlationId = correlationIdOf(c);
    const sentSkill = route.op === 'send' || route.op === 'stream' ? requestedSkill(card, body) : undefined;

    let claims: ServiceTokenClaims;
    try {
      claims = await authorizeCall({
        card,
        verifier,
        authorization: c.req.header('authorization'),
        skill: sentSkill,
        anySkillScopes,
      });
    } catch (error) {
      if (!(error instanceof ServiceTokenError)) throw error;
      logger.warn(
        {
          event: 'token_refused',
          reason: error.reason,
          method: route.op,
          correlationId,
          peer: c.get('peer'),
        },
        'service token refused',
      );
      await options.onRefused?.(c, error);
      const name =
        error.status === 403 ? 'PERMISSION_DENIED' : error.status === 503 ? 'UNAVAILABLE' : 'UNAUTHENTICATED';
      return c.json(restError(error.status, name, error.message), error.status, {
        'WWW-Authenticate': bearerChallenge(error),
      });
    }

    if (sentSkill !== undefined) {
      const refused = unacceptedMediaTypes(card, sentSkill, body.message);
      if (refused) {
        return fail(
          c,
          new ContentTypeNotSupportedError(
            `skill "${sentSkill}" accepts ${refused.accepted.join(', ')}, not ${refused.sent.join(', ')}`,
          ),
        );
      }
    }

    const context = defaultServerCallContextBuilder({
      extensions: undefined,
      user: new TokenUser(claims),
      headers: Object.fromEntries(c.req.raw.headers),
      requestedVersion: c.req.header(A2A_VERSION_HEADER) || undefined,
    });
    for (const [key, value] of Object.entries(options.stateOf?.(c) ?? {})) context.state.set(key, value);
    context.state.set('claims', claims);
    context.state.set('correlationId', correlationId ?? claims.cid);
    try {
      validateVersion(context.requestedVersion, card, 'HTTP+JSON');
      return await dispatch(c, route, body, context, requestHandler, card, logger);
    } catch (error) {
      return fail(c, error);
    }
  };
}

async function dispatch(
  c: Context<AgentEnv>,
  route: Route,
  body: Record<string, unknown>,
  context: ServerCallContext,
  handler: A2ARequestHandler,
  card: AgentCard,
  logger: Logger,
): Promise<Response> {
  // `application/json`, as the specification's HTTP+JSON binding wants (§11.1), whichever of the two was sent.
  const json = (value: unknown, status = 200) => c.json(value as object, status as 200);
  const query = (name: string) => c.req.query(name);
  switch (route.op) {
    case 'send':
    case 'stream': {
      const params = SendMessageRequest.fromJSON(body);
      if (!params.message?.messageId) throw new RequestMalformedError('message.messageId is required');
      if (route.op === 'stream') return streamResponse(handler.sendMessageStream(params, context), logger);
      const result = await handler.sendMessage(params, context);
      const payload =
        'messageId' in result
          ? { $case: 'message' as const, value: result }
          : { $case: 'task' as const, value: result };
      return json(SendMessageResponse.toJSON({ payload }));
    }
    case 'getTask': {
      const history = query('historyLength');
      const historyLength = history === undefined || history === '' ? undefined : nonNegative(history);
      const task = await handler.getTask({ id: route.taskId, tenant: '', historyLength }, context);
      return json(Task.toJSON(task));
    }
    case 'cancel':
      return json(
        Task.toJSON(await handler.cancelTask({ id: route.taskId, tenant: '', metadata: {} }, context)),
      );
    case 'subscribe':
      return streamResponse(handler.resubscribe({ id: route.taskId, tenant: '' }, context), logger);
    case 'listTasks': {
      const pageSize = query('pageSize');
      const history = query('historyLength');
      const status = query('status');
      const result = await handler.listTasks(
        {
          tenant: '',
          contextId: query('contextId') ?? '',
          status: status ? taskStateFromJSON(Number.isNaN(Number(status)) ? status : Number(status)) : 0,
          pageSize: pageSize ? boundedPageSize(pageSize) : undefined,
          pageToken: query('pageToken') ?? '',
          historyLength: history ? nonNegative(history) : undefined,
          statusTimestampAfter: query('statusTimestampAfter') || undefined,
          includeArtifacts: query('includeArtifacts') === 'true',
        },
        context,
      );
      return json(ListTasksResponse.toJSON(result));
    }
    case 'extendedCard':
      return json(
        AgentCardJson.toJSON(await handler.getAuthenticatedExtendedAgentCard({ tenant: '' }, context)),
      );
    case 'createPush': {
      if (!card.capabilities?.pushNotifications) throw new PushNotificationNotSupportedError();
      const config = TaskPushNotificationConfig.fromJSON({ ...body, taskId: route.taskId });
      const created = await handler.createTaskPushNotificationConfig(config, context);
      return json(TaskPushNotificationConfig.toJSON(created), HTTP_STATUS.CREATED);
    }
    case 'listPush': {
      const list = await handler.listTaskPushNotificationConfigs(
        { taskId: route.taskId, pageSize: 0, pageToken: '', tenant: '' },
        context,
      );
      return json(ListTaskPushNotificationConfigsResponse.toJSON(list));
    }
    case 'getPush': {
      const config = await handler.getTaskPushNotificationConfig(
        { taskId: route.taskId, id: route.configId, tenant: '' },
        context,
      );
      return json(TaskPushNotificationConfig.toJSON(config));
    }
    case 'deletePush':
      await handler.deleteTaskPushNotificationConfig(
        { taskId: route.taskId, id: route.configId, tenant: '' },
        context,
      );
      return c.body(null, 204);
  }
}

function nonNegative(value: string): number {
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || n < 0)
    throw new RequestMalformedError('historyLength must be a non-negative integer');
  return n;
}

function boundedPageSize(value: string): number {
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || String(n) !== value.trim() || n < 1 || n > 100) {
    throw new RequestMalformedError('pageSize must be an integer between 1 and 100');
  }
  return n;
}

/**
 * Streams events as SSE once the first is there; an error before it (an unknown or finished task) is thrown, so
 * it becomes the HTTP error response itself. Stops the SDK's generator when the client goes away.
 */
async function streamResponse(
  stream: AsyncGenerator<StreamResponse, void, undefined>,
  logger: Logger,
): Promise<Response> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const encoder = new TextEncoder();
  let pending: IteratorResult<StreamResponse, void> | undefined = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(formatSSEEvent(StreamResponse.toJSON(next.value))));
      } catch (error) {
        logger.error({ err: error }, 'error while streaming a task (HTTP+JSON)');
        const status = restStatusFor(error);
        const shown = status >= 500 ? new Error('internal error') : error;
        controller.enqueue(encoder.encode(formatSSEErrorEvent(toRestErrorBody(shown, status))));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.(undefined);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

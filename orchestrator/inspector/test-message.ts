import { randomUUID } from 'node:crypto';
import { A2A_VERSION_HEADER, AgentCard, Role, SendMessageRequest } from '@a2a-js/sdk';
import { decodeJwt } from 'jose';
import { readEventStream, requiredScopeSets } from '../../agents/runtime/index.js';
import type { Shopper } from '../auth/access-tokens.js';
import { DEFAULT_SCOPE_POLICY, grantScopes, type ScopePolicy } from '../mesh/scope-policy.js';
import type { ServiceTokenMinter } from '../mesh/service-tokens.js';
import { describe, readLimited } from './guarded-fetch.js';
import { InspectorError, type UrlGuard } from './url-guard.js';

/** What the inspector streams to the page about a test message, each stamped with ms since the request left. */
export type TestMessageEvent =
  | {
      type: 'request';
      ms: 0;
      method: 'POST';
      url: string;
      headers: Record<string, string>;
      body: unknown;
      token: Record<string, unknown>;
      /** Scopes withheld because the caller's role may not hold them: the agent should refuse. */
      withheldScopes: string[];
    }
  | { type: 'response'; ms: number; status: number; contentType: string }
  | { type: 'event'; ms: number; event: string; data: unknown }
  | { type: 'error'; ms: number; message: string }
  | { type: 'end'; ms: number; events: number };

/** Limits of a test message's exchange. */
export const TEST_MESSAGE_LIMITS = { maxBytes: 1024 * 1024, timeoutMs: 30_000 };

/** What a test call needs besides its own parameters. */
export interface TestCallOptions {
  card: unknown;
  skill: string;
  caller: Shopper;
  correlationId: string;
  fetch: typeof fetch;
  guard: UrlGuard;
  minter: ServiceTokenMinter;
  /** Extra request headers, already checked by `checkExtraHeaders`; the minted token always wins. */
  extraHeaders?: Record<string, string>;
  /** The scope policy the chat follows; the caller's token gets no scope its role may not hold. */
  scopePolicy?: ScopePolicy;
  /** The interface to call: JSON-RPC (the default) or HTTP+JSON (REST), as the card declares them. */
  binding?: TestBinding;
}

/** The A2A bindings the inspector can call. */
export type TestBinding = 'JSONRPC' | 'HTTP+JSON';

/** The interface URL of the card (through the guard) and a service token minted for the caller and skill. */
async function prepareCall(options: TestCallOptions) {
  let card: AgentCard;
  try {
    card = AgentCard.fromJSON(options.card);
  } catch (error) {
    throw new InspectorError('not_json', `the card cannot be read: ${(error as Error).message}`);
  }
  const binding = options.binding ?? 'JSONRPC';
  const chosen = card.supportedInterfaces.find((i) => i.protocolBinding === binding);
  if (!chosen?.url) {
    throw new InspectorError('url_invalid', `the card declares no ${binding} interface to send to`);
  }
  const audience = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC')?.url ?? chosen.url;
  const url = await options.guard.check(chosen.url);
  const skill = card.skills.find((s) => s.id === options.skill);
  if (!skill) throw new InspectorError('url_invalid', `the card has no skill "${options.skill}"`);
  const required = requiredScopeSets(card, skill.id)?.[0] ?? [];
  // Least privilege holds for staff too: the inspector is no way around the scope policy.
  const grant = grantScopes(options.scopePolicy ?? DEFAULT_SCOPE_POLICY, options.caller.role, required);
  const withheldScopes = grant.granted ? [] : grant.missing;
  const scopes = required.filter((s) => !withheldScopes.includes(s));
  const token = await options.minter.mint({
    audience,
    subject: options.caller.subject,
    role: options.caller.role,
    skill: skill.id,
    scopes,
    correlationId: options.correlationId,
  });
  return { url, skill, token, withheldScopes, rest: binding === 'HTTP+JSON' };
}

/** `path` under a REST interface URL (`…/rest` + `/tasks/x` → `…/rest/tasks/x`). */
function under(base: URL, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** The headers of a test call: the inspector's own, then the operator's extra ones, then the minted token. */
function callHeaders(options: TestCallOptions, accept: string, token: string) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept,
    [A2A_VERSION_HEADER]: '1.0',
    'x-request-id': options.correlationId,
    ...options.extraHeaders,
  };
  return {
    sent: { ...headers, authorization: `Bearer ${token}` },
    // The token itself stays on the server: the page sees its claims.
    shown: { ...headers, authorization: `Bearer ${token.slice(0, 12)}… (service token, redacted)` },
  };
}

/** What `callTask` answers: the raw request (token redacted) and the agent's raw JSON-RPC response. */
export interface TaskCallResult {
  request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body: unknown };
  response: { status: number; ms: number; body: unknown };
}

/**
 * Calls `GetTask` or `CancelTask` for `taskId` on the agent described by `card` over JSON-RPC (or HTTP+JSON), with a service
 * token minted for the caller and `skill` (the skill the task was started with), and returns the raw exchange. The
 * answer is read within {@link TEST_MESSAGE_LIMITS}; redirects are not followed.
 */
export async function callTask(
  options: TestCallOptions & {
    method: 'GetTask' | 'CancelTask';
    taskId: string;
    signal?: AbortSignal;
    limits?: typeof TEST_MESSAGE_LIMITS;
  },
): Promise<TaskCallResult> {
  const limits = options.limits ?? TEST_MESSAGE_LIMITS;
  const { url: base, token, rest } = await prepareCall(options);
  const id = encodeURIComponent(options.taskId);
  // HTTP+JSON: GET /tasks/{id} and POST /tasks/{id}:cancel, as the SDK's REST transport calls them.
  const url = !rest
    ? base
    : options.method === 'GetTask'
      ? under(base, `/tasks/${id}`)
      : under(base, `/tasks/${id}:cancel`);
  const method = rest && options.method === 'GetTask' ? 'GET' : 'POST';
  const body = rest
    ? undefined
    : { jsonrpc: '2.0', id: randomUUID(), method: options.method, params: { id: options.taskId } };
  const headers = callHeaders(options, 'application/json', token);
  const request = { method: method as 'GET' | 'POST', url: url.href, headers: headers.shown, body };
  const started = performance.now();
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  try {
    response = await options.fetch(url, {
      method,
      headers: headers.sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw new InspectorError(
      timeout.aborted ? 'timeout' : 'unreachable',
      timeout.aborted ? 'no answer in time' : `cannot reach the agent: ${describe(error)}`,
    );
  }
  const text = await readLimited(response, limits.maxBytes, signal, url);
  return {
    request,
    response: { status: response.status, ms: Math.round(performance.now() - started), body: parseJson(text) },
  };
}

/**
 * Sends `text` to one skill of the agent described by `card` as an A2A `SendStreamingMessage` over JSON-RPC (or
 * `POST /message:stream` over HTTP+JSON), with a service token minted for `caller`, and yields the raw request,
 * then each SSE event as it arrives. The interface URL must pass the guard; redirects are not followed. A `contextId` continues that conversation (a turn of a
 * multi-turn chat), a `taskId` continues that task (one waiting for input).
 */
export async function* sendTestMessage(
  options: TestCallOptions & {
    text: string;
    locale?: string;
    contextId?: string;
    taskId?: string;
    signal?: AbortSignal;
    limits?: typeof TEST_MESSAGE_LIMITS;
  },
): AsyncGenerator<TestMessageEvent> {
  const limits = options.limits ?? TEST_MESSAGE_LIMITS;
  const { url: base, skill, token, withheldScopes, rest } = await prepareCall(options);
  const params = SendMessageRequest.toJSON({
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId: options.contextId ?? '',
      taskId: options.taskId ?? '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text', value: options.text },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: { locale: options.locale ?? 'pt-BR', skill: skill.id, inspector: true },
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: { skill: skill.id },
  });
  // HTTP+JSON: the request itself to POST /message:stream; JSON-RPC: SendStreamingMessage around it.
  const url = rest ? under(base, '/message:stream') : base;
  const body = rest ? params : { jsonrpc: '2.0', id: randomUUID(), method: 'SendStreamingMessage', params };
  const headers = callHeaders(options, 'text/event-stream', token);
  const claims = decodeJwt(token);
  yield {
    type: 'request',
    ms: 0,
    method: 'POST',
    url: url.href,
    headers: headers.shown,
    body,
    token: claims,
    withheldScopes,
  };

  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: 'POST',
      headers: headers.sent,
      body: JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    yield {
      type: 'error',
      ms: ms(),
      message: timeout.aborted ? 'no answer in time' : `cannot reach the agent: ${describe(error)}`,
    };
    return;
  }
  const contentType = response.headers.get('content-type') ?? '';
  yield { type: 'response', ms: ms(), status: response.status, contentType };
  if (!contentType.includes('text/event-stream') || !response.body) {
    try {
      const text = await readLimited(response, limits.maxBytes, signal, url);
      yield { type: 'event', ms: ms(), event: 'body', data: parseJson(text) };
      yield { type: 'end', ms: ms(), events: 1 };
    } catch (error) {
      yield { type: 'error', ms: ms(), message: (error as Error).message };
    }
    return;
  }
  let size = 0;
  let count = 0;
  // The chunk that passes the limit is not read: the stream ends there and its source is cancelled.
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) controller.terminate();
        else controller.enqueue(chunk);
      },
    }),
  );
  try {
    for await (const { event, data } of readEventStream(limited)) {
      count++;
      yield { type: 'event', ms: ms(), event, data: parseJson(data) };
    }
    if (size > limits.maxBytes) {
      yield {
        type: 'error',
        ms: ms(),
        message: `the stream passed the limit of ${limits.maxBytes} bytes; stopped reading`,
      };
      return;
    }
    yield { type: 'end', ms: ms(), events: count };
  } catch (error) {
    yield {
      type: 'error',
      ms: ms(),
      message: timeout.aborted
        ? `the stream took longer than ${limits.timeoutMs} ms`
        : `the stream broke off: ${describe(error)}`,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

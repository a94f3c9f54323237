import {
  A2A_VERSION_HEADER,
  type AgentCard,
  formatSSEErrorEvent,
  formatSSEEvent,
  SSE_HEADERS,
} from '@a2a-js/sdk';
import { ContentTypeNotSupportedError } from '@a2a-js/sdk/errors';
import {
  type A2ARequestHandler,
  defaultServerCallContextBuilder,
  JsonRpcTransportHandler,
  type User,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { Context } from 'hono';
import { requiredScopeSets } from './card.js';
import type { Logger } from './logger.js';
import type { AgentEnv } from './peer.js';
import {
  hasScopes,
  type ServiceTokenClaims,
  ServiceTokenError,
  type TokenVerifier,
} from './service-token.js';

/** JSON-RPC error codes this runtime adds for refused credentials (the A2A spec leaves them to HTTP 401/403). */
export const AUTH_ERROR_CODE = { UNAUTHENTICATED: -32010, FORBIDDEN: -32011, UNAVAILABLE: -32012 } as const;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const CONTENT_TYPE_NOT_SUPPORTED = -32005;
const SEND_METHODS = new Set(['SendMessage', 'SendStreamingMessage']);

/** The authenticated caller of a task: the shopper named by the token's subject. */
export class TokenUser implements User {
  constructor(readonly claims: ServiceTokenClaims) {}
  get isAuthenticated() {
    return true;
  }
  get userName() {
    return this.claims.sub;
  }
}

type RpcId = string | number | null;

function rpcError(id: RpcId, code: number, message: string) {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

export interface JsonRpcRouteOptions {
  card: AgentCard;
  requestHandler: A2ARequestHandler;
  verifier: TokenVerifier;
  logger: Logger;
  /** The request's correlation id; defaults to the caller's `X-Request-Id` header (else the token's `cid`). */
  correlationIdOf?: (c: Context<AgentEnv>) => string | undefined;
  /** Told of each refused token after it is logged (the orchestrator's own A2A agent audits them). */
  onRefused?: (c: Context<AgentEnv>, error: ServiceTokenError) => Promise<void>;
  /** More of the request for the executor, put in the call context's `state` (e.g. the caller's address). */
  stateOf?: (c: Context<AgentEnv>) => Record<string, unknown>;
  /** Deepest nesting of arrays and objects accepted in a body (default {@link MAX_JSON_DEPTH}). */
  maxDepth?: number;
}

/** Default nesting limit of a JSON-RPC body: far above any real A2A request (about 6), far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * The Hono handler for A2A JSON-RPC: checks the content type, refuses a body nested deeper than `maxDepth`
 * (`-32600`), verifies the bearer service token (audience, signature, expiry, and the scopes of the requested
 * skill), refuses a message none of whose parts has a media type the skill accepts (`-32005`), checks the
 * A2A-Version, then hands the call to the SDK's `JsonRpcTransportHandler`. Streams are answered as SSE once their
 * first item is there; an error before it (an unknown or finished task) is the JSON-RPC response itself.
 */
export function createJsonRpcHandler(options: JsonRpcRouteOptions) {
  const { card, requestHandler, verifier, logger, maxDepth = MAX_JSON_DEPTH } = options;
  const correlationIdOf = options.correlationIdOf ?? ((c: Context<AgentEnv>) => c.req.header('x-request-id'));
  const transport = new JsonRpcTransportHandler(requestHandler);
  const anySkillScopes = card.skills.flatMap((s) => requiredScopeSets(card, s.id) ?? []);

  return async function a2aJsonRpc(c: Context<AgentEnv>): Promise<Response> {
    const contentType = c.req.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
    if (contentType && contentType !== 'application/json' && contentType !== 'application/a2a+json') {
      return c.json(
        rpcError(null, CONTENT_TYPE_NOT_SUPPORTED, `unsupported content type ${contentType}`),
        415,
      );
    }
    let body: Record<string, unknown>;
    try {
      const text = await c.req.text();
      if (jsonDepthExceeds(text, maxDepth)) {
        return c.json(
          rpcError(null, INVALID_REQUEST, `the request nests deeper than ${maxDepth} levels`),
          400,
        );
      }
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return c.json(rpcError(null, INVALID_REQUEST, 'the request must be one JSON-RPC object'), 400);
      }
      body = parsed as Record<string, unknown>;
    } catch {
      return c.json(rpcError(null, PARSE_ERROR, 'invalid JSON payload'), 400);
    }
    const id = (typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null) as RpcId;
    const method = typeof body.method === 'string' ? body.method : '';
    const correlationId = correlationIdOf(c);

    let claims: ServiceTokenClaims;
    const sentSkill = SEND_METHODS.has(method) ? requestedSkill(card, body.params) : undefined;
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
        { event: 'token_refused', reason: error.reason, method, correlationId, peer: c.get('peer') },
        'service token refused',
      );
      await options.onRefused?.(c, error);
      const code =
        error.status === 403
          ? AUTH_ERROR_CODE.FORBIDDEN
          : error.status === 503
            ? AUTH_ERROR_CODE.UNAVAILABLE
            : AUTH_ERROR_CODE.UNAUTHENTICATED;
      return c.json(rpcError(id, code, error.message), error.status, {
        'WWW-Authenticate': bearerChallenge(error),
      });
    }

    if (sentSkill !== undefined) {
      const refused = unacceptedMediaTypes(card, sentSkill, (body.params as { message?: unknown })?.message);
      if (refused) {
        const mapped = JsonRpcTransportHandler.mapToJSONRPCError(
          new ContentTypeNotSupportedError(
            `skill "${sentSkill}" accepts ${refused.accepted.join(', ')}, not ${refused.sent.join(', ')}`,
          ),
        );
        return c.json({ jsonrpc: '2.0', id, error: mapped }, 400);
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
    // The task's own correlation id; the token's `cid` names the request that minted it (tokens are reused).
    context.state.set('correlationId', correlationId ?? claims.cid);
    try {
      validateVersion(context.requestedVersion, card, 'JSONRPC');
    } catch (error) {
      const mapped = JsonRpcTransportHandler.mapToJSONRPCError(error);
      return c.json({ jsonrpc: '2.0', id, error: mapped }, 400);
    }

    const result = await transport.handle(body, context);
    if (!isAsyncIterable(result)) return c.json(result);
    // The first item decides the answer: an error before it (an unknown task, a finished one) is the JSON-RPC
    // response itself, not an SSE stream carrying it (as the SDK's own Express adapter does).
    const iterator = result[Symbol.asyncIterator]();
    let first: IteratorResult<unknown>;
    try {
      first = await iterator.next();
    } catch (error) {
      return c.json({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) });
    }
    return sseResponse(iterator, first, id, logger);
  };
}

/** The skill a send names (`metadata.skill`, else the message's `metadata.skill`, else the card's first skill). */
export function requestedSkill(card: AgentCard, params: unknown): string {
  const p = (params ?? {}) as {
    metadata?: { skill?: unknown };
    message?: { metadata?: { skill?: unknown } };
  };
  const requested = p.metadata?.skill ?? p.message?.metadata?.skill ?? card.skills[0]?.id;
  return typeof requested === 'string' ? requested : '';
}

/**
 * Verifies the bearer token of a call: for a send (`skill` given) the token must be for that skill of the card and
 * carry its scopes; for any other call, the scopes of one of the card's skills (`anySkillScopes`). Throws a
 * {@link ServiceTokenError} (401, 403 or 503) when refused; the same rule for every binding.
 */
export async function authorizeCall(options: {
  card: AgentCard;
  verifier: TokenVerifier;
  authorization: string | undefined;
  skill: string | undefined;
  anySkillScopes: string[][];
}): Promise<ServiceTokenClaims> {
  const { card, skill, anySkillScopes } = options;
  const claims = await options.verifier.verify(options.authorization);
  if (skill !== undefined) {
    const required = requiredScopeSets(card, skill);
    if (!required) throw new ServiceTokenError('wrong_skill', `this agent has no skill "${skill}"`);
    if (claims.skill !== skill) {
      throw new ServiceTokenError(
        'wrong_skill',
        `the service token is for skill "${claims.skill}", not "${skill}"`,
      );
    }
    if (!hasScopes(claims.scopes, required)) {
      throw new ServiceTokenError(
        'insufficient_scope',
        `the service token lacks the scope of skill "${skill}"`,
      );
    }
  } else if (!hasScopes(claims.scopes, anySkillScopes.length ? anySkillScopes : [[]])) {
    throw new ServiceTokenError('insufficient_scope', 'the service token carries no scope of this agent');
  }
  return claims;
}

/** The `WWW-Authenticate` challenge of a refused token (RFC 6750). */
export function bearerChallenge(error: ServiceTokenError): string {
  return error.status === 403
    ? `Bearer error="insufficient_scope", error_description="${error.message}"`
    : `Bearer error="invalid_token", error_description="${error.message}"`;
}

function isAsyncIterable<T>(value: unknown): value is AsyncGenerator<T> {
  return typeof (value as AsyncGenerator<T>)?.[Symbol.asyncIterator] === 'function';
}

/**
 * Whether `text` nests arrays and objects deeper than `max`, found by one scan that skips strings: no parser, no
 * recursion, so a body nested 9,000 deep costs one pass instead of a stack overflow further down.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** A part's media type: its own `mediaType`, else the one its kind implies (text, data, or bytes). */
function partMediaType(part: Record<string, unknown>): string | undefined {
  if (typeof part.mediaType === 'string' && part.mediaType) return part.mediaType;
  if ('text' in part) return 'text/plain';
  if ('data' in part) return 'application/json';
  if ('raw' in part || 'url' in part) return 'application/octet-stream';
  return undefined;
}

function accepts(mode: string, mediaType: string): boolean {
  const [want = '', wantSub = ''] = mode.split(';', 1)[0]?.trim().toLowerCase().split('/') ?? [];
  const [type = '', sub = ''] = mediaType.split(';', 1)[0]?.trim().toLowerCase().split('/') ?? [];
  return (want === '*' || want === type) && (wantSub === '*' || wantSub === sub);
}

/**
 * When none of the message's parts has a media type the skill accepts (its `inputModes`, else the card's
 * `defaultInputModes`), what was accepted and what was sent; `undefined` when one part fits, when the skill
 * declares no modes, or when the message has no readable parts (left to the SDK's own validation).
 */
export function unacceptedMediaTypes(
  card: AgentCard,
  skillId: string,
  message: unknown,
): { accepted: string[]; sent: string[] } | undefined {
  const skill = card.skills.find((s) => s.id === skillId);
  const accepted = skill?.inputModes.length ? skill.inputModes : card.defaultInputModes;
  const parts = (message as { parts?: unknown } | undefined)?.parts;
  if (!accepted.length || !Array.isArray(parts)) return undefined;
  const sent = parts
    .filter((p): p is Record<string, unknown> => !!p && typeof p === 'object')
    .map(partMediaType)
    .filter((t): t is string => t !== undefined);
  if (!sent.length || sent.some((t) => accepted.some((mode) => accepts(mode, t)))) return undefined;
  return { accepted, sent };
}

/** Streams JSON-RPC responses as SSE from `first` on; stops the SDK's generator when the client goes away. */
function sseResponse(
  iterator: AsyncIterator<unknown>,
  first: IteratorResult<unknown>,
  id: RpcId,
  logger: Logger,
): Response {
  const encoder = new TextEncoder();
  let pending: IteratorResult<unknown> | undefined = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(formatSSEEvent(next.value)));
      } catch (error) {
        logger.error({ err: error, id }, 'error while streaming a task');
        const mapped = JsonRpcTransportHandler.mapToJSONRPCError(error);
        controller.enqueue(encoder.encode(formatSSEErrorEvent({ jsonrpc: '2.0', id, error: mapped })));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.(undefined);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

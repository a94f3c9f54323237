import {
  A2A_VERSION_HEADER,
  type AgentCard,
  formatSSEErrorEvent,
  formatSSEEvent,
  SSE_HEADERS,
} from '@a2a-js/sdk';
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
class TokenUser implements User {
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
}

/**
 * The Hono handler for A2A JSON-RPC: checks the content type and the A2A-Version, verifies the bearer service
 * token (audience, signature, expiry, and the scopes of the requested skill), then hands the call to the SDK's
 * `JsonRpcTransportHandler`, answering streams as SSE.
 */
export function createJsonRpcHandler(options: JsonRpcRouteOptions) {
  const { card, requestHandler, verifier, logger } = options;
  const correlationIdOf = options.correlationIdOf ?? ((c: Context<AgentEnv>) => c.req.header('x-request-id'));
  const transport = new JsonRpcTransportHandler(requestHandler);
  const defaultSkill = card.skills[0]?.id;
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
      const parsed: unknown = JSON.parse(await c.req.text());
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
    try {
      claims = await verifier.verify(c.req.header('authorization'));
      const params = (body.params ?? {}) as {
        metadata?: { skill?: unknown };
        message?: { metadata?: { skill?: unknown } };
      };
      if (SEND_METHODS.has(method)) {
        const requested = params.metadata?.skill ?? params.message?.metadata?.skill ?? defaultSkill;
        const skill = typeof requested === 'string' ? requested : '';
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
      const challenge =
        error.status === 403
          ? `Bearer error="insufficient_scope", error_description="${error.message}"`
          : `Bearer error="invalid_token", error_description="${error.message}"`;
      return c.json(rpcError(id, code, error.message), error.status, { 'WWW-Authenticate': challenge });
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
    return sseResponse(result, id, logger);
  };
}

function isAsyncIterable<T>(value: unknown): value is AsyncGenerator<T> {
  return typeof (value as AsyncGenerator<T>)?.[Symbol.asyncIterator] === 'function';
}

/** Streams JSON-RPC responses as SSE; stops the SDK's generator when the client goes away. */
function sseResponse(stream: AsyncGenerator<unknown>, id: RpcId, logger: Logger): Response {
  const iterator = stream[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
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

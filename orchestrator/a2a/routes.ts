import type { AgentCard } from '@a2a-js/sdk';
import {
  DefaultRequestHandler,
  type PushNotificationSender,
  type PushNotificationStore,
  type ServerCallContext,
} from '@a2a-js/sdk/server';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../agents/runtime/index.js';
import {
  BoundedTaskStore,
  cardRoute,
  createJsonRpcHandler,
  createRestHandler,
  REST_BODY_TOO_LARGE,
  rpcPaths,
  type ServiceTokenError,
} from '../../agents/runtime/index.js';
import { type AccessTokens, RefusedTokenError } from '../auth/access-tokens.js';
import type { ChatService } from '../chat/index.js';
import type { ChatAllowance } from '../edge/chat-rate-limit.js';
import { clientIp } from '../edge/client-ip.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import { createSupportExecutor } from './executor.js';

type A2aEnv = { Bindings: HttpBindings; Variables: { peer: string; requestId: string } };

/** Options of {@link a2aRoutes}. */
export interface A2aRoutesOptions {
  /** The orchestrator's card (see `loadOrchestratorCard`), its interface URL ending in `/a2a`. */
  card: AgentCard;
  chat: ChatService;
  accessTokens: AccessTokens;
  /** The shopper's chat allowance, shared with the chat API (a task is a chat message). */
  allowance: ChatAllowance;
  logger: Logger;
  maxMessageChars?: number;
  maxBodyBytes?: number;
  /** Told of each presented access token that was refused (the app audits them). */
  onTokenRefused?: (c: Context, reason: string) => Promise<void>;
  /** Webhooks for task updates (the card says `pushNotifications`): where configs live and who delivers them. */
  push?: { store: PushNotificationStore; sender: PushNotificationSender };
  /** `GetExtendedAgentCard` (the card says `extendedAgentCard`): the card for the caller (see `extended-card.ts`). */
  extendedCard?: (context: ServerCallContext) => Promise<AgentCard>;
}

/**
 * The shop's own A2A agent for third-party agents: `GET /.well-known/agent-card.json` and `POST /a2a` (A2A v1.0
 * JSON-RPC, SSE for streams), behind the shop's access tokens, answering with the shopper chat pipeline.
 */
export async function a2aRoutes(options: A2aRoutesOptions): Promise<Hono<A2aEnv>> {
  const { card, chat, accessTokens, allowance, logger } = options;
  const executor = createSupportExecutor({
    chat,
    allowance,
    maxMessageChars: options.maxMessageChars ?? 2000,
    logger,
  });
  const requestHandler = new DefaultRequestHandler(
    card,
    new BoundedTaskStore(),
    executor,
    undefined,
    options.push?.store,
    options.push?.sender,
    options.extendedCard,
  );

  const app = new Hono<A2aEnv>();
  app.get('/.well-known/agent-card.json', cardRoute(card, { maxAgeSec: 300 }));
  // One set of checks for both bindings: the shop's access tokens, the refusal audit, the caller's address.
  const bindingOptions = {
    card,
    requestHandler,
    verifier: createAccessTokenVerifier({ accessTokens }),
    logger,
    onRefused: async (c: Context, error: ServiceTokenError) => {
      const refused = error.cause instanceof RefusedTokenError ? error.cause.reason : error.reason;
      if (error.reason !== 'missing_token') await options.onTokenRefused?.(c, refused);
    },
    // The caller's address: the allowance bounds guest sessions by it, as the chat API does.
    stateOf: (c: Context) => ({ ip: clientIp(c) }),
    // The edge's request id (the caller's X-Request-Id when it looks like one) names the task in every log.
    correlationIdOf: (c: Context) =>
      (c.get('requestId' as never) as string | undefined) ?? c.req.header('x-request-id'),
  };
  const maxSize = options.maxBodyBytes ?? 64 * 1024;
  app.on(
    'POST',
    rpcPaths('/a2a'),
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }, 413),
    }),
    createJsonRpcHandler(bindingOptions),
  );
  // The HTTP+JSON binding (`POST /rest/message:send`, `GET /rest/tasks/{id}`, …), declared in the card.
  app.use('/rest/*', bodyLimit({ maxSize, onError: (c) => c.json(REST_BODY_TOO_LARGE, 413) }));
  app.all('/rest/*', createRestHandler({ ...bindingOptions, prefix: '/rest' }));
  app.onError((error, c) => {
    logger.error({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'a2a request failed');
    return c.json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'internal error' } }, 500);
  });
  return app;
}

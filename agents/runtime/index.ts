export { type Caller, callerOf } from './caller.js';
export {
  AgentCardError,
  type AgentCardJson,
  agentCardJsonSchema,
  agentCardToJson,
  type CardProblem,
  loadAgentCard,
  parseAgentCard,
  requiredScopeSets,
  validateAgentCardJson,
} from './card.js';
export { cardRoute, rpcPaths } from './card-route.js';
export {
  CARD_KEYS_PATH,
  CARD_SIGNING_KEY_FILE,
  CardSignatureError,
  type CardSigningKey,
  createCardSignatureCheck,
  createCardSigningKey,
  loadOrCreateCardSigningKey,
  signAgentCard,
} from './card-signing.js';
export { type AgentConfig, loadAgentConfig } from './config.js';
export {
  createPgliteClient,
  createPostgresClient,
  type Migration,
  runMigrations,
  type SqlClient,
} from './database.js';
export { AUTH_ERROR_CODE, createJsonRpcHandler } from './json-rpc.js';
export { type Locale, localeOf } from './locale.js';
export { createLogger, type Logger, REDACTED_PATHS } from './logger.js';
export { createMtlsFetch, type MtlsFetch } from './mtls-fetch.js';
export { type AgentEnv, peerIdentity } from './peer.js';
export {
  createRestHandler,
  REST_BODY_TOO_LARGE,
  REST_CALLER_REFUSED,
  type RestRouteOptions,
  restRoute,
} from './rest.js';
export { type AgentParts, runAgent } from './run-agent.js';
export {
  type AgentAppOptions,
  createAgentApp,
  listenTls,
  type RunningServer,
  startAgentServer,
} from './server.js';
export {
  createTokenVerifier,
  hasScopes,
  type ServiceTokenClaims,
  ServiceTokenError,
  serviceTokenClaimsSchema,
  type TokenRefusal,
  type TokenVerifier,
} from './service-token.js';
export { readEventStream, type SseEvent } from './sse.js';
export {
  type ArtifactLabel,
  createRunningTasks,
  createTaskReply,
  type DataValue,
  type RunningTask,
  type RunningTasks,
  type TaskReply,
  type TextStream,
} from './task-reply.js';
export { BoundedTaskStore, type BoundedTaskStoreOptions } from './task-store.js';
export {
  CORRELATION_ATTRIBUTE,
  startTracing,
  type Tracing,
  type TracingOptions,
  traceExecutor,
  traceHeaders,
  traceRequests,
  tracer,
  tracesUrl,
  withCorrelationId,
  withSpan,
  withSpanSync,
} from './tracing.js';

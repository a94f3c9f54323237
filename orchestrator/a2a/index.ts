export { createAccessTokenVerifier, SUPPORT_SCOPE, SUPPORT_SKILL } from './access-token-verifier.js';
export { loadOrchestratorCard, ORCHESTRATOR_CARD_PATH } from './card.js';
export {
  ANNOTATIONS_ARTIFACT_ID,
  ANSWER_ARTIFACT_ID,
  createSupportExecutor,
  type SupportExecutorOptions,
} from './executor.js';
export { type A2aRoutesOptions, a2aRoutes } from './routes.js';

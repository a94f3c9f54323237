export type { CardFinding, CardSummary, SkillSummary } from './card-checks.js';
export { checkExtraHeaders, EXTRA_HEADER_LIMITS } from './extra-headers.js';
export { cardUrlFor, type InspectionReport, inspectCard } from './inspect-card.js';
export { type InspectorRoutesDeps, inspectorRoutes } from './routes.js';
export type { SignatureReport } from './signatures.js';
export type { TaskCallResult, TestBinding, TestMessageEvent } from './test-message.js';
export {
  createPinnedLookup,
  createUrlGuard,
  hostsOf,
  InspectorError,
  isPrivateAddress,
  type UrlGuard,
} from './url-guard.js';

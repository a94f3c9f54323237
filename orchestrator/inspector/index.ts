export type { CardFinding, CardSummary, SkillSummary } from './card-checks.js';
export { cardUrlFor, type InspectionReport, inspectCard } from './inspect-card.js';
export { type InspectorRoutesDeps, inspectorRoutes } from './routes.js';
export type { SignatureReport } from './signatures.js';
export type { TestMessageEvent } from './test-message.js';
export {
  createPinnedLookup,
  createUrlGuard,
  hostsOf,
  InspectorError,
  isPrivateAddress,
  type UrlGuard,
} from './url-guard.js';

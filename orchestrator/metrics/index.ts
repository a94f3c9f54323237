export {
  DEFAULT_IDLE_MS,
  HANDOFF_REASONS,
  type HandoffReason,
  HISTOGRAM_BOUNDS_MS,
  judgeConversation,
  type LeftBy,
  PERCENTILES,
} from './definitions.js';
export { createMetricsRegistry, type MetricsRegistry, type MetricsRegistryOptions } from './prometheus.js';
export { type MetricsRoutesDeps, metricsRoutes, summaryQuerySchema } from './routes.js';
export {
  type AgentFigures,
  bucketWidthMs,
  type Csat,
  createMetricsQueries,
  type DeskFigures,
  type HistogramBin,
  type MetricsQueries,
  type MetricsQueriesOptions,
  type MetricsSummary,
  type Percentiles,
  type Quantiles,
  type SeriesPoint,
  type Share,
  type SummaryRequest,
  type SummaryStatement,
} from './summary.js';

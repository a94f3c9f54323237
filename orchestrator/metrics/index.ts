export {
  DEFAULT_IDLE_MS,
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
  createMetricsQueries,
  type HistogramBin,
  type MetricsQueries,
  type MetricsQueriesOptions,
  type MetricsSummary,
  type Percentiles,
  type SeriesPoint,
  type SummaryRequest,
  type SummaryStatement,
} from './summary.js';

export {
  type ConversationFilter,
  type ConversationPage,
  type ConversationQueries,
  type ConversationRow,
  createConversationQueries,
  type Transcript,
  type TranscriptMessage,
} from './conversations.js';
export {
  DEFAULT_IDLE_MS,
  HANDOFF_REASONS,
  type HandoffReason,
  HISTOGRAM_BOUNDS_MS,
  judgeConversation,
  type LeftBy,
  LOW_CONFIDENCE_SQL,
  PERCENTILES,
} from './definitions.js';
export { createMetricsRegistry, type MetricsRegistry, type MetricsRegistryOptions } from './prometheus.js';
export { clusterQuestions, normaliseQuestion, type QuestionCluster } from './questions.js';
export {
  conversationsQuerySchema,
  EXPORT_COLUMNS,
  type MetricsRoutesDeps,
  metricsRoutes,
  summaryQuerySchema,
} from './routes.js';
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
  type SentimentCounts,
  type SeriesPoint,
  type Share,
  type SummaryRequest,
  type SummaryStatement,
  type TopicCount,
} from './summary.js';

export {
  type ChunkOptions,
  type Citation,
  CONFIDENCE_THRESHOLDS,
  type ComposeAnswerOptions,
  type ComposedAnswer,
  type ConfidenceLevel,
  chunkForStreaming,
  composeAnswer,
  confirmationQuestion,
  DEFAULT_HELP_BASE_URL,
  empathyPreamble,
  helpUrl,
  levelOf,
  scoreConfidence,
  type Tone,
} from './answer.js';
export {
  type ChatModel,
  createOpenAIChatModel,
  type GroundedPromptOptions,
  groundedPrompt,
  type OpenAIChatModelOptions,
} from './chat-model.js';
export {
  ANSWER_ARTIFACT_ID,
  ANSWER_META_ARTIFACT_ID,
  type AnswerMeta,
  type AssistantExecutorOptions,
  type AssistantLogger,
  createAssistantExecutor,
} from './executor.js';
export {
  type FaqEntry,
  FaqEntrySchema,
  KnowledgeBaseError,
  KnowledgeBaseSchema,
  loadKnowledgeBase,
  loadOutOfScope,
  type OutOfScope,
  OutOfScopeSchema,
  parseKnowledgeBase,
} from './knowledge-base.js';
export { detectLocale, foldDiacritics, type Locale, LocaleSchema, parseLocale } from './locale.js';
export {
  createRetriever,
  type Hit,
  type Retriever,
  type RetrieverOptions,
  type SearchOptions,
} from './retrieval.js';

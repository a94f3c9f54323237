import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Message, TaskState } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { z } from 'zod';
import {
  type ArtifactLabel,
  createRunningTasks,
  createTaskReply,
  type TextStream,
} from '../runtime/task-reply.js';
import {
  type Citation,
  type ComposedAnswer,
  chunkForStreaming,
  citationOf,
  composeAnswer,
  confirmationQuestion,
  DEFAULT_HELP_BASE_URL,
  empathyPreamble,
  type Tone,
} from './answer.js';
import { type ChatModel, groundedPrompt } from './chat-model.js';
import { type ConversationMemory, createConversationMemory, type Turn } from './conversation-memory.js';
import { detectLocale, type Locale, parseLocale } from './locale.js';
import type { Hit, Retriever } from './retrieval.js';

/** The logging calls the executor makes; a pino logger fits. */
export interface AssistantLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createAssistantExecutor}. */
export interface AssistantExecutorOptions {
  retriever: Retriever;
  /** When present, middle- and high-confidence answers are written by the model from the retrieved entries. */
  chatModel?: ChatModel | undefined;
  /** How long to wait for the model's first token (and, after it, for each next one); 4000 ms when absent. */
  modelTimeoutMs?: number | undefined;
  logger?: AssistantLogger | undefined;
  /** Recent turns per conversation; a bounded one is created when absent. */
  memory?: ConversationMemory | undefined;
  /** Base of the help-centre pages citations link to; the demo shop's when absent. */
  helpBaseUrl?: string | undefined;
}

/** Data of the `answer-meta` artifact that closes every answer. */
export interface AnswerMeta {
  confidence: number;
  level: ComposedAnswer['level'];
  citations: Citation[];
  locale: Locale;
  composedBy: 'retrieval' | 'model';
}

/** Artifact id of the streamed answer text. */
export const ANSWER_ARTIFACT_ID = 'answer';
/** Artifact id of the {@link AnswerMeta} data part. */
export const ANSWER_META_ARTIFACT_ID = 'answer-meta';

const ANSWER_ARTIFACT: ArtifactLabel = {
  id: ANSWER_ARTIFACT_ID,
  description: "The assistant's answer to the shopper.",
};
const ANSWER_META_ARTIFACT: ArtifactLabel = {
  id: ANSWER_META_ARTIFACT_ID,
  description: 'Confidence, level and sources of the answer.',
};

const DEFAULT_MODEL_TIMEOUT_MS = 4000;
// Entries handed to the model: the top hit and the ones scoring at least half as well, at most three.
const MAX_SOURCES = 3;
const SOURCE_SCORE_RATIO = 0.5;

const ToneSchema = z.enum(['negative', 'neutral', 'positive']);

const INTERRUPTED_NOTE: Record<Locale, string> = {
  'pt-BR': '\n\n(A resposta foi interrompida. Se precisar, peça para falar com um atendente.)',
  en: '\n\n(The answer was cut short. If you need more help, ask to talk to a human agent.)',
};

const silentLogger: AssistantLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Builds the assistant's A2A executor: it answers the text of each message from the knowledge base, streams the
 * answer as `answer` artifact chunks, closes with an `answer-meta` artifact and a COMPLETED status (also for
 * low confidence, which offers a human), and MUST NOT call the model for low-confidence retrievals.
 */
export function createAssistantExecutor({
  retriever,
  chatModel,
  modelTimeoutMs = DEFAULT_MODEL_TIMEOUT_MS,
  logger = silentLogger,
  memory = createConversationMemory(),
  helpBaseUrl = DEFAULT_HELP_BASE_URL,
}: AssistantExecutorOptions): AgentExecutor {
  const now = () => new Date();
  const running = createRunningTasks(now);

  async function execute(requestContext: RequestContext, eventBus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = requestContext;
    const userMessage = requestContext.userMessage;
    const requestMetadata = requestContext.request.metadata ?? {};
    const messageMetadata = userMessage.metadata ?? {};
    const correlationId = messageMetadata.correlationId ?? requestMetadata.correlationId;
    const log = { taskId, contextId, correlationId };
    const execution = running.start(requestContext);
    const { signal } = execution;
    const reply = createTaskReply({ context: requestContext, bus: eventBus, now, signal });

    try {
      reply.start(TaskState.TASK_STATE_SUBMITTED);
      reply.working();

      const text = textOf(userMessage);
      const locale =
        parseLocale(messageMetadata.locale) ?? parseLocale(requestMetadata.locale) ?? detectLocale(text);
      const tone = parseTone(messageMetadata.tone ?? requestMetadata.tone);
      // Conversations are remembered per shopper and context, so a context id alone never reveals another's turns.
      const memoryKey = `${requestContext.context.user?.userName ?? ''}|${contextId}`;
      const history = memory.recent(memoryKey);
      const { hits, retrieval } = await retrieveWithContext({
        retriever,
        text,
        locale,
        tone,
        history,
        helpBaseUrl,
      });
      const writer = createAnswerWriter(reply.stream({ artifact: ANSWER_ARTIFACT }), signal);
      let composedBy: AnswerMeta['composedBy'] = 'retrieval';
      let citations = retrieval.citations;

      if (chatModel && retrieval.level !== 'low') {
        const outcome = await streamFromModel({
          chatModel,
          hits,
          text,
          history,
          locale,
          tone,
          level: retrieval.level,
          writer,
          signal,
          timeoutMs: modelTimeoutMs,
          helpBaseUrl,
        });
        if (signal.aborted) return;
        if (outcome.kind === 'model') {
          composedBy = 'model';
          citations = outcome.citations;
        } else {
          logger.warn({ ...log, reason: outcome.reason }, 'chat model unavailable, answering by retrieval');
          // The empathetic opening, if any, was already streamed while waiting for the model.
          const rest = tone === 'negative' ? composeAnswer({ hits, locale }).text : retrieval.text;
          await writer.write(writer.written() ? `\n\n${rest}` : rest);
        }
      } else {
        await writer.write(retrieval.text);
      }
      writer.close();
      if (signal.aborted) return;
      memory.remember(memoryKey, { question: text, answer: writer.text() });

      const meta: AnswerMeta = {
        confidence: retrieval.confidence,
        level: retrieval.level,
        citations,
        locale,
        composedBy,
      };
      reply.data([meta], { artifact: ANSWER_META_ARTIFACT });
      reply.complete({ level: meta.level, confidence: meta.confidence, composedBy });
      logger.info({ ...log, level: meta.level, confidence: meta.confidence, composedBy }, 'answered');
    } catch (error) {
      if (signal.aborted) return;
      // Internal failures are logged, never sent to the caller.
      logger.error({ ...log, err: error }, 'assistant execution failed');
      reply.fail();
    } finally {
      execution.finish();
    }
  }

  async function cancelTask(taskId: string, eventBus: ExecutionEventBus): Promise<void> {
    const wasRunning = running.cancel(taskId, eventBus);
    logger.info({ taskId, wasRunning }, 'task canceled');
  }

  return { execute, cancelTask };
}

function textOf(message: Message): string {
  return message.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .filter(Boolean)
    .join('\n')
    .trim();
}

function parseTone(value: unknown): Tone | undefined {
  const result = ToneSchema.safeParse(value);
  return result.success ? result.data : undefined;
}

interface AnswerWriter {
  /** Queues one chunk; it is published when the next one arrives, so the last can carry `lastChunk`. */
  push(chunk: string): void;
  /** Pushes a text as small word groups, yielding to the event loop between them so a cancel can land. */
  write(text: string): Promise<void>;
  /** Publishes the held chunk as the last one. */
  close(): void;
  /** Whether any chunk has been pushed. */
  written(): boolean;
  /** Everything pushed so far. */
  text(): string;
}

function createAnswerWriter(stream: TextStream, signal: AbortSignal): AnswerWriter {
  let written = false;
  let all = '';
  return {
    push(chunk) {
      stream.push(chunk);
      written = true;
      all += chunk;
    },
    async write(text) {
      for (const chunk of chunkForStreaming(text)) {
        if (signal.aborted) return;
        this.push(chunk);
        await yieldToEventLoop();
      }
    },
    close: () => stream.close(),
    written: () => written,
    text: () => all,
  };
}

/**
 * Retrieves for the message alone and, when it scores below high confidence and the conversation has earlier
 * turns, also for the message joined to the previous question (a follow-up like "e para o Norte?"); keeps the
 * better of the two.
 */
async function retrieveWithContext({
  retriever,
  text,
  locale,
  tone,
  history,
  helpBaseUrl,
}: {
  retriever: Retriever;
  text: string;
  locale: Locale;
  tone: Tone | undefined;
  history: Turn[];
  helpBaseUrl: string;
}): Promise<{ hits: Hit[]; retrieval: ComposedAnswer }> {
  const hits = await retriever.search(text, { locale });
  const retrieval = composeAnswer({ hits, locale, tone, helpBaseUrl });
  const previous = history.at(-1);
  if (retrieval.level === 'high' || !previous) return { hits, retrieval };
  const withContext = await retriever.search(`${previous.question} ${text}`, { locale });
  const contextual = composeAnswer({ hits: withContext, locale, tone, helpBaseUrl });
  return contextual.confidence > retrieval.confidence
    ? { hits: withContext, retrieval: contextual }
    : { hits, retrieval };
}

type ModelOutcome = { kind: 'model'; citations: Citation[] } | { kind: 'fallback'; reason: string };

async function streamFromModel({
  chatModel,
  hits,
  text,
  history,
  locale,
  tone,
  level,
  writer,
  signal,
  timeoutMs,
  helpBaseUrl,
}: {
  chatModel: ChatModel;
  hits: readonly Hit[];
  text: string;
  history: Turn[];
  locale: Locale;
  tone: Tone | undefined;
  level: ComposedAnswer['level'];
  writer: AnswerWriter;
  signal: AbortSignal;
  timeoutMs: number;
  helpBaseUrl: string;
}): Promise<ModelOutcome> {
  const top = hits[0]?.score ?? 0;
  const sources = hits
    .filter((hit) => hit.score >= top * SOURCE_SCORE_RATIO)
    .slice(0, MAX_SOURCES)
    .map((hit) => hit.entry);
  const modelController = new AbortController();
  const modelSignal = AbortSignal.any([signal, modelController.signal]);
  const prompt = groundedPrompt({ question: text, entries: sources, locale, tone, history });
  // The apology costs nothing to send and shortens the wait for the first token.
  if (tone === 'negative') writer.push(empathyPreamble(locale));

  const iterator = chatModel.stream({ ...prompt, signal: modelSignal })[Symbol.asyncIterator]();
  const stop = () => {
    modelController.abort();
    iterator.return?.()?.catch(() => {});
  };
  let tokens = 0;
  let modelText = '';
  for (;;) {
    const step = await nextWithin(iterator, timeoutMs, signal);
    if (step.kind === 'token') {
      if (tokens === 0 && writer.written()) writer.push('\n\n');
      tokens += 1;
      modelText += step.value;
      writer.push(step.value);
      continue;
    }
    if (step.kind !== 'end') stop();
    if (tokens === 0) {
      return { kind: 'fallback', reason: step.kind === 'error' ? String(step.error) : step.kind };
    }
    if (step.kind === 'timeout' || step.kind === 'error') writer.push(INTERRUPTED_NOTE[locale]);
    break;
  }
  if (level === 'middle') writer.push(`\n\n${confirmationQuestion(locale)}`);
  const cited = sources.filter((entry) => modelText.includes(`[${entry.id}]`));
  return {
    kind: 'model',
    citations: (cited.length > 0 ? cited : sources).map((e) => citationOf(e, locale, helpBaseUrl)),
  };
}

type Step =
  | { kind: 'token'; value: string }
  | { kind: 'end' }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'error'; error: unknown };

/** Waits for the iterator's next value, at most `timeoutMs`, and no longer than `signal` stays unaborted. */
async function nextWithin(
  iterator: AsyncIterator<string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Step> {
  if (signal.aborted) return { kind: 'aborted' };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const next = iterator.next().then(
    (result): Step => (result.done ? { kind: 'end' } : { kind: 'token', value: String(result.value) }),
    (error: unknown): Step => ({ kind: 'error', error }),
  );
  const timeout = new Promise<Step>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const aborted = new Promise<Step>((resolve) => {
    onAbort = () => resolve({ kind: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([next, timeout, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../agents/runtime/logger.js';
import type { ServiceTokenClaims } from '../../agents/runtime/service-token.js';
import { publishCanceled } from '../../agents/runtime/task-reply.js';
import { ROLES, type Shopper } from '../auth/access-tokens.js';
import { type ChatEvent, type ChatService, ConversationNotFoundError } from '../chat/index.js';
import type { Locale } from '../chat/messages.js';

/** Artifact id of the streamed answer text. */
export const ANSWER_ARTIFACT_ID = 'answer';
/** Artifact id of the annotations (citations, confidence, hand-off, sign-in…), one data part each. */
export const ANNOTATIONS_ARTIFACT_ID = 'annotations';

/** Options of {@link createSupportExecutor}. */
export interface SupportExecutorOptions {
  chat: ChatService;
  /** Counts each task against its subject; a spent limit rejects the task. */
  limiter: RateLimiterAbstract;
  /** The limit `limiter` enforces, for the refusal's wording. */
  tasksPerMinute: number;
  maxMessageChars: number;
  logger: Logger;
  /** Conversations remembered per shopper and A2A context (oldest forgotten first). */
  maxContexts?: number;
  now?: () => Date;
}

const REFUSALS = {
  rateLimited: {
    'pt-BR': (limit: number, sec: number) =>
      `Muitas mensagens: são permitidas ${limit} por minuto. Tente de novo em ${sec} s.`,
    en: (limit: number, sec: number) =>
      `Too many messages: ${limit} a minute are allowed. Try again in ${sec} s.`,
  },
  noText: {
    'pt-BR': () => 'A mensagem precisa de uma parte de texto.',
    en: () => 'The message needs a text part.',
  },
  tooLong: {
    'pt-BR': (max: number) => `A mensagem deve ter no máximo ${max} caracteres.`,
    en: (max: number) => `The message must be at most ${max} characters long.`,
  },
} as const;

/**
 * The orchestrator's own A2A agent: answers each task's text with the shopper chat pipeline (`ChatService`) as
 * the shopper named by the caller's access token. Publishes the task (WORKING) first, each delta as an appended
 * `answer` text chunk, each annotation as an `annotations` data part `{ kind, ...data }`, then COMPLETED, or
 * FAILED with the polite text as the status message; REJECTED when the subject's rate limit is spent.
 */
export function createSupportExecutor(options: SupportExecutorOptions): AgentExecutor {
  const { chat, limiter, tasksPerMinute, maxMessageChars, logger, maxContexts = 10_000 } = options;
  const now = options.now ?? (() => new Date());
  const running = new Map<string, { controller: AbortController; contextId: string }>();
  // A2A context → chat conversation, per shopper: a context the chat log does not know starts a conversation
  // whose id the log chooses, and the context's next tasks continue it.
  const conversations = new Map<string, string>();

  async function execute(requestContext: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = requestContext;
    const claims = requestContext.context.state.get('claims') as ServiceTokenClaims | undefined;
    const correlationId = String(requestContext.context.state.get('correlationId') ?? randomUUID());
    const controller = new AbortController();
    running.get(taskId)?.controller.abort();
    const execution = { controller, contextId };
    running.set(taskId, execution);
    const { signal } = controller;
    const log = { taskId, contextId, correlationId };
    const publish = (event: Parameters<ExecutionEventBus['publish']>[0]) => {
      if (!signal.aborted) bus.publish(event);
    };
    const status = (state: TaskState, text?: string, metadata?: Record<string, unknown>) =>
      publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state,
            message: text ? statusMessage(taskId, contextId, text) : undefined,
            timestamp: now().toISOString(),
          },
          metadata: metadata ?? {},
        }),
      );

    try {
      // The SDK requires a task as the first event of every execution, follow-up turns included.
      publish(AgentEvent.task(workingTask(requestContext, now())));
      const locale = localeOf(userMessage, requestContext.request.metadata);
      const shopper = shopperOf(claims);
      if (!shopper) {
        // The route verifies every caller; reaching here without claims is a wiring fault, never the caller's.
        logger.error(log, 'a2a task without verified claims');
        status(TaskState.TASK_STATE_FAILED);
        return;
      }

      const limited = await consume(limiter, shopper.subject);
      if (limited) {
        const retry = Math.max(1, Math.ceil(limited.msBeforeNext / 1000));
        logger.warn({ ...log, subject: shopper.subject }, 'a2a task rate limited');
        status(TaskState.TASK_STATE_REJECTED, REFUSALS.rateLimited[locale](tasksPerMinute, retry), {
          code: 'rate_limited',
          retryAfterSec: retry,
        });
        return;
      }

      const text = textOf(userMessage);
      if (!text || text.length > maxMessageChars) {
        const refusal = text ? REFUSALS.tooLong[locale](maxMessageChars) : REFUSALS.noText[locale]();
        status(TaskState.TASK_STATE_REJECTED, refusal, { code: 'invalid_message' });
        return;
      }

      const key = `${shopper.subject}|${contextId}`;
      const request = { shopper, text, locale, correlationId, signal };
      let events: AsyncGenerator<ChatEvent>;
      try {
        events = await chat.accept({ ...request, conversationId: conversations.get(key) ?? contextId });
      } catch (error) {
        if (!(error instanceof ConversationNotFoundError)) throw error;
        events = await chat.accept(request);
      }

      const answer = createChunkWriter({ publish, taskId, contextId });
      let annotations = 0;
      try {
        for await (const event of events) {
          if (signal.aborted) break;
          switch (event.event) {
            case 'conversation':
              remember(key, event.data.conversationId);
              break;
            case 'delta':
              answer.push(event.data.text);
              break;
            case 'annotation':
              publish(
                artifactUpdate({
                  taskId,
                  contextId,
                  artifactId: ANNOTATIONS_ARTIFACT_ID,
                  description: 'Citations, confidence, hand-off and other notes on the answer.',
                  part: dataPart(annotationData(event.data.kind, event.data.data)),
                  append: annotations++ > 0,
                  lastChunk: false,
                }),
              );
              break;
            case 'done':
              answer.close();
              status(TaskState.TASK_STATE_COMPLETED, undefined, { messageId: event.data.messageId });
              return;
            case 'error':
              answer.close();
              logger.warn({ ...log, code: event.data.code }, 'a2a task failed');
              status(TaskState.TASK_STATE_FAILED, event.data.message, { code: event.data.code });
              return;
          }
        }
      } finally {
        // Stops the chat stream (it closes its reply in the chat log) when the task ends early.
        await events.return(undefined);
      }
      if (!signal.aborted) status(TaskState.TASK_STATE_FAILED);
    } catch (error) {
      if (signal.aborted) return;
      // Internal failures are logged with the correlation id, never sent to the caller.
      logger.error({ ...log, err: error }, 'a2a task failed');
      status(TaskState.TASK_STATE_FAILED);
    } finally {
      if (running.get(taskId) === execution) running.delete(taskId);
    }
  }

  function remember(key: string, conversationId: string) {
    conversations.delete(key);
    conversations.set(key, conversationId);
    if (conversations.size > maxContexts) {
      const oldest = conversations.keys().next().value;
      if (oldest !== undefined) conversations.delete(oldest);
    }
  }

  async function cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const execution = running.get(taskId);
    execution?.controller.abort();
    running.delete(taskId);
    publishCanceled({ taskId, contextId: execution?.contextId ?? '', bus, now });
    logger.info({ taskId, wasRunning: Boolean(execution) }, 'a2a task canceled');
  }

  return { execute, cancelTask };
}

/** The shopper of a verified access token, or undefined when the claims are missing or name no known role. */
function shopperOf(claims: ServiceTokenClaims | undefined): Shopper | undefined {
  if (!claims || !(ROLES as readonly string[]).includes(claims.role)) return undefined;
  return { subject: claims.sub, role: claims.role as Shopper['role'] };
}

/** Returns the limiter's answer when `key` has spent its points, else undefined. */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (error) {
    if (error instanceof Error) throw error;
    return error as RateLimiterRes;
  }
}

/** The locale asked for in the message's (or the request's) metadata: `en…` is English, anything else pt-BR. */
function localeOf(message: Message, requestMetadata: Record<string, unknown> | undefined): Locale {
  const value: unknown = message.metadata?.locale ?? requestMetadata?.locale;
  return typeof value === 'string' && /^en\b/i.test(value) ? 'en' : 'pt-BR';
}

function textOf(message: Message): string {
  return message.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .filter(Boolean)
    .join('\n')
    .trim();
}

/** An annotation as one data part: its kind, and its data's fields (a list is kept under the kind's name). */
function annotationData(kind: string, data: unknown): Record<string, unknown> {
  const fields =
    data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : { [kind]: data };
  return { ...fields, kind };
}

function workingTask(requestContext: RequestContext, at: Date): Task {
  const { userMessage, task } = requestContext;
  const status = { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: at.toISOString() };
  if (task) {
    const known = task.history.some((m) => m.messageId === userMessage.messageId);
    return { ...task, status, history: known ? task.history : [...task.history, userMessage] };
  }
  return {
    id: requestContext.taskId,
    contextId: requestContext.contextId,
    status,
    artifacts: [],
    history: [userMessage],
    metadata: {},
  };
}

function statusMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
  };
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: {}, filename: '', mediaType: 'text/plain' };
}

function dataPart(value: Record<string, unknown>): Part {
  return { content: { $case: 'data', value }, metadata: {}, filename: '', mediaType: 'application/json' };
}

function artifactUpdate(options: {
  taskId: string;
  contextId: string;
  artifactId: string;
  description: string;
  part: Part;
  append: boolean;
  lastChunk: boolean;
}) {
  return AgentEvent.artifactUpdate({
    taskId: options.taskId,
    contextId: options.contextId,
    artifact: {
      artifactId: options.artifactId,
      name: options.artifactId,
      description: options.description,
      parts: [options.part],
      metadata: {},
      extensions: [],
    },
    append: options.append,
    lastChunk: options.lastChunk,
    metadata: {},
  });
}

/** Streams text deltas as one appended artifact, holding back one chunk so the last can carry `lastChunk`. */
function createChunkWriter(options: {
  publish: (event: Parameters<ExecutionEventBus['publish']>[0]) => void;
  taskId: string;
  contextId: string;
}) {
  let pending: string | undefined;
  let sent = 0;
  const send = (chunk: string, lastChunk: boolean) => {
    options.publish(
      artifactUpdate({
        taskId: options.taskId,
        contextId: options.contextId,
        artifactId: ANSWER_ARTIFACT_ID,
        description: 'The answer to the shopper.',
        part: textPart(chunk),
        append: sent > 0,
        lastChunk,
      }),
    );
    sent += 1;
  };
  return {
    push(chunk: string) {
      if (pending !== undefined) send(pending, false);
      pending = chunk;
    },
    close() {
      if (pending !== undefined) send(pending, true);
      pending = undefined;
    },
  };
}

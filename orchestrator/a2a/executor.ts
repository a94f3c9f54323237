import { randomUUID } from 'node:crypto';
import type { Message } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { LRUCache } from 'lru-cache';
import type { Logger, ServiceTokenClaims } from '../../agents/runtime/index.js';
import { type ArtifactLabel, createRunningTasks, createTaskReply } from '../../agents/runtime/index.js';
import { ROLES, type Shopper } from '../auth/access-tokens.js';
import { type ChatEvent, type ChatService, ConversationNotFoundError } from '../chat/index.js';
import type { Locale } from '../chat/messages.js';
import type { ChatAllowance } from '../edge/chat-rate-limit.js';
import { hasControlCharacters } from '../edge/text.js';

/** Artifact id of the streamed answer text. */
export const ANSWER_ARTIFACT_ID = 'answer';
/** Artifact id of the annotations (citations, confidence, hand-off, sign-in…), one data part each. */
export const ANNOTATIONS_ARTIFACT_ID = 'annotations';

const ANSWER_ARTIFACT: ArtifactLabel = { id: ANSWER_ARTIFACT_ID, description: 'The answer to the shopper.' };
const ANNOTATIONS_ARTIFACT: ArtifactLabel = {
  id: ANNOTATIONS_ARTIFACT_ID,
  description: 'Citations, confidence, hand-off and other notes on the answer.',
};

/** Options of {@link createSupportExecutor}. */
export interface SupportExecutorOptions {
  chat: ChatService;
  /** The shopper's chat allowance (shared with the chat API); a spent one rejects the task. */
  allowance: ChatAllowance;
  maxMessageChars: number;
  logger: Logger;
  /** Conversations remembered per shopper and A2A context (least recently used forgotten first). */
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
  control: {
    'pt-BR': () => 'A mensagem tem caracteres de controle que não podem ser lidos.',
    en: () => 'The message has control characters that cannot be read.',
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
  const { chat, allowance, maxMessageChars, logger, maxContexts = 10_000 } = options;
  const now = options.now ?? (() => new Date());
  const running = createRunningTasks(now);
  // A2A context → chat conversation, per shopper: a context the chat log does not know starts a conversation
  // whose id the log chooses, and the context's next tasks continue it.
  const conversations = new LRUCache<string, string>({ max: maxContexts });

  async function execute(requestContext: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = requestContext;
    const claims = requestContext.context.state.get('claims') as ServiceTokenClaims | undefined;
    const correlationId = String(requestContext.context.state.get('correlationId') ?? randomUUID());
    const execution = running.start(requestContext);
    const { signal } = execution;
    const log = { taskId, contextId, correlationId };
    const reply = createTaskReply({ context: requestContext, bus, now, signal });

    try {
      reply.start();
      const locale = localeOf(userMessage, requestContext.request.metadata);
      const shopper = shopperOf(claims);
      if (!shopper) {
        // The route verifies every caller; reaching here without claims is a wiring fault, never the caller's.
        logger.error(log, 'a2a task without verified claims');
        reply.fail();
        return;
      }

      const ip = String(requestContext.context.state.get('ip') ?? 'unknown');
      const taken = await allowance.take(shopper, ip);
      if (!taken.ok) {
        const retry = Math.max(1, Math.ceil(taken.res.msBeforeNext / 1000));
        logger.warn({ ...log, subject: shopper.subject }, 'a2a task rate limited');
        reply.reject(REFUSALS.rateLimited[locale](allowance.perClient, retry), {
          code: 'rate_limited',
          retryAfterSec: retry,
        });
        return;
      }

      const text = textOf(userMessage);
      if (!text || text.length > maxMessageChars || hasControlCharacters(text)) {
        const refusal = !text
          ? REFUSALS.noText[locale]()
          : hasControlCharacters(text)
            ? REFUSALS.control[locale]()
            : REFUSALS.tooLong[locale](maxMessageChars);
        reply.reject(refusal, { code: 'invalid_message' });
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

      const answer = reply.stream({ artifact: ANSWER_ARTIFACT });
      try {
        for await (const event of events) {
          if (signal.aborted) break;
          switch (event.event) {
            case 'conversation':
              conversations.set(key, event.data.conversationId);
              break;
            case 'delta':
              answer.push(event.data.text);
              break;
            case 'annotation':
              // Published as they come: which annotation is the last one is only known at the end.
              reply.data([annotationData(event.data.kind, event.data.data)], {
                artifact: ANNOTATIONS_ARTIFACT,
                lastChunk: false,
              });
              break;
            case 'done':
              answer.close();
              reply.complete({ messageId: event.data.messageId });
              return;
            case 'error':
              answer.close();
              logger.warn({ ...log, code: event.data.code }, 'a2a task failed');
              reply.fail(event.data.message, { code: event.data.code });
              return;
          }
        }
      } finally {
        // Stops the chat stream (it closes its reply in the chat log) when the task ends early.
        await events.return(undefined);
      }
      reply.fail();
    } catch (error) {
      if (signal.aborted) return;
      // Internal failures are logged with the correlation id, never sent to the caller.
      logger.error({ ...log, err: error }, 'a2a task failed');
      reply.fail();
    } finally {
      execution.finish();
    }
  }

  async function cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const wasRunning = running.cancel(taskId, bus);
    logger.info({ taskId, wasRunning }, 'a2a task canceled');
  }

  return { execute, cancelTask };
}

/** The shopper of a verified access token, or undefined when the claims are missing or name no known role. */
function shopperOf(claims: ServiceTokenClaims | undefined): Shopper | undefined {
  if (!claims || !(ROLES as readonly string[]).includes(claims.role)) return undefined;
  return { subject: claims.sub, role: claims.role as Shopper['role'] };
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

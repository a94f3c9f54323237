import type { Logger } from '../../agents/runtime/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { ChatLog } from '../store/index.js';
import { ORCHESTRATOR } from './authorize.js';
import type { Annotation, Citation, NewConversationEvent, ReplyErrorCode } from './contract.js';
import type { TaskRecord } from './dispatch.js';
import type { ReplyPart } from './merge.js';

/** Writes one reply into the conversation's event log as it streams, and closes it in the chat log. */
export interface ReplyRecorder {
  /** Appends a piece of the reply: the first text at once, the rest coalesced. */
  push(part: Exclude<ReplyPart, { type: 'end' }>): void;
  /**
   * Ends the reply in one transaction: what is still buffered, the complete `message` event, the final `status`,
   * the reply's row and its tasks. Rejects when the chat log cannot be written.
   */
  finish(end: {
    failure?: { code: ReplyErrorCode; message: string };
    agents: string[];
    tasks: TaskRecord[];
  }): Promise<void>;
}

/** Options of {@link createReplyRecorder}. */
export interface ReplyRecorderOptions {
  chatLog: Pick<ChatLog, 'appendEvents' | 'closeExchange'>;
  conversationId: string;
  /** The reply's message id, and the shopper message it answers. */
  replyId: string;
  replyTo: string;
  /** When the shopper's message arrived (ms), for the first-response time. */
  startedAt: number;
  /** How long later pieces wait to share one write; the first text never waits. */
  coalesceMs?: number;
  logger: Logger;
  correlationId: string;
  metrics?: Pick<MetricsRegistry, 'observeFirstDelta'>;
  /** Hands the reply's first text to this process's readers at once (`EventHub.preview`). */
  preview?: (first: { agent: string; text: string }) => void;
  now?: () => number;
}

/**
 * Stage 5 — record. Appending every delta as its own row would cost more than the rest of the message, so pieces
 * are coalesced: the first text is handed to this process's live readers at once (`preview`: the first-response
 * time waits for no write), and every piece is buffered and written together every `coalesceMs` (consecutive
 * deltas of one agent become one delta event), what is left going into the reply's closing transaction — so a
 * reply that streams within `coalesceMs` costs no write beyond opening and closing it. Writes are kept
 * in order; a failed write is kept and tried again with the next one. Retention: once a reply has ended its
 * `message` event holds the whole text, so its deltas may be deleted (`ChatLog.compactDeltas`).
 */
export function createReplyRecorder(options: ReplyRecorderOptions): ReplyRecorder {
  const {
    chatLog,
    conversationId,
    replyId,
    logger,
    correlationId,
    metrics,
    coalesceMs = 40,
    now = Date.now,
  } = options;
  let text = '';
  let firstTokenAt: number | undefined;
  let previewed = false;
  const citations: Citation[] = [];
  const shown: Annotation[] = [];
  let handoffReason: string | undefined;
  let pending: NewConversationEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writes = Promise.resolve();

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    writes = writes.then(async () => {
      const batch = pending;
      pending = [];
      if (!batch.length) return;
      try {
        await chatLog.appendEvents(conversationId, batch);
      } catch (error) {
        // Kept, in order, for the next write (the reply's closing transaction at the latest).
        pending = [...batch, ...pending];
        logger.warn({ err: error, correlationId }, 'could not append reply events; will retry');
      }
    });
  }

  function later() {
    timer ??= setTimeout(flush, coalesceMs);
  }

  return {
    push(part) {
      if (part.type === 'delta') {
        // The first text is shown at once; an apology is shown like any text but answers nothing, so only agent
        // text (or the orchestrator's refusal) is the reply's first token.
        if (!previewed) options.preview?.({ agent: part.agent, text: part.text });
        previewed = true;
        if (firstTokenAt === undefined && !part.apology) {
          firstTokenAt = now();
          metrics?.observeFirstDelta(firstTokenAt - options.startedAt);
        }
        text += part.text;
        const last = pending.at(-1);
        if (last?.kind === 'delta' && last.data.agent === part.agent) last.data.text += part.text;
        else {
          pending.push({
            kind: 'delta',
            author: part.agent,
            data: { messageId: replyId, agent: part.agent, text: part.text },
          });
        }
        later();
        return;
      }
      const { annotation } = part;
      // Citations have their own column; every other card is kept with the reply, so a reloaded chat shows it.
      if (annotation.kind === 'citations') citations.push(...annotation.data);
      else shown.push(annotation);
      if (annotation.kind === 'handoff') handoffReason = annotation.data.reason;
      pending.push({
        kind: 'annotation',
        author: annotation.agent,
        data: { messageId: replyId, annotation },
      });
      later();
    },

    async finish({ failure, agents, tasks }) {
      clearTimeout(timer);
      await writes;
      const firstTokenMs = firstTokenAt === undefined ? null : firstTokenAt - options.startedAt;
      const status: NewConversationEvent = failure
        ? {
            kind: 'status',
            author: 'system',
            data: {
              state: failure.code === 'agent_canceled' ? 'canceled' : 'failed',
              messageId: replyId,
              code: failure.code,
              message: failure.message,
            },
          }
        : { kind: 'status', author: 'system', data: { state: 'answered', messageId: replyId, firstTokenMs } };
      const message: NewConversationEvent = {
        kind: 'message',
        author: agents[0] ?? ORCHESTRATOR,
        data: {
          messageId: replyId,
          role: 'agent',
          text,
          replyTo: options.replyTo,
          status: failure ? 'failed' : 'answered',
          agents,
          citations,
          annotations: shown,
          errorCode: failure?.code ?? null,
        },
      };
      const events = [...pending, message, status];
      pending = [];
      await chatLog.closeExchange({
        replyId,
        conversationId,
        text,
        agents,
        firstTokenAt: firstTokenAt === undefined ? undefined : new Date(firstTokenAt),
        errorCode: failure?.code,
        citations,
        handoffReason,
        annotations: shown,
        tasks,
        events,
      });
    },
  };
}

import { TaskState } from '@a2a-js/sdk';
import type { HandoffReason, HandoffRequest, TranscriptLine } from '../../agents/desk/protocol.js';
import type { Logger } from '../../agents/runtime/index.js';
import type { Shopper } from '../auth/access-tokens.js';
import type { HandoffEventData } from '../chat/contract.js';
import type { Locale } from '../chat/messages.js';
import type { HandoffLog, HandoffRecord, HeldMessage } from '../store/handoff-log.js';
import type { ChatLog } from '../store/index.js';
import { type DeskCaller, type DeskClient, DeskUnavailableError, type HandoffUpdate } from './desk-client.js';

/** What a request for a person led to. */
export type HandoffOutcome = 'started' | 'already_open' | 'not_found' | 'desk_unavailable';

/** Hands conversations to the human desk and follows the desk's tasks into the conversations' event logs. */
export interface HandoffService {
  /** Whether a desk is discovered and up. */
  available(): boolean;
  /** Hands the conversation to a person: records it, sends the desk its task, and follows it in the background. */
  request(input: {
    conversationId: string;
    shopper: Shopper;
    locale: Locale;
    reason: HandoffReason;
    correlationId: string;
    sentiment?: HandoffRequest['sentiment'];
    topic?: string;
  }): Promise<HandoffOutcome>;
  /** Delivers a stored message of a held conversation to the desk's task; false when the desk did not take it. */
  deliver(
    held: HeldMessage,
    input: { text: string; correlationId: string; sentiment?: HandoffRequest['sentiment'] },
  ): Promise<boolean>;
  /** Tells the desk the shopper went away (the conversation was closed). */
  abandon(conversationId: string, correlationId: string): Promise<void>;
  /** Follows again every open handoff (after a start or a restart); idempotent. */
  resumeAll(): Promise<number>;
  /** Stops following (the desk's tasks stay open; another start follows them again). */
  stop(): Promise<void>;
}

const RETRY_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];

/** The handoff's data for the conversation's log, from the desk's view of it. */
function eventData(
  update: { handoff?: HandoffEventData | undefined },
  taskState?: TaskState,
): HandoffEventData | undefined {
  if (update.handoff) return update.handoff;
  switch (taskState) {
    case TaskState.TASK_STATE_COMPLETED:
      return { state: 'resolved' };
    case TaskState.TASK_STATE_CANCELED:
      return { state: 'abandoned' };
    case TaskState.TASK_STATE_REJECTED:
      return { state: 'offline' };
    case TaskState.TASK_STATE_FAILED:
      return { state: 'failed' };
    default:
      return undefined;
  }
}

/** Creates the {@link HandoffService}. */
export function createHandoffService(options: {
  desk: DeskClient;
  handoffLog: HandoffLog;
  chatLog: ChatLog;
  logger: Logger;
}): HandoffService {
  const { desk, handoffLog, chatLog, logger } = options;
  const following = new Map<string, AbortController>();
  const running = new Set<Promise<void>>();

  const callerOf = (record: Pick<HandoffRecord, 'subject' | 'role'>, correlationId: string): DeskCaller => ({
    subject: record.subject,
    role: record.role,
    correlationId,
  });

  async function apply(
    conversationId: string,
    update: HandoffUpdate,
    reason: string | null,
  ): Promise<boolean> {
    const withReason = (data: HandoffEventData): HandoffEventData => ({
      ...data,
      ...(reason ? { reason } : {}),
    });
    switch (update.kind) {
      case 'task': {
        await handoffLog.setTask(conversationId, update.taskId);
        for (const message of update.messages) {
          await handoffLog.operatorMessage({
            conversationId,
            messageId: message.messageId,
            text: message.text,
            operator: message.operator,
            at: new Date(message.at),
          });
        }
        const data = eventData(update);
        if (data) await handoffLog.update(conversationId, withReason(data));
        return update.terminal;
      }
      case 'state': {
        const data = eventData(update, update.terminal ? update.taskState : undefined);
        if (data) await handoffLog.update(conversationId, withReason(data));
        return update.terminal;
      }
      case 'message':
        await handoffLog.operatorMessage({
          conversationId,
          messageId: update.message.messageId,
          text: update.message.text,
          operator: update.message.operator,
          at: new Date(update.message.at),
        });
        return false;
    }
  }

  /**
   * Follows one handoff task until it ends: the stream it was opened with first, then `SubscribeToTask` whenever
   * the stream ends or breaks while the task is open (the desk restarted, the network dropped), with back-off.
   */
  function follow(record: HandoffRecord, opened?: AsyncGenerator<HandoffUpdate>): void {
    const { conversationId } = record;
    if (following.has(conversationId)) return;
    const stop = new AbortController();
    following.set(conversationId, stop);
    const caller = callerOf(record, `handoff-${conversationId}`);
    const run = (async () => {
      let stream = opened;
      let taskId = record.taskId;
      let failures = 0;
      while (!stop.signal.aborted) {
        try {
          if (!stream) {
            if (!taskId) {
              const current = await handoffLog.get(conversationId);
              taskId = current?.taskId ?? null;
              if (!taskId) throw new DeskUnavailableError('the desk never named its task');
            }
            stream = desk.subscribe(caller, taskId, stop.signal);
          }
          for await (const update of stream) {
            // Live updates prove the stream works; a snapshot alone does not (it would loop at once otherwise).
            if (update.kind === 'task') taskId = update.taskId;
            else failures = 0;
            if (await apply(conversationId, update, record.reason)) return;
          }
        } catch (error) {
          if (stop.signal.aborted) return;
          const text = String((error as Error)?.message ?? error);
          if (taskId && /terminal state/i.test(text)) {
            // It ended between two subscriptions: its final state is read once instead.
            try {
              await apply(conversationId, await desk.getTask(caller, taskId), record.reason);
              return;
            } catch (readError) {
              logger.warn({ conversationId, taskId, err: readError }, 'could not read the ended desk task');
            }
          }
          if (/not found|terminal state/i.test(text)) {
            // The desk no longer knows the task (or it ended while we were away): it cannot be followed again.
            logger.warn({ conversationId, taskId, err: text }, 'the desk task of a handoff is gone');
            await handoffLog.update(conversationId, {
              state: 'failed',
              ...(record.reason ? { reason: record.reason } : {}),
            });
            return;
          }
          if (!taskId) {
            // The handoff never reached the desk: say so rather than leave the shopper waiting.
            logger.warn({ conversationId, err: text }, 'the desk did not take the handoff');
            await handoffLog.update(conversationId, {
              state: 'failed',
              ...(record.reason ? { reason: record.reason } : {}),
            });
            return;
          }
          logger.warn({ conversationId, taskId, err: text }, 'lost the desk task stream; following it again');
        }
        stream = undefined;
        // A stream that ended after events (the desk's streams end at INPUT_REQUIRED) is followed again at once: the
        // new subscription's first event is the task as it is, so nothing said in between is lost. Failures back off.
        if (failures++ === 0) continue;
        const wait = RETRY_MS[Math.min(failures - 2, RETRY_MS.length - 1)] ?? 10_000;
        await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
      }
    })()
      .catch((error: unknown) => logger.error({ err: error, conversationId }, 'following a handoff failed'))
      .finally(() => {
        if (following.get(conversationId) === stop) following.delete(conversationId);
      });
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  /** The conversation so far, and its topic: the FAQ entry (else the agent) that last answered. */
  async function transcriptOf(
    conversationId: string,
  ): Promise<{ transcript: TranscriptLine[]; topic?: string }> {
    const messages = await chatLog.listMessages(conversationId, { limit: 100 });
    const transcript = messages
      .filter((m) => m.text.trim() !== '')
      .map((m) => ({
        author: m.author,
        text: m.text.slice(0, 8_000),
        at: m.createdAt.toISOString(),
      }));
    const answered = messages
      .filter((m) => m.author === 'agent' && (m.citations.length || m.agents.length))
      .at(-1);
    const cited = answered?.citations[0] as { title?: unknown } | undefined;
    const topic = typeof cited?.title === 'string' ? cited.title : answered?.agents[0];
    return { transcript, ...(topic ? { topic: topic.slice(0, 200) } : {}) };
  }

  return {
    available: () => desk.locate() !== undefined,
    async request(input) {
      const agent = desk.locate();
      if (!agent) return 'desk_unavailable';
      const record = await handoffLog.request({
        conversationId: input.conversationId,
        subject: input.shopper.subject,
        reason: input.reason,
        agent,
      });
      if (!record) {
        const current = await handoffLog.get(input.conversationId);
        if (!current || current.subject !== input.shopper.subject) return 'not_found';
        return 'already_open';
      }
      const { transcript, topic } = await transcriptOf(input.conversationId);
      const request: HandoffRequest = {
        kind: 'handoff_request',
        conversationId: input.conversationId,
        shopper: { subject: input.shopper.subject, role: input.shopper.role },
        language: input.locale,
        reason: input.reason,
        ...(input.sentiment ? { sentiment: input.sentiment } : {}),
        ...((input.topic ?? topic) ? { topic: input.topic ?? topic } : {}),
        transcript,
      };
      const last = transcript.filter((l) => l.author === 'shopper').at(-1)?.text ?? input.reason;
      const caller = callerOf(record, input.correlationId);
      follow(record, desk.openHandoff(caller, request, last));
      return 'started';
    },

    async deliver(held, { text, correlationId, sentiment }) {
      const { handoff } = held;
      if (!handoff.taskId) return false;
      try {
        await desk.shopperMessage(callerOf(handoff, correlationId), {
          taskId: handoff.taskId,
          conversationId: handoff.conversationId,
          messageId: held.messageId,
          text,
          ...(sentiment ? { sentiment } : {}),
        });
        return true;
      } catch (error) {
        logger.warn(
          { err: error, correlationId, conversationId: handoff.conversationId },
          'the desk did not take a shopper message',
        );
        return false;
      }
    },

    async abandon(conversationId, correlationId) {
      const record = await handoffLog.get(conversationId);
      if (!record?.taskId || !['requested', 'queued', 'assigned'].includes(record.state ?? '')) return;
      try {
        await desk.cancel(callerOf(record, correlationId), record.taskId);
      } catch (error) {
        logger.warn(
          { err: error, correlationId, conversationId },
          'could not tell the desk the shopper left',
        );
      }
    },

    async resumeAll() {
      const open = await handoffLog.listOpen();
      for (const record of open) follow(record);
      return open.length;
    },

    async stop() {
      for (const stop of following.values()) stop.abort();
      await Promise.allSettled([...running]);
    },
  };
}

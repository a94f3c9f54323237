import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { z } from 'zod';
import { callerOf } from '../runtime/index.js';
import { createTaskReply } from '../runtime/task-reply.js';
import { getHandoff, insertHandoff, setSentiment } from './db/handoffs.js';
import { addMessage } from './db/messages.js';
import { countOnline } from './db/operators.js';
import { addTicket, markNotified } from './db/tickets.js';
import type { Desk } from './desk.js';
import type { TicketMailer } from './mailer.js';
import { dataOf, textOf } from './parts.js';
import {
  HandoffRequestSchema,
  OfflineMessageRequestSchema,
  type OfflineTicket,
  ShopperMessageSchema,
} from './protocol.js';

/** The shopper's side of the desk (skill `human-handoff`): new handoffs, follow-up messages, offline messages. */
export function createHandoffSkill(options: { desk: Desk; mailer?: TicketMailer }) {
  const { desk, mailer } = options;
  const { sql, buses, logger, now } = desk;

  /** A new task asking for a person: queued (or assigned at once), or REJECTED `offline`. */
  async function request(context: RequestContext, bus: ExecutionEventBus, data: unknown): Promise<void> {
    const reply = createTaskReply({ context, bus, now });
    const parsed = HandoffRequestSchema.safeParse(data);
    if (!parsed.success) {
      reply.start();
      reply.reject(`invalid handoff request: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const request = parsed.data;
    const owner = callerOf(context).subject;
    const at = now();
    const offlineReason: 'closed' | 'no_operator' | undefined = !desk.openAt(at)
      ? 'closed'
      : (await countOnline(sql, desk.window())) === 0
        ? 'no_operator'
        : undefined;
    const handoff = {
      taskId: context.taskId,
      contextId: context.contextId,
      owner,
      conversationId: request.conversationId,
      shopper: request.shopper,
      language: request.language,
      reason: request.reason,
      sentiment: request.sentiment,
      topic: request.topic,
      transcript: request.transcript,
      requestMessage: context.userMessage,
      state: offlineReason ? ('offline' as const) : ('queued' as const),
      offlineReason,
      queuedAt: at.toISOString(),
      endedAt: offlineReason ? at.toISOString() : undefined,
    };
    await insertHandoff(sql, handoff);
    logger.info(
      {
        taskId: context.taskId,
        conversationId: request.conversationId,
        reason: request.reason,
        offlineReason,
      },
      offlineReason ? 'handoff refused: desk offline' : 'handoff queued',
    );
    if (!offlineReason) buses.open(context.taskId, owner);
    const task = await desk.view(context.taskId);
    if (!task) throw new Error('a stored handoff has no view');
    // The task as stored first (the SDK wants a task event first), then the status with its sentence.
    bus.publish(AgentEvent.task(task));
    if (offlineReason) {
      bus.publish(
        AgentEvent.statusUpdate({
          taskId: context.taskId,
          contextId: context.contextId,
          status: task.status,
          metadata: task.metadata,
        }),
      );
      return;
    }
    const assigned = await desk.assignWaiting();
    if (assigned.has(context.taskId)) return;
    const stored = await getHandoff(sql, context.taskId);
    if (stored) await desk.announce(stored);
  }

  /** A follow-up in an open handoff: the shopper wrote to the operator. */
  async function followUp(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const handoff = await getHandoff(sql, context.taskId);
    if (!handoff) throw new Error(`task ${context.taskId} is not a handoff`);
    const text = textOf(context.userMessage);
    const data = dataOf(context.userMessage);
    const extra = data ? ShopperMessageSchema.safeParse(data) : undefined;
    if (extra && !extra.success)
      logger.warn({ taskId: context.taskId }, 'shopper message with invalid data part');
    if (extra?.success && extra.data.sentiment) await setSentiment(sql, handoff.taskId, extra.data.sentiment);
    const open = handoff.state === 'queued' || handoff.state === 'assigned';
    if (open && text) {
      await addMessage(sql, {
        id: randomUUID(),
        taskId: handoff.taskId,
        author: 'shopper',
        text,
        a2aMessage: context.userMessage,
        at: now().toISOString(),
      });
    }
    const task = await desk.view(context.taskId);
    if (task) bus.publish(AgentEvent.task(task));
    // The shopper answered: the task is WORKING again (no sentence, nothing changed for them).
    const current = await getHandoff(sql, context.taskId);
    if (current && open) await desk.announce(current, { silent: true });
  }

  /** A message left for the team: stored, then e-mailed when SMTP is configured, never failing the task. */
  async function offlineMessage(
    context: RequestContext,
    bus: ExecutionEventBus,
    data: unknown,
  ): Promise<void> {
    const reply = createTaskReply({ context, bus, now });
    reply.start();
    const parsed = OfflineMessageRequestSchema.safeParse(data);
    if (!parsed.success) {
      reply.reject(`invalid offline message: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const ticket: OfflineTicket = {
      id: randomUUID(),
      conversationId: parsed.data.conversationId,
      email: parsed.data.email,
      text: parsed.data.text,
      language: parsed.data.language,
      createdAt: now().toISOString(),
    };
    await addTicket(sql, { ...ticket, owner: callerOf(context).subject });
    reply.data([{ kind: 'offline_message_stored', id: ticket.id }]);
    reply.complete();
    if (mailer) {
      // After the reply: the shopper never waits on the mail server.
      void mailer
        .send(ticket)
        .then(() => markNotified(sql, ticket.id, now().toISOString()))
        .catch((error: unknown) =>
          logger.warn({ err: error, ticketId: ticket.id }, 'offline message e-mail failed'),
        );
    }
  }

  return {
    async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
      if (context.task) return followUp(context, bus);
      const data = dataOf(context.userMessage);
      if (data?.kind === 'handoff_request') return request(context, bus, data);
      if (data?.kind === 'offline_message') return offlineMessage(context, bus, data);
      const reply = createTaskReply({ context, bus, now });
      reply.start();
      reply.reject('a new human-handoff task needs a handoff_request or offline_message data part');
    },

    /** The shopper closed the chat: the handoff ends `abandoned` (CANCELED) and the queue moves up. */
    async cancel(taskId: string, bus: ExecutionEventBus): Promise<boolean> {
      const handoff = await getHandoff(sql, taskId);
      if (!handoff) return false;
      const ended = await desk.end(taskId, 'abandoned');
      if (!ended) {
        // Ended meanwhile: say so on the SDK's bus, so its cancel call ends.
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId: handoff.contextId,
            status: {
              state: TaskState.TASK_STATE_CANCELED,
              message: undefined,
              timestamp: now().toISOString(),
            },
            metadata: undefined,
          }),
        );
      }
      logger.info({ taskId, wasAssigned: handoff.state === 'assigned' }, 'handoff abandoned by the shopper');
      return true;
    },
  };
}

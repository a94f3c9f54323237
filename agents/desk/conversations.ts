import type { SqlClient } from '../runtime/index.js';
import type { Handoff } from './db/handoffs.js';
import { type DeskMessage, lastMessagesOf, messagesOf, notesOf } from './db/messages.js';
import type { DeskConversation, OperatorResult } from './protocol.js';
import type { QueueSpot } from './task-view.js';

/** A handoff as the operators' inbox lists it; `now` counts the wait of one still queued. */
export function toConversation(
  handoff: Handoff,
  options: { now: Date; spot?: QueueSpot; last?: DeskMessage },
): DeskConversation {
  const { now, spot, last } = options;
  const until = handoff.assignedAt ?? handoff.endedAt ?? now.toISOString();
  const waitSec = Math.max(0, Math.round((Date.parse(until) - Date.parse(handoff.queuedAt)) / 1000));
  return {
    conversationId: handoff.conversationId,
    taskId: handoff.taskId,
    state: handoff.state,
    reason: handoff.reason,
    language: handoff.language,
    shopper: handoff.shopper,
    ...(handoff.sentiment ? { sentiment: handoff.sentiment } : {}),
    ...(handoff.topic ? { topic: handoff.topic } : {}),
    queuedAt: handoff.queuedAt,
    waitSec,
    ...(handoff.state === 'queued' && spot ? { position: spot.position } : {}),
    ...(handoff.operator ? { operator: handoff.operator } : {}),
    ...(handoff.assignedAt ? { assignedAt: handoff.assignedAt } : {}),
    ...(handoff.firstResponseAt ? { firstResponseAt: handoff.firstResponseAt } : {}),
    ...(handoff.endedAt ? { endedAt: handoff.endedAt } : {}),
    ...(last ? { lastMessage: { author: last.author, text: last.text, at: last.at } } : {}),
  };
}

/** Many handoffs for the inbox, with their last messages read in one query. */
export async function toConversations(
  sql: SqlClient,
  handoffs: Handoff[],
  options: { now: Date; spots: Map<string, QueueSpot> },
): Promise<DeskConversation[]> {
  const last = await lastMessagesOf(
    sql,
    handoffs.map((h) => h.taskId),
  );
  return handoffs.map((h) =>
    toConversation(h, { now: options.now, spot: options.spots.get(h.taskId), last: last.get(h.taskId) }),
  );
}

/** One conversation in full: its transcript before the handoff, everything said since, and the notes. */
export async function conversationDetail(
  sql: SqlClient,
  handoff: Handoff,
  options: { now: Date; spot?: QueueSpot },
): Promise<Extract<OperatorResult, { kind: 'conversation' }>> {
  const messages = await messagesOf(sql, handoff.taskId);
  return {
    kind: 'conversation',
    conversation: toConversation(handoff, { ...options, last: messages.at(-1) }),
    transcript: handoff.transcript,
    messages: messages.map((m) => ({
      id: m.id,
      author: m.author,
      text: m.text,
      at: m.at,
      ...(m.operator ? { operator: m.operator } : {}),
    })),
    notes: await notesOf(sql, handoff.taskId),
  };
}

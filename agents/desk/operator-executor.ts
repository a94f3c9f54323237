import { randomUUID } from 'node:crypto';
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { z } from 'zod';
import { callerOf } from '../runtime/index.js';
import { createTaskReply } from '../runtime/task-reply.js';
import { type CannedReplies, searchReplies } from './canned-replies.js';
import { conversationDetail, toConversations } from './conversations.js';
import {
  claimHandoff,
  getHandoff,
  type Handoff,
  latestHandoffOf,
  listHandoffs,
  reassignHandoff,
  touchHandoff,
} from './db/handoffs.js';
import { addMessage, addNote } from './db/messages.js';
import { getOperator, listOperators, loadOf, type OperatorRecord, touchOperator } from './db/operators.js';
import { addCustomReply, deleteCustomReply, listCustomReplies, writeSettings } from './db/settings.js';
import { listTickets, recordAction } from './db/tickets.js';
import type { Desk } from './desk.js';
import { assertTimeZone, type BusinessHours, formatBusinessHours, parseBusinessHours } from './hours.js';
import { firstDataOf } from './parts.js';
import {
  type CannedReply,
  type DeskError,
  type DeskSettings,
  type OperatorAction,
  OperatorActionSchema,
  type OperatorResult,
} from './protocol.js';
import { operatorArtifact } from './task-view.js';

const STAFF_ROLES = new Set(['operator', 'admin']);
const DAY_MS = 24 * 60 * 60 * 1000;

const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The business hours as they cross the wire: weekdays in order, `HH:MM` times. */
function hoursView(hours: BusinessHours): DeskSettings['hours'] {
  if (hours.always) return { always: true };
  return {
    always: false,
    ranges: hours.ranges.map((r) => ({
      days: [...r.days].sort((a, b) => a - b),
      from: clock(r.from),
      to: clock(r.to),
    })),
  };
}

/** The desk's settings in force: an admin's overrides, else the configuration. */
function settingsOf(desk: Desk): DeskSettings {
  const { hours, timeZone, overridden } = desk.businessHours();
  return {
    hours: hoursView(hours),
    hoursSpec: formatBusinessHours(hours),
    timeZone,
    overridden,
    assignment: desk.assignment,
    maxChatsPerOperator: desk.maxChatsPerOperator,
    openNow: desk.openAt(desk.now()),
  };
}

/** `update_settings`' values, checked like the configuration's; a bad one is refused naming the problem. */
function checkedSettings(action: { hours?: string; timeZone?: string }): {
  hours?: BusinessHours;
  timeZone?: string;
} {
  if (action.hours === undefined && action.timeZone === undefined) {
    throw new DeskRefusal('invalid_settings', 'nothing to change: give hours, timeZone or both');
  }
  let hours: BusinessHours | undefined;
  if (action.hours !== undefined) {
    try {
      hours = parseBusinessHours(action.hours);
    } catch (error) {
      throw new DeskRefusal('invalid_settings', (error as Error).message);
    }
  }
  if (action.timeZone !== undefined) {
    try {
      assertTimeZone(action.timeZone);
    } catch {
      throw new DeskRefusal(
        'invalid_settings',
        `unknown time zone "${action.timeZone}" (use an IANA name like America/Sao_Paulo)`,
      );
    }
  }
  return { ...(hours ? { hours } : {}), ...(action.timeZone ? { timeZone: action.timeZone } : {}) };
}

/** Actions that change the desk's settings: for admins only. */
const ADMIN_ACTIONS = new Set<OperatorAction['action']>([
  'update_settings',
  'add_canned_reply',
  'delete_canned_reply',
]);

/** A refusal of an operator action, with the code the operators' client reacts to. */
class DeskRefusal extends Error {
  constructor(
    readonly code: DeskError['code'],
    message: string,
  ) {
    super(message);
  }
}

/** The operators' side of the desk (skill `desk-operator`): one action per task, by the token's subject. */
export function createOperatorSkill(options: { desk: Desk; cannedReplies: CannedReplies }) {
  const { desk, cannedReplies } = options;
  const { sql, buses, logger, now } = desk;
  // The desk is one process per database: the custom replies are read once and kept in step with each change.
  let custom: CannedReply[] | undefined;
  const customReplies = async () => {
    custom ??= await listCustomReplies(sql);
    return custom;
  };

  async function conversation(conversationId: string): Promise<Handoff> {
    const handoff = await latestHandoffOf(sql, conversationId);
    if (!handoff)
      throw new DeskRefusal('conversation_not_found', `no conversation ${conversationId} at the desk`);
    return handoff;
  }

  /** The handoff, still open and held by `operator` (or any open one for an admin). */
  function assertHeld(handoff: Handoff, operator: OperatorRecord, admin: boolean): void {
    if (handoff.state !== 'queued' && handoff.state !== 'assigned') {
      throw new DeskRefusal('conversation_ended', 'this conversation has ended');
    }
    if (admin) return;
    if (handoff.state === 'queued') throw new DeskRefusal('not_yours', 'claim this conversation first');
    if (handoff.operator?.id !== operator.id) {
      throw new DeskRefusal(
        'not_yours',
        `${handoff.operator?.name ?? 'someone else'} holds this conversation`,
      );
    }
  }

  async function detail(handoff: Handoff): Promise<OperatorResult> {
    const spot = handoff.state === 'queued' ? (await desk.queueSpots()).get(handoff.taskId) : undefined;
    return conversationDetail(sql, handoff, { now: now(), spot });
  }

  async function perform(
    action: OperatorAction,
    operator: OperatorRecord,
    admin: boolean,
  ): Promise<OperatorResult> {
    switch (action.action) {
      case 'list': {
        const handoffs = await listHandoffs(sql, {
          state: action.state,
          operatorId: operator.id,
          since: new Date(now().getTime() - DAY_MS).toISOString(),
        });
        const conversations = await toConversations(sql, handoffs, {
          now: now(),
          spots: await desk.queueSpots(),
        });
        return { kind: 'conversations', conversations };
      }
      case 'get':
        return detail(await conversation(action.conversationId));
      case 'claim': {
        const handoff = await conversation(action.conversationId);
        const claimed = await claimHandoff(sql, handoff.taskId, operator, now().toISOString());
        if (!claimed) {
          const current = (await getHandoff(sql, handoff.taskId)) ?? handoff;
          if (current.state === 'assigned' && current.operator?.id === operator.id) return detail(current);
          if (current.state === 'assigned') {
            throw new DeskRefusal(
              'already_claimed',
              `${current.operator?.name ?? 'someone else'} took it first`,
            );
          }
          throw new DeskRefusal('conversation_ended', 'this conversation has ended');
        }
        await desk.announce(claimed);
        await desk.announceQueue();
        return detail(claimed);
      }
      case 'message': {
        const handoff = await conversation(action.conversationId);
        const at = now().toISOString();
        const ref = { id: operator.id, name: operator.name };
        if (action.internal) {
          const note = { id: randomUUID(), operator: ref, text: action.text, at };
          await addNote(sql, handoff.taskId, note);
          return { kind: 'note', note };
        }
        assertHeld(handoff, operator, admin);
        const message = {
          id: randomUUID(),
          taskId: handoff.taskId,
          author: 'operator' as const,
          operator: ref,
          text: action.text,
          at,
        };
        await addMessage(sql, message);
        await touchHandoff(sql, handoff.taskId, at, { firstResponse: true });
        buses.publish(
          handoff.taskId,
          AgentEvent.artifactUpdate({
            taskId: handoff.taskId,
            contextId: handoff.contextId,
            artifact: operatorArtifact(message),
            append: false,
            lastChunk: true,
            metadata: undefined,
          }),
        );
        // The operator's last word waits for the shopper: INPUT_REQUIRED.
        await desk.announce((await getHandoff(sql, handoff.taskId)) ?? handoff, { silent: true });
        return { kind: 'sent', messageId: message.id };
      }
      case 'transfer': {
        const handoff = await conversation(action.conversationId);
        assertHeld(handoff, operator, admin);
        if (handoff.state !== 'assigned') throw new DeskRefusal('not_yours', 'claim this conversation first');
        const target = await getOperator(sql, action.operatorId);
        if (!target) throw new DeskRefusal('operator_not_found', `no operator ${action.operatorId}`);
        const load = await loadOf(sql, target.id);
        if (load && load.active >= load.maxChats) {
          throw new DeskRefusal('operator_full', `${target.name} already holds ${load.active} conversations`);
        }
        const moved = await reassignHandoff(sql, handoff.taskId, target, now().toISOString());
        if (!moved) throw new DeskRefusal('conversation_ended', 'this conversation has ended');
        await desk.announce(moved);
        return detail(moved);
      }
      case 'return_to_bot':
      case 'resolve': {
        const handoff = await conversation(action.conversationId);
        assertHeld(handoff, operator, admin);
        const ended = await desk.end(
          handoff.taskId,
          action.action === 'resolve' ? 'resolved' : 'returned_to_bot',
        );
        if (!ended) throw new DeskRefusal('conversation_ended', 'this conversation has ended');
        return detail(ended);
      }
      case 'presence': {
        if (action.status === 'online') await desk.assignWaiting();
        return { kind: 'operators', operators: await listOperators(sql, desk.window()) };
      }
      case 'operators':
        return { kind: 'operators', operators: await listOperators(sql, desk.window()) };
      case 'offline_messages':
        return { kind: 'offline_messages', tickets: await listTickets(sql) };
      case 'canned_replies': {
        const own = searchReplies(await customReplies(), action.query);
        const replies = [...own, ...cannedReplies.search(action.query)].slice(0, Math.max(10, own.length));
        return { kind: 'canned_replies', replies };
      }
      case 'settings':
        return { kind: 'settings', settings: settingsOf(desk) };
      case 'update_settings': {
        const next = checkedSettings(action);
        await writeSettings(
          sql,
          {
            ...(next.hours ? { hours: formatBusinessHours(next.hours) } : {}),
            ...(next.timeZone ? { time_zone: next.timeZone } : {}),
          },
          operator.id,
          now().toISOString(),
        );
        desk.overrideBusinessHours(next);
        logger.info(
          { operator: operator.id, hours: action.hours, timeZone: action.timeZone },
          'desk settings changed',
        );
        return { kind: 'settings', settings: settingsOf(desk) };
      }
      case 'add_canned_reply': {
        const reply = { id: `custom:${randomUUID()}`, title: action.title, text: action.text, custom: true };
        const before = await customReplies();
        await addCustomReply(sql, { ...reply, createdBy: operator.id, createdAt: now().toISOString() });
        custom = [...before, reply];
        return { kind: 'canned_reply', reply };
      }
      case 'delete_canned_reply': {
        if (!(await customReplies()).some((r) => r.id === action.id)) {
          if (cannedReplies.search('', Number.POSITIVE_INFINITY).some((r) => r.id === action.id)) {
            throw new DeskRefusal(
              'canned_reply_not_deletable',
              'this reply is drawn from the FAQ: change the FAQ instead',
            );
          }
          throw new DeskRefusal('canned_reply_not_found', `no canned reply ${action.id}`);
        }
        await deleteCustomReply(sql, action.id);
        custom = (await customReplies()).filter((r) => r.id !== action.id);
        return { kind: 'deleted', id: action.id };
      }
    }
  }

  return {
    async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
      const reply = createTaskReply({ context, bus, now });
      reply.start();
      const caller = callerOf(context);
      const refuse = (error: DeskError) => {
        reply.data([error]);
        reply.reject(error.message);
      };
      if (!STAFF_ROLES.has(caller.role)) {
        refuse({
          kind: 'desk_error',
          code: 'invalid_action',
          message: 'only operators and admins act at the desk',
        });
        return;
      }
      const parsed = OperatorActionSchema.safeParse(firstDataOf(context.userMessage));
      if (!parsed.success) {
        refuse({ kind: 'desk_error', code: 'invalid_action', message: z.prettifyError(parsed.error) });
        return;
      }
      const action = parsed.data;
      const at = now().toISOString();
      if (ADMIN_ACTIONS.has(action.action) && caller.role !== 'admin') {
        await recordAction(sql, {
          operatorId: caller.subject,
          action: action.action,
          outcome: 'forbidden',
          at,
        });
        refuse({ kind: 'desk_error', code: 'forbidden', message: "only admins change the desk's settings" });
        return;
      }
      const operator = await touchOperator(sql, {
        id: caller.subject,
        at,
        maxChats: desk.maxChatsPerOperator,
        ...(action.action === 'presence' ? { presence: { name: action.name, status: action.status } } : {}),
      });
      const conversationId = 'conversationId' in action ? action.conversationId : undefined;
      try {
        const result = await perform(action, operator, caller.role === 'admin');
        await recordAction(sql, {
          operatorId: operator.id,
          action: action.action,
          conversationId,
          outcome: 'ok',
          at,
        });
        reply.data([result]);
        reply.complete();
      } catch (error) {
        if (!(error instanceof DeskRefusal)) throw error;
        await recordAction(sql, {
          operatorId: operator.id,
          action: action.action,
          conversationId,
          outcome: error.code,
          at,
        });
        logger.info(
          { operator: operator.id, action: action.action, code: error.code },
          'operator action refused',
        );
        refuse({ kind: 'desk_error', code: error.code, message: error.message });
      }
    },
  };
}

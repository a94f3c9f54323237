import { type Task, TaskState } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { Logger, SqlClient } from '../runtime/index.js';
import type { HandoffBuses } from './buses.js';
import {
  claimHandoff,
  endHandoff,
  getHandoff,
  type Handoff,
  queuePositions,
  recentWaitsSec,
} from './db/handoffs.js';
import { messagesOf } from './db/messages.js';
import { countOnline, type PresenceWindow, pickOperator } from './db/operators.js';
import { estimateWaitSec } from './estimate.js';
import { type BusinessHours, isOpen } from './hours.js';
import {
  agentMessage,
  handoffMetadata,
  handoffStateOf,
  handoffTask,
  type QueueSpot,
  taskStateOf,
} from './task-view.js';
import { statusText } from './texts.js';

/** What the desk's executors share: its database, its buses, its clock and its settings. */
export interface DeskOptions {
  sql: SqlClient;
  buses: HandoffBuses;
  logger: Logger;
  now?: () => Date;
  /** The business hours and time zone from the configuration; an admin's override replaces them. */
  hours: BusinessHours;
  timeZone: string;
  /** An admin's stored overrides, read at start. */
  overrides?: { hours?: BusinessHours; timeZone?: string };
  assignment: 'claim' | 'round-robin';
  maxChatsPerOperator: number;
  presenceTtlSec: number;
}

const TERMINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_FAILED,
]);

/**
 * The desk's shared core: builds handoff tasks from the database and tells their subscribers what changed. Every
 * method that publishes reads the database first; callers MUST have written their change before calling it.
 */
export function createDesk(options: DeskOptions) {
  // The configured hours are only defaults: everything reads the ones in force through `businessHours()`.
  const { hours: configuredHours, timeZone: configuredZone, overrides: stored, ...rest } = options;
  const { sql, buses, logger, now = () => new Date() } = rest;
  // The desk is one process per database, so the overrides it stored are the current ones.
  let overrides = { ...stored };
  /** The business hours and time zone in force, and whether an admin overrode the configured ones. */
  const businessHours = () => ({
    hours: overrides.hours ?? configuredHours,
    timeZone: overrides.timeZone ?? configuredZone,
    overridden: overrides.hours !== undefined || overrides.timeZone !== undefined,
  });
  /** Replaces the overrides given; callers MUST have stored them first. */
  const overrideBusinessHours = (next: { hours?: BusinessHours; timeZone?: string }) => {
    overrides = { ...overrides, ...next };
  };
  /** Whether the desk is open at `at` by the hours in force. */
  const openAt = (at: Date) => {
    const { hours, timeZone } = businessHours();
    return isOpen(hours, at, timeZone);
  };
  const window = (): PresenceWindow => ({ now: now().toISOString(), ttlSec: options.presenceTtlSec });

  /** The queue spots (position and estimated wait) of every waiting handoff. */
  async function queueSpots(): Promise<Map<string, QueueSpot>> {
    const positions = await queuePositions(sql);
    if (positions.size === 0) return new Map();
    const online = await countOnline(sql, window());
    const waits = await recentWaitsSec(sql);
    return new Map(
      [...positions].map(([taskId, position]) => [
        taskId,
        {
          position,
          estimatedWaitSec: estimateWaitSec({ position, onlineOperators: online, recentWaitsSec: waits }),
        },
      ]),
    );
  }

  async function view(taskId: string): Promise<Task | undefined> {
    const handoff = await getHandoff(sql, taskId);
    if (!handoff) return undefined;
    const spot = handoff.state === 'queued' ? (await queueSpots()).get(taskId) : undefined;
    return handoffTask(handoff, await messagesOf(sql, taskId), spot);
  }

  /**
   * Publishes the handoff's current state on its bus: its A2A state, `{ handoff: HandoffState }` and, unless
   * `silent`, the shopper-facing sentence. A terminal state finishes the bus.
   */
  async function announce(
    handoff: Handoff,
    options: { spot?: QueueSpot; silent?: boolean } = {},
  ): Promise<void> {
    const messages = await messagesOf(sql, handoff.taskId);
    const spot =
      handoff.state === 'queued' ? (options.spot ?? (await queueSpots()).get(handoff.taskId)) : undefined;
    const state = handoffStateOf(handoff, spot);
    const taskState = taskStateOf(handoff, messages.at(-1)?.author);
    buses.publish(
      handoff.taskId,
      AgentEvent.statusUpdate({
        taskId: handoff.taskId,
        contextId: handoff.contextId,
        status: {
          state: taskState,
          message: options.silent
            ? undefined
            : agentMessage(handoff.taskId, handoff.contextId, statusText(state, handoff.language)),
          timestamp: now().toISOString(),
        },
        metadata: handoffMetadata(state),
      }),
    );
    if (TERMINAL.has(taskState)) buses.close(handoff.taskId);
  }

  /** Tells every waiting shopper their (new) position, except `skip`. */
  async function announceQueue(skip?: string): Promise<void> {
    const spots = await queueSpots();
    for (const [taskId, spot] of spots) {
      if (taskId === skip) continue;
      const handoff = await getHandoff(sql, taskId);
      if (handoff?.state === 'queued') await announce(handoff, { spot });
    }
  }

  /**
   * With round-robin assignment, gives waiting handoffs, oldest first, to online operators with room; announces
   * each assignment and the new queue. Returns the task ids assigned. Does nothing under claim assignment.
   */
  async function assignWaiting(): Promise<Set<string>> {
    const assigned = new Set<string>();
    if (options.assignment !== 'round-robin') return assigned;
    for (const taskId of (await queuePositions(sql)).keys()) {
      const operator = await pickOperator(sql, window());
      if (!operator) break;
      const handoff = await claimHandoff(sql, taskId, operator, now().toISOString());
      if (!handoff) continue;
      assigned.add(taskId);
      logger.info({ taskId, operator: operator.id }, 'handoff assigned round-robin');
      await announce(handoff);
    }
    if (assigned.size) await announceQueue();
    return assigned;
  }

  /** Ends an open handoff in `state`, announces it and moves the queue up; undefined when it had ended already. */
  async function end(taskId: string, state: 'resolved' | 'returned_to_bot' | 'abandoned') {
    const ended = await endHandoff(sql, taskId, state, now().toISOString());
    if (!ended) return undefined;
    await announce(ended);
    await announceQueue();
    await assignWaiting();
    return ended;
  }

  return {
    ...rest,
    businessHours,
    overrideBusinessHours,
    openAt,
    now,
    window,
    queueSpots,
    view,
    announce,
    announceQueue,
    assignWaiting,
    end,
  };
}

/** The desk's shared core; see {@link createDesk}. */
export type Desk = ReturnType<typeof createDesk>;

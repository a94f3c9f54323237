import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  type ExecutionEventBus,
  type ExecutionEventBusManager,
  resolveUserScope,
  type ServerCallContext,
} from '@a2a-js/sdk/server';

interface Entry {
  owner: string;
  bus: ExecutionEventBus;
}

/**
 * The event buses of the desk's tasks. Unlike the SDK's manager, an open handoff always has a bus: `getByTaskId`
 * creates one on demand for a task the desk knows to be open (also after a restart), so `SubscribeToTask`
 * attaches and receives what happens later instead of getting a snapshot and an ended stream. Buses are found
 * only by their owner (the token subject that created the task); the desk itself publishes by task id alone.
 */
export class HandoffBuses implements ExecutionEventBusManager {
  readonly #buses = new Map<string, Entry>();
  /** Open handoffs: task id to owner. */
  readonly #open = new Map<string, string>();

  /** Marks a handoff open (its bus may be created on demand); MUST be called before its task is published. */
  open(taskId: string, owner: string): void {
    this.#open.set(taskId, owner);
  }

  /** Whether the handoff is known to be open. */
  isOpen(taskId: string): boolean {
    return this.#open.has(taskId);
  }

  createOrGetByTaskId(taskId: string, context?: ServerCallContext): ExecutionEventBus {
    const owner = ownerOf(context);
    const existing = this.#buses.get(taskId);
    if (existing && existing.owner === owner) return existing.bus;
    const entry = { owner, bus: new DefaultExecutionEventBus() };
    this.#buses.set(taskId, entry);
    return entry.bus;
  }

  getByTaskId(taskId: string, context?: ServerCallContext): ExecutionEventBus | undefined {
    const owner = ownerOf(context);
    const existing = this.#buses.get(taskId);
    if (existing) return existing.owner === owner ? existing.bus : undefined;
    if (this.#open.get(taskId) !== owner) return undefined;
    return this.createOrGetByTaskId(taskId, context);
  }

  cleanupByTaskId(taskId: string, context?: ServerCallContext): void {
    const existing = this.#buses.get(taskId);
    if (!existing || existing.owner !== ownerOf(context)) return;
    existing.bus.removeAllListeners();
    this.#buses.delete(taskId);
  }

  /** Publishes `event` on the task's bus, if anyone is listening; nothing is lost otherwise (the DB has it). */
  publish(taskId: string, event: AgentExecutionEvent): void {
    this.#buses.get(taskId)?.bus.publish(event);
  }

  /** Forgets a handoff that ended: its bus, if any, is finished and dropped. */
  close(taskId: string): void {
    this.#open.delete(taskId);
    const existing = this.#buses.get(taskId);
    if (!existing) return;
    existing.bus.finished();
    existing.bus.removeAllListeners();
    this.#buses.delete(taskId);
  }
}

function ownerOf(context: ServerCallContext | undefined): string {
  return context ? resolveUserScope(context) : '';
}

import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk';
import { resolveUserScope, type ServerCallContext, type TaskStore } from '@a2a-js/sdk/server';
import { BoundedTaskStore, type SqlClient } from '../runtime/index.js';
import { getHandoff } from './db/handoffs.js';

/**
 * The desk's {@link TaskStore}: a handoff task is a view over the desk's database, built by `view` on every load
 * for its owner only (anyone else is told it does not exist), and never saved (the executor writes the database
 * before it publishes, so what the SDK would save is already there). Other tasks (operator actions, offline
 * messages) live in `fallback`, in memory.
 */
export class DeskTaskStore implements TaskStore {
  readonly #sql: SqlClient;
  readonly #view: (taskId: string) => Promise<Task | undefined>;
  readonly #fallback: TaskStore;

  constructor(options: {
    sql: SqlClient;
    /** Builds the task of a handoff from the database. */
    view: (taskId: string) => Promise<Task | undefined>;
    fallback?: TaskStore;
  }) {
    this.#sql = options.sql;
    this.#view = options.view;
    this.#fallback = options.fallback ?? new BoundedTaskStore();
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    if (await getHandoff(this.#sql, task.id)) return;
    await this.#fallback.save(task, context);
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const handoff = await getHandoff(this.#sql, taskId);
    if (!handoff) return this.#fallback.load(taskId, context);
    if (handoff.owner !== resolveUserScope(context)) return undefined;
    return this.#view(taskId);
  }

  /** Lists the tasks in memory (operator actions, offline messages); handoffs are listed by the operators' skill. */
  list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.#fallback.list(params, context);
  }
}

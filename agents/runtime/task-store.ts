/**
 * A bounded, drop-in replacement for the SDK's `InMemoryTaskStore`.
 *
 * Why copies are still made, and why they are shallow (read against `@a2a-js/sdk` 1.3, dist/server/index.js):
 *
 * `InMemoryTaskStore` deep-copies (`structuredClone`) on every save, load and list. Some copying is needed,
 * because the SDK changes tasks it loaded or saved:
 * - `DefaultRequestHandler.getTask`, `listTasks`, `sendMessage` (on the final result and on the AUTH_REQUIRED
 *   snapshot) and `sendMessageStream` apply `historyLength` by reassigning `task.history` on the object the
 *   store returned. Without a copy on load, `getTask({ historyLength: 0 })` would erase the stored history.
 * - `ResultManager` saves its `currentTask` and then hands that same object to `sendMessage`, which trims its
 *   `history` as above. Without a copy on save, that trim would reach the stored task.
 * - `_createRequestContext` reassigns `history` on a loaded task before saving it.
 * - `ResultManager.applyStatusUpdate` reassigns `status`, `metadata` and `history` on a loaded task.
 *   `applyArtifactUpdate` pushes onto `task.artifacts`, assigns array slots, and reassigns
 *   `parts`/`name`/`description`/`metadata` on an existing artifact object. So the artifacts array and each
 *   artifact must be private to the copy. If they were shared, any snapshot handed out earlier (a `getTask`
 *   result being serialised, an executor's `requestContext.task`, which is the loaded object itself) would
 *   change under its holder.
 * - `ResultManager.processTaskEventLocked` already deep-copies the incoming event and every piece it takes from
 *   the persisted task. The status/artifact paths deep-copy the event fragments they add (`status`, `message`,
 *   `artifact`, `metadata`). But no path copies the task object it loaded before changing it. The SDK relies
 *   on the store for that.
 * - Nothing in the SDK (server, transports, v0.3 compat, push sender) edits a message, a part, a status object
 *   or a metadata object in place. It always replaces them.
 *
 * So this store copies only the task's spine on save, load and list: the task object, its `history` array, its
 * `artifacts` array and each artifact object. That is O(messages + artifacts) pointer copies. Messages, parts,
 * status and metadata objects are shared and treated as immutable values. The `history` array copy is not
 * needed by the SDK itself. It is there so that an executor calling `requestContext.task.history.push(...)`
 * cannot write into the store.
 */
import { type ListTasksRequest, type ListTasksResponse, type Task, TaskState } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import {
  type OwnerResolver,
  resolveUserScope,
  type ServerCallContext,
  type TaskStore,
} from '@a2a-js/sdk/server';

/** Options of {@link BoundedTaskStore}; every bound counts tasks across all tenants and owners. */
export interface BoundedTaskStoreOptions {
  /** Above this many stored tasks, the oldest finished tasks are evicted (default 10 000). */
  maxTasks?: number;
  /** A finished task is evicted this long after it became terminal (default 10 minutes). */
  finishedTtlMs?: number;
  /** Hard bound on active tasks: above it the oldest active task is evicted (default: unbounded). */
  maxActiveTasks?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /** Derives the owner scope from the call context (default the SDK's `resolveUserScope`). */
  ownerResolver?: OwnerResolver;
}

const DEFAULT_MAX_TASKS = 10_000;
const DEFAULT_FINISHED_TTL_MS = 10 * 60 * 1000;
// Same default as the SDK's InMemoryTaskStore (DEFAULT_PAGE_SIZE, not exported).
const DEFAULT_PAGE_SIZE = 50;

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

interface Entry {
  readonly tenant: string;
  readonly owner: string;
  readonly bucket: Map<string, Entry>;
  task: Task;
  /** Clock reading when the task became terminal; undefined while it is active. */
  finishedAt: number | undefined;
}

/**
 * In-memory {@link TaskStore} with the same tenant/owner scoping and `list` semantics as the SDK's
 * `InMemoryTaskStore`, that evicts tasks so memory stays bounded.
 *
 * Finished tasks (COMPLETED, FAILED, CANCELED, REJECTED) are evicted `finishedTtlMs` after they became
 * terminal. When more than `maxTasks` are stored, the oldest finished tasks go first. Active tasks (SUBMITTED,
 * WORKING, INPUT_REQUIRED, AUTH_REQUIRED, …) are never evicted for `maxTasks` or by age, so the store can hold
 * more than `maxTasks` when that many are active. Only the optional hard bound `maxActiveTasks` evicts active
 * tasks, oldest (by when they last became active) first. After that the SDK answers TaskNotFound for them and
 * drops their executor's later events. Eviction is amortised O(1) per call and runs lazily on save, load and
 * list; no timers are used. Tasks handed out and taken in are copied shallowly (see the file header): callers
 * MUST NOT edit messages, parts, status or metadata objects in place.
 */
export class BoundedTaskStore implements TaskStore {
  readonly #maxTasks: number;
  readonly #finishedTtlMs: number;
  readonly #maxActiveTasks: number;
  readonly #now: () => number;
  readonly #ownerResolver: OwnerResolver;
  readonly #tenants = new Map<string, Map<string, Map<string, Entry>>>();
  // Both sets are in eviction order: #finished by when each task became terminal, #active by when each became
  // active. A Set keeps insertion order, and delete + add moves an entry to the back in O(1).
  readonly #finished = new Set<Entry>();
  readonly #active = new Set<Entry>();

  constructor(options: BoundedTaskStoreOptions = {}) {
    this.#maxTasks = options.maxTasks ?? DEFAULT_MAX_TASKS;
    this.#finishedTtlMs = options.finishedTtlMs ?? DEFAULT_FINISHED_TTL_MS;
    this.#maxActiveTasks = options.maxActiveTasks ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
    this.#ownerResolver = options.ownerResolver ?? resolveUserScope;
    if (!Number.isInteger(this.#maxTasks) || this.#maxTasks < 1) {
      throw new RangeError(`maxTasks must be a positive integer, got ${this.#maxTasks}`);
    }
    if (Number.isNaN(this.#finishedTtlMs) || this.#finishedTtlMs < 0) {
      throw new RangeError(`finishedTtlMs must be >= 0, got ${this.#finishedTtlMs}`);
    }
    if (
      this.#maxActiveTasks !== Number.POSITIVE_INFINITY &&
      (!Number.isInteger(this.#maxActiveTasks) || this.#maxActiveTasks < 1)
    ) {
      throw new RangeError(`maxActiveTasks must be a positive integer, got ${this.#maxActiveTasks}`);
    }
  }

  /** Number of tasks currently stored, across all tenants and owners. */
  get size(): number {
    return this.#finished.size + this.#active.size;
  }

  /** Stores a shallow copy of `task` in the caller's scope, replacing any task with the same id there. */
  async save(task: Task, context: ServerCallContext): Promise<void> {
    this.#sweepExpired();
    const tenant = context.tenant ?? '';
    const owner = this.#ownerResolver(context);
    const bucket = this.#bucket(tenant, owner, true);
    const stored = copySpine(task, true);
    const terminal = isTerminal(stored);
    const existing = bucket.get(task.id);
    if (!existing) {
      const entry: Entry = { tenant, owner, bucket, task: stored, finishedAt: undefined };
      bucket.set(task.id, entry);
      if (terminal) {
        entry.finishedAt = this.#now();
        this.#finished.add(entry);
      } else {
        this.#active.add(entry);
      }
    } else {
      existing.task = stored;
      // A terminal task saved again keeps its place: its TTL runs from when it first became terminal.
      if (terminal && existing.finishedAt === undefined) {
        this.#active.delete(existing);
        existing.finishedAt = this.#now();
        this.#finished.add(existing);
      } else if (!terminal && existing.finishedAt !== undefined) {
        this.#finished.delete(existing);
        existing.finishedAt = undefined;
        this.#active.add(existing);
      }
    }
    this.#enforceBounds();
  }

  /** Returns a shallow copy of the task with this id in the caller's scope, or undefined. */
  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    this.#sweepExpired();
    const entry = this.#callerBucket(context)?.get(taskId);
    return entry ? copySpine(entry.task, true) : undefined;
  }

  /** Lists the caller's tasks exactly like `InMemoryTaskStore.list`: newest status first, cursor-paginated. */
  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    this.#sweepExpired();
    const {
      contextId,
      status,
      pageSize = DEFAULT_PAGE_SIZE,
      pageToken,
      statusTimestampAfter,
      includeArtifacts = false,
    } = params;
    const bucket = this.#callerBucket(context);
    let tasks = bucket ? Array.from(bucket.values(), (entry) => entry.task) : [];
    if (contextId) {
      tasks = tasks.filter((task) => task.contextId === contextId);
    }
    if (status !== undefined && status !== TaskState.TASK_STATE_UNSPECIFIED) {
      tasks = tasks.filter((task) => task.status?.state === status);
    }
    if (statusTimestampAfter) {
      const filterTime = new Date(statusTimestampAfter).getTime();
      tasks = tasks.filter(
        (task) => task.status?.timestamp && new Date(task.status.timestamp).getTime() > filterTime,
      );
    }
    // Same comparator as the SDK, localeCompare included, so both stores order ties identically.
    tasks.sort((taskA, taskB) => {
      const timeA = taskA.status?.timestamp || '';
      const timeB = taskB.status?.timestamp || '';
      if (timeB !== timeA) {
        return timeB.localeCompare(timeA);
      }
      return taskB.id.localeCompare(taskA.id);
    });
    const totalSize = tasks.length;
    if (pageToken) {
      const cursor = decodePageToken(pageToken);
      const cursorIndex = tasks.findIndex(
        (task) => (task.status?.timestamp || '') === cursor.timestamp && task.id === cursor.id,
      );
      tasks = cursorIndex === -1 ? [] : tasks.slice(cursorIndex + 1);
    }
    const page = tasks.slice(0, pageSize);
    const last = page.at(-1);
    const nextPageToken =
      last && tasks.length > page.length ? encodePageToken(last.status?.timestamp || '', last.id) : '';
    return {
      tasks: page.map((task) => copySpine(task, includeArtifacts)),
      nextPageToken,
      pageSize,
      totalSize,
    };
  }

  #callerBucket(context: ServerCallContext): Map<string, Entry> | undefined {
    return this.#bucket(context.tenant ?? '', this.#ownerResolver(context), false);
  }

  #bucket(tenant: string, owner: string, create: true): Map<string, Entry>;
  #bucket(tenant: string, owner: string, create: false): Map<string, Entry> | undefined;
  #bucket(tenant: string, owner: string, create: boolean): Map<string, Entry> | undefined {
    let owners = this.#tenants.get(tenant);
    if (!owners) {
      if (!create) return undefined;
      owners = new Map();
      this.#tenants.set(tenant, owners);
    }
    let bucket = owners.get(owner);
    if (!bucket && create) {
      bucket = new Map();
      owners.set(owner, bucket);
    }
    return bucket;
  }

  /** Evicts finished tasks whose TTL has run out; stops at the first one still alive. */
  #sweepExpired(): void {
    if (this.#finished.size === 0) return;
    const now = this.#now();
    for (const entry of this.#finished) {
      if (now - (entry.finishedAt ?? now) < this.#finishedTtlMs) break;
      this.#evict(entry);
    }
  }

  #enforceBounds(): void {
    while (this.size > this.#maxTasks) {
      const oldest = first(this.#finished);
      if (!oldest) break;
      this.#evict(oldest);
    }
    while (this.#active.size > this.#maxActiveTasks) {
      const oldest = first(this.#active);
      if (!oldest) break;
      this.#evict(oldest);
    }
  }

  #evict(entry: Entry): void {
    if (entry.finishedAt === undefined) {
      this.#active.delete(entry);
    } else {
      this.#finished.delete(entry);
    }
    entry.bucket.delete(entry.task.id);
    // Drop empty buckets so many short-lived owners or tenants do not leak maps.
    if (entry.bucket.size === 0) {
      const owners = this.#tenants.get(entry.tenant);
      owners?.delete(entry.owner);
      if (owners?.size === 0) {
        this.#tenants.delete(entry.tenant);
      }
    }
  }
}

function isTerminal(task: Task): boolean {
  const state = task.status?.state;
  return state !== undefined && TERMINAL_STATES.has(state);
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

/** Copies what the SDK mutates in place (see the file header) and shares everything else. */
function copySpine(task: Task, includeArtifacts: boolean): Task {
  return {
    ...task,
    // The wire types say these arrays are always present, but tasks built in code may omit them.
    history: task.history?.slice(),
    artifacts: includeArtifacts ? task.artifacts?.map((artifact) => ({ ...artifact })) : [],
  };
}

// Page tokens are byte-for-byte those of the SDK's InMemoryTaskStore, so a token from one store works in the
// other and clients see no difference.
function encodePageToken(timestamp: string, id: string): string {
  return Buffer.from(`${timestamp}|${id}`).toString('base64');
}

function decodePageToken(pageToken: string): { timestamp: string; id: string } {
  const [timestamp = '', ...idParts] = Buffer.from(pageToken, 'base64').toString('utf-8').split('|');
  if (idParts.length === 0) {
    throw new RequestMalformedError('Invalid page token format.');
  }
  return { timestamp, id: idParts.join('|') };
}

import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';

// The events of one execution of a task: the task first, then artifacts and statuses, a final state last.
// Once `signal` aborts (the task was canceled, or a newer execution of it started), nothing more is published.
// Metadata that is not given is left out of the events rather than sent as `{}`.

/** The value of a data part, as the SDK types it. */
export type DataValue = Extract<NonNullable<Part['content']>, { $case: 'data' }>['value'];

/** Names an artifact: its id, which is also its name, and what it holds. */
export interface ArtifactLabel {
  id: string;
  description?: string;
}

/** A text artifact published one chunk at a time. */
export interface TextStream {
  /** Holds `chunk` back and publishes the one held before it, so that {@link TextStream.close} can mark the last. */
  push(chunk: string): void;
  /** Publishes the held chunk, if any, with `lastChunk`. */
  close(): void;
}

/** Publishes one task's events on its bus, in the order the SDK requires. */
export interface TaskReply {
  /**
   * Publishes the task in `state` (WORKING when absent); MUST be called first, on every execution. On a follow-up
   * turn it is `context.task` with the user's message added to its history.
   */
  start(state?: TaskState): void;
  /** Publishes a WORKING status. */
  working(): void;
  /** Publishes `chunks` as the text artifact `artifact` (`answer` when absent), the last chunk with `lastChunk`. */
  text(chunks: string[], options?: { artifact?: ArtifactLabel }): void;
  /** Opens a {@link TextStream} onto the text artifact `artifact` (`answer` when absent). */
  stream(options?: { artifact?: ArtifactLabel }): TextStream;
  /**
   * Publishes each value as a data part of `artifact` (`data` when absent); the last carries `lastChunk` unless
   * `lastChunk` is false (more may follow in a later call).
   */
  data(values: DataValue[], options?: { artifact?: ArtifactLabel; lastChunk?: boolean }): void;
  /** Ends the task COMPLETED, with `metadata` on the status update. */
  complete(metadata?: Record<string, unknown>): void;
  /** Ends the task REJECTED, with `text` as the status message. */
  reject(text: string, metadata?: Record<string, unknown>): void;
  /** Ends the task FAILED, with `text`, when given, as the status message. */
  fail(text?: string, metadata?: Record<string, unknown>): void;
}

const ANSWER: ArtifactLabel = { id: 'answer' };
const DATA: ArtifactLabel = { id: 'data' };

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function dataPart(value: DataValue): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

/** The task a follow-up turn continues, with `message` added to its history unless it is there already. */
function continued(task: Task, message: Message): Task {
  const known = task.history.some((m) => m.messageId === message.messageId);
  return { ...task, history: known ? task.history : [...task.history, message] };
}

/**
 * Creates the {@link TaskReply} of the task in `context`. Each artifact's parts are appended after the ones this
 * reply already published for the same artifact id.
 */
export function createTaskReply(options: {
  context: RequestContext;
  bus: ExecutionEventBus;
  now: () => Date;
  signal?: AbortSignal;
}): TaskReply {
  const { context, bus, now, signal } = options;
  const { taskId, contextId } = context;
  const live = () => !signal?.aborted;
  // Parts published so far per artifact id: the first one replaces, the rest append.
  const sent = new Map<string, number>();

  function artifact(label: ArtifactLabel, part: Part, lastChunk: boolean) {
    if (!live()) return;
    const count = sent.get(label.id) ?? 0;
    sent.set(label.id, count + 1);
    bus.publish(
      AgentEvent.artifactUpdate({
        taskId,
        contextId,
        artifact: {
          artifactId: label.id,
          name: label.id,
          description: label.description ?? '',
          parts: [part],
          metadata: undefined,
          extensions: [],
        },
        append: count > 0,
        lastChunk,
        metadata: undefined,
      }),
    );
  }

  function status(state: TaskState, text?: string, metadata?: Record<string, unknown>) {
    if (!live()) return;
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: {
          state,
          message: text
            ? {
                messageId: randomUUID(),
                contextId,
                taskId,
                role: Role.ROLE_AGENT,
                parts: [textPart(text)],
                metadata: undefined,
                extensions: [],
                referenceTaskIds: [],
              }
            : undefined,
          timestamp: now().toISOString(),
        },
        metadata,
      }),
    );
  }

  function stream(label: ArtifactLabel): TextStream {
    let held: string | undefined;
    return {
      push(chunk) {
        if (held !== undefined) artifact(label, textPart(held), false);
        held = chunk;
      },
      close() {
        if (held !== undefined) artifact(label, textPart(held), true);
        held = undefined;
      },
    };
  }

  return {
    start(state = TaskState.TASK_STATE_WORKING) {
      if (!live()) return;
      const taskStatus = { state, message: undefined, timestamp: now().toISOString() };
      const task: Task = context.task
        ? { ...continued(context.task, context.userMessage), status: taskStatus }
        : {
            id: taskId,
            contextId,
            status: taskStatus,
            artifacts: [],
            history: [context.userMessage],
            metadata: undefined,
          };
      bus.publish(AgentEvent.task(task));
    },
    working() {
      status(TaskState.TASK_STATE_WORKING);
    },
    text(chunks, { artifact: label = ANSWER } = {}) {
      const writer = stream(label);
      for (const chunk of chunks) writer.push(chunk);
      writer.close();
    },
    stream({ artifact: label = ANSWER } = {}) {
      return stream(label);
    },
    data(values, { artifact: label = DATA, lastChunk = true } = {}) {
      values.forEach((value, i) => {
        artifact(label, dataPart(value), lastChunk && i === values.length - 1);
      });
    },
    complete(metadata) {
      status(TaskState.TASK_STATE_COMPLETED, undefined, metadata);
    },
    reject(text, metadata) {
      status(TaskState.TASK_STATE_REJECTED, text, metadata);
    },
    fail(text, metadata) {
      status(TaskState.TASK_STATE_FAILED, text, metadata);
    },
  };
}

function publishCanceled(options: {
  taskId: string;
  contextId: string;
  bus: ExecutionEventBus;
  now: () => Date;
}): void {
  options.bus.publish(
    AgentEvent.statusUpdate({
      taskId: options.taskId,
      contextId: options.contextId,
      status: {
        state: TaskState.TASK_STATE_CANCELED,
        message: undefined,
        timestamp: options.now().toISOString(),
      },
      metadata: undefined,
    }),
  );
}

/** One execution of a task, as {@link RunningTasks.start} registers it. */
export interface RunningTask {
  /** Aborts when the task is canceled or a newer execution of the same task starts. */
  signal: AbortSignal;
  /** Forgets this execution (never a newer one of the same task); MUST be called when the execution ends. */
  finish(): void;
}

/** The tasks an executor is working on, so that `cancelTask` can stop one and name its context. */
export interface RunningTasks {
  /** Registers an execution of `context.taskId`, aborting the one still running for it, if any. */
  start(context: { taskId: string; contextId: string }): RunningTask;
  /**
   * Aborts the task's execution, if any, and publishes CANCELED in its context (an empty one when the task is not
   * running); returns whether it was running.
   */
  cancel(taskId: string, bus: ExecutionEventBus): boolean;
}

/** Creates an empty {@link RunningTasks}; `now` stamps the CANCELED statuses. */
export function createRunningTasks(now: () => Date): RunningTasks {
  const running = new Map<string, { abort: AbortController; contextId: string }>();
  return {
    start({ taskId, contextId }) {
      running.get(taskId)?.abort.abort();
      const execution = { abort: new AbortController(), contextId };
      running.set(taskId, execution);
      return {
        signal: execution.abort.signal,
        finish() {
          if (running.get(taskId) === execution) running.delete(taskId);
        },
      };
    },
    cancel(taskId, bus) {
      const execution = running.get(taskId);
      execution?.abort.abort();
      running.delete(taskId);
      publishCanceled({ taskId, contextId: execution?.contextId ?? '', bus, now });
      return execution !== undefined;
    },
  };
}

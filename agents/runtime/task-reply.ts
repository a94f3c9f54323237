import { type Part, Role, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';

// The events of one short task: a task in WORKING, a streamed text artifact, a data artifact, a final state.
// Once `signal` aborts (the task was canceled), nothing more is published.

/** Publishes one task's events on its bus, in the order the SDK requires. */
export interface TaskReply {
  /** Publishes the task, WORKING; MUST be called first. */
  start(): void;
  /** Streams `chunks` as one text artifact (`answer`), appended chunk by chunk. */
  text(chunks: string[]): void;
  /** Publishes each value as a data part of the `data` artifact. */
  data(values: Record<string, unknown>[]): void;
  /** Ends the task COMPLETED. */
  complete(): void;
  /** Ends the task REJECTED, with `text` as the status message. */
  reject(text: string): void;
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function dataPart(value: Record<string, unknown>): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

/** Creates the {@link TaskReply} of the task in `context`. */
export function createTaskReply(options: {
  context: RequestContext;
  bus: ExecutionEventBus;
  now: () => Date;
  signal?: AbortSignal;
}): TaskReply {
  const { context, bus, now, signal } = options;
  const base = { taskId: context.taskId, contextId: context.contextId, metadata: undefined };
  const live = () => !signal?.aborted;

  function artifact(artifactId: string, parts: Part[], append: boolean, lastChunk: boolean) {
    bus.publish(
      AgentEvent.artifactUpdate({
        ...base,
        artifact: {
          artifactId,
          name: artifactId,
          description: '',
          parts,
          metadata: undefined,
          extensions: [],
        },
        append,
        lastChunk,
      }),
    );
  }

  function status(state: TaskState, text?: string) {
    bus.publish(
      AgentEvent.statusUpdate({
        ...base,
        status: {
          state,
          message: text
            ? {
                messageId: `${context.taskId}-status`,
                contextId: context.contextId,
                taskId: context.taskId,
                role: Role.ROLE_AGENT,
                parts: [textPart(text)],
                metadata: undefined,
                extensions: [],
                referenceTaskIds: [],
              }
            : undefined,
          timestamp: now().toISOString(),
        },
      }),
    );
  }

  return {
    start() {
      if (!live()) return;
      bus.publish(
        AgentEvent.task({
          id: context.taskId,
          contextId: context.contextId,
          status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now().toISOString() },
          artifacts: [],
          history: [context.userMessage],
          metadata: undefined,
        }),
      );
    },
    text(chunks) {
      chunks.forEach((chunk, i) => {
        if (live()) artifact('answer', [textPart(chunk)], i > 0, i === chunks.length - 1);
      });
    },
    data(values) {
      values.forEach((value, i) => {
        if (live()) artifact('data', [dataPart(value)], i > 0, i === values.length - 1);
      });
    },
    complete() {
      if (live()) status(TaskState.TASK_STATE_COMPLETED);
    },
    reject(text) {
      if (live()) status(TaskState.TASK_STATE_REJECTED, text);
    },
  };
}

/** Publishes the CANCELED status of `taskId` in its context. */
export function publishCanceled(options: {
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

/**
 * The tasks an executor is working on: `start` gives each a signal that `cancel` aborts, and `cancel` publishes the
 * CANCELED status in the task's own context.
 */
export function createRunningTasks(now: () => Date) {
  const running = new Map<string, { abort: AbortController; contextId: string }>();
  return {
    start(context: { taskId: string; contextId: string }): AbortSignal {
      const abort = new AbortController();
      running.set(context.taskId, { abort, contextId: context.contextId });
      return abort.signal;
    },
    finish(taskId: string): void {
      running.delete(taskId);
    },
    cancel(taskId: string, bus: ExecutionEventBus): void {
      const task = running.get(taskId);
      task?.abort.abort();
      running.delete(taskId);
      publishCanceled({ taskId, contextId: task?.contextId ?? '', bus, now });
    },
  };
}

import { type Message, type Task, TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  type ExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { createRunningTasks, createTaskReply } from './task-reply.js';
import { userMessage } from './testing/fixtures.js';

const NOW = new Date('2025-03-10T15:00:00Z');
const now = () => NOW;

/** An event bus that only records what is published on it. */
class RecordingBus implements ExecutionEventBus {
  readonly events: AgentExecutionEvent[] = [];
  publish(event: AgentExecutionEvent): void {
    this.events.push(event);
  }
  on(): this {
    return this;
  }
  off(): this {
    return this;
  }
  once(): this {
    return this;
  }
  removeAllListeners(): this {
    return this;
  }
  finished(): void {}
}

function setup(options: { task?: Task; signal?: AbortSignal; message?: Message } = {}) {
  const message = options.message ?? userMessage('olá');
  const context = new RequestContext(
    { tenant: '', message, configuration: undefined, metadata: undefined },
    'task-1',
    'ctx-1',
    new ServerCallContext(),
    options.task,
  );
  const bus = new RecordingBus();
  const reply = createTaskReply({ context, bus, now, signal: options.signal });
  return { message, bus, reply };
}

const artifacts = (events: AgentExecutionEvent[]) =>
  events.flatMap((e) => {
    if (e.kind !== 'artifactUpdate' || !e.data.artifact) return [];
    const { artifact, append, lastChunk } = e.data;
    const content = artifact.parts[0]?.content;
    return [
      {
        id: artifact.artifactId,
        name: artifact.name,
        description: artifact.description,
        value: content?.value,
        append,
        lastChunk,
      },
    ];
  });

const statuses = (events: AgentExecutionEvent[]) =>
  events.flatMap((e) => (e.kind === 'statusUpdate' ? [e.data] : []));

describe('createTaskReply', () => {
  it('starts a new task in WORKING, or in the state asked for, with the user message as its history', () => {
    const { message, bus, reply } = setup();
    reply.start();
    reply.start(TaskState.TASK_STATE_SUBMITTED);
    expect(bus.events.map((e) => e.kind)).toEqual(['task', 'task']);
    const [working, submitted] = bus.events;
    if (working?.kind !== 'task' || submitted?.kind !== 'task') throw new Error('expected tasks');
    expect(working.data).toMatchObject({
      id: 'task-1',
      contextId: 'ctx-1',
      status: { state: TaskState.TASK_STATE_WORKING, timestamp: NOW.toISOString() },
      artifacts: [],
      history: [message],
    });
    expect(submitted.data.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
  });

  it('continues the existing task on a follow-up turn, adding the message to its history once', () => {
    const earlier = userMessage('oi');
    const task: Task = {
      id: 'task-1',
      contextId: 'ctx-1',
      status: { state: TaskState.TASK_STATE_INPUT_REQUIRED, message: undefined, timestamp: undefined },
      artifacts: [],
      history: [earlier],
      metadata: { channel: 'widget' },
    };
    const { message, bus, reply } = setup({ task });
    reply.start();
    const first = bus.events[0];
    if (first?.kind !== 'task') throw new Error('expected a task');
    expect(first.data.history).toEqual([earlier, message]);
    expect(first.data.metadata).toEqual({ channel: 'widget' });
    expect(first.data.status?.state).toBe(TaskState.TASK_STATE_WORKING);

    const known = setup({ task, message: earlier });
    known.reply.start();
    const repeated = known.bus.events[0];
    expect(repeated?.kind === 'task' && repeated.data.history).toEqual([earlier]);
  });

  it('publishes text chunks as one `answer` artifact, appended, the last one marked', () => {
    const { bus, reply } = setup();
    reply.text(['a', 'b', 'c']);
    expect(artifacts(bus.events)).toEqual([
      { id: 'answer', name: 'answer', description: '', value: 'a', append: false, lastChunk: false },
      { id: 'answer', name: 'answer', description: '', value: 'b', append: true, lastChunk: false },
      { id: 'answer', name: 'answer', description: '', value: 'c', append: true, lastChunk: true },
    ]);
  });

  it('streams text one chunk behind, so that closing marks the last chunk', () => {
    const { bus, reply } = setup();
    const stream = reply.stream({ artifact: { id: 'reply', description: 'The reply.' } });
    stream.push('um');
    expect(bus.events).toEqual([]);
    stream.push(' dois');
    expect(artifacts(bus.events)).toEqual([
      { id: 'reply', name: 'reply', description: 'The reply.', value: 'um', append: false, lastChunk: false },
    ]);
    stream.close();
    expect(
      artifacts(bus.events).map(({ value, append, lastChunk }) => ({ value, append, lastChunk })),
    ).toEqual([
      { value: 'um', append: false, lastChunk: false },
      { value: ' dois', append: true, lastChunk: true },
    ]);
    stream.close();
    expect(bus.events).toHaveLength(2);
  });

  it('closes an empty stream without publishing', () => {
    const { bus, reply } = setup();
    reply.stream().close();
    expect(bus.events).toEqual([]);
  });

  it('publishes data parts, appending across calls to the same artifact and keeping artifacts apart', () => {
    const { bus, reply } = setup();
    const notes = { id: 'notes', description: 'Notes.' };
    reply.data([{ kind: 'a' }], { artifact: notes, lastChunk: false });
    reply.data([{ kind: 'x' }, { kind: 'y' }]);
    reply.data([{ kind: 'b' }], { artifact: notes, lastChunk: false });
    expect(
      artifacts(bus.events).map(({ id, value, append, lastChunk }) => ({ id, value, append, lastChunk })),
    ).toEqual([
      { id: 'notes', value: { kind: 'a' }, append: false, lastChunk: false },
      { id: 'data', value: { kind: 'x' }, append: false, lastChunk: false },
      { id: 'data', value: { kind: 'y' }, append: true, lastChunk: true },
      { id: 'notes', value: { kind: 'b' }, append: true, lastChunk: false },
    ]);
    const part = bus.events[0]?.kind === 'artifactUpdate' ? bus.events[0].data.artifact?.parts[0] : undefined;
    expect(part?.mediaType).toBe('application/json');
  });

  it('ends the task COMPLETED, REJECTED or FAILED, with the status message and metadata given', () => {
    const { bus, reply } = setup();
    reply.working();
    reply.complete({ messageId: 'm-1' });
    reply.reject('Too many messages.', { code: 'rate_limited', retryAfterSec: 30 });
    reply.fail();
    reply.fail('Sorry.', { code: 'agents_unavailable' });
    const [working, completed, rejected, failed, failedWithText] = statuses(bus.events);
    expect(working).toMatchObject({
      taskId: 'task-1',
      contextId: 'ctx-1',
      status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: NOW.toISOString() },
      metadata: undefined,
    });
    expect(completed?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(completed?.metadata).toEqual({ messageId: 'm-1' });
    expect(rejected?.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(rejected?.metadata).toEqual({ code: 'rate_limited', retryAfterSec: 30 });
    expect(rejected?.status?.message).toMatchObject({ taskId: 'task-1', contextId: 'ctx-1' });
    expect(rejected?.status?.message?.parts[0]?.content).toEqual({
      $case: 'text',
      value: 'Too many messages.',
    });
    expect(failed?.status).toMatchObject({ state: TaskState.TASK_STATE_FAILED, message: undefined });
    expect(failed?.metadata).toBeUndefined();
    expect(failedWithText?.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: 'Sorry.' });
    expect(failedWithText?.status?.message?.messageId).not.toBe(rejected?.status?.message?.messageId);
  });

  it('publishes nothing once the signal aborts, not even a chunk held back', () => {
    const abort = new AbortController();
    const { bus, reply } = setup({ signal: abort.signal });
    reply.start();
    const stream = reply.stream();
    stream.push('a');
    abort.abort();
    stream.close();
    reply.data([{ kind: 'x' }]);
    reply.complete();
    reply.fail('no');
    expect(bus.events.map((e) => e.kind)).toEqual(['task']);
  });
});

describe('createRunningTasks', () => {
  const canceledStatus = (bus: RecordingBus) => statuses(bus.events)[0];

  it('cancels a running task: aborts its signal and publishes CANCELED in its context', () => {
    const running = createRunningTasks(now);
    const execution = running.start({ taskId: 't-1', contextId: 'c-1' });
    const bus = new RecordingBus();
    expect(running.cancel('t-1', bus)).toBe(true);
    expect(execution.signal.aborted).toBe(true);
    expect(bus.events).toHaveLength(1);
    expect(canceledStatus(bus)).toMatchObject({
      taskId: 't-1',
      contextId: 'c-1',
      status: { state: TaskState.TASK_STATE_CANCELED, timestamp: NOW.toISOString() },
    });
  });

  it('publishes CANCELED without a context for a task that is not running', () => {
    const running = createRunningTasks(now);
    running.start({ taskId: 't-1', contextId: 'c-1' }).finish();
    const bus = new RecordingBus();
    expect(running.cancel('t-1', bus)).toBe(false);
    expect(canceledStatus(bus)).toMatchObject({ taskId: 't-1', contextId: '' });
  });

  it('aborts an earlier execution of the same task, whose finish then leaves the newer one registered', () => {
    const running = createRunningTasks(now);
    const first = running.start({ taskId: 't-1', contextId: 'c-1' });
    const second = running.start({ taskId: 't-1', contextId: 'c-1' });
    expect(first.signal.aborted).toBe(true);
    first.finish();
    const bus = new RecordingBus();
    expect(running.cancel('t-1', bus)).toBe(true);
    expect(second.signal.aborted).toBe(true);
    expect(canceledStatus(bus)?.contextId).toBe('c-1');
  });
});

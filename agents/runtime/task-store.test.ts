import {
  type AgentCard,
  type ListTasksRequest,
  type Message,
  Role,
  type SendMessageRequest,
  type Task,
  TaskState,
} from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type OwnerResolver,
  ServerCallContext,
  type TaskStore,
  type User,
} from '@a2a-js/sdk/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoundedTaskStore } from './task-store.js';

function user(userName: string): User {
  return { isAuthenticated: true, userName };
}

function ctx(options: { user?: string; tenant?: string } = {}): ServerCallContext {
  return new ServerCallContext({
    user: options.user === undefined ? undefined : user(options.user),
    tenant: options.tenant,
  });
}

function message(text: string, overrides: Partial<Message> = {}): Message {
  return {
    messageId: `m-${text}`,
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: {}, filename: '', mediaType: 'text/plain' }],
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
    ...overrides,
  };
}

function task(
  id: string,
  state: TaskState,
  options: { contextId?: string; timestamp?: string; artifacts?: number } = {},
): Task {
  return {
    id,
    contextId: options.contextId ?? 'ctx-1',
    status: { state, message: undefined, timestamp: options.timestamp },
    artifacts: Array.from({ length: options.artifacts ?? 0 }, (_, i) => ({
      artifactId: `${id}-a${i}`,
      name: `artifact ${i}`,
      description: '',
      parts: [
        {
          content: { $case: 'text', value: `out ${i}` },
          metadata: {},
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: {},
      extensions: [],
    })),
    history: [message(`${id}-hello`), message(`${id}-more`)],
    metadata: { id },
  };
}

function listRequest(overrides: Partial<ListTasksRequest> = {}): ListTasksRequest {
  return {
    tenant: '',
    contextId: '',
    status: TaskState.TASK_STATE_UNSPECIFIED,
    pageToken: '',
    statusTimestampAfter: undefined,
    ...overrides,
  };
}

const ts = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

describe('BoundedTaskStore parity with InMemoryTaskStore', () => {
  const callers = {
    alice: ctx({ user: 'alice' }),
    bob: ctx({ user: 'bob' }),
    anonymous: ctx(),
    aliceAtAcme: ctx({ user: 'alice', tenant: 'acme' }),
  };

  // Several tasks share a timestamp (tie broken by id) and some have none (sorted last).
  const fixtures: Array<[keyof typeof callers, Task]> = [
    ['alice', task('t1', TaskState.TASK_STATE_COMPLETED, { timestamp: ts(1), artifacts: 2 })],
    ['alice', task('t2', TaskState.TASK_STATE_WORKING, { timestamp: ts(2), contextId: 'ctx-2' })],
    ['alice', task('t3', TaskState.TASK_STATE_WORKING, { timestamp: ts(2), artifacts: 1 })],
    ['alice', task('t4', TaskState.TASK_STATE_FAILED, { timestamp: ts(5), contextId: 'ctx-2' })],
    ['alice', task('t5', TaskState.TASK_STATE_INPUT_REQUIRED)],
    ['alice', task('t6', TaskState.TASK_STATE_SUBMITTED, { timestamp: ts(3) })],
    ['alice', task('t7', TaskState.TASK_STATE_CANCELED)],
    ['bob', task('t1', TaskState.TASK_STATE_REJECTED, { timestamp: ts(9) })],
    ['bob', task('b1', TaskState.TASK_STATE_WORKING, { timestamp: ts(4) })],
    ['anonymous', task('u1', TaskState.TASK_STATE_COMPLETED, { timestamp: ts(6) })],
    ['aliceAtAcme', task('t1', TaskState.TASK_STATE_AUTH_REQUIRED, { timestamp: ts(7), artifacts: 1 })],
  ];

  async function seed(store: TaskStore): Promise<void> {
    for (const [caller, t] of fixtures) {
      await store.save(t, callers[caller]);
    }
    // Updates in place: t2 finishes, t7 is re-saved with a timestamp.
    await store.save(
      task('t2', TaskState.TASK_STATE_COMPLETED, { timestamp: ts(8), contextId: 'ctx-2' }),
      callers.alice,
    );
    await store.save(task('t7', TaskState.TASK_STATE_CANCELED, { timestamp: ts(2) }), callers.alice);
  }

  async function both<T>(run: (store: TaskStore) => Promise<T>): Promise<{ bounded: T; reference: T }> {
    const bounded = new BoundedTaskStore();
    const reference = new InMemoryTaskStore();
    await seed(bounded);
    await seed(reference);
    return { bounded: await run(bounded), reference: await run(reference) };
  }

  it.each([
    ['own task', 't1', 'alice'],
    ['same id, other owner', 't1', 'bob'],
    ['same id, other tenant', 't1', 'aliceAtAcme'],
    ['task of another owner', 'b1', 'alice'],
    ['unauthenticated caller', 'u1', 'anonymous'],
    ['missing task', 'nope', 'alice'],
  ] as const)('load: %s', async (_name, id, caller) => {
    const { bounded, reference } = await both((store) => store.load(id, callers[caller]));
    expect(bounded).toEqual(reference);
  });

  it.each([
    ['default', 'alice', {}],
    ['other owner', 'bob', {}],
    ['unauthenticated', 'anonymous', {}],
    ['other tenant', 'aliceAtAcme', {}],
    ['contextId filter', 'alice', { contextId: 'ctx-2' }],
    ['status filter', 'alice', { status: TaskState.TASK_STATE_WORKING }],
    ['status timestamp filter', 'alice', { statusTimestampAfter: ts(2) }],
    ['includeArtifacts', 'alice', { includeArtifacts: true }],
    ['historyLength is left to the handler', 'alice', { historyLength: 1 }],
    ['small page', 'alice', { pageSize: 3 }],
    ['cursor that matches no task', 'alice', { pageToken: Buffer.from(`${ts(1)}|gone`).toString('base64') }],
    ['combined filters', 'alice', { contextId: 'ctx-1', status: TaskState.TASK_STATE_CANCELED, pageSize: 1 }],
  ] as const)('list: %s', async (_name, caller, params) => {
    const { bounded, reference } = await both((store) => store.list(listRequest(params), callers[caller]));
    expect(bounded).toEqual(reference);
  });

  it('paginates identically with page tokens through every page', async () => {
    const { bounded, reference } = await both(async (store) => {
      const pages = [];
      let pageToken = '';
      do {
        const page = await store.list(listRequest({ pageSize: 2, pageToken }), callers.alice);
        pages.push(page);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return pages;
    });
    expect(bounded).toEqual(reference);
    expect(bounded.flatMap((page) => page.tasks.map((t) => t.id))).toEqual([
      't2',
      't4',
      't6',
      't7',
      't3',
      't1',
      't5',
    ]);
  });

  it('rejects a malformed page token the same way', async () => {
    for (const store of [new BoundedTaskStore(), new InMemoryTaskStore()]) {
      await seed(store);
      const error = await store
        .list(listRequest({ pageToken: 'bm90LWEtY3Vyc29y' }), callers.alice)
        .catch((e) => e);
      expect(error).toBeInstanceOf(RequestMalformedError);
      expect(error.message).toBe('Invalid page token format.');
    }
  });

  it('scopes by a custom owner resolver like the SDK does', async () => {
    const byTeam: OwnerResolver = (context) => (context.user?.userName ?? '').split('@')[1] ?? 'none';
    const run = async (store: TaskStore) => {
      await store.save(
        task('x', TaskState.TASK_STATE_WORKING, { timestamp: ts(1) }),
        ctx({ user: 'ann@red' }),
      );
      return [
        await store.load('x', ctx({ user: 'bo@red' })),
        await store.load('x', ctx({ user: 'cy@blue' })),
        await store.list(listRequest(), ctx({ user: 'bo@red' })),
      ];
    };
    const bounded = await run(new BoundedTaskStore({ ownerResolver: byTeam }));
    expect(bounded).toEqual(await run(new InMemoryTaskStore(byTeam)));
    expect(bounded[0]).toBeDefined();
    expect(bounded[1]).toBeUndefined();
  });
});

describe('BoundedTaskStore eviction', () => {
  const alice = ctx({ user: 'alice' });

  function clockedStore(
    options: { maxTasks?: number; finishedTtlMs?: number; maxActiveTasks?: number } = {},
  ) {
    const clock = { now: 0 };
    const store = new BoundedTaskStore({ ...options, now: () => clock.now });
    return { clock, store };
  }

  it('evicts finished tasks finishedTtlMs after they became terminal, never active ones', async () => {
    const { clock, store } = clockedStore({ finishedTtlMs: 1000 });
    await store.save(task('done', TaskState.TASK_STATE_COMPLETED), alice);
    await store.save(task('running', TaskState.TASK_STATE_WORKING), alice);
    await store.save(task('late', TaskState.TASK_STATE_WORKING), alice);
    clock.now = 800;
    await store.save(task('late', TaskState.TASK_STATE_FAILED), alice);

    clock.now = 999;
    expect(await store.load('done', alice)).toBeDefined();
    clock.now = 1000;
    expect(await store.load('done', alice)).toBeUndefined();
    expect(store.size).toBe(2);

    clock.now = 1799;
    expect((await store.list(listRequest(), alice)).tasks.map((t) => t.id).sort()).toEqual([
      'late',
      'running',
    ]);
    clock.now = 1800;
    expect((await store.list(listRequest(), alice)).tasks.map((t) => t.id)).toEqual(['running']);

    clock.now = 1_000_000;
    expect(await store.load('running', alice)).toBeDefined();
    expect(store.size).toBe(1);
  });

  it('keeps the TTL of a terminal task that is saved again', async () => {
    const { clock, store } = clockedStore({ finishedTtlMs: 1000 });
    await store.save(task('done', TaskState.TASK_STATE_COMPLETED), alice);
    clock.now = 600;
    await store.save(task('done', TaskState.TASK_STATE_COMPLETED, { artifacts: 1 }), alice);
    clock.now = 1000;
    expect(await store.load('done', alice)).toBeUndefined();
  });

  it('evicts the oldest finished tasks first when over maxTasks and keeps active ones', async () => {
    const { store } = clockedStore({ maxTasks: 3 });
    await store.save(task('a1', TaskState.TASK_STATE_WORKING), alice);
    await store.save(task('f1', TaskState.TASK_STATE_COMPLETED), alice);
    await store.save(task('a2', TaskState.TASK_STATE_INPUT_REQUIRED), alice);
    await store.save(task('f2', TaskState.TASK_STATE_FAILED), alice);
    await store.save(task('f3', TaskState.TASK_STATE_CANCELED), alice);
    expect(store.size).toBe(3);
    expect(await store.load('f1', alice)).toBeUndefined();
    expect(await store.load('f2', alice)).toBeUndefined();
    expect(await store.load('f3', alice)).toBeDefined();

    // Only active tasks left to evict: maxTasks is exceeded rather than dropping running work.
    await store.save(task('a3', TaskState.TASK_STATE_SUBMITTED), alice);
    await store.save(task('a4', TaskState.TASK_STATE_AUTH_REQUIRED), alice);
    expect(store.size).toBe(4);
    expect(await store.load('f3', alice)).toBeUndefined();
    for (const id of ['a1', 'a2', 'a3', 'a4']) {
      expect(await store.load(id, alice)).toBeDefined();
    }
  });

  it('evicts the oldest active task only above maxActiveTasks', async () => {
    const { store } = clockedStore({ maxActiveTasks: 2 });
    await store.save(task('a1', TaskState.TASK_STATE_WORKING), alice);
    await store.save(task('a2', TaskState.TASK_STATE_WORKING), alice);
    await store.save(task('a1', TaskState.TASK_STATE_INPUT_REQUIRED), alice);
    await store.save(task('a3', TaskState.TASK_STATE_WORKING), alice);
    expect(store.size).toBe(2);
    expect(await store.load('a1', alice)).toBeUndefined();
    expect(await store.load('a2', alice)).toBeDefined();
  });

  it('keeps size within maxTasks over 100k saves of finished tasks across owners and tenants', async () => {
    const { clock, store } = clockedStore({ maxTasks: 1000 });
    const contexts = Array.from({ length: 50 }, (_, i) => ctx({ user: `u${i % 10}`, tenant: `t${i % 5}` }));
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      clock.now = i;
      const context = contexts[i % contexts.length] as ServerCallContext;
      await store.save(task(`task-${i}`, TaskState.TASK_STATE_COMPLETED), context);
      max = Math.max(max, store.size);
    }
    expect(max).toBe(1000);
    expect(store.size).toBe(1000);
    expect(await store.load('task-99999', contexts[99_999 % 50] as ServerCallContext)).toBeDefined();
    expect(await store.load('task-98999', contexts[98_999 % 50] as ServerCallContext)).toBeUndefined();
  });

  it('does not evict a task that went back to an active state', async () => {
    const { clock, store } = clockedStore({ maxTasks: 5, finishedTtlMs: 1000 });
    await store.save(task('revived', TaskState.TASK_STATE_COMPLETED), alice);
    clock.now = 10;
    await store.save(task('revived', TaskState.TASK_STATE_WORKING), alice);
    for (let i = 0; i < 20; i++) {
      await store.save(task(`done-${i}`, TaskState.TASK_STATE_COMPLETED), alice);
    }
    clock.now = 10_000;
    expect(await store.load('revived', alice)).toMatchObject({
      status: { state: TaskState.TASK_STATE_WORKING },
    });
    expect(store.size).toBe(1);
  });

  it('rejects nonsensical bounds', () => {
    expect(() => new BoundedTaskStore({ maxTasks: 0 })).toThrow(RangeError);
    expect(() => new BoundedTaskStore({ finishedTtlMs: -1 })).toThrow(RangeError);
    expect(() => new BoundedTaskStore({ maxActiveTasks: 1.5 })).toThrow(RangeError);
  });
});

describe('BoundedTaskStore copies', () => {
  const alice = ctx({ user: 'alice' });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never calls structuredClone; load shares messages and parts but not the spine', async () => {
    const store = new BoundedTaskStore();
    const saved = task('t', TaskState.TASK_STATE_WORKING, { artifacts: 1 });
    const clone = vi.spyOn(globalThis, 'structuredClone');
    await store.save(saved, alice);
    const loaded = (await store.load('t', alice)) as Task;
    await store.list(listRequest({ includeArtifacts: true }), alice);
    expect(clone).not.toHaveBeenCalled();

    expect(loaded).not.toBe(saved);
    expect(loaded).toEqual(saved);
    expect(loaded.history).not.toBe(saved.history);
    expect(loaded.history[0]).toBe(saved.history[0]);
    expect(loaded.artifacts[0]).not.toBe(saved.artifacts[0]);
    expect(loaded.artifacts[0]?.parts).toBe(saved.artifacts[0]?.parts);
    expect(loaded.status).toBe(saved.status);
  });

  it('is not corrupted by the in-place edits the SDK makes to loaded and saved tasks', async () => {
    const store = new BoundedTaskStore();
    const saved = task('t', TaskState.TASK_STATE_WORKING, { artifacts: 1 });
    const pristine = structuredClone(saved);
    await store.save(saved, alice);
    // ResultManager keeps the object it saved and the handler trims its history afterwards.
    saved.history = [];

    const loaded = (await store.load('t', alice)) as Task;
    // getTask/listTasks historyLength, applyStatusUpdate and applyArtifactUpdate edits, executor pushes.
    loaded.history = loaded.history.slice(-1);
    loaded.status = { state: TaskState.TASK_STATE_FAILED, message: undefined, timestamp: undefined };
    loaded.artifacts.push({ ...(loaded.artifacts[0] as Task['artifacts'][number]), artifactId: 'new' });
    (loaded.artifacts[0] as Task['artifacts'][number]).parts = [];
    const listed = (await store.list(listRequest({ includeArtifacts: true }), alice)).tasks[0] as Task;
    listed.history.push(message('pushed'));
    (listed.artifacts[0] as Task['artifacts'][number]).name = 'renamed';

    expect(await store.load('t', alice)).toEqual(pristine);
  });
});

describe.each([
  ['BoundedTaskStore', () => new BoundedTaskStore()],
  ['InMemoryTaskStore (reference)', () => new InMemoryTaskStore()],
])('DefaultRequestHandler with %s', (_name, createStore) => {
  const card: AgentCard = {
    name: 'echo',
    description: 'echoes',
    supportedInterfaces: [],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: false, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    signatures: [],
  };

  const agentMessage = (taskId: string, contextId: string, text: string): Message =>
    message(`${taskId}-${text}`, { taskId, contextId, role: Role.ROLE_AGENT });

  // Asks for input on "wait", otherwise echoes the text as an artifact and completes.
  const executor: AgentExecutor = {
    async execute(requestContext, bus) {
      const { taskId, contextId, userMessage } = requestContext;
      const text = userMessage.parts[0]?.content?.$case === 'text' ? userMessage.parts[0].content.value : '';
      const status = (state: TaskState, reply?: string) => ({
        state,
        message: reply === undefined ? undefined : agentMessage(taskId, contextId, reply),
        timestamp: new Date().toISOString(),
      });
      bus.publish(
        AgentEvent.task(
          requestContext.task ?? {
            id: taskId,
            contextId,
            status: status(TaskState.TASK_STATE_SUBMITTED),
            artifacts: [],
            history: [userMessage],
            metadata: {},
          },
        ),
      );
      if (text === 'wait') {
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: status(TaskState.TASK_STATE_INPUT_REQUIRED, 'more?'),
            metadata: {},
          }),
        );
        return;
      }
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: 'echo',
            name: 'echo',
            description: '',
            parts: [
              {
                content: { $case: 'text', value: text },
                metadata: {},
                filename: '',
                mediaType: 'text/plain',
              },
            ],
            metadata: {},
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: {},
        }),
      );
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: status(TaskState.TASK_STATE_COMPLETED, 'done'),
          metadata: {},
        }),
      );
    },
    async cancelTask(taskId, bus) {
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: '',
          status: {
            state: TaskState.TASK_STATE_CANCELED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          metadata: {},
        }),
      );
      bus.finished();
    },
  };

  const send = (text: string, ids: { taskId?: string; contextId?: string } = {}): SendMessageRequest => ({
    tenant: '',
    message: message(`${text}-${Math.random()}`, {
      taskId: ids.taskId ?? '',
      contextId: ids.contextId ?? '',
      parts: [
        { content: { $case: 'text', value: text }, metadata: {}, filename: '', mediaType: 'text/plain' },
      ],
    }),
    configuration: undefined,
    metadata: {},
  });

  it('runs sendMessage, getTask, listTasks and cancelTask', async () => {
    const store = createStore();
    const handler = new DefaultRequestHandler(card, store, executor);
    const alice = ctx({ user: 'alice' });

    const completed = (await handler.sendMessage(send('hi'), alice)) as Task;
    expect(completed.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(completed.artifacts.map((a) => a.artifactId)).toEqual(['echo']);

    const trimmed = await handler.getTask({ tenant: '', id: completed.id, historyLength: 0 }, alice);
    expect(trimmed.history).toEqual([]);
    const full = await handler.getTask({ tenant: '', id: completed.id }, alice);
    expect(full.history.length).toBe(2);
    expect(full.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'hi' });

    // sendMessage trims history on the very object ResultManager saved; the stored task must keep it.
    const brief = (await handler.sendMessage(
      {
        ...send('brief'),
        configuration: {
          acceptedOutputModes: [],
          taskPushNotificationConfig: undefined,
          historyLength: 0,
          returnImmediately: false,
        },
      },
      alice,
    )) as Task;
    expect(brief.history).toEqual([]);
    expect((await handler.getTask({ tenant: '', id: brief.id }, alice)).history.length).toBe(2);
    await expect(
      handler.getTask({ tenant: '', id: completed.id }, ctx({ user: 'bob' })),
    ).rejects.toBeInstanceOf(TaskNotFoundError);

    // A multi-turn task: input required, then a follow-up on the same task completes it.
    const waiting = (await handler.sendMessage(send('wait'), alice)) as Task;
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const resumed = (await handler.sendMessage(
      send('again', { taskId: waiting.id, contextId: waiting.contextId }),
      alice,
    )) as Task;
    expect(resumed.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await handler.getTask({ tenant: '', id: waiting.id }, alice)).history.length).toBe(4);

    const listed = await handler.listTasks(
      { ...listRequest(), historyLength: 0, includeArtifacts: true },
      alice,
    );
    expect(listed.totalSize).toBe(3);
    expect(listed.tasks.every((t) => t.history.length === 0)).toBe(true);
    expect((await handler.getTask({ tenant: '', id: completed.id }, alice)).history.length).toBe(2);

    const toCancel = (await handler.sendMessage(send('wait'), alice)) as Task;
    const canceled = await handler.cancelTask({ tenant: '', id: toCancel.id, metadata: {} }, alice);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const completedOnly = await handler.listTasks(
      listRequest({ status: TaskState.TASK_STATE_COMPLETED }),
      alice,
    );
    expect(completedOnly.tasks.map((t) => t.id).sort()).toEqual([completed.id, brief.id, waiting.id].sort());
  });
});

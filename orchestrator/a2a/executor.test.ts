import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import type { ServiceTokenClaims } from '../../agents/runtime/index.js';
import { createLogger } from '../../agents/runtime/index.js';
import { userMessage } from '../../agents/runtime/testing/fixtures.js';
import {
  type ChatEvent,
  type ChatService,
  ConversationNotFoundError,
  type ReplyRequest,
} from '../chat/index.js';
import type { ChatAllowance } from '../edge/chat-rate-limit.js';
import { createSupportExecutor } from './executor.js';

const logger = createLogger({ name: 'a2a-test', level: 'silent' });

function claims(sub = `guest:${randomUUID()}`, role = 'guest'): ServiceTokenClaims {
  return {
    iss: 'atende-orchestrator',
    aud: 'atende-api',
    sub,
    role,
    scope: 'support:chat',
    scopes: new Set(['support:chat']),
    skill: 'customer-support',
    jti: randomUUID(),
    cid: randomUUID(),
    iat: 0,
    exp: 0,
  };
}

/** A chat service that plays `script` for each accepted message and records the requests it saw. */
function scriptedChat(script: (request: ReplyRequest) => AsyncGenerator<ChatEvent>) {
  const requests: ReplyRequest[] = [];
  const known = new Set<string>();
  const chat: ChatService = {
    drain: async () => undefined,
    async accept(request) {
      requests.push(request);
      if (request.conversationId && !known.has(request.conversationId)) throw new ConversationNotFoundError();
      return script(request);
    },
  };
  return { chat, requests, known };
}

/** An allowance never spent (the real one is tested with the A2A route, shared with the chat API). */
const unlimited: ChatAllowance = {
  perClient: 10,
  windowSec: 60,
  take: async () => ({ ok: true, res: { remainingPoints: 9, msBeforeNext: 60_000 } as never }),
};

function run(options: { chat: ChatService; contextId?: string; sub?: string; maxContexts?: number }) {
  const executor = createSupportExecutor({
    chat: options.chat,
    allowance: unlimited,
    maxMessageChars: 2000,
    logger,
    maxContexts: options.maxContexts,
  });
  const start = (text: string, contextId = options.contextId ?? randomUUID()) => {
    const context = new RequestContext(
      { tenant: '', message: userMessage(text), configuration: undefined, metadata: undefined },
      randomUUID(),
      contextId,
      new ServerCallContext({ state: new Map<string, unknown>([['claims', claims(options.sub)]]) }),
    );
    const bus = new DefaultExecutionEventBus();
    const events: AgentExecutionEvent[] = [];
    bus.on('event', (e) => events.push(e));
    return { context, bus, events, done: executor.execute(context, bus) };
  };
  return { executor, start };
}

const stateOf = (event: AgentExecutionEvent | undefined) =>
  event?.kind === 'statusUpdate' ? event.data.status?.state : undefined;

describe('support executor', () => {
  it('fails the task with the polite text as its status message when the reply ends in error', async () => {
    const { chat } = scriptedChat(async function* () {
      yield { event: 'conversation', data: { conversationId: randomUUID(), messageId: randomUUID() } };
      yield { event: 'delta', data: { agent: 'orchestrator', text: 'Desculpe.' } };
      yield { event: 'error', data: { code: 'agents_unavailable', message: 'Desculpe.' } };
    });
    const { events, done } = run({ chat }).start('Qual o prazo de entrega?');
    await done;
    expect(events[0]?.kind).toBe('task');
    const last = events.at(-1);
    expect(stateOf(last)).toBe(TaskState.TASK_STATE_FAILED);
    const message = last?.kind === 'statusUpdate' ? last.data.status?.message : undefined;
    expect(message?.parts[0]?.content).toEqual({ $case: 'text', value: 'Desculpe.' });
  });

  it('rejects a task whose text carries control characters, without reaching the chat', async () => {
    const { chat, requests } = scriptedChat(async function* () {
      yield { event: 'conversation', data: { conversationId: randomUUID(), messageId: randomUUID() } };
    });
    const { events, done } = run({ chat }).start('oi\u0000');
    await done;
    const last = events.at(-1);
    expect(stateOf(last)).toBe(TaskState.TASK_STATE_REJECTED);
    const message = last?.kind === 'statusUpdate' ? last.data.status?.message : undefined;
    expect(message?.parts[0]?.content).toMatchObject({ value: expect.stringMatching(/controle/) });
    expect(requests).toEqual([]);
  });

  it('cancels: publishes CANCELED, aborts the chat stream and publishes nothing after', async () => {
    let aborted = false;
    let closed = false;
    const { chat } = scriptedChat(async function* (request) {
      try {
        yield { event: 'conversation', data: { conversationId: randomUUID(), messageId: randomUUID() } };
        yield { event: 'delta', data: { agent: 'a', text: 'um' } };
        await new Promise((resolve) => request.signal?.addEventListener('abort', resolve, { once: true }));
        aborted = Boolean(request.signal?.aborted);
        yield { event: 'delta', data: { agent: 'a', text: 'dois' } };
        yield { event: 'done', data: { messageId: randomUUID(), firstTokenMs: 1 } };
      } finally {
        closed = true;
      }
    });
    const { executor, start } = run({ chat });
    const task = start('Qual o prazo de entrega?');
    await new Promise((r) => setTimeout(r, 20));
    await executor.cancelTask(task.context.taskId, task.bus);
    await task.done;
    expect(aborted).toBe(true);
    expect(closed).toBe(true);
    expect(stateOf(task.events.at(-1))).toBe(TaskState.TASK_STATE_CANCELED);
    expect(task.events.some((e) => stateOf(e) === TaskState.TASK_STATE_COMPLETED)).toBe(false);
  });

  it('starts a conversation for an unknown context and continues it on the next task of that context', async () => {
    const conversationId = randomUUID();
    const { chat, requests, known } = scriptedChat(async function* () {
      known.add(conversationId);
      yield { event: 'conversation', data: { conversationId, messageId: randomUUID() } };
      yield { event: 'delta', data: { agent: 'a', text: 'ok' } };
      yield { event: 'done', data: { messageId: randomUUID(), firstTokenMs: 1 } };
    });
    const contextId = randomUUID();
    const { start } = run({ chat, contextId, sub: 'customer-1' });
    await start('primeira').done;
    const second = start('segunda');
    await second.done;
    expect(requests.map((r) => r.conversationId)).toEqual([contextId, undefined, conversationId]);
    expect(stateOf(second.events.at(-1))).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('forgets the conversation of the least recently used context beyond maxContexts', async () => {
    const { chat, requests, known } = scriptedChat(async function* () {
      const conversationId = randomUUID();
      known.add(conversationId);
      yield { event: 'conversation', data: { conversationId, messageId: randomUUID() } };
      yield { event: 'done', data: { messageId: randomUUID(), firstTokenMs: null } };
    });
    const { start } = run({ chat, sub: 'customer-1', maxContexts: 1 });
    const [first, second] = [randomUUID(), randomUUID()];
    await start('a', first).done;
    await start('b', second).done;
    await start('c', first).done;
    expect(requests.map((r) => r.conversationId)).toEqual([
      first,
      undefined,
      second,
      undefined,
      first,
      undefined,
    ]);
  });

  it('publishes annotations as data parts with their kind, a list under the kind’s name', async () => {
    const { chat } = scriptedChat(async function* () {
      yield { event: 'conversation', data: { conversationId: randomUUID(), messageId: randomUUID() } };
      yield {
        event: 'annotation',
        data: { agent: 'a', kind: 'citations', data: [{ id: 'delivery-time', title: 'Prazo' }] },
      };
      yield {
        event: 'annotation',
        data: { agent: 'a', kind: 'handoff', data: { reason: 'low_confidence' } },
      };
      yield { event: 'done', data: { messageId: randomUUID(), firstTokenMs: null } };
    });
    const { events, done } = run({ chat }).start('?');
    await done;
    const data = events.flatMap((e) =>
      e.kind === 'artifactUpdate'
        ? (e.data.artifact?.parts ?? []).flatMap((p) =>
            p.content?.$case === 'data' ? [p.content.value] : [],
          )
        : [],
    );
    expect(data).toEqual([
      { kind: 'citations', citations: [{ id: 'delivery-time', title: 'Prazo' }] },
      { kind: 'handoff', reason: 'low_confidence' },
    ]);
  });
});

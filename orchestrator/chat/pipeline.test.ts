import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { DEFAULT_SCOPE_POLICY } from '../mesh/scope-policy.js';
import { createEventHub } from '../store/event-hub.js';
import { type ChatLog, createChatLog } from '../store/index.js';
import { pgliteTestDatabase, type TestDatabase } from '../store/test-support.js';
import { answers, type FakeTask, fakeDispatcher, skillTarget, slow } from '../testing/chat-fakes.js';
import type { ChatEvent } from './contract.js';
import { followConversation } from './follow.js';
import { createChatService } from './pipeline.js';
import type { ChatService, ReplyRequest } from './service.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const faq = skillTarget({ name: 'assistant', skill: 'faq', tags: ['faq', 'entrega'] });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });
const orders = skillTarget({
  name: 'orders',
  skill: 'order-status',
  tags: ['pedido'],
  scopes: ['orders:read'],
});

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.dispose();
  db = undefined;
});

async function setup(script: Record<string, FakeTask>) {
  db = await pgliteTestDatabase();
  let log: ChatLog | undefined;
  const hub = createEventHub({
    readAfter: (id, after) => (log as ChatLog).listEvents(id, { after, limit: 500 }),
  });
  log = createChatLog({ sql: db.sql, hub });
  const directory = createStaticAgentDirectory(
    [faq, sentiment, orders].map((t) => ({ baseUrl: t.agent.baseUrl, card: t.agent.card })),
  );
  const { dispatcher, requests } = fakeDispatcher(script);
  const chat = createChatService({
    chatLog: log,
    hub,
    directory,
    dispatcher,
    logger,
    scopePolicy: DEFAULT_SCOPE_POLICY,
    toneBudgetMs: 20,
    sideGraceMs: 20,
    coalesceMs: 5,
  });
  return { chat, chatLog: log, hub, requests, directory };
}

const guest = { subject: 'guest-1', role: 'guest' as const };

/** The guest's message `text`, accepted by `chat` (pt-BR unless `extra` says otherwise). */
const ask = (chat: ChatService, text: string, extra: Partial<ReplyRequest> = {}) =>
  chat.accept({ shopper: guest, text, locale: 'pt-BR', correlationId: 'r1', ...extra });

async function collect(events: AsyncGenerator<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('the reply pipeline', () => {
  it('streams a reply to its caller as it always has, and logs it as conversation events', async () => {
    const { chat, chatLog } = await setup({
      faq: answers(
        ['Chega em ', '3 dias.'],
        [{ citations: [{ id: 'prazo', title: 'Prazo' }], level: 'high', confidence: 0.9 }],
      ),
      sentiment: answers([], [{ kind: 'sentiment', label: 'neutral', confidence: 0.6 }]),
    });
    const events = await collect(await ask(chat, 'qual o prazo de entrega?'));
    expect(events[0]?.event).toBe('conversation');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { firstTokenMs: expect.any(Number) } });
    const text = events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join('');
    expect(text).toBe('Chega em 3 dias.');
    const kinds = events.flatMap((e) => (e.event === 'annotation' ? [e.data.kind] : []));
    expect(kinds.sort()).toEqual(['citations', 'confidence', 'sentiment']);

    const conversationId = events[0]?.event === 'conversation' ? events[0].data.conversationId : '';
    const logged = await chatLog.listEvents(conversationId, { after: 0, limit: 100 });
    expect(logged.map((e) => e.id)).toEqual(logged.map((_, i) => i + 1));
    expect(logged[0]).toMatchObject({
      kind: 'message',
      author: 'shopper',
      data: { text: 'qual o prazo de entrega?' },
    });
    expect(logged[1]).toMatchObject({ kind: 'status', data: { state: 'reply_started' } });
    expect(logged.at(-2)).toMatchObject({
      kind: 'message',
      author: 'assistant',
      data: { text: 'Chega em 3 dias.', status: 'answered' },
    });
    expect(logged.at(-1)).toMatchObject({ kind: 'status', data: { state: 'answered' } });
    const deltas = logged.filter((e) => e.kind === 'delta');
    expect(deltas.length).toBeLessThanOrEqual(2);
    const [message] = await chatLog
      .listMessages(conversationId)
      .then((m) => m.filter((x) => x.author === 'agent'));
    expect(message).toMatchObject({
      status: 'answered',
      text: 'Chega em 3 dias.',
      citations: [{ id: 'prazo' }],
    });
  });

  it('asks a guest to sign in for orders and sends the orders agent no task, while the FAQ still answers', async () => {
    const { chat, requests } = await setup({
      faq: answers(['Entregamos em até 7 dias úteis.']),
      sentiment: answers([]),
    });
    const events = await collect(await ask(chat, 'onde está meu pedido?'));
    expect(events.at(-1)?.event).toBe('done');
    expect(events.some((e) => e.event === 'annotation' && e.data.kind === 'sign_in_required')).toBe(true);
    expect(requests.map((r) => r.target.skill.id)).not.toContain('order-status');
  });

  it('finishes and stores a reply whose reader went away', async () => {
    const { chat, chatLog } = await setup({ faq: slow(30, 'late answer'), sentiment: answers([]) });
    const events = await ask(chat, 'prazo de entrega');
    const first = await events.next();
    await events.return(undefined);
    await chat.drain();
    const conversationId = first.value?.event === 'conversation' ? first.value.data.conversationId : '';
    const messages = await chatLog.listMessages(conversationId);
    expect(messages.at(-1)).toMatchObject({ author: 'agent', status: 'answered', text: 'late answer' });
  });

  it('stops the reply when its conversation is closed, and says so', async () => {
    const { chat, chatLog } = await setup({ faq: slow(10_000, 'never'), sentiment: answers([]) });
    const events = await ask(chat, 'prazo de entrega');
    const first = await events.next();
    const conversationId = first.value?.event === 'conversation' ? first.value.data.conversationId : '';
    setTimeout(() => void chatLog.closeConversation(conversationId, 'closed_by_shopper'), 30);
    const rest = await collect(events);
    expect(rest.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_canceled' } });
  });

  it('ends a reply failed, politely, when a stage itself breaks, rather than leaving it streaming', async () => {
    const { chat, chatLog, directory } = await setup({});
    directory.list = () => {
      throw new Error('a bug in a stage');
    };
    const events = await collect(await ask(chat, 'prazo de entrega', { locale: 'en' }));
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_failed' } });
    const conversationId = events[0]?.event === 'conversation' ? events[0].data.conversationId : '';
    const [, reply] = await chatLog.listMessages(conversationId);
    expect(reply).toMatchObject({ status: 'failed', errorCode: 'agent_failed' });
  });

  it('lets a follower on the conversation see a reply it did not ask for, live', async () => {
    const { chat, chatLog, hub } = await setup({ faq: answers(['one']), sentiment: answers([]) });
    const first = await collect(await ask(chat, 'prazo de entrega'));
    const conversationId = first[0]?.event === 'conversation' ? first[0].data.conversationId : '';
    const stored = await chatLog.listEvents(conversationId, { after: 0, limit: 100 });
    const follower = followConversation({
      read: (id, page) => chatLog.listEvents(id, page),
      hub,
      conversationId,
      after: stored.at(-1)?.id ?? 0,
    });
    await collect(await ask(chat, 'prazo de entrega', { conversationId, correlationId: 'r2' }));
    const seen: string[] = [];
    for await (const event of follower) {
      seen.push(event.kind === 'status' ? `status:${event.data.state}` : event.kind);
      if (event.kind === 'status' && event.data.state === 'answered') break;
    }
    expect(seen[0]).toBe('message');
    expect(seen).toContain('delta');
    expect(seen.slice(-2)).toEqual(['message', 'status:answered']);
  });
});

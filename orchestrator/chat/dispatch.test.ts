import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { answers, fails, fakeDispatcher, skillTarget, slow } from '../testing/chat-fakes.js';
import { startTasks, type Tagged } from './dispatch.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const faq = skillTarget({ name: 'assistant', skill: 'faq', scopes: ['faq:read'] });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });
const base = { text: 'hi', contextId: 'c1', locale: 'en', subject: 's1', role: 'guest', correlationId: 'r1' };

async function drain(stream: AsyncIterable<Tagged>): Promise<Tagged[]> {
  const items: Tagged[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('dispatch', () => {
  it("sends side skills at once and the answer once the tone settles, with the skill's scopes", async () => {
    const { dispatcher, requests } = fakeDispatcher({ faq: answers(['ok']), sentiment: answers([]) });
    let settle: (tone?: string) => void = () => undefined;
    const tone = new Promise<string | undefined>((resolve) => {
      settle = resolve;
    });
    const tasks = startTasks({
      dispatcher,
      base,
      answer: faq,
      sides: [sentiment],
      tone,
      signal: new AbortController().signal,
      sideGraceMs: 50,
      logger,
    });
    const [answer, side] = tasks.streams;
    const sideItems = side ? await drain(side) : [];
    expect(requests.map((r) => r.target.skill.id)).toEqual(['sentiment']);
    settle('positive');
    const answerItems = answer ? await drain(answer) : [];
    expect(requests[1]).toMatchObject({
      scopes: ['faq:read'],
      metadata: { tone: 'positive' },
      contextId: 'c1',
    });
    expect(answerItems.at(-1)).toMatchObject({ source: 'answer', end: 'ok' });
    expect(sideItems.at(-1)).toMatchObject({ source: 'side', end: 'ok' });
    expect(tasks.records.map((r) => [r.agent, r.outcome])).toEqual([
      ['sentiment', 'completed'],
      ['assistant', 'completed'],
    ]);
    tasks.dispose();
  });

  it('sends each answering task its own part of a two-part message, and side skills the whole', async () => {
    const orders = skillTarget({ name: 'orders', skill: 'orders', scopes: ['orders:read'] });
    const { dispatcher, requests } = fakeDispatcher({
      faq: answers(['ok']),
      orders: answers(['ok']),
      sentiment: answers([]),
    });
    const tasks = startTasks({
      dispatcher,
      base: { ...base, text: 'where is order 1042 and can I still return it?' },
      answer: orders,
      second: faq,
      texts: { answer: 'where is order 1042', second: 'can I still return it' },
      sides: [sentiment],
      tone: Promise.resolve(undefined),
      signal: new AbortController().signal,
      sideGraceMs: 50,
      logger,
    });
    await Promise.all(tasks.streams.map(drain));
    const sent = Object.fromEntries(requests.map((r) => [r.target.skill.id, r.text]));
    expect(sent).toEqual({
      orders: 'where is order 1042',
      faq: 'can I still return it',
      sentiment: 'where is order 1042 and can I still return it?',
    });
    tasks.dispose();
  });

  it('turns a failure into an end item, and records the outcome', async () => {
    const { dispatcher } = fakeDispatcher({ faq: fails('timeout', ['par']) });
    const tasks = startTasks({
      dispatcher,
      base,
      answer: faq,
      sides: [],
      tone: Promise.resolve(undefined),
      signal: new AbortController().signal,
      sideGraceMs: 50,
      logger,
    });
    const items = await drain(tasks.streams[0] as AsyncIterable<Tagged>);
    expect(items.at(-1)).toMatchObject({ end: { outcome: 'timeout' }, hadText: true });
    expect(tasks.records[0]).toMatchObject({
      outcome: 'timeout',
      taskId: 'task-1',
      errorCode: 'fake timeout',
    });
  });

  it('cancels side tasks a grace period after the answers end', async () => {
    const { dispatcher } = fakeDispatcher({ faq: answers(['ok']), sentiment: slow(10_000, 'late') });
    const tasks = startTasks({
      dispatcher,
      base,
      answer: faq,
      sides: [sentiment],
      tone: Promise.resolve(undefined),
      signal: new AbortController().signal,
      sideGraceMs: 20,
      logger,
    });
    await drain(tasks.streams[0] as AsyncIterable<Tagged>);
    tasks.answersEnded();
    const side = await drain(tasks.streams[1] as AsyncIterable<Tagged>);
    expect(side.at(-1)).toMatchObject({ source: 'side', end: { outcome: 'canceled' } });
    tasks.dispose();
  });
});

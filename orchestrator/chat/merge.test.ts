import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import type { SkillTarget } from '../mesh/agent-directory.js';
import { answers, type FakeTask, fails, fakeDispatcher, skillTarget, slow } from '../testing/chat-fakes.js';
import type { Refusal } from './authorize.js';
import { startTasks } from './dispatch.js';
import { createToneGate, mergeReply, type ReplyPart } from './merge.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const faq = skillTarget({ name: 'assistant', skill: 'faq' });
const orders = skillTarget({ name: 'orders', skill: 'order-status' });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });

/** Runs dispatch and merge over fake agents and returns the parts, the requests and the marked-down agents. */
async function reply(options: {
  script: Record<string, FakeTask>;
  answer?: SkillTarget;
  second?: SkillTarget;
  sides?: SkillTarget[];
  refusal?: Refusal;
  toneBudgetMs?: number;
  sideGraceMs?: number;
  signal?: AbortSignal;
}) {
  const { dispatcher, requests } = fakeDispatcher(options.script);
  const sides = options.sides ?? [];
  const tone = createToneGate({ budgetMs: options.toneBudgetMs ?? 150, sides: sides.length });
  const tasks = startTasks({
    dispatcher,
    base: { text: 'hi', contextId: 'c1', locale: 'en', subject: 's1', role: 'guest', correlationId: 'r1' },
    answer: options.answer ?? faq,
    second: options.second,
    sides,
    tone: tone.tone,
    signal: options.signal ?? new AbortController().signal,
    sideGraceMs: options.sideGraceMs ?? 250,
    logger,
  });
  const down: string[] = [];
  const parts: ReplyPart[] = [];
  for await (const part of mergeReply({
    tasks,
    tone,
    refusal: options.refusal,
    locale: 'en',
    logger,
    correlationId: 'r1',
    onUnavailable: (target) => down.push(target.agent.card.name),
  })) {
    parts.push(part);
  }
  tasks.dispose();
  const text = parts.map((p) => (p.type === 'delta' ? p.text : '')).join('');
  return { parts, text, requests, down, records: tasks.records, end: parts.at(-1) };
}

describe('dispatch and merge', () => {
  it('streams the answer, turns the assistant metadata into annotations, and ends answered', async () => {
    const { parts, end, records } = await reply({
      script: {
        faq: answers(
          ['Delivery ', 'takes 3 days.'],
          [{ citations: [{ id: 'delivery', title: 'Delivery' }], level: 'low', confidence: 0.2 }],
        ),
      },
    });
    expect(parts.slice(0, 2)).toEqual([
      { type: 'delta', agent: 'assistant', text: 'Delivery ' },
      { type: 'delta', agent: 'assistant', text: 'takes 3 days.' },
    ]);
    expect(
      parts.filter((p) => p.type === 'annotation').map((p) => p.type === 'annotation' && p.annotation.kind),
    ).toEqual(['citations', 'confidence', 'handoff']);
    expect(end).toEqual({ type: 'end' });
    expect(records).toMatchObject([
      { agent: 'assistant', skill: 'faq', outcome: 'completed', taskId: 'task-1' },
    ]);
  });

  it('drops an annotation that does not fit the contract and keeps the rest', async () => {
    const { parts } = await reply({
      script: {
        faq: answers(
          ['ok'],
          [{ kind: 'order', order: { number: 42 } }, { kind: 'made_up' }, { kind: 'degraded', reason: 'x' }],
        ),
      },
    });
    const kinds = parts.flatMap((p) => (p.type === 'annotation' ? [p.annotation.kind] : []));
    expect(kinds).toEqual(['degraded']);
  });

  it('sends the answer with the tone the side skill found, within the budget', async () => {
    const { requests } = await reply({
      sides: [sentiment],
      script: {
        sentiment: answers([], [{ kind: 'sentiment', label: 'negative', confidence: 0.9 }]),
        faq: answers(['sorry to hear']),
      },
    });
    expect(requests.find((r) => r.target.skill.id === 'faq')?.metadata).toEqual({ tone: 'negative' });
  });

  it('does not wait past the tone budget, and cancels a slow side task after the grace', async () => {
    const started = Date.now();
    const { requests, records } = await reply({
      sides: [sentiment],
      toneBudgetMs: 30,
      sideGraceMs: 30,
      script: { sentiment: slow(5_000, 'late'), faq: answers(['fast']) },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requests.find((r) => r.target.skill.id === 'faq')?.metadata).toBeUndefined();
    expect(records.find((r) => r.agent === 'sentiment')?.outcome).toBe('canceled');
  });

  it("shows a second answer's text after the first's, on its own paragraph", async () => {
    const { text } = await reply({
      second: orders,
      script: { faq: slow(40, 'First.'), 'order-status': answers(['Second', ' part.']) },
    });
    expect(text).toBe('First.\n\nSecond part.');
  });

  it('keeps the first answer and adds a note when the second fails; marks an unreachable agent down', async () => {
    const { text, end, down } = await reply({
      second: orders,
      script: { faq: answers(['First.']), 'order-status': fails('unavailable') },
    });
    expect(text).toMatch(/^First\.\n\nI could not look up the other part/);
    expect(end).toEqual({ type: 'end' });
    expect(down).toEqual(['orders']);
  });

  it('apologises by kind when the answer fails: broken off after text, timeout, unavailable', async () => {
    const broken = await reply({ script: { faq: fails('failed', ['Half an ans']) } });
    expect(broken.text).toMatch(/^Half an ans Sorry, something went wrong/);
    expect(broken.end).toMatchObject({ failure: { code: 'agent_failed' } });
    const timeout = await reply({ script: { faq: fails('timeout') } });
    expect(timeout.end).toMatchObject({
      failure: { code: 'agent_timeout', message: expect.stringMatching(/longer/) },
    });
    const unavailable = await reply({ script: { faq: fails('unavailable') } });
    expect(unavailable.end).toMatchObject({ failure: { code: 'agent_unavailable' } });
    expect(unavailable.down).toEqual(['assistant']);
  });

  it('ends a canceled reply without an apology', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const { parts, end } = await reply({ signal: stop.signal, script: { faq: slow(5_000, 'never') } });
    expect(parts.filter((p) => p.type === 'delta')).toEqual([]);
    expect(end).toMatchObject({ failure: { code: 'agent_canceled', message: 'The reply was stopped.' } });
  });

  it('shows a refusal card first and its text after the answer that stood beside it', async () => {
    const refusal: Refusal = {
      text: 'Not for your account.',
      annotation: { agent: 'orchestrator', kind: 'not_available', data: { skill: 'offers' } },
      audit: { skill: 'offers', missing: ['promotions:read'] },
    };
    const { parts, text } = await reply({ refusal, script: { faq: answers(['Here you go.']) } });
    expect(parts[0]).toEqual({ type: 'annotation', annotation: refusal.annotation });
    expect(text).toBe('Here you go.\n\nNot for your account.');
  });
});

import { describe, expect, it } from 'vitest';
import type { ConversationEvent, NewConversationEvent } from '../../../orchestrator/chat/contract.js';
import { citationHref, citationLabel, fromHistory, Transcript } from './transcript.js';

let nextId = 1;
function event(e: NewConversationEvent, at = '2026-12-01T10:00:00.000Z'): ConversationEvent {
  return { ...e, id: nextId++, conversationId: 'c1', at } as ConversationEvent;
}

const shopperMessage = (messageId: string, text: string) =>
  event({
    kind: 'message',
    author: 'shopper',
    data: {
      messageId,
      role: 'shopper',
      text,
      replyTo: null,
      status: 'received',
      agents: [],
      citations: [],
      annotations: [],
      errorCode: null,
    },
  });
const started = (messageId: string, replyTo: string) =>
  event({ kind: 'status', author: 'system', data: { state: 'reply_started', messageId, replyTo } });
const delta = (messageId: string, text: string) =>
  event({ kind: 'delta', author: 'echo', data: { messageId, agent: 'echo', text } });
const agentMessage = (messageId: string, replyTo: string, text: string) =>
  event({
    kind: 'message',
    author: 'echo',
    data: {
      messageId,
      role: 'agent',
      text,
      replyTo,
      status: 'answered',
      agents: ['echo'],
      citations: [{ id: 'faq-1', title: 'Prazo' }],
      annotations: [{ agent: 'echo', kind: 'handoff', data: { reason: 'unsure' } }],
      errorCode: null,
    },
  });
const answered = (messageId: string) =>
  event({ kind: 'status', author: 'system', data: { state: 'answered', messageId, firstTokenMs: 5 } });

/** The whole life of reply r1 to shopper message s1, as the events stream has it. */
const exchange = (text = 'one two three') => [
  shopperMessage('s1', 'hello'),
  started('r1', 's1'),
  delta('r1', 'one'),
  delta('r1', ' two'),
  delta('r1', ' three'),
  agentMessage('r1', 's1', text),
  answered('r1'),
];

const shown = (t: Transcript) => t.messages.map((m) => `${m.author}:${m.status}:${m.text}`);

describe('Transcript', () => {
  it('shows a reply it did not ask for as it streams, and announces it once when it ends', () => {
    const t = new Transcript();
    const [message, start, d1, d2, d3, complete, status] = exchange();
    const ended = [];
    for (const e of [message, start, d1, d2]) ended.push(t.apply(e as ConversationEvent).ended);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:streaming:one two']);
    for (const e of [d3, complete, status]) ended.push(t.apply(e as ConversationEvent).ended);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:done:one two three']);
    expect(t.messages[1]?.citations).toEqual([{ id: 'faq-1', title: 'Prazo' }]);
    expect(t.messages[1]?.cards).toEqual([{ type: 'handoff', reason: 'unsure' }]);
    expect(ended.filter(Boolean).map((m) => m?.text)).toEqual(['one two three']);
  });

  it('leaves the reply its own POST is streaming to the POST', () => {
    const t = new Transcript();
    const { shopper, reply } = t.ask('hello');
    t.stored(shopper, reply, 's1');
    const events = exchange();
    reply.text = 'one';
    for (const e of events.slice(0, 5)) expect(t.apply(e).changed).toBe(false);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:streaming:one']);
    expect(reply.id).toBe('r1');
    reply.text = 'one two three';
    reply.status = 'done';
    t.release(reply);
    for (const e of events.slice(5)) t.apply(e);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:done:one two three']);
  });

  it('continues a reply whose POST dropped from what the events have, never going back nor repeating text', () => {
    const t = new Transcript();
    const { shopper, reply } = t.ask('hello');
    t.stored(shopper, reply, 's1');
    const events = exchange();
    for (const e of events.slice(0, 3)) t.apply(e);
    // The POST was ahead of the events when it dropped: its text stays until the events have caught up.
    reply.text = 'one two';
    t.takeOver(reply);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:streaming:one two']);
    expect(t.apply(events[3] as ConversationEvent).changed).toBe(true);
    expect(reply.shadow).toBeUndefined();
    expect(t.apply(events[4] as ConversationEvent).changed).toBe(true);
    expect(reply.text).toBe('one two three');
    const ended = events.slice(5).map((e) => t.apply(e).ended);
    expect(ended.filter(Boolean)).toEqual([reply]);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:done:one two three']);
  });

  it('takes over a dropped reply before its start was seen, and when it already ended', () => {
    const early = new Transcript();
    const first = early.ask('hello');
    early.stored(first.shopper, first.reply, 's1');
    first.reply.text = 'one';
    early.takeOver(first.reply);
    for (const e of exchange()) early.apply(e);
    expect(shown(early)).toEqual(['shopper:done:hello', 'agent:done:one two three']);

    const late = new Transcript();
    const second = late.ask('hello');
    late.stored(second.shopper, second.reply, 's1');
    for (const e of exchange()) late.apply(e);
    second.reply.text = 'one two';
    late.takeOver(second.reply);
    expect(shown(late)).toEqual(['shopper:done:hello', 'agent:done:one two three']);
  });

  it('replays the events from the first over a loaded history without adding anything twice', () => {
    const t = new Transcript();
    t.reset(
      [
        fromHistory({
          id: 's1',
          author: 'shopper',
          text: 'hello',
          status: 'answered',
          createdAt: '2026-12-01T10:00:00Z',
          citations: [],
          annotations: [],
        }),
        fromHistory({
          id: 'r1',
          author: 'agent',
          text: '',
          status: 'streaming',
          createdAt: '2026-12-01T10:00:00Z',
          citations: [],
          annotations: [],
        }),
      ],
      '2026-12-01T10:00:00Z',
    );
    const events = exchange();
    for (const e of events.slice(0, 4)) t.apply(e);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:streaming:one two']);
    for (const e of events.slice(4)) t.apply(e);
    for (const e of exchange()) t.apply(e);
    expect(shown(t)).toEqual(['shopper:done:hello', 'agent:done:one two three']);
  });

  it('does not add messages older than the oldest one of the history shown', () => {
    const t = new Transcript();
    t.reset(
      [
        fromHistory({
          id: 's9',
          author: 'shopper',
          text: 'later',
          status: 'received',
          createdAt: '2026-12-01T11:00:00Z',
          citations: [],
          annotations: [],
        }),
      ],
      '2026-12-01T11:00:00Z',
    );
    for (const e of exchange()) t.apply(e);
    expect(shown(t)).toEqual(['shopper:done:later']);
  });

  it('says a failed reply with its apology, and reports the conversation closed', () => {
    const t = new Transcript();
    t.apply(started('r2', 's2'));
    t.apply(
      event({
        kind: 'message',
        author: 'orchestrator',
        data: {
          messageId: 'r2',
          role: 'agent',
          text: '',
          replyTo: 's2',
          status: 'failed',
          agents: [],
          citations: [],
          annotations: [],
          errorCode: 'agent_timeout',
        },
      }),
    );
    const failed = t.apply(
      event({
        kind: 'status',
        author: 'system',
        data: { state: 'failed', messageId: 'r2', code: 'agent_timeout', message: 'Sorry, try again.' },
      }),
    );
    expect(failed.ended?.text).toBe('Sorry, try again.');
    expect(shown(t)).toEqual(['agent:failed:Sorry, try again.']);
    expect(
      t.apply(event({ kind: 'status', author: 'system', data: { state: 'closed', reason: 'x' } })).closed,
    ).toBe(true);
  });
});

describe('Transcript, with a person of the desk', () => {
  const handoff = (data: ConversationEvent['data'], at: string) =>
    event({ kind: 'handoff', author: 'system', data } as NewConversationEvent, at);
  const operatorMessage = (messageId: string, text: string, at: string) =>
    event(
      {
        kind: 'message',
        author: 'operator',
        data: {
          messageId,
          role: 'operator',
          text,
          replyTo: null,
          status: 'answered',
          agents: [],
          citations: [],
          annotations: [],
          errorCode: null,
          operator: { id: 'op', name: 'Carla' },
        },
      },
      at,
    );

  it('shows the queue, who joined and their messages, and reports the handoff and typing', () => {
    const t = new Transcript();
    t.apply(shopperMessage('s1', 'quero uma pessoa'));
    const queued = t.apply(
      handoff({ state: 'queued', position: 2, estimatedWaitSec: 180 }, '2026-12-01T10:00:01Z'),
    );
    expect(queued.handoff?.data.state).toBe('queued');
    // The position moves: the same notice says so.
    t.apply(handoff({ state: 'queued', position: 1, estimatedWaitSec: 60 }, '2026-12-01T10:00:30Z'));
    t.apply(handoff({ state: 'assigned', operator: { id: 'op', name: 'Carla' } }, '2026-12-01T10:01:00Z'));
    expect(t.handoff?.state).toBe('assigned');
    expect(
      t.apply(event({ kind: 'typing', author: 'op', data: { role: 'operator', name: 'Carla' } })).typing,
    ).toEqual({
      role: 'operator',
      name: 'Carla',
    });
    const said = t.apply(operatorMessage('o1', 'Olá, sou a Carla', '2026-12-01T10:01:10Z'));
    expect(said.ended?.operatorName).toBe('Carla');
    expect(t.messages.map((m) => [m.author, m.text || m.handoff?.state, m.handoff?.position])).toEqual([
      ['shopper', 'quero uma pessoa', undefined],
      ['notice', 'queued', 1],
      ['notice', 'assigned', undefined],
      ['operator', 'Olá, sou a Carla', undefined],
    ]);
  });

  it('puts replayed handoff notices where they happened among the loaded history', () => {
    const t = new Transcript();
    const history = [
      { id: 's1', author: 'shopper', text: 'oi', createdAt: '2026-12-01T10:00:00Z' },
      { id: 'o1', author: 'operator', text: 'Olá', createdAt: '2026-12-01T10:02:00Z' },
    ].map((m) => fromHistory({ ...m, status: 'answered', citations: [], annotations: [] } as never));
    t.reset(history, '2026-12-01T10:00:00Z');
    t.apply(handoff({ state: 'assigned', operator: { id: 'op', name: 'Carla' } }, '2026-12-01T10:01:00Z'));
    t.apply(operatorMessage('o1', 'Olá', '2026-12-01T10:02:00Z'));
    expect(t.messages.map((m) => m.author)).toEqual(['shopper', 'notice', 'operator']);
    expect(t.messages[2]?.operatorName).toBe('Carla');
  });
});

describe('citations', () => {
  const url = 'https://www.lojaexemplo.com.br/ajuda/delivery-time';

  it('links only https help-centre pages', () => {
    expect(citationHref({ id: 'a', title: 'T', url })).toBe(url);
    expect(citationHref({ id: 'a', title: 'T' })).toBeUndefined();
    expect(
      citationHref({ id: 'a', title: 'T', url: 'http://www.lojaexemplo.com.br/ajuda/a' }),
    ).toBeUndefined();
    expect(citationHref({ id: 'a', title: 'T', url: 'javascript:alert(1)' })).toBeUndefined();
    expect(citationHref({ id: 'a', title: 'T', url: '/ajuda/a' })).toBeUndefined();
  });

  it('says where a link goes instead of repeating the question as its title', () => {
    const citation = { id: 'delivery-time', title: 'Qual o prazo de entrega?', url };
    expect(citationLabel(citation, 'qual o prazo de entrega', 'Central de ajuda')).toBe('Central de ajuda');
    expect(citationLabel(citation, 'quando chega?', 'Central de ajuda')).toBe('Qual o prazo de entrega?');
    expect(
      citationLabel({ ...citation, url: undefined }, 'Qual o prazo de entrega?', 'Central de ajuda'),
    ).toBe('Qual o prazo de entrega?');
  });

  it('keeps a citation url from the history', () => {
    const m = fromHistory({
      id: 'r1',
      author: 'agent',
      text: 'x',
      status: 'answered',
      citations: [{ id: 'a', title: 'T', url }, { id: 'b' }],
      annotations: [],
    } as never);
    expect(m.citations).toEqual([{ id: 'a', title: 'T', url }]);
  });
});

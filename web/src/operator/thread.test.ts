import { describe, expect, it } from 'vitest';
import type { ConversationEvent } from '../../../orchestrator/chat/contract.js';
import { formatWait } from './i18n.js';
import { Thread } from './thread.js';

let nextId = 1;
function event(kind: ConversationEvent['kind'], data: unknown, at: string): ConversationEvent {
  return { id: nextId++, conversationId: 'c1', kind, author: 'x', at, data } as ConversationEvent;
}
const message = (messageId: string, role: string, text: string, at: string, extra = {}) =>
  event(
    'message',
    {
      messageId,
      role,
      text,
      replyTo: null,
      status: role === 'agent' ? 'answered' : 'received',
      agents: [],
      citations: [],
      annotations: [],
      errorCode: null,
      ...extra,
    },
    at,
  );

describe('the live thread of a handed-off conversation', () => {
  it('skips the bot part, adds what follows the handoff once, in time order', () => {
    const thread = new Thread({
      messages: [{ id: 'm2', author: 'shopper', text: 'oi?', at: '2026-01-01T10:01:00Z' }],
      notes: [],
    });
    const events = [
      message('m0', 'shopper', 'quero uma pessoa', '2026-01-01T10:00:00Z'),
      event('handoff', { state: 'queued', position: 2 }, '2026-01-01T10:00:01Z'),
      event('handoff', { state: 'queued', position: 1 }, '2026-01-01T10:00:30Z'),
      message('m2', 'shopper', 'oi?', '2026-01-01T10:01:00Z'),
      event('handoff', { state: 'assigned', operator: { id: 'o', name: 'Carla' } }, '2026-01-01T10:02:00Z'),
      message('m3', 'operator', 'Olá!', '2026-01-01T10:02:10Z', { operator: { id: 'o', name: 'Carla' } }),
    ];
    for (const e of events) thread.apply(e);
    // Replayed after a reconnection: nothing twice.
    for (const e of events) thread.apply(e);
    expect(thread.items.map((i) => [i.kind, i.text, i.handoff?.state ?? i.operatorName])).toEqual([
      ['state', '', 'queued'],
      ['shopper', 'oi?', undefined],
      ['state', '', 'assigned'],
      ['operator', 'Olá!', 'Carla'],
    ]);
    expect(thread.items[0]?.handoff?.position).toBe(1);
    expect(thread.handoff?.state).toBe('assigned');
  });

  it('keeps notes among the messages and reports the shopper typing', () => {
    const thread = new Thread({
      messages: [],
      notes: [{ id: 'n1', operator: { id: 'o', name: 'Carla' }, text: 'VIP', at: '2026-01-01T10:00:00Z' }],
    });
    expect(thread.addNotes([{ id: 'n1', operator: { id: 'o', name: 'Carla' }, text: 'VIP', at: 'x' }])).toBe(
      false,
    );
    expect(thread.apply(event('typing', { role: 'shopper' }, '2026-01-01T10:00:00Z'))).toEqual({
      changed: false,
      shopperTyping: true,
    });
    expect(
      thread.apply(event('typing', { role: 'operator' }, '2026-01-01T10:00:00Z')).shopperTyping,
    ).toBeUndefined();
    expect(thread.items.map((i) => i.kind)).toEqual(['note']);
  });

  it('prints waits briefly', () => {
    expect([formatWait(42), formatWait(180), formatWait(3900), formatWait(7200)]).toEqual([
      '42 s',
      '3 min',
      '1 h 5 min',
      '2 h',
    ]);
  });
});

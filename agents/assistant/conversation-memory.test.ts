import { describe, expect, it } from 'vitest';
import { createConversationMemory } from './conversation-memory.js';

describe('conversation memory', () => {
  it('keeps the last turns of a conversation, oldest first', () => {
    const memory = createConversationMemory({ maxTurns: 2 });
    memory.remember('a', { question: 'q1', answer: 'a1' });
    memory.remember('a', { question: 'q2', answer: 'a2' });
    memory.remember('a', { question: 'q3', answer: 'a3' });
    expect(memory.recent('a').map((t) => t.question)).toEqual(['q2', 'q3']);
    expect(memory.recent('b')).toEqual([]);
  });

  it('forgets turns older than the age bound', () => {
    let clock = 0;
    const memory = createConversationMemory({ ttlMs: 1000, now: () => clock });
    memory.remember('a', { question: 'old', answer: 'x' });
    clock = 900;
    memory.remember('a', { question: 'new', answer: 'y' });
    clock = 1500;
    expect(memory.recent('a').map((t) => t.question)).toEqual(['new']);
    clock = 3000;
    expect(memory.recent('a')).toEqual([]);
    expect(memory.size).toBe(0);
  });

  it('drops the least recently used conversation beyond the size bound and truncates long texts', () => {
    const memory = createConversationMemory({ maxContexts: 2, maxChars: 5 });
    memory.remember('a', { question: 'aaaaaaaa', answer: 'x' });
    memory.remember('b', { question: 'b', answer: 'x' });
    memory.recent('a');
    memory.remember('a', { question: 'a2', answer: 'x' });
    memory.remember('c', { question: 'c', answer: 'x' });
    expect(memory.size).toBe(2);
    expect(memory.recent('b')).toEqual([]);
    expect(memory.recent('a')[0]?.question).toBe('aaaaa');
  });

  it('starts a conversation afresh once all its turns have aged out', () => {
    let clock = 0;
    const memory = createConversationMemory({ ttlMs: 1000, now: () => clock });
    memory.remember('a', { question: 'q1', answer: 'x' });
    memory.remember('a', { question: 'q2', answer: 'x' });
    clock = 1000;
    expect(memory.recent('a').map((t) => t.question)).toEqual(['q1', 'q2']);
    clock = 2001;
    memory.remember('a', { question: 'q3', answer: 'x' });
    expect(memory.recent('a').map((t) => t.question)).toEqual(['q3']);
    expect(memory.size).toBe(1);
  });

  it('counts reading a conversation as using it', () => {
    const memory = createConversationMemory({ maxContexts: 2 });
    memory.remember('a', { question: 'a', answer: 'x' });
    memory.remember('b', { question: 'b', answer: 'x' });
    memory.recent('a');
    memory.remember('c', { question: 'c', answer: 'x' });
    expect(memory.recent('b')).toEqual([]);
    expect(memory.recent('a').map((t) => t.question)).toEqual(['a']);
  });
});

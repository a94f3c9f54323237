import { LRUCache } from 'lru-cache';

/** One answered turn of a conversation, as the assistant remembers it. */
export interface Turn {
  question: string;
  answer: string;
  at: number;
}

/** Recent turns per conversation (A2A contextId), bounded in count, length and age. */
export interface ConversationMemory {
  /** Turns of `key` younger than the age bound, oldest first. */
  recent(key: string): Turn[];
  remember(key: string, turn: Omit<Turn, 'at'>): void;
  readonly size: number;
}

/**
 * Creates the memory: at most `maxContexts` conversations (least recently used dropped first), `maxTurns` turns
 * each, `maxChars` characters per remembered text, and nothing older than `ttlMs`.
 */
export function createConversationMemory(
  options: {
    maxContexts?: number;
    maxTurns?: number;
    maxChars?: number;
    ttlMs?: number;
    now?: () => number;
  } = {},
): ConversationMemory {
  const { maxContexts = 5_000, maxTurns = 4, maxChars = 500, ttlMs = 30 * 60_000, now = Date.now } = options;
  // The cache's own ttl drops a conversation whose newest turn has aged out (setting restarts the clock); older
  // turns of a live conversation are filtered by their own age. ttlResolution 0 reads `now` on every look-up.
  const contexts = new LRUCache<string, Turn[]>({
    max: maxContexts,
    ttl: ttlMs,
    ttlResolution: 0,
    perf: { now },
  });
  const fresh = (turns: Turn[]) => turns.filter((t) => now() - t.at <= ttlMs);
  return {
    recent(key) {
      const turns = contexts.get(key);
      if (!turns) return [];
      const live = fresh(turns);
      if (live.length === 0) contexts.delete(key);
      return live;
    },
    remember(key, turn) {
      const turns = fresh(contexts.get(key) ?? []);
      turns.push({
        question: turn.question.slice(0, maxChars),
        answer: turn.answer.slice(0, maxChars),
        at: now(),
      });
      contexts.set(key, turns.slice(-maxTurns));
    },
    get size() {
      return contexts.size;
    },
  };
}

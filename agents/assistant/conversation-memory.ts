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
  // A Map keeps insertion order: re-inserting on use makes the first key the least recently used.
  const contexts = new Map<string, Turn[]>();
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
      contexts.delete(key);
      contexts.set(key, turns.slice(-maxTurns));
      while (contexts.size > maxContexts) {
        const oldest = contexts.keys().next().value;
        if (oldest === undefined) break;
        contexts.delete(oldest);
      }
    },
    get size() {
      return contexts.size;
    },
  };
}

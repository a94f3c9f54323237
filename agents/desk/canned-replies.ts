import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CannedReply } from './protocol.js';

// A plain filter over a few dozen entries: no index is worth keeping for that, and operators expect the words they
// type to be found literally, not stemmed or ranked away.

const FaqEntrySchema = z.object({
  id: z.string(),
  question: z.object({ pt: z.string(), en: z.string() }),
  answer: z.object({ pt: z.string(), en: z.string() }),
});

/** Searches the canned replies. */
export interface CannedReplies {
  /** Up to `limit` (10) replies whose title or text contain every word of `query`, ignoring case and accents. */
  search(query: string, limit?: number): CannedReply[];
}

const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** The replies of `replies` whose title or text contain every word of `query`, ignoring case and accents. */
export function searchReplies(replies: readonly CannedReply[], query: string, limit = 10): CannedReply[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  return replies.filter((r) => words.every((w) => fold(`${r.title}\n${r.text}`).includes(w))).slice(0, limit);
}

/** Canned replies from `entries` (the assistant's FAQ shape), one per entry and language. */
export function createCannedReplies(entries: unknown): CannedReplies {
  const faq = z.array(FaqEntrySchema).parse(entries);
  const replies = faq.flatMap((e) => [
    { id: `${e.id}:pt-BR`, title: e.question.pt, text: e.answer.pt },
    { id: `${e.id}:en`, title: e.question.en, text: e.answer.en },
  ]);
  const folded = replies.map((r) => fold(`${r.title}\n${r.text}`));
  return {
    search(query, limit = 10) {
      const words = fold(query).split(/\s+/).filter(Boolean);
      return replies.filter((_, i) => words.every((w) => folded[i]?.includes(w))).slice(0, limit);
    },
  };
}

/** Reads the FAQ file at `path` into {@link CannedReplies}. */
export async function loadCannedReplies(path: string): Promise<CannedReplies> {
  return createCannedReplies(JSON.parse(await readFile(path, 'utf8')));
}

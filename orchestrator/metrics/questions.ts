import { stopwords as englishStopWords } from '@orama/stopwords/english';
import { stopwords as portugueseStopWords } from '@orama/stopwords/portuguese';

/** Shopper questions the bots could not answer, grouped by their normalised text (see {@link normaliseQuestion}). */
export interface QuestionCluster {
  /** The normalised words that make the cluster, space-separated. */
  key: string;
  /** How many messages the cluster holds. */
  count: number;
  /** The most asked wording (lower case, as stored). */
  question: string;
  /** Every distinct wording, most asked first (at most 10). */
  paraphrases: string[];
  /** When one of its messages was last written (ISO 8601). */
  lastAt: string;
}

/** One distinct text and how many messages had it; the SQL of `summary.ts` groups them by lower-case text. */
export interface QuestionText {
  text: string;
  count: number;
  lastAt: string;
}

const STOP_WORDS = new Set(
  [...portugueseStopWords, ...englishStopWords].map((word) => stripAccents(word.toLowerCase())),
);
const MAX_PARAPHRASES = 10;

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/**
 * The cluster key of a question: lower case, accents and punctuation removed, Portuguese and English stop words
 * dropped, the remaining words de-duplicated and sorted (so "prazo de entrega?" and "Entrega: prazo" meet). A
 * question of stop words only keeps all its words.
 */
export function normaliseQuestion(text: string): string {
  const words = stripAccents(text.toLowerCase())
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const kept = words.filter((word) => !STOP_WORDS.has(word));
  return [...new Set(kept.length > 0 ? kept : words)].sort().join(' ');
}

/** Groups question texts by {@link normaliseQuestion}; most asked first, ties by key. */
export function clusterQuestions(texts: QuestionText[]): QuestionCluster[] {
  const clusters = new Map<string, { count: number; lastAt: string; texts: QuestionText[] }>();
  for (const item of texts) {
    const key = normaliseQuestion(item.text);
    if (!key) continue;
    const cluster = clusters.get(key) ?? { count: 0, lastAt: item.lastAt, texts: [] };
    cluster.count += item.count;
    if (item.lastAt > cluster.lastAt) cluster.lastAt = item.lastAt;
    cluster.texts.push(item);
    clusters.set(key, cluster);
  }
  return [...clusters.entries()]
    .map(([key, cluster]) => {
      const wordings = cluster.texts
        .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text))
        .map((t) => t.text.trim());
      const paraphrases = [...new Set(wordings)].slice(0, MAX_PARAPHRASES);
      return {
        key,
        count: cluster.count,
        question: paraphrases[0] ?? key,
        paraphrases,
        lastAt: cluster.lastAt,
      };
    })
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

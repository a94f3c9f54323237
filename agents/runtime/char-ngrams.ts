/** Removes diacritics (NFD + combining marks) and lower-cases, so "Devolução" and "devolucao" compare equal. */
export function foldDiacritics(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A sparse vector: feature → weight. */
export type SparseVector = Map<string, number>;

/**
 * The words of a text as character n-grams read them: accents folded, lower case, letters repeated three times or
 * more cut to one ("quebradoooo" → "quebrado"), digits dropped, and the words in `stopWords` (folded) left out.
 */
export function contentWords(text: string, stopWords: ReadonlySet<string>): string[] {
  const words = foldDiacritics(text)
    .replace(/(\p{L})\1{2,}/gu, '$1')
    .match(/\p{L}{2,}/gu);
  return (words ?? []).filter((w) => !stopWords.has(w));
}

/**
 * The character n-grams (lengths `min`..`max`) of each word, the word padded with a space on each side so that
 * its start and end are features of their own; counts per n-gram. Typos, plurals and missing accents share most
 * n-grams with the right word ("shiping"/"shipping", "cupon"/"cupom").
 */
export function charNgrams(words: readonly string[], min = 3, max = 5): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) {
    const padded = ` ${word} `;
    for (let n = min; n <= max; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) {
        const gram = padded.slice(i, i + n);
        counts.set(gram, (counts.get(gram) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/**
 * A TF-IDF space of character n-grams fitted on a set of documents (each a list of words): `vector` turns words
 * into a unit-length vector (sublinear tf × smoothed idf; n-grams no document holds are dropped), `cosine` compares
 * two of them.
 */
export interface NgramSpace {
  vector(words: readonly string[]): SparseVector;
  /** The idf of an n-gram, or 0 when no document holds it. */
  idf(gram: string): number;
}

/** Fits the idf of every n-gram on `documents` (MUST NOT be empty). */
export function fitNgramSpace(documents: ReadonlyArray<readonly string[]>): NgramSpace {
  const df = new Map<string, number>();
  for (const doc of documents) {
    for (const gram of charNgrams(doc).keys()) df.set(gram, (df.get(gram) ?? 0) + 1);
  }
  const n = documents.length;
  const idfs = new Map<string, number>();
  for (const [gram, count] of df) idfs.set(gram, Math.log((1 + n) / (1 + count)) + 1);
  return {
    idf: (gram) => idfs.get(gram) ?? 0,
    vector(words) {
      const out: SparseVector = new Map();
      let norm = 0;
      for (const [gram, count] of charNgrams(words)) {
        const idf = idfs.get(gram);
        if (!idf) continue;
        const w = (1 + Math.log(count)) * idf;
        out.set(gram, w);
        norm += w * w;
      }
      norm = Math.sqrt(norm);
      if (norm > 0) for (const [gram, w] of out) out.set(gram, w / norm);
      return out;
    },
  };
}

/** Cosine of two unit-length vectors (their dot product). */
export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [gram, w] of small) {
    const other = large.get(gram);
    if (other) dot += w * other;
  }
  return dot;
}

/**
 * Many vectors indexed by n-gram, to compare one query with all of them at once: the cost is the length of the
 * posting lists of the query's n-grams, not (vectors × query n-grams) map look-ups as one `cosine` per vector is.
 */
export interface VectorIndex {
  /** The dot product of `query` with every indexed vector, in the order given; the last query's is kept. */
  dots(query: SparseVector): Float64Array;
}

/** Indexes `vectors` (unit length, as {@link NgramSpace.vector} makes them) for {@link VectorIndex.dots}. */
export function createVectorIndex(vectors: readonly SparseVector[]): VectorIndex {
  const postings = new Map<string, { ids: number[]; weights: number[] }>();
  vectors.forEach((vector, id) => {
    for (const [gram, w] of vector) {
      let list = postings.get(gram);
      if (!list) {
        list = { ids: [], weights: [] };
        postings.set(gram, list);
      }
      list.ids.push(id);
      list.weights.push(w);
    }
  });
  let lastQuery: SparseVector | undefined;
  let lastDots = new Float64Array(vectors.length);
  return {
    dots(query) {
      if (query === lastQuery) return lastDots;
      const out = new Float64Array(vectors.length);
      for (const [gram, w] of query) {
        const list = postings.get(gram);
        if (!list) continue;
        const { ids, weights } = list;
        for (let i = 0; i < ids.length; i += 1) {
          const id = ids[i] as number;
          out[id] = (out[id] as number) + w * (weights[i] as number);
        }
      }
      lastQuery = query;
      lastDots = out;
      return out;
    },
  };
}

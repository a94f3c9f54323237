import langPt from '@nlpjs/lang-pt';

// AFINN for Portuguese as shipped by @nlpjs/lang-pt (MIT): 685 stems of the package's own stemmer, -5..5.
const { afinn, negations } = langPt.SentimentPt;
const stemmer = new langPt.StemmerPt();
const NEGATORS = new Set(negations.words.map((w) => fold(w)));
const NEGATION_SPAN = 3;
const stems = new Map<string, string>();

function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function valence(word: string): number {
  let stem = stems.get(word);
  if (stem === undefined) {
    stem = stemmer.stemWord(word);
    stems.set(word, stem);
  }
  return afinn[stem] ?? 0;
}

/**
 * Sums the AFINN-pt valence of Portuguese words, split by sign, on a 0..5 scale per word. A negator ("não",
 * "nunca", …) flips the next sentiment word within three words of its clause; negators themselves carry no valence
 * here (the lexicon counts them). `clauses` are lower-cased, accent-free words between punctuation.
 */
export function afinnValence(clauses: ReadonlyArray<readonly string[]>): {
  positive: number;
  negative: number;
} {
  let positive = 0;
  let negative = 0;
  for (const words of clauses) {
    let negateLeft = 0;
    for (const word of words) {
      if (NEGATORS.has(word)) {
        negateLeft = NEGATION_SPAN;
        continue;
      }
      let v = valence(word);
      if (v === 0) {
        if (negateLeft > 0) negateLeft--;
        continue;
      }
      if (negateLeft > 0) {
        v = -v;
        negateLeft = 0;
      }
      if (v > 0) positive += v;
      else negative -= v;
    }
  }
  return { positive, negative };
}

// Types of the parts of @nlpjs/lang-pt (MIT, AXA Group Operations Spain) that the sentiment agent reads.
declare module '@nlpjs/lang-pt' {
  const langPt: {
    StemmerPt: new () => { stemWord(word: string): string };
    SentimentPt: { afinn: Record<string, number>; negations: { words: string[] } };
  };
  export default langPt;
}

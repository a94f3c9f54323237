import { z } from 'zod';

/** The three sentiment classes, in the order used by score vectors and confusion matrices. */
export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;

/** A sentiment class. */
export const sentimentLabelSchema = z.enum(SENTIMENT_LABELS);

/** A sentiment class. */
export type SentimentLabel = z.infer<typeof sentimentLabelSchema>;

/** Locales the classifiers understand; anything else is mapped to the nearest one. */
export const sentimentLocaleSchema = z.enum(['pt-BR', 'en']);

/** A locale the classifiers understand. */
export type SentimentLocale = z.infer<typeof sentimentLocaleSchema>;

/** One classification: the label, its confidence (0..1), a probability per class summing to 1, and who answered. */
export const sentimentResultSchema = z.object({
  label: sentimentLabelSchema,
  confidence: z.number().min(0).max(1),
  scores: z.object({
    negative: z.number().min(0).max(1),
    neutral: z.number().min(0).max(1),
    positive: z.number().min(0).max(1),
  }),
  locale: sentimentLocaleSchema,
  method: z.enum(['ollama', 'lexicon']),
});

/** One classification result. */
export type SentimentResult = z.infer<typeof sentimentResultSchema>;

/** Options of one classification; `locale` is a hint (any BCP 47 tag), detected from the text when absent. */
export interface ClassifyOptions {
  locale?: string;
}

/** Classifies the sentiment of one shopper message; MUST resolve (never reject) for any string. */
export interface SentimentClassifier {
  classify(text: string, opts?: ClassifyOptions): Promise<SentimentResult>;
}

/** Maps a BCP 47 tag such as `pt`, `pt-PT` or `en-US` to a supported locale, or undefined when unknown. */
export function toSentimentLocale(tag: string | undefined): SentimentLocale | undefined {
  const lower = tag?.trim().toLowerCase() ?? '';
  if (lower.startsWith('pt')) return 'pt-BR';
  if (lower.startsWith('en')) return 'en';
  return undefined;
}

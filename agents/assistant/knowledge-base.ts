import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const bilingualText = z.object({ pt: z.string().min(1), en: z.string().min(1) });
const bilingualList = z.object({ pt: z.array(z.string().min(1)), en: z.array(z.string().min(1)) });

/**
 * Schema of one knowledge-base entry: a question and its answer in pt-BR and English, with search keywords and
 * paraphrases (other ways shoppers ask the same question, indexed like the question).
 */
export const FaqEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'id must be kebab-case'),
  topic: z.string().min(1),
  question: bilingualText,
  answer: bilingualText,
  keywords: bilingualList,
  paraphrases: bilingualList,
});

/** One knowledge-base entry. */
export type FaqEntry = z.infer<typeof FaqEntrySchema>;

/** Schema of the whole knowledge base: a non-empty array of entries whose ids MUST be unique. */
export const KnowledgeBaseSchema = z
  .array(FaqEntrySchema)
  .min(1)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      if (seen.has(entry.id)) {
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate FAQ id "${entry.id}"` });
      }
      seen.add(entry.id);
    });
  });

/** Raised when a knowledge-base file cannot be read or does not match {@link KnowledgeBaseSchema}. */
export class KnowledgeBaseError extends Error {
  override readonly name = 'KnowledgeBaseError';
}

/** Validates parsed JSON as a knowledge base; throws {@link KnowledgeBaseError} naming every problem. */
export function parseKnowledgeBase(data: unknown, source = 'knowledge base'): FaqEntry[] {
  const result = KnowledgeBaseSchema.safeParse(data);
  if (!result.success) {
    throw new KnowledgeBaseError(`Invalid ${source}:\n${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** Reads and validates a knowledge-base JSON file such as `faq.json`. */
export async function loadKnowledgeBase(path: string | URL): Promise<FaqEntry[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new KnowledgeBaseError(`Cannot read knowledge base ${String(path)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseKnowledgeBase(data, `knowledge base ${String(path)}`);
}

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
  return parseWith(KnowledgeBaseSchema, data, source);
}

/** Reads and validates a knowledge-base JSON file such as `faq.json`. */
export async function loadKnowledgeBase(path: string | URL): Promise<FaqEntry[]> {
  return parseWith(
    KnowledgeBaseSchema,
    await readJson(path, 'knowledge base'),
    `knowledge base ${String(path)}`,
  );
}

/**
 * Schema of the out-of-scope examples: shopper messages in each language that the help centre does not answer
 * (services the shop does not offer, general knowledge, chit-chat). A question nearer to one of them than to any
 * of the FAQ's own wording is "not found", not a guess.
 */
export const OutOfScopeSchema = z.object({
  pt: z.array(z.string().min(1)).min(1),
  en: z.array(z.string().min(1)).min(1),
});

/** Examples of what the help centre does not answer, per language. */
export type OutOfScope = z.infer<typeof OutOfScopeSchema>;

/** Reads and validates an out-of-scope file such as `out-of-scope.json`; throws {@link KnowledgeBaseError}. */
export async function loadOutOfScope(path: string | URL): Promise<OutOfScope> {
  const what = 'out-of-scope examples';
  return parseWith(OutOfScopeSchema, await readJson(path, what), `${what} ${String(path)}`);
}

async function readJson(path: string | URL, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new KnowledgeBaseError(`Cannot read ${what} ${String(path)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, source: string): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new KnowledgeBaseError(`Invalid ${source}:\n${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

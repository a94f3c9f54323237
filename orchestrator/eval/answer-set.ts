import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** The labelled shopper messages of the answers evaluation, one JSON object a line. */
export const ANSWER_SET_URL = new URL('./answers.jsonl', import.meta.url);

/** The `faq` label of a message nothing in the FAQ answers: the assistant should say it did not find it. */
export const NO_FAQ = 'none';

/** Schema of one labelled message. */
export const LabelledMessageSchema = z
  .object({
    id: z.string().regex(/^[a-z]+-\d{3,}$/),
    text: z.string().min(1),
    role: z.enum(['guest', 'customer', 'premium']),
    language: z.enum(['pt-BR', 'en']),
    /** The exact set of skill ids that should answer (sentiment's always-on skill is not part of it). */
    skills: z.array(z.string().min(1)).min(1),
    /** The FAQ entry that answers it, or `none`: nothing in the FAQ does (or the FAQ is not asked). */
    faq: z.string().min(1),
  })
  .strict();

/** One labelled shopper message. */
export type LabelledMessage = z.infer<typeof LabelledMessageSchema>;

/** The two halves of the set: tune on `dev` only; `test` is the figure that is reported. */
export type Split = 'dev' | 'test';

/**
 * The split of a message, fixed by its id and never changed: FNV-1a (32 bit) of the id, even → `dev`, odd → `test`.
 */
export function splitOf(id: string): Split {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 2 === 0 ? 'dev' : 'test';
}

/** Parses the JSONL text of the set; throws naming the line of the first row that does not match the schema. */
export function parseAnswerSet(text: string): LabelledMessage[] {
  const rows: LabelledMessage[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const parsed = LabelledMessageSchema.safeParse(JSON.parse(line));
    if (!parsed.success) {
      throw new Error(`answers set line ${index + 1}: ${z.prettifyError(parsed.error)}`);
    }
    rows.push(parsed.data);
  });
  return rows;
}

/** Reads the set from `answers.jsonl` (or `url`). */
export async function loadAnswerSet(url: URL = ANSWER_SET_URL): Promise<LabelledMessage[]> {
  return parseAnswerSet(await readFile(url, 'utf8'));
}

/**
 * Problems with the labels: duplicate ids or texts (for one role), FAQ ids that exist neither in `faqIds` nor among the upcoming
 * ones, skill ids no card declares, a FAQ id on a message the FAQ does not answer. Empty when the set is sound.
 */
export function labelProblems(
  rows: readonly LabelledMessage[],
  known: { faqIds: readonly string[]; skillIds: readonly string[] },
): string[] {
  const problems: string[] = [];
  const faqIds = new Set([...known.faqIds, NO_FAQ]);
  const skillIds = new Set(known.skillIds);
  const ids = new Set<string>();
  const texts = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.id)) problems.push(`${row.id}: duplicate id`);
    ids.add(row.id);
    // One text may be asked by two roles, to different skills ("tem algum cupom pra mim?").
    const text = `${row.role} ${row.text.toLowerCase()}`;
    if (texts.has(text)) problems.push(`${row.id}: duplicate text "${row.text}" as ${row.role}`);
    texts.add(text);
    if (!faqIds.has(row.faq)) problems.push(`${row.id}: unknown FAQ id ${row.faq}`);
    for (const skill of row.skills) {
      if (!skillIds.has(skill)) problems.push(`${row.id}: unknown skill ${skill}`);
    }
    if (new Set(row.skills).size !== row.skills.length) problems.push(`${row.id}: repeated skill`);
    if (!row.skills.includes('faq-answer') && row.faq !== NO_FAQ) {
      problems.push(`${row.id}: a FAQ entry on a message the FAQ skill does not answer`);
    }
  }
  return problems;
}

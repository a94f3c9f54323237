import { readdir, readFile } from 'node:fs/promises';
import type { AgentCard } from '@a2a-js/sdk';
import { composeAnswer } from '../../agents/assistant/answer.js';
import type { FaqEntry, OutOfScope } from '../../agents/assistant/knowledge-base.js';
import { createRetriever } from '../../agents/assistant/retrieval.js';
import { parseAgentCard } from '../../agents/runtime/index.js';
import { authorize } from '../chat/authorize.js';
import { loadLanguageDetector, shopperLanguage } from '../chat/language.js';
import type { Locale } from '../chat/messages.js';
import { plan } from '../chat/plan.js';
import { asksForPerson } from '../desk/intent.js';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from '../mesh/scope-policy.js';
import { type LabelledMessage, NO_FAQ, type Split, splitOf } from './answer-set.js';

/** The skill a message goes to when it asks for a person (the pipeline hands it to the desk before planning). */
export const HANDOFF_SKILL = 'human-handoff';
/** The skill whose answers come from the FAQ: retrieval is measured on the messages labelled with it. */
export const FAQ_SKILL = 'faq-answer';

/** What the orchestrator and the assistant did with one labelled message. */
export interface MessageOutcome {
  row: LabelledMessage;
  split: Split;
  language: Locale;
  /** The skills that answer after planning and the role's scope policy; empty when the message is refused. */
  skills: string[];
  /** The assistant's top entries for the text, best first (only for messages labelled with the FAQ skill). */
  hits: string[];
  /** Whether the assistant says it did not find an answer (its low-confidence level). */
  notFound: boolean;
}

/** A ratio with its parts. */
export interface Rate {
  hits: number;
  total: number;
  /** `hits / total`, or `null` when `total` is 0. */
  rate: number | null;
}

/** The figures of one split. */
export interface SplitReport {
  split: Split | 'all';
  messages: number;
  language: Rate;
  routing: Rate;
  /** Over messages labelled with the FAQ skill and an entry. */
  retrieval: { hitAt1: Rate; hitAt3: Rate };
  /** "Not found" as a positive class, over messages labelled with the FAQ skill. */
  notFound: { precision: Rate; recall: Rate };
  /** Expected skill set → answered skill set → count; sets written `a+b`, a refusal `(refused)`. */
  confusion: Record<string, Record<string, number>>;
  misses: {
    language: Array<{ id: string; text: string; expected: string; got: string }>;
    routing: Array<{ id: string; text: string; role: string; expected: string; got: string }>;
    retrieval: Array<{ id: string; text: string; expected: string; got: string }>;
  };
}

/** Options of {@link createAnswerEvaluator}. */
export interface AnswerEvaluatorOptions {
  /** The agents' cards, as the orchestrator discovers them. */
  cards: Array<{ baseUrl: string; card: AgentCard }>;
  /** The assistant's knowledge base. */
  entries: readonly FaqEntry[];
  /** What the help centre does not answer (`out-of-scope.json`), as the assistant loads it. */
  outOfScope?: OutOfScope;
  scopePolicy?: ScopePolicy;
  /** The page's locale of every message: the demo page is pt-BR. */
  pageLocale?: Locale;
}

/** Runs labelled messages through the orchestrator's stages and the assistant's retrieval, in-process. */
export interface AnswerEvaluator {
  outcome(row: LabelledMessage): Promise<MessageOutcome>;
}

/**
 * Builds the evaluator: the planner over the cards given, the role's scope policy as `authorize` applies it, an
 * explicit request for a person as the pipeline routes it (to the desk), the language stage with the page's locale
 * as prior, and the assistant's own retrieval and not-found decision in the detected language.
 */
export function createAnswerEvaluator(options: AnswerEvaluatorOptions): AnswerEvaluator {
  const directory = createStaticAgentDirectory(options.cards);
  const scopePolicy = options.scopePolicy ?? DEFAULT_SCOPE_POLICY;
  const pageLocale = options.pageLocale ?? 'pt-BR';
  const retriever = createRetriever({ entries: options.entries, outOfScope: options.outOfScope });
  const deskKnown = options.cards.some(({ card }) => card.skills.some((s) => s.id === HANDOFF_SKILL));

  /** The skills that answer, and the words the FAQ skill is sent (its own part of a two-part message). */
  function route(
    text: string,
    role: LabelledMessage['role'],
    locale: Locale,
  ): { skills: string[]; faqText: string } {
    if (deskKnown && asksForPerson(text)) return { skills: [HANDOFF_SKILL], faqText: text };
    const decision = authorize(plan(directory, text, { fallbackTags: ['faq'] }), {
      shopper: { subject: 'eval', role },
      locale,
      scopePolicy,
    });
    if (decision.kind !== 'answer') return { skills: [], faqText: text };
    const part = decision.answer.skill.id === FAQ_SKILL ? decision.texts?.answer : decision.texts?.second;
    return {
      skills: [decision.answer.skill.id, ...(decision.second ? [decision.second.skill.id] : [])].sort(),
      faqText: part || text,
    };
  }

  return {
    async outcome(row) {
      await loadLanguageDetector();
      const language = shopperLanguage({ text: row.text, locale: pageLocale });
      const { skills, faqText } = route(row.text, row.role, language);
      let hits: string[] = [];
      let notFound = false;
      if (row.skills.includes(FAQ_SKILL)) {
        const found = await retriever.search(faqText, { locale: language, limit: 5 });
        hits = found.map((h) => h.entry.id);
        notFound = composeAnswer({ hits: found, locale: language }).level === 'low';
      }
      return { row, split: splitOf(row.id), language, skills, hits, notFound };
    },
  };
}

const rate = (hits: number, total: number): Rate => ({ hits, total, rate: total ? hits / total : null });
const setKey = (skills: readonly string[]) => (skills.length ? [...skills].sort().join('+') : '(refused)');

/** Adds up the outcomes of one split (or of all, when `split` is `all`). */
export function summarize(outcomes: readonly MessageOutcome[], split: Split | 'all'): SplitReport {
  const mine = outcomes.filter((o) => split === 'all' || o.split === split);
  const report: SplitReport = {
    split,
    messages: mine.length,
    language: rate(0, 0),
    routing: rate(0, 0),
    retrieval: { hitAt1: rate(0, 0), hitAt3: rate(0, 0) },
    notFound: { precision: rate(0, 0), recall: rate(0, 0) },
    confusion: {},
    misses: { language: [], routing: [], retrieval: [] },
  };
  let language = 0;
  let routing = 0;
  let hit1 = 0;
  let hit3 = 0;
  let answerable = 0;
  let truePositive = 0;
  let predicted = 0;
  let actual = 0;
  for (const o of mine) {
    const { row } = o;
    if (o.language === row.language) language += 1;
    else report.misses.language.push({ id: row.id, text: row.text, expected: row.language, got: o.language });
    const expected = setKey(row.skills);
    const got = setKey(o.skills);
    if (expected === got) routing += 1;
    else report.misses.routing.push({ id: row.id, text: row.text, role: row.role, expected, got });
    const line = report.confusion[expected] ?? {};
    report.confusion[expected] = line;
    line[got] = (line[got] ?? 0) + 1;
    if (!row.skills.includes(FAQ_SKILL)) continue;
    const none = row.faq === NO_FAQ;
    if (o.notFound) predicted += 1;
    if (none) actual += 1;
    if (none && o.notFound) truePositive += 1;
    if (!none) {
      answerable += 1;
      if (o.hits[0] === row.faq) hit1 += 1;
      if (o.hits.slice(0, 3).includes(row.faq)) hit3 += 1;
    }
    const right = none ? o.notFound : o.hits[0] === row.faq && !o.notFound;
    if (!right) {
      const top = o.hits.slice(0, 3).join(', ') || '(no hit)';
      report.misses.retrieval.push({
        id: row.id,
        text: row.text,
        expected: row.faq,
        got: o.notFound ? `not found [${top}]` : top,
      });
    }
  }
  report.language = rate(language, mine.length);
  report.routing = rate(routing, mine.length);
  report.retrieval = { hitAt1: rate(hit1, answerable), hitAt3: rate(hit3, answerable) };
  report.notFound = { precision: rate(truePositive, predicted), recall: rate(truePositive, actual) };
  return report;
}

/** Evaluates every row and returns the report of each split asked for. */
export async function evaluateAnswers(
  evaluator: AnswerEvaluator,
  rows: readonly LabelledMessage[],
  splits: ReadonlyArray<Split | 'all'>,
): Promise<SplitReport[]> {
  const outcomes: MessageOutcome[] = [];
  for (const row of rows) outcomes.push(await evaluator.outcome(row));
  return splits.map((split) => summarize(outcomes, split));
}

/**
 * Reads the cards of the agents the orchestrator routes to from a folder such as `agent-cards/`: every card but
 * the orchestrator's own (`orchestrator.json`, which describes the orchestrator to outside A2A clients).
 */
export async function loadAgentCards(dir: URL): Promise<Array<{ baseUrl: string; card: AgentCard }>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== 'orchestrator.json').sort();
  const cards: Array<{ baseUrl: string; card: AgentCard }> = [];
  for (const name of names) {
    const card = parseAgentCard(JSON.parse(await readFile(new URL(name, dir), 'utf8')), name);
    const rpc = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC');
    if (!rpc) throw new Error(`${name} declares no JSONRPC interface`);
    cards.push({ baseUrl: new URL(rpc.url).origin, card });
  }
  return cards;
}

const percent = (r: Rate) => (r.rate === null ? '   n/a' : `${(r.rate * 100).toFixed(1).padStart(5)}%`);
const figure = (r: Rate) => `${percent(r)} (${r.hits}/${r.total})`;

/** The report as the terminal shows it. */
export function formatReport(report: SplitReport): string {
  const out: string[] = [];
  out.push(`== split ${report.split}: ${report.messages} messages ==`);
  out.push(`language accuracy        ${figure(report.language)}`);
  out.push(`routing accuracy (exact) ${figure(report.routing)}`);
  out.push(`retrieval hit@1          ${figure(report.retrieval.hitAt1)}`);
  out.push(`retrieval hit@3          ${figure(report.retrieval.hitAt3)}`);
  out.push(`"not found" precision    ${figure(report.notFound.precision)}`);
  out.push(`"not found" recall       ${figure(report.notFound.recall)}`);
  out.push('', 'skills confusion (expected → answered: count)');
  for (const [expected, line] of Object.entries(report.confusion).sort()) {
    const cells = Object.entries(line)
      .sort((a, b) => b[1] - a[1])
      .map(([got, n]) => `${got}: ${n}`)
      .join(', ');
    out.push(`  ${expected.padEnd(30)} → ${cells}`);
  }
  const section = (title: string, lines: string[]) => {
    out.push('', `${title} (${lines.length})`);
    for (const l of lines) out.push(`  ${l}`);
  };
  section(
    'language misses',
    report.misses.language.map((m) => `${m.id} "${m.text}" expected ${m.expected}, got ${m.got}`),
  );
  section(
    'routing misses',
    report.misses.routing.map((m) => `${m.id} [${m.role}] "${m.text}" expected ${m.expected}, got ${m.got}`),
  );
  section(
    'retrieval misses',
    report.misses.retrieval.map((m) => `${m.id} "${m.text}" expected ${m.expected}, got ${m.got}`),
  );
  return out.join('\n');
}

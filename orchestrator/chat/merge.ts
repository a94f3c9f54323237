import type { Logger } from '../../agents/runtime/index.js';
import type { SkillTarget } from '../mesh/agent-directory.js';
import type { AgentCallError } from '../mesh/dispatch.js';
import { mergeAsync } from '../mesh/merge.js';
import { ORCHESTRATOR, type Refusal } from './authorize.js';
import { type Annotation, parseAnnotation, type ReplyErrorCode } from './contract.js';
import type { StartedTasks } from './dispatch.js';
import { type Locale, politeText } from './messages.js';

/** One piece of a reply, in the order the shopper sees it; `end` comes last, with the failure if there was one. */
export type ReplyPart =
  /** Text shown; an `apology` (a failure's polite text) is shown but is no answer: it sets no first-token time. */
  | { type: 'delta'; agent: string; text: string; apology?: boolean }
  | { type: 'annotation'; annotation: Annotation }
  | { type: 'end'; failure?: { code: ReplyErrorCode; message: string } };

/** The shopper's tone as the side skills find it, awaited by the answering tasks for at most a budget. */
export interface ToneGate {
  /** Settles with the tone's label, or undefined when there is none in time. */
  tone: Promise<string | undefined>;
  /** Settles the tone (the first call wins). */
  settle(label?: string): void;
}

/** A tone gate that settles by itself (undefined) after `budgetMs`, or at once when no side skill will tell. */
export function createToneGate(options: { budgetMs: number; sides: number }): ToneGate {
  let settle: (label?: string) => void = () => undefined;
  const tone = new Promise<string | undefined>((resolve) => {
    settle = resolve;
    setTimeout(() => resolve(undefined), options.sides ? options.budgetMs : 0).unref?.();
  });
  return { tone, settle: (label) => settle(label) };
}

/** Options of {@link mergeReply}. */
export interface MergeOptions {
  tasks: StartedTasks;
  tone: ToneGate;
  /** A refusal said beside the answers: its card first, its text last. */
  refusal?: Refusal;
  locale: Locale;
  logger: Logger;
  correlationId: string;
  /** A task found its agent unreachable. */
  onUnavailable(target: SkillTarget, reason: string): void;
}

/**
 * Stage 4 — merge: turns the tasks' streams into the reply the shopper reads. The answer's text streams as it
 * comes; a second answer's text waits until the first has ended and follows it on its own paragraph; data parts
 * become annotations, checked against the contract (a malformed one is logged and dropped, never forwarded); the
 * side skills' tone settles the tone gate. When the answer fails the shopper gets an apology that fits (timeout,
 * broken off, unavailable); when only the second fails, a note that part could not be answered.
 */
export async function* mergeReply(options: MergeOptions): AsyncGenerator<ReplyPart> {
  const { tasks, tone, refusal, locale, logger, correlationId } = options;
  let text = '';
  let secondText = '';
  let secondShown = false;
  let answerEnded = false;
  let openAnswers = tasks.streams.length - tasks.sides;
  let failure: { error: AgentCallError; hadText: boolean; target: SkillTarget } | undefined;
  let secondFailure: { error: AgentCallError; target: SkillTarget } | undefined;

  const show = (agent: string, chunk: string, apology?: boolean): ReplyPart => {
    text += chunk;
    return apology ? { type: 'delta', agent, text: chunk, apology } : { type: 'delta', agent, text: chunk };
  };
  /** The second answer's text begins on its own paragraph after the first answer's. */
  const paragraph = (chunk: string) => (text && !text.endsWith('\n') ? `\n\n${chunk}` : chunk);

  if (refusal) yield { type: 'annotation', annotation: refusal.annotation };
  for await (const item of mergeAsync(tasks.streams)) {
    const agent = item.target.agent.card.name;
    if ('update' in item) {
      const { update } = item;
      if (update.kind === 'text' && item.source === 'answer') yield show(agent, update.text);
      else if (update.kind === 'text' && item.source === 'second') {
        if (!answerEnded) secondText += update.text;
        else {
          yield show(agent, secondShown ? update.text : paragraph(update.text));
          secondShown = true;
        }
      } else if (update.kind === 'data') {
        for (const candidate of annotationsFrom(agent, update.data)) {
          const parsed = parseAnnotation(candidate);
          if (!parsed.ok) {
            logger.warn(
              { correlationId, agent, kind: candidate.kind, problem: parsed.reason },
              'malformed annotation dropped',
            );
            continue;
          }
          if (parsed.annotation.kind === 'sentiment') tone.settle(parsed.annotation.data.label);
          yield { type: 'annotation', annotation: parsed.annotation };
        }
      }
      continue;
    }
    if (item.source === 'answer') {
      answerEnded = true;
      if (secondText) {
        yield show(tasks.secondAgent ?? '', paragraph(secondText));
        secondShown = true;
      }
    }
    if (item.source !== 'side' && --openAnswers === 0) tasks.answersEnded();
    if (item.source === 'side') tone.settle();
    if (item.end === 'ok') continue;
    if (item.source === 'second') secondFailure = { error: item.end, target: item.target };
    if (item.source === 'answer') failure = { error: item.end, hadText: item.hadText, target: item.target };
  }

  if (secondFailure?.error.outcome === 'unavailable') {
    options.onUnavailable(secondFailure.target, secondFailure.error.message);
  }
  if (!failure) {
    // The first answer stands; the part only the second agent could answer is missing, and the shopper is told.
    const note =
      secondFailure && secondFailure.error.outcome !== 'canceled'
        ? politeText('partlyUnavailable', locale)
        : '';
    for (const line of [note, refusal?.text ?? '']) {
      if (line) yield show(ORCHESTRATOR, text ? `\n\n${line}` : line);
    }
    yield { type: 'end' };
    return;
  }
  const { error, hadText } = failure;
  if (error.outcome === 'unavailable') options.onUnavailable(failure.target, error.message);
  const code = `agent_${error.outcome}` as const;
  if (error.outcome === 'canceled') {
    // Stopped on purpose (the chat was closed, or an A2A caller canceled): nothing to apologise for, but the
    // reply still ends with a status that says so.
    yield { type: 'end', failure: { code, message: politeText('canceled', locale) } };
    return;
  }
  const apology = politeText(
    error.outcome === 'timeout' ? 'timeout' : hadText ? 'failed' : 'unavailable',
    locale,
  );
  // A refusal that stood beside this answer is still said.
  yield show(ORCHESTRATOR, refusal ? `${apology}\n\n${refusal.text}` : apology, true);
  yield { type: 'end', failure: { code, message: apology.trim() } };
}

/**
 * An agent's data part as annotations: a `kind`-tagged part as is, the assistant's answer metadata (`citations`,
 * `level`, `confidence`) as citations, confidence and — for a low one — an offer of a person.
 */
export function annotationsFrom(
  agent: string,
  data: Record<string, unknown>,
): Array<{ agent: string; kind: string; data: unknown }> {
  if (typeof data.kind === 'string') return [{ agent, kind: data.kind, data }];
  const out: Array<{ agent: string; kind: string; data: unknown }> = [];
  if (Array.isArray(data.citations)) out.push({ agent, kind: 'citations', data: data.citations });
  if (typeof data.level === 'string') {
    out.push({ agent, kind: 'confidence', data: { level: data.level, confidence: data.confidence } });
    if (data.level === 'low') out.push({ agent, kind: 'handoff', data: { reason: 'low_confidence' } });
  }
  return out;
}

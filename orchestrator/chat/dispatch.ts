import type { Logger } from '../../agents/runtime/index.js';
import type { SkillTarget } from '../mesh/agent-directory.js';
import {
  AgentCallError,
  type Dispatcher,
  type DispatchRequest,
  requiredScopes,
  type TaskUpdate,
} from '../mesh/dispatch.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { RecordAgentTaskInput } from '../store/index.js';

/** Which part of the reply a task serves: the answer, a second answer, or a side skill (sentiment). */
export type Source = 'answer' | 'second' | 'side';

/** One task's update, or its end (with whether it had shown text, for the apology's wording). */
export type Tagged =
  | { source: Source; target: SkillTarget; update: TaskUpdate }
  | { source: Source; target: SkillTarget; end: 'ok' }
  | { source: Source; target: SkillTarget; end: AgentCallError; hadText: boolean };

/** A task as the chat log keeps it. */
export type TaskRecord = Omit<RecordAgentTaskInput, 'messageId'>;

/** What every task of one reply shares: the request less what each task sets itself. */
export type TaskBase = Omit<DispatchRequest, 'target' | 'scopes' | 'metadata' | 'signal'>;

/** The tasks of one reply, started. */
export interface StartedTasks {
  /** One stream per task; each ends with one `end` item and never throws. */
  streams: AsyncIterable<Tagged>[];
  /** How many of the streams are side tasks (they come last). */
  sides: number;
  /** The name of the second answer's agent, if there is one. */
  secondAgent?: string;
  /** Each task's record, pushed as it ends. */
  records: TaskRecord[];
  /** The answers have ended: side tasks get `sideGraceMs` more, then are canceled. */
  answersEnded(): void;
  /** Clears the timers. */
  dispose(): void;
}

/** Options of {@link startTasks}. */
export interface StartTasksOptions {
  dispatcher: Dispatcher;
  base: TaskBase;
  answer: SkillTarget;
  second?: SkillTarget;
  sides: SkillTarget[];
  /** A two-part message: the words each answering task is sent instead of the whole message (see `authorize`). */
  texts?: { answer?: string; second?: string };
  /** The shopper's tone; the answering tasks are sent once it settles (within the tone budget). */
  tone: Promise<string | undefined>;
  /** Stops every task (the chat was closed, or an A2A caller canceled). */
  signal: AbortSignal;
  sideGraceMs: number;
  logger: Logger;
  metrics?: Pick<MetricsRegistry, 'observeTask'>;
  now?: () => number;
}

/**
 * Stage 3 — dispatch: sends the reply's tasks. Side skills start at once; the answering skills wait for the tone
 * (bounded by the tone budget, see `createToneGate`), so the answer can adapt to it. A slow side task never holds
 * back the reply's end: after the answers it gets `sideGraceMs`, then it is canceled. Every task is recorded with
 * its first-event time, end and outcome, and its failure becomes an `end` item instead of an exception.
 */
export function startTasks(options: StartTasksOptions): StartedTasks {
  const { dispatcher, base, tone, signal, sideGraceMs, logger, metrics, now = Date.now } = options;
  const records: TaskRecord[] = [];
  const sideAbort = new AbortController();
  const sideSignal = AbortSignal.any([signal, sideAbort.signal]);
  let sideTimer: NodeJS.Timeout | undefined;

  const send = (
    target: SkillTarget,
    extra: { metadata?: Record<string, unknown>; signal: AbortSignal; text?: string },
  ) =>
    dispatcher.stream({
      ...base,
      target,
      scopes: requiredScopes(target),
      ...extra,
      text: extra.text || base.text,
    });

  async function* track(
    source: Source,
    target: SkillTarget,
    stream: () => AsyncIterable<TaskUpdate>,
  ): AsyncGenerator<Tagged> {
    const startedAt = now();
    let firstEventAt: number | undefined;
    let taskId: string | undefined;
    let hadText = false;
    let outcome: AgentCallError | 'ok' = 'ok';
    try {
      for await (const update of stream()) {
        firstEventAt ??= now();
        if (update.kind === 'task') taskId = update.taskId;
        if (update.kind === 'text') hadText = true;
        yield { source, target, update };
      }
    } catch (error) {
      outcome = error instanceof AgentCallError ? error : new AgentCallError('failed', String(error));
      if (source === 'side') {
        logger.info(
          { correlationId: base.correlationId, agent: target.agent.baseUrl, outcome: outcome.outcome },
          'side task failed; reply goes on without it',
        );
      }
    }
    const ended = now();
    const result = outcome === 'ok' ? 'completed' : outcome.outcome;
    records.push({
      agent: target.agent.card.name,
      skill: target.skill.id,
      taskId,
      startedAt: new Date(startedAt),
      firstEventAt: firstEventAt === undefined ? undefined : new Date(firstEventAt),
      endedAt: new Date(ended),
      outcome: result,
      errorCode: outcome === 'ok' ? undefined : outcome.message,
    });
    metrics?.observeTask({ agent: target.agent.card.name, outcome: result, ms: ended - startedAt });
    yield outcome === 'ok' ? { source, target, end: 'ok' } : { source, target, end: outcome, hadText };
  }

  const answering = (source: 'answer' | 'second', target: SkillTarget) =>
    track(source, target, async function* () {
      const shopperTone = await tone;
      const text = source === 'answer' ? options.texts?.answer : options.texts?.second;
      yield* send(target, { metadata: shopperTone ? { tone: shopperTone } : undefined, signal, text });
    });
  const streams = [
    answering('answer', options.answer),
    ...(options.second ? [answering('second', options.second)] : []),
    ...options.sides.map((target) => track('side', target, () => send(target, { signal: sideSignal }))),
  ];
  return {
    streams,
    sides: options.sides.length,
    secondAgent: options.second?.agent.card.name,
    records,
    answersEnded() {
      if (options.sides.length && !sideTimer) sideTimer = setTimeout(() => sideAbort.abort(), sideGraceMs);
    },
    dispose() {
      clearTimeout(sideTimer);
    },
  };
}

import type { Logger } from '../../agents/runtime/logger.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { AgentDirectory, SkillTarget } from '../mesh/agent-directory.js';
import { AgentCallError, type Dispatcher, requiredScopes, type TaskUpdate } from '../mesh/dispatch.js';
import { mergeAsync } from '../mesh/merge.js';
import { planReply } from '../mesh/planner.js';
import { DEFAULT_SCOPE_POLICY, grantScopes, type ScopePolicy } from '../mesh/scope-policy.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { type ChatLog, ChatLogError, type RecordAgentTaskInput, type StoredMessage } from '../store/index.js';
import { politeText } from './messages.js';
import {
  type ChatService as BaseChatService,
  ConversationNotFoundError,
  type ReplyRequest,
} from './service.js';

/** The chat service, and a stop for the replies in progress in one conversation (on this replica only). */
export interface ChatService extends BaseChatService {
  cancel(conversationId: string): void;
}
export { ConversationNotFoundError };

/** Events of a streamed chat reply, as built here (annotations not yet checked against the contract). */
type ChatEvent =
  | { event: 'conversation'; data: { conversationId: string; messageId: string } }
  | { event: 'delta'; data: { agent: string; text: string } }
  | { event: 'annotation'; data: { agent: string; kind: string; data: unknown } }
  | { event: 'done'; data: { messageId: string; firstTokenMs: number | null } }
  | { event: 'error'; data: { code: string; message: string } };

export interface ChatServiceOptions {
  chatLog: ChatLog;
  directory: AgentDirectory;
  dispatcher: Dispatcher;
  logger: Logger;
  audit?: AuditLog;
  metrics?: Pick<MetricsRegistry, 'observeChatMessage' | 'observeFirstDelta' | 'observeTask'>;
  scopePolicy?: ScopePolicy;
  /** Tags of the skill that answers when no card matches the message better. */
  fallbackTags?: string[];
  /** How long the answer waits for the shopper's tone (sentiment) before it starts without it. */
  toneBudgetMs?: number;
  /** How long side tasks (sentiment) may run on after the answer has ended before they are canceled. */
  sideGraceMs?: number;
  now?: () => number;
}

/** One side of a merged reply: a tagged update from one task, or its end. */
type Source = 'answer' | 'second' | 'side';
type Tagged =
  | { source: Source; target: SkillTarget; update: TaskUpdate }
  | { source: Source; target: SkillTarget; end: 'ok' }
  | { source: Source; target: SkillTarget; end: AgentCallError; hadText: boolean };

/** Creates the chat service over its dependencies. */
export function createChatService(options: ChatServiceOptions): ChatService {
  const {
    chatLog,
    directory,
    dispatcher,
    logger,
    audit,
    metrics,
    fallbackTags = ['faq'],
    now = Date.now,
  } = options;
  const scopePolicy = options.scopePolicy ?? DEFAULT_SCOPE_POLICY;
  const toneBudgetMs = options.toneBudgetMs ?? 150;
  const sideGraceMs = options.sideGraceMs ?? 250;

  // Replies in progress, by conversation, so closing the chat can stop them (on this replica).
  const inFlight = new Map<string, Set<AbortController>>();

  return {
    async drain() {},
    cancel(conversationId) {
      for (const stop of inFlight.get(conversationId) ?? []) stop.abort();
    },
    async accept(request) {
      const startedAt = now();
      const { shopper, locale, correlationId } = request;
      // Committed before anything is dispatched: an agent failure can never lose the shopper's words. One
      // transaction checks the conversation's owner, stores the message and opens the reply.
      const exchange = await chatLog
        .openExchange({
          conversationId: request.conversationId || undefined,
          subject: shopper.subject,
          role: shopper.role,
          locale,
          text: request.text,
          correlationId,
        })
        .catch((error: unknown) => {
          if (error instanceof ChatLogError && error.code === 'conversation_not_found') {
            throw new ConversationNotFoundError();
          }
          throw error;
        });
      metrics?.observeChatMessage({ role: shopper.role });
      const { conversation, shopperMessage, reply } = exchange;
      const stop = new AbortController();
      const running = inFlight.get(conversation.id) ?? new Set();
      inFlight.set(conversation.id, running.add(stop));
      const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
      const events = run({
        request,
        signal,
        conversationId: conversation.id,
        shopperMessage,
        reply,
        startedAt,
      });
      return (async function* () {
        try {
          yield* events as AsyncGenerator<never>;
        } finally {
          running.delete(stop);
          if (!running.size) inFlight.delete(conversation.id);
        }
      })();
    },
  };

  async function* run(ctx: {
    request: ReplyRequest;
    /** Aborted when the shopper goes away (A2A cancel) or closes the chat. */
    signal: AbortSignal;
    conversationId: string;
    shopperMessage: StoredMessage;
    reply: StoredMessage;
    startedAt: number;
  }): AsyncGenerator<ChatEvent> {
    const { request, signal, conversationId, reply, startedAt } = ctx;
    const { shopper, locale, correlationId } = request;
    yield { event: 'conversation', data: { conversationId, messageId: ctx.shopperMessage.id } };

    // Routing sees every agent whose card it knows, up or not: a message meant for an agent that is down is told
    // so, rather than quietly answered by another agent that cannot help with it.
    const known = directory
      .list()
      .filter((e): e is SkillTarget['agent'] => e.state !== 'invalid' && !!e.card && !!e.rpcUrl);
    const plan = planReply(known, request.text, { fallbackTags });
    if (!plan.answer) {
      const text = politeText('unavailable', locale);
      await chatLog.closeExchange({ replyId: reply.id, text, errorCode: 'agents_unavailable', agents: [] });
      yield { event: 'delta', data: { agent: 'orchestrator', text } };
      yield { event: 'error', data: { code: 'agents_unavailable', message: text } };
      return;
    }

    let answer = plan.answer;
    const usable = (target: SkillTarget | undefined) =>
      target &&
      target.agent.state === 'up' &&
      grantScopes(scopePolicy, shopper.role, requiredScopes(target)).granted
        ? target
        : undefined;
    // A second answering skill, when the message also asks what only another agent knows: it runs in parallel and
    // its text follows the first answer's; only if its agent is up and the role may use it.
    let second = usable(plan.second);
    const grant = grantScopes(scopePolicy, shopper.role, requiredScopes(answer));
    // When the role may not use the first skill, a message that also asked something it may use still gets that
    // answer, with the refusal beside it.
    let refused: { text: string; annotation: { agent: string; kind: string; data: unknown } } | undefined;
    if (!grant.granted) {
      // Least privilege: the role may not hold this skill's scopes, so no token is minted and no task is sent.
      await audit?.record({
        event: 'role_refused',
        subject: shopper.subject,
        requestId: correlationId,
        details: { role: shopper.role, skill: answer.skill.id, missing: grant.missing },
      });
      const guest = shopper.role === 'guest';
      const text = politeText(guest ? 'signInRequired' : 'notForRole', locale);
      const refusal = {
        agent: 'orchestrator',
        kind: guest ? 'sign_in_required' : 'not_available',
        data: { skill: answer.skill.id },
      };
      refused = { text, annotation: refusal };
    }
    if (refused && second) {
      answer = second;
      second = undefined;
    } else if (refused) {
      const { text, annotation: refusal } = refused;
      await chatLog.closeExchange({
        replyId: reply.id,
        text,
        agents: [],
        citations: [],
        annotations: [refusal],
        firstTokenAt: new Date(now()),
      });
      yield { event: 'delta', data: { agent: 'orchestrator', text } };
      yield { event: 'annotation', data: refusal };
      yield { event: 'done', data: { messageId: reply.id, firstTokenMs: now() - startedAt } };
      return;
    }

    if (answer.agent.state !== 'up') {
      const text = politeText('unavailable', locale);
      logger.warn(
        { correlationId, agent: answer.agent.baseUrl, skill: answer.skill.id, state: answer.agent.state },
        'the agent for this message is down',
      );
      await chatLog.closeExchange({
        replyId: reply.id,
        text,
        errorCode: 'agent_unavailable',
        agents: [answer.agent.card.name],
        firstTokenAt: new Date(now()),
      });
      yield { event: 'delta', data: { agent: 'orchestrator', text } };
      yield { event: 'error', data: { code: 'agent_unavailable', message: text } };
      return;
    }

    // Skills that run on every message (sentiment) start at once; their tone may reach the answers within a budget.
    // They may outlive the answers only by `sideGraceMs`: a slow side task never holds back the reply's end.
    const sides = plan.always.filter(
      (t) => t.agent.state === 'up' && grantScopes(scopePolicy, shopper.role, requiredScopes(t)).granted,
    );
    const sideAbort = new AbortController();
    const sideSignal = AbortSignal.any([signal, sideAbort.signal]);
    let sideTimer: NodeJS.Timeout | undefined;
    let resolveTone: (tone: string | undefined) => void = () => undefined;
    const tone = new Promise<string | undefined>((resolve) => {
      resolveTone = resolve;
      setTimeout(() => resolve(undefined), sides.length ? toneBudgetMs : 0).unref?.();
    });

    // Each task's record, stored with the reply when it ends (answered, failed or canceled) in one transaction.
    const tasks: Omit<RecordAgentTaskInput, 'messageId'>[] = [];
    const base = {
      contextId: conversationId,
      locale,
      subject: shopper.subject,
      role: shopper.role,
      correlationId,
      signal,
    };
    const sideStreams = sides.map((target) =>
      track('side', target, () =>
        dispatcher.stream({
          ...base,
          target,
          text: request.text,
          scopes: requiredScopes(target),
          signal: sideSignal,
        }),
      ),
    );
    const answering = (source: 'answer' | 'second', target: SkillTarget) =>
      track(source, target, async function* () {
        const shopperTone = await tone;
        yield* dispatcher.stream({
          ...base,
          target,
          text: request.text,
          scopes: requiredScopes(target),
          metadata: shopperTone ? { tone: shopperTone } : undefined,
        });
      });
    const answerStreams = [answering('answer', answer), ...(second ? [answering('second', second)] : [])];

    const answerName = answer.agent.card.name;
    const agentNames = [answerName, ...(second ? [second.agent.card.name] : [])];
    // The second answer's text waits until the first has ended, so the reply reads as one text in order.
    let secondText = '';
    let secondShown = false;
    let answerEnded = false;
    let openAnswers = answerStreams.length;
    let secondFailure: AgentCallError | undefined;
    let text = '';
    let firstTokenMs: number | null = null;
    // When the first text was shown; written with the reply's end, never in its own round trip.
    let firstTokenAt: Date | undefined;
    let citations: unknown[] = [];
    let handoffReason: string | undefined;
    const shown: unknown[] = [];
    let failure: AgentCallError | undefined;
    let answerHadText = false;
    // If whoever reads this stream stops early, the reply and its tasks are still closed in the chat log.
    let closed = false;
    try {
      /** Shows `chunk` as the next part of the reply's text, noting when the first words were shown. */
      const show = (agent: string, chunk: string): ChatEvent => {
        if (firstTokenMs === null) {
          firstTokenMs = now() - startedAt;
          metrics?.observeFirstDelta(firstTokenMs);
          firstTokenAt = new Date(now());
        }
        text += chunk;
        return { event: 'delta', data: { agent, text: chunk } };
      };
      const secondName = second?.agent.card.name ?? '';
      if (refused) {
        shown.push(refused.annotation);
        yield { event: 'annotation', data: refused.annotation };
      }
      /** The second answer's text begins on its own paragraph after the first answer's. */
      const secondChunk = (chunk: string) => (text && !text.endsWith('\n') ? `\n\n${chunk}` : chunk);
      for await (const item of mergeAsync([...answerStreams, ...sideStreams])) {
        const agent = item.target.agent.card.name;
        if ('update' in item) {
          const { update } = item;
          if (update.kind === 'text' && item.source === 'answer') {
            yield show(agent, update.text);
          } else if (update.kind === 'text' && item.source === 'second') {
            if (!answerEnded) secondText += update.text;
            else {
              yield show(agent, secondShown ? update.text : secondChunk(update.text));
              secondShown = true;
            }
          } else if (update.kind === 'data') {
            for (const annotation of annotationsFrom(update.data)) {
              if (
                annotation.kind === 'sentiment' &&
                typeof (annotation.data as { label?: unknown }).label === 'string'
              ) {
                resolveTone((annotation.data as { label: string }).label);
              }
              if (annotation.kind === 'citations')
                citations = [...citations, ...(annotation.data as unknown[])];
              if (annotation.kind === 'handoff') {
                handoffReason = (annotation.data as { reason?: string }).reason ?? 'handoff';
              }
              // Kept with the reply (citations have their own column), so a reloaded chat shows the cards again.
              if (annotation.kind !== 'citations') shown.push({ agent, ...annotation });
              yield { event: 'annotation', data: { agent, ...annotation } };
            }
          }
        }
        if (!('end' in item)) continue;
        if (item.source === 'answer') {
          answerEnded = true;
          if (secondText) {
            yield show(secondName, secondChunk(secondText));
            secondShown = true;
          }
        }
        if (item.source !== 'side' && --openAnswers === 0 && sides.length) {
          sideTimer = setTimeout(() => sideAbort.abort(), sideGraceMs);
        }
        if (item.end !== 'ok') {
          if (item.source === 'side') resolveTone(undefined);
          else if (item.source === 'second') secondFailure = item.end;
          else {
            failure = item.end;
            answerHadText = item.hadText;
          }
        } else if (item.source === 'side') {
          resolveTone(undefined);
        }
      }

      if (second && secondFailure?.outcome === 'unavailable') {
        directory.markDown(second.agent.baseUrl, secondFailure.message);
      }
      if (!failure) {
        // The first answer stands; the part only the second agent could answer is missing, and the shopper is told.
        const note =
          secondFailure && secondFailure.outcome !== 'canceled'
            ? politeText('partlyUnavailable', locale)
            : '';
        for (const line of [note, refused?.text ?? '']) {
          if (line) yield show('orchestrator', text ? `\n\n${line}` : line);
        }
        closed = true;
        await chatLog.closeExchange({
          replyId: reply.id,
          text,
          agents: agentNames,
          citations,
          handoffReason,
          annotations: shown,
          firstTokenAt,
          tasks,
        });
        yield { event: 'done', data: { messageId: reply.id, firstTokenMs } };
        return;
      }
      if (failure.outcome === 'unavailable') directory.markDown(answer.agent.baseUrl, failure.message);
      const code = `agent_${failure.outcome}`;
      if (failure.outcome === 'canceled') {
        // Stopped on purpose (the chat was closed, or an A2A caller canceled): nothing to apologise for, but the
        // stream still ends with an event that says so.
        closed = true;
        await chatLog.closeExchange({
          replyId: reply.id,
          text,
          errorCode: code,
          agents: agentNames,
          annotations: shown,
          firstTokenAt,
          tasks,
        });
        yield { event: 'error', data: { code, message: politeText('canceled', locale) } };
        return;
      }
      const kind = failure.outcome === 'timeout' ? 'timeout' : answerHadText ? 'failed' : 'unavailable';
      const apology = politeText(kind, locale);
      // A refusal that stood beside this answer is still said.
      const closing = refused ? `${apology}\n\n${refused.text}` : apology;
      closed = true;
      await chatLog.closeExchange({
        replyId: reply.id,
        text: text + closing,
        errorCode: code,
        agents: agentNames,
        annotations: shown,
        firstTokenAt,
        tasks,
      });
      yield { event: 'delta', data: { agent: 'orchestrator', text: closing } };
      yield { event: 'error', data: { code, message: apology.trim() } };
    } finally {
      clearTimeout(sideTimer);
      if (!closed) {
        await chatLog
          .closeExchange({
            replyId: reply.id,
            text,
            errorCode: 'stream_abandoned',
            agents: agentNames,
            annotations: shown,
            firstTokenAt,
            tasks,
          })
          .catch((error: unknown) =>
            logger.error({ err: error, correlationId }, 'could not close an abandoned reply'),
          );
      }
    }

    /** Runs one task's stream, records it in `tasks` for the chat log, and turns its failure into a tagged end. */
    async function* track(
      source: Source,
      target: SkillTarget,
      stream: () => AsyncIterable<TaskUpdate>,
    ): AsyncGenerator<Tagged> {
      const startedTask = new Date(now());
      let firstEventAt: Date | undefined;
      let taskId: string | undefined;
      let hadText = false;
      let outcome: AgentCallError | 'ok' = 'ok';
      try {
        for await (const update of stream()) {
          firstEventAt ??= new Date(now());
          if (update.kind === 'task') taskId = update.taskId;
          if (update.kind === 'text') hadText = true;
          yield { source, target, update };
        }
      } catch (error) {
        outcome = error instanceof AgentCallError ? error : new AgentCallError('failed', String(error));
        if (source === 'side') {
          logger.info(
            { correlationId, agent: target.agent.baseUrl, outcome: outcome.outcome },
            'side task failed; reply goes on without it',
          );
        }
      }
      tasks.push({
        agent: target.agent.card.name,
        skill: target.skill.id,
        taskId,
        startedAt: startedTask,
        firstEventAt,
        endedAt: new Date(now()),
        outcome: outcome === 'ok' ? 'completed' : outcome.outcome,
        errorCode: outcome === 'ok' ? undefined : outcome.message,
      });
      metrics?.observeTask({
        agent: target.agent.card.name,
        outcome: outcome === 'ok' ? 'completed' : outcome.outcome,
        ms: now() - startedTask.getTime(),
      });
      yield outcome === 'ok' ? { source, target, end: 'ok' } : { source, target, end: outcome, hadText };
    }
  }
}

/** Turns an agent's data part into page annotations: `kind`-tagged data as is, the assistant's answer metadata as citations, confidence and a hand-off offer. */
function annotationsFrom(data: Record<string, unknown>): Array<{ kind: string; data: unknown }> {
  if (typeof data.kind === 'string') return [{ kind: data.kind, data }];
  const out: Array<{ kind: string; data: unknown }> = [];
  if (Array.isArray(data.citations)) out.push({ kind: 'citations', data: data.citations });
  if (typeof data.level === 'string') {
    out.push({ kind: 'confidence', data: { level: data.level, confidence: data.confidence } });
    if (data.level === 'low') out.push({ kind: 'handoff', data: { reason: 'low_confidence' } });
  }
  return out;
}

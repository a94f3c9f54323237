import type { HandoffReason } from '../../agents/desk/protocol.js';
import { type Logger, tracer, withSpan, withSpanSync } from '../../agents/runtime/index.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { HandoffService } from '../desk/handoffs.js';
import { heldReply } from '../desk/held-reply.js';
import { asksForPerson } from '../desk/intent.js';
import { offerReason } from '../desk/offer.js';
import type { AgentDirectory } from '../mesh/agent-directory.js';
import type { Dispatcher } from '../mesh/dispatch.js';
import { requiredScopes } from '../mesh/dispatch.js';
import { DEFAULT_SCOPE_POLICY, grantScopes, type ScopePolicy } from '../mesh/scope-policy.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { EventHub } from '../store/event-hub.js';
import type { HandoffLog } from '../store/handoff-log.js';
import { type ChatLog, ChatLogError } from '../store/index.js';
import { authorize, ORCHESTRATOR } from './authorize.js';
import { parseAnnotation } from './contract.js';
import { startTasks } from './dispatch.js';
import { followConversation } from './follow.js';
import { annotationsFrom, createToneGate, mergeReply } from './merge.js';
import { politeText } from './messages.js';
import { plan } from './plan.js';
import { createReplyRecorder, type ReplyRecorder } from './record.js';
import { replyStream } from './reply-stream.js';
import { type ChatService, ConversationNotFoundError, type ReplyRequest } from './service.js';

/** Options of {@link createChatService}. */
export interface ChatServiceOptions {
  chatLog: ChatLog;
  /** Where committed conversation events reach this process's readers. */
  hub: EventHub;
  directory: AgentDirectory;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Where role refusals are recorded; give it a capped one (`cappedAudit`), since any guest can cause them. */
  audit?: AuditLog;
  metrics?: Pick<MetricsRegistry, 'observeChatMessage' | 'observeFirstDelta' | 'observeTask'>;
  scopePolicy?: ScopePolicy;
  /** Tags of the skill that answers when no card matches the message better. */
  fallbackTags?: string[];
  /** How long the answer waits for the shopper's tone (sentiment) before it starts without it. */
  toneBudgetMs?: number;
  /** How long side tasks (sentiment) may run on after the answer has ended before they are canceled. */
  sideGraceMs?: number;
  /** How long later pieces of a reply wait to share one write (see `createReplyRecorder`). */
  coalesceMs?: number;
  /** The human desk: conversations a person holds skip the bots, and explicit requests for a person go there. */
  desk?: { handoffs: HandoffService; handoffLog: HandoffLog };
  now?: () => number;
}

const HANDOFF_TEXTS = {
  calling: {
    'pt-BR': 'Certo! Vou chamar uma pessoa da nossa equipe para continuar com você. Aguarde um instante.',
    en: 'Sure! I am calling a person from our team to continue with you. Please hold on a moment.',
  },
  nobody: {
    'pt-BR':
      'Desculpe, nossa equipe não pode atender agora. Tente de novo mais tarde; enquanto isso, posso ajudar com outra coisa?',
    en: 'Sorry, our team cannot take the conversation right now. Please try again later; meanwhile, can I help with something else?',
  },
} as const;

function handoffText(kind: keyof typeof HANDOFF_TEXTS, locale: 'pt-BR' | 'en'): string {
  return HANDOFF_TEXTS[kind][locale];
}

/**
 * The reply pipeline. `accept` stores the shopper's message (durable before anything is dispatched) and starts
 * the reply in the background; the reply goes through the stages in order — plan, authorize, dispatch, merge,
 * record — and everything it says is appended to the conversation's event log. The caller's stream is one more
 * reader of that log, so a reply runs to its end whatever happens to the connection, and closing the
 * conversation — on any replica — stops it.
 */
export function createChatService(options: ChatServiceOptions): ChatService {
  const { chatLog, hub, directory, dispatcher, logger, audit, metrics, now = Date.now } = options;
  const scopePolicy = options.scopePolicy ?? DEFAULT_SCOPE_POLICY;
  const fallbackTags = options.fallbackTags ?? ['faq'];
  const running = new Set<Promise<void>>();
  // Replies in progress, by conversation, and one subscription per conversation that stops them when it closes.
  const inFlight = new Map<string, { stops: Set<AbortController>; unsubscribe: () => void }>();

  function stopOnClose(conversationId: string, after: number, stop: AbortController): () => void {
    let entry = inFlight.get(conversationId);
    if (!entry) {
      const stops = new Set<AbortController>();
      const unsubscribe = hub.subscribe(
        conversationId,
        (event) => {
          if (event.kind === 'status' && event.data.state === 'closed') for (const s of stops) s.abort();
        },
        { after },
      );
      entry = { stops, unsubscribe };
      inFlight.set(conversationId, entry);
    }
    const mine = entry;
    mine.stops.add(stop);
    return () => {
      mine.stops.delete(stop);
      if (!mine.stops.size && inFlight.get(conversationId) === mine) {
        mine.unsubscribe();
        inFlight.delete(conversationId);
      }
    };
  }

  async function answer(ctx: {
    request: ReplyRequest;
    conversationId: string;
    replyId: string;
    replyTo: string;
    startedAt: number;
    signal: AbortSignal;
  }): Promise<void> {
    const { request, conversationId } = ctx;
    const { locale, correlationId } = request;
    const recorder = createReplyRecorder({
      chatLog,
      conversationId,
      replyId: ctx.replyId,
      replyTo: ctx.replyTo,
      startedAt: ctx.startedAt,
      coalesceMs: options.coalesceMs,
      logger,
      correlationId,
      metrics,
      preview: (first) => hub.preview({ kind: 'preview', conversationId, messageId: ctx.replyId, ...first }),
      now,
    });
    let finishing = false;
    const finish = (end: Parameters<typeof recorder.finish>[0]) => {
      finishing = true;
      return withSpan('chat.record', () => recorder.finish(end));
    };
    try {
      await respond(ctx, recorder, finish);
    } catch (error) {
      // A fault in a stage (never an agent's failure: those end the reply politely) still ends the reply, so it
      // is not left `streaming` and its readers are not left waiting; a failing chat log is the caller's to see.
      if (finishing) throw error;
      logger.error({ err: error, correlationId }, 'the reply failed in the pipeline');
      const text = politeText('unavailable', locale);
      recorder.push({ type: 'delta', agent: ORCHESTRATOR, text, apology: true });
      await finish({ failure: { code: 'agent_failed', message: text }, agents: [], tasks: [] });
    }
  }

  /** Runs the stages for one reply, ending it through `finish`. */
  async function respond(
    ctx: Parameters<typeof answer>[0],
    recorder: ReplyRecorder,
    finish: ReplyRecorder['finish'],
  ): Promise<void> {
    const { request, conversationId, signal } = ctx;
    const { shopper, locale, correlationId } = request;
    const desk = options.desk;
    if (desk && asksForPerson(request.text)) {
      // Asked in so many words: no confirmation. The reply says what happens; the handoff starts once it is stored,
      // so the desk's transcript has it.
      const reachable = desk.handoffs.available();
      recorder.push({
        type: 'delta',
        agent: ORCHESTRATOR,
        text: handoffText(reachable ? 'calling' : 'nobody', locale),
      });
      await finish({ agents: [], tasks: [] });
      if (reachable) {
        // The tone of the request itself goes with it (the bots were not asked; the side skills still run).
        const sentiment = await toneOf(request, conversationId, ctx.replyTo);
        await desk.handoffs.request({
          conversationId,
          shopper,
          locale,
          reason: 'asked_for_human',
          correlationId,
          ...(sentiment ? { sentiment } : {}),
        });
      }
      return;
    }
    const planned = withSpanSync('chat.plan', () => plan(directory, request.text, { fallbackTags }));
    const decision = withSpanSync('chat.authorize', (span) => {
      const decided = authorize(planned, { shopper, locale, scopePolicy });
      span.setAttribute('atende.decision', decided.kind);
      return decided;
    });
    if (decision.kind !== 'unavailable' && decision.refusal) {
      // Least privilege held: no token was minted and no task sent for this skill.
      await audit
        ?.record({
          event: 'role_refused',
          subject: shopper.subject,
          ip: request.ip,
          requestId: correlationId,
          details: {
            role: shopper.role,
            skill: decision.refusal.audit.skill,
            missing: decision.refusal.audit.missing,
          },
        })
        .catch((error: unknown) =>
          logger.error({ err: error, correlationId }, 'could not write the audit log'),
        );
    }
    switch (decision.kind) {
      case 'unavailable':
        if (decision.agent) {
          logger.warn({ correlationId, agent: decision.agent }, 'the agent for this message is down');
        }
        recorder.push({ type: 'delta', agent: ORCHESTRATOR, text: decision.text, apology: true });
        return finish({
          failure: { code: decision.code, message: decision.text },
          agents: decision.agent ? [decision.agent] : [],
          tasks: [],
        });
      case 'refuse':
        recorder.push({ type: 'delta', agent: ORCHESTRATOR, text: decision.refusal.text });
        recorder.push({ type: 'annotation', annotation: decision.refusal.annotation });
        return finish({ agents: [], tasks: [] });
    }
    const tone = createToneGate({ budgetMs: options.toneBudgetMs ?? 150, sides: decision.sides.length });
    const tasks = startTasks({
      dispatcher,
      base: {
        text: request.text,
        contextId: conversationId,
        locale,
        subject: shopper.subject,
        role: shopper.role,
        correlationId,
      },
      answer: decision.answer,
      second: decision.second,
      texts: decision.texts,
      sides: decision.sides,
      tone: tone.tone,
      signal,
      sideGraceMs: options.sideGraceMs ?? 250,
      logger,
      metrics,
      now,
    });
    let failure: Parameters<ReplyRecorder['finish']>[0]['failure'];
    const seen = { lowConfidence: false, negative: false };
    // Tasks start as the merge first reads them, so in the dispatch span: the A2A calls are its children. Merging
    // runs alongside them, as long as they stream.
    const names = (targets: (typeof decision.answer | undefined)[]) =>
      targets.flatMap((t) => (t ? [t.agent.card.name] : []));
    try {
      await withSpan(
        'chat.dispatch',
        async () => {
          const merging = tracer().startSpan('chat.merge');
          try {
            for await (const part of mergeReply({
              tasks,
              tone,
              refusal: decision.refusal,
              locale,
              logger,
              correlationId,
              onUnavailable: (target, reason) => directory.markDown(target.agent.baseUrl, reason),
            })) {
              if (part.type === 'end') failure = part.failure;
              else if (part.type === 'annotation' && part.annotation.kind === 'handoff') {
                // Offers of a person are the pipeline's to make (see `offerReason`), not one agent's.
                seen.lowConfidence ||= part.annotation.data.reason === 'low_confidence';
              } else {
                if (part.type === 'annotation' && part.annotation.kind === 'sentiment') {
                  seen.negative ||= part.annotation.data.label === 'negative';
                }
                if (part.type === 'annotation' && part.annotation.kind === 'confidence') {
                  seen.lowConfidence ||= part.annotation.data.level === 'low';
                }
                recorder.push(part);
              }
            }
          } finally {
            merging.setAttribute('atende.failure', failure?.code ?? '');
            merging.end();
          }
        },
        {
          attributes: {
            'atende.agents': names([decision.answer, decision.second]),
            'atende.side_agents': names(decision.sides),
          },
        },
      );
    } finally {
      tasks.dispose();
    }
    const agents = [decision.answer, ...(decision.second ? [decision.second] : [])].map(
      (t) => t.agent.card.name,
    );
    const reason: HandoffReason | undefined = desk
      ? await offerReason({
          ...seen,
          failed: failure !== undefined,
          previousLowConfidence: () => previousReplyWasLow(conversationId, ctx.replyId),
        })
      : undefined;
    if (reason && desk?.handoffs.available()) {
      recorder.push({
        type: 'annotation',
        annotation: { agent: ORCHESTRATOR, kind: 'handoff', data: { reason } },
      });
    }
    await finish({ failure, agents, tasks: tasks.records });
  }

  /**
   * The side skills (sentiment) on a message a person will read: the bots stay silent, but the shopper's tone is
   * still classified, appended to the conversation as an annotation of their message, and passed to the desk.
   */
  async function toneOf(request: ReplyRequest, conversationId: string, messageId: string) {
    const { always } = plan(directory, request.text, { fallbackTags });
    let tone: { label: 'negative' | 'neutral' | 'positive'; confidence: number } | undefined;
    for (const target of always.filter((t) => t.agent.state === 'up')) {
      const grant = grantScopes(scopePolicy, request.shopper.role, requiredScopes(target));
      if (!grant.granted) continue;
      try {
        for await (const update of dispatcher.stream({
          target,
          text: request.text,
          contextId: conversationId,
          locale: request.locale,
          subject: request.shopper.subject,
          role: request.shopper.role,
          correlationId: request.correlationId,
          scopes: grant.scopes,
        })) {
          if (update.kind !== 'data') continue;
          for (const candidate of annotationsFrom(target.agent.card.name, update.data)) {
            const parsed = parseAnnotation(candidate);
            if (!parsed.ok || parsed.annotation.kind !== 'sentiment') continue;
            tone = { label: parsed.annotation.data.label, confidence: parsed.annotation.data.confidence };
            await chatLog.appendEvents(conversationId, [
              {
                kind: 'annotation',
                author: parsed.annotation.agent,
                data: { messageId, annotation: parsed.annotation },
              },
            ]);
          }
        }
      } catch (error) {
        logger.warn(
          { err: error, correlationId: request.correlationId },
          'no tone for a message to a person',
        );
      }
    }
    return tone;
  }

  /** Whether the shopper's previous reply in the conversation was a low-confidence one. */
  async function previousReplyWasLow(conversationId: string, replyId: string): Promise<boolean> {
    const recent = await chatLog.listMessages(conversationId, { limit: 6 });
    const previous = recent.filter((m) => m.author === 'agent' && m.id !== replyId).at(-1);
    return (previous?.annotations ?? []).some(
      (a) =>
        typeof a === 'object' &&
        a !== null &&
        (a as { kind?: unknown }).kind === 'confidence' &&
        (a as { data?: { level?: unknown } }).data?.level === 'low',
    );
  }

  return {
    async accept(request) {
      const startedAt = now();
      if (options.desk && request.conversationId) {
        // A conversation a person holds: the message goes to the desk's task, not to the bots.
        const held = await options.desk.handoffLog.heldMessage({
          conversationId: request.conversationId,
          subject: request.shopper.subject,
          text: request.text,
          correlationId: request.correlationId,
        });
        if (held) {
          metrics?.observeChatMessage({ role: request.shopper.role });
          return heldReply({
            held,
            request,
            handoffs: options.desk.handoffs,
            logger,
            tone: () => toneOf(request, held.handoff.conversationId, held.messageId),
          });
        }
      }
      const { shopper, locale, correlationId } = request;
      // One transaction checks the conversation's owner, stores the message and opens the reply; committed before
      // anything is dispatched, so an agent failure can never lose the shopper's words.
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
      const { conversation, shopperMessage, reply, events } = exchange;
      const after = events.at(-1)?.id ?? 0;
      const stop = new AbortController();
      const forget = stopOnClose(conversation.id, after, stop);
      const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
      // The reader follows from the reply's start; a failed reply stops it, since no final status will come.
      const readerStop = new AbortController();
      const reading = followConversation({
        read: (id, page) => chatLog.listEvents(id, page),
        hub,
        conversationId: conversation.id,
        after,
        caughtUp: true,
        previews: true,
        signal: readerStop.signal,
      });
      // The reply runs on in the background, in its own span under the request's (it outlives the response).
      const run = withSpan(
        'chat.reply',
        () =>
          answer({
            request,
            conversationId: conversation.id,
            replyId: reply.id,
            replyTo: shopperMessage.id,
            startedAt,
            signal,
          }),
        {
          correlationId,
          attributes: { 'atende.conversation_id': conversation.id, 'atende.reply_id': reply.id },
        },
      );
      const failed = run.then(
        () => false,
        (error: unknown) => {
          logger.error({ err: error, correlationId }, 'the reply could not be completed');
          readerStop.abort();
          return true;
        },
      );
      const settled = failed.then(forget);
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      return replyStream({
        conversationId: conversation.id,
        shopperMessageId: shopperMessage.id,
        replyId: reply.id,
        reading,
        failed,
        locale,
      });
    },
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}

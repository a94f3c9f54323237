import type { Logger } from '../../agents/runtime/logger.js';
import type { Shopper } from '../auth/access-tokens.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { AgentDirectory } from '../mesh/agent-directory.js';
import { AgentCallError, type Dispatcher, requiredScopes } from '../mesh/dispatch.js';
import { chooseSkill } from '../mesh/router.js';
import { DEFAULT_SCOPE_POLICY, grantScopes, type ScopePolicy } from '../mesh/scope-policy.js';
import type { ChatLog } from '../store/index.js';
import { type Locale, politeText } from './messages.js';

/** Events of a streamed chat reply, as sent to the page over SSE. */
export type ChatEvent =
  | { event: 'conversation'; data: { conversationId: string; messageId: string } }
  | { event: 'delta'; data: { agent: string; text: string } }
  | { event: 'annotation'; data: { agent: string; kind: string; data: unknown } }
  | { event: 'done'; data: { messageId: string; firstTokenMs: number | null } }
  | { event: 'error'; data: { code: string; message: string } };

/** Raised for a conversation the shopper may not use; crosses the wire as 404. */
export class ConversationNotFoundError extends Error {
  constructor() {
    super('conversation not found');
    this.name = 'ConversationNotFoundError';
  }
}

export interface ReplyRequest {
  shopper: Shopper;
  text: string;
  locale: Locale;
  conversationId?: string;
  correlationId: string;
  /** Aborted when the shopper goes away. */
  signal?: AbortSignal;
}

/** Answers shopper messages through the mesh, logging everything first-response time needs. */
export interface ChatService {
  /** Checks the conversation and stores the shopper's message; the returned stream dispatches and answers. */
  accept(request: ReplyRequest): Promise<AsyncGenerator<ChatEvent>>;
}

/** Creates the chat service over its dependencies. */
export function createChatService(options: {
  chatLog: ChatLog;
  directory: AgentDirectory;
  dispatcher: Dispatcher;
  logger: Logger;
  audit?: AuditLog;
  scopePolicy?: ScopePolicy;
  fallbackTags?: string[];
  now?: () => number;
}): ChatService {
  const { chatLog, directory, dispatcher, logger, audit, fallbackTags = ['faq'], now = Date.now } = options;
  const scopePolicy = options.scopePolicy ?? DEFAULT_SCOPE_POLICY;

  return {
    async accept(request) {
      const startedAt = now();
      const { shopper, locale, correlationId } = request;
      let convId: string;
      if (request.conversationId) {
        const conversation = await chatLog.getConversation(request.conversationId);
        if (!conversation || conversation.subject !== shopper.subject) throw new ConversationNotFoundError();
        convId = conversation.id;
      } else {
        convId = (await chatLog.startConversation({ subject: shopper.subject, role: shopper.role, locale }))
          .id;
      }
      // Stored before anything is dispatched: an agent failure can never lose the shopper's words.
      const shopperMessage = await chatLog.recordShopperMessage({
        conversationId: convId,
        text: request.text,
        correlationId,
      });

      return (async function* reply(): AsyncGenerator<ChatEvent> {
        yield { event: 'conversation', data: { conversationId: convId, messageId: shopperMessage.id } };
        const replyMessage = await chatLog.startReply({
          conversationId: convId,
          replyTo: shopperMessage.id,
          correlationId,
        });
        const target = chooseSkill(directory.available(), request.text, { fallbackTags });
        if (!target) {
          const text = politeText('unavailable', locale);
          await chatLog.failReply({
            replyId: replyMessage.id,
            text,
            errorCode: 'agents_unavailable',
            agents: [],
          });
          yield { event: 'delta', data: { agent: 'orchestrator', text } };
          yield { event: 'error', data: { code: 'agents_unavailable', message: text } };
          return;
        }
        const agentName = target.agent.card.name;
        const grant = grantScopes(scopePolicy, shopper.role, requiredScopes(target));
        if (!grant.granted) {
          // Least privilege: the role may not hold this skill's scopes, so no token is minted and no task sent.
          await audit?.record({
            event: 'role_refused',
            subject: shopper.subject,
            requestId: correlationId,
            details: { role: shopper.role, skill: target.skill.id, missing: grant.missing },
          });
          const kind = shopper.role === 'guest' ? 'signInRequired' : 'notForRole';
          const text = politeText(kind, locale);
          await chatLog.completeReply({ replyId: replyMessage.id, text, agents: [], citations: [] });
          yield { event: 'delta', data: { agent: 'orchestrator', text } };
          yield {
            event: 'annotation',
            data: {
              agent: 'orchestrator',
              kind: shopper.role === 'guest' ? 'sign_in_required' : 'not_available',
              data: { skill: target.skill.id },
            },
          };
          yield { event: 'done', data: { messageId: replyMessage.id, firstTokenMs: now() - startedAt } };
          return;
        }
        let text = '';
        let firstTokenMs: number | null = null;
        let firstEventAt: Date | undefined;
        let taskId: string | undefined;
        let citations: unknown[] = [];
        const taskStartedAt = new Date(now());
        try {
          for await (const update of dispatcher.stream({
            target,
            text: request.text,
            contextId: convId,
            locale,
            subject: shopper.subject,
            role: shopper.role,
            correlationId,
            scopes: grant.scopes,
            signal: request.signal,
          })) {
            firstEventAt ??= new Date(now());
            if (update.kind === 'task') taskId = update.taskId;
            else if (update.kind === 'text') {
              if (firstTokenMs === null) {
                firstTokenMs = now() - startedAt;
                await chatLog.markFirstToken(replyMessage.id, new Date(now()));
              }
              text += update.text;
              yield { event: 'delta', data: { agent: agentName, text: update.text } };
            } else if (update.kind === 'data') {
              for (const annotation of annotationsFrom(update.data)) {
                if (annotation.kind === 'citations') citations = annotation.data as unknown[];
                yield { event: 'annotation', data: { agent: agentName, ...annotation } };
              }
            }
          }
          await chatLog.completeReply({ replyId: replyMessage.id, text, agents: [agentName], citations });
          await chatLog.recordAgentTask({
            messageId: replyMessage.id,
            agent: agentName,
            skill: target.skill.id,
            taskId,
            startedAt: taskStartedAt,
            firstEventAt,
            endedAt: new Date(now()),
            outcome: 'completed',
          });
          yield { event: 'done', data: { messageId: replyMessage.id, firstTokenMs } };
        } catch (error) {
          const failure =
            error instanceof AgentCallError ? error : new AgentCallError('failed', String(error));
          if (failure.outcome === 'unavailable') directory.markDown(target.agent.baseUrl, failure.message);
          const kind = failure.outcome === 'timeout' ? 'timeout' : text ? 'failed' : 'unavailable';
          const apology = politeText(kind, locale);
          await chatLog.failReply({
            replyId: replyMessage.id,
            text: text + apology,
            errorCode: `agent_${failure.outcome}`,
            agents: [agentName],
          });
          await chatLog.recordAgentTask({
            messageId: replyMessage.id,
            agent: agentName,
            skill: target.skill.id,
            taskId,
            startedAt: taskStartedAt,
            firstEventAt,
            endedAt: new Date(now()),
            outcome: failure.outcome === 'unavailable' ? 'unavailable' : failure.outcome,
            errorCode: failure.message,
          });
          logger.warn({ correlationId, outcome: failure.outcome, agent: agentName }, 'reply failed');
          if (failure.outcome === 'canceled') return;
          yield { event: 'delta', data: { agent: 'orchestrator', text: apology } };
          yield { event: 'error', data: { code: `agent_${failure.outcome}`, message: apology.trim() } };
        }
      })();
    },
  };
}

/** Turns the assistant's `answer-meta` data into page annotations. */
function annotationsFrom(data: Record<string, unknown>): Array<{ kind: string; data: unknown }> {
  const out: Array<{ kind: string; data: unknown }> = [];
  if (Array.isArray(data.citations)) out.push({ kind: 'citations', data: data.citations });
  if (typeof data.level === 'string') {
    out.push({ kind: 'confidence', data: { level: data.level, confidence: data.confidence } });
    if (data.level === 'low') out.push({ kind: 'handoff', data: { reason: 'low_confidence' } });
  }
  return out;
}

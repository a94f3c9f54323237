import { setTimeout as sleep } from 'node:timers/promises';
import type { HandoffRequest } from '../../agents/desk/protocol.js';
import type { Logger } from '../../agents/runtime/index.js';
import type { ChatEvent } from '../chat/contract.js';
import type { ReplyRequest } from '../chat/service.js';
import type { HeldMessage } from '../store/handoff-log.js';
import type { HandoffService } from './handoffs.js';

type Sentiment = NonNullable<HandoffRequest['sentiment']>;

/**
 * The chat API's answer to a message in a conversation a person holds: the message is already stored (and in the
 * conversation's events, where the operator reads it); it is delivered to the desk's task and the stream ends with
 * `done` and no bot text. The operator's answer comes on the conversation's events.
 */
export async function* heldReply(options: {
  held: HeldMessage;
  request: ReplyRequest;
  handoffs: HandoffService;
  logger: Logger;
  /** The shopper's tone (the side skills still run); the desk gets it if it comes within `toneBudgetMs`. */
  tone?: () => Promise<Sentiment | undefined>;
  toneBudgetMs?: number;
}): AsyncGenerator<ChatEvent> {
  const { held, request } = options;
  yield {
    event: 'conversation',
    data: { conversationId: held.handoff.conversationId, messageId: held.messageId },
  };
  const tone = options.tone?.().catch(() => undefined);
  const sentiment = tone
    ? await Promise.race([tone, sleep(options.toneBudgetMs ?? 300, undefined, { ref: false })])
    : undefined;
  const delivered = await options.handoffs.deliver(held, {
    text: request.text,
    correlationId: request.correlationId,
    ...(sentiment ? { sentiment } : {}),
  });
  if (!delivered) {
    // Stored and visible to the operator in the conversation's events all the same.
    options.logger.warn(
      { correlationId: request.correlationId, conversationId: held.handoff.conversationId },
      'a message to a person was stored but not delivered to the desk',
    );
  }
  yield { event: 'done', data: { messageId: held.messageId, firstTokenMs: null } };
}

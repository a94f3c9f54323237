import type { ReplyPreview } from '../store/event-hub.js';
import type { ChatEvent, ConversationEvent } from './contract.js';
import { type Locale, politeText } from './messages.js';

/**
 * The caller's view of one reply: its events as the conversation's log has them, under the names the chat API has
 * always used — `conversation` first, `delta` and `annotation` as they come, `done` or `error` last. The reply's
 * first text comes as a preview the moment it is shown; the logged deltas that follow repeat it, so only what goes
 * beyond the text already sent is passed on. `failed` settles true when the reply could not be recorded (no final
 * status will come): the caller is told so.
 */
export async function* replyStream(ctx: {
  conversationId: string;
  shopperMessageId: string;
  replyId: string;
  reading: AsyncGenerator<ConversationEvent | ReplyPreview>;
  failed: Promise<boolean>;
  locale: Locale;
}): AsyncGenerator<ChatEvent> {
  const { replyId, reading } = ctx;
  // Characters of the reply's text sent to the caller, and found in the log's deltas so far.
  let sent = 0;
  let logged = 0;
  try {
    yield {
      event: 'conversation',
      data: { conversationId: ctx.conversationId, messageId: ctx.shopperMessageId },
    };
    for await (const event of reading) {
      if (event.kind === 'preview') {
        if (event.messageId !== replyId || sent > 0) continue;
        sent = event.text.length;
        yield { event: 'delta', data: { agent: event.agent, text: event.text } };
        continue;
      }
      if (!('messageId' in event.data) || event.data.messageId !== replyId) continue;
      if (event.kind === 'delta') {
        const { agent, text } = event.data;
        logged += text.length;
        const fresh = logged - sent;
        if (fresh <= 0) continue;
        sent = logged;
        yield { event: 'delta', data: { agent, text: text.slice(text.length - fresh) } };
      } else if (event.kind === 'annotation') yield { event: 'annotation', data: event.data.annotation };
      else if (event.kind === 'status' && event.data.state === 'answered') {
        yield {
          event: 'done',
          data: { messageId: replyId, firstTokenMs: event.data.firstTokenMs ?? null },
        };
        return;
      } else if (event.kind === 'status' && event.data.code) {
        yield { event: 'error', data: { code: event.data.code, message: event.data.message ?? '' } };
        return;
      }
    }
    // The reply could not be recorded (the store is failing): the shopper is told, not left waiting.
    if (await ctx.failed) {
      yield {
        event: 'error',
        data: { code: 'agent_failed', message: politeText('failed', ctx.locale).trim() },
      };
    }
  } finally {
    await reading.return(undefined);
  }
}

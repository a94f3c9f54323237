import { ORCHESTRATOR } from '../chat/authorize.js';
import type { NewConversationEvent } from '../chat/contract.js';
import { type Locale, politeText } from '../chat/messages.js';
import { type ChatLog, ChatLogError } from './chat-log.js';
import type { SqlClient } from './sql.js';

/** The code a reply ends with when the process running it stopped. */
export const INTERRUPTED_CODE = 'agent_failed';

/**
 * How a reply whose process stopped while running it is closed — at start-up on PGlite (below) and by the
 * replicas' sweep on PostgreSQL (`replicas/reply-leases.ts`): the text it had logged (its deltas, in order) and an
 * apology, with its final `message` and `status` events, so a reader that resumes sees it end.
 */
export async function interruptedEnding(
  sql: Pick<SqlClient, 'query'>,
  reply: { id: string; replyTo: string | null; locale: string },
): Promise<{ text: string; events: NewConversationEvent[] }> {
  const deltas = await sql.query<{ text: string | null }>(
    `SELECT data->>'text' AS text FROM conversation_events WHERE message_id = $1 AND kind = 'delta' ORDER BY id`,
    [reply.id],
  );
  const locale: Locale = reply.locale === 'en' ? 'en' : 'pt-BR';
  const apology = politeText('failed', locale);
  const said = deltas.map((d) => d.text ?? '').join('');
  const text = said ? said + apology : apology.trim();
  const events: NewConversationEvent[] = [
    {
      kind: 'delta',
      author: ORCHESTRATOR,
      data: { messageId: reply.id, agent: ORCHESTRATOR, text: said ? apology : apology.trim() },
    },
    {
      kind: 'message',
      author: ORCHESTRATOR,
      data: {
        messageId: reply.id,
        role: 'agent',
        text,
        replyTo: reply.replyTo,
        status: 'failed',
        agents: [],
        citations: [],
        annotations: [],
        errorCode: INTERRUPTED_CODE,
      },
    },
    {
      kind: 'status',
      author: 'system',
      data: { state: 'failed', messageId: reply.id, code: INTERRUPTED_CODE, message: apology.trim() },
    },
  ];
  return { text, events };
}

/**
 * Ends, as `failed` (`agent_failed`), every reply left `streaming` in a database only this process writes (PGlite):
 * at start-up nobody can be running them — the process that was stopped (a crash, `kill -9`) before their close
 * was committed, or while it sat in the write queue. Each ends as {@link interruptedEnding} says. Its shopper message stays `received`. Resolves to the replies ended.
 */
export async function endInterruptedReplies(options: {
  sql: SqlClient;
  chatLog: Pick<ChatLog, 'closeExchange'>;
}): Promise<string[]> {
  const { sql, chatLog } = options;
  const replies = await sql.query<{ id: string; reply_to: string | null; locale: string }>(
    `SELECT m.id, m.reply_to, c.locale FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.status = 'streaming' AND m.author = 'agent' ORDER BY m.created_at`,
  );
  const ended: string[] = [];
  for (const reply of replies) {
    const { text, events } = await interruptedEnding(sql, {
      id: reply.id,
      replyTo: reply.reply_to,
      locale: reply.locale,
    });
    try {
      await chatLog.closeExchange({
        replyId: reply.id,
        text,
        agents: [],
        errorCode: INTERRUPTED_CODE,
        events,
      });
      ended.push(reply.id);
    } catch (error) {
      if (!(error instanceof ChatLogError && error.code === 'reply_not_streaming')) throw error;
    }
  }
  return ended;
}

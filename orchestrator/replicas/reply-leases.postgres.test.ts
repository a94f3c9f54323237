import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import type { ConversationEvent } from '../chat/contract.js';
import { createChatLog } from '../store/index.js';
import { postgresTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import { type ReplyLeases, startReplyLeases } from './reply-leases.js';

// Leases of replies on a real PostgreSQL (TEST_DATABASE_URL): a reply whose replica holds its lease is never
// touched by another replica's sweep; once that replica's connection is gone, exactly one sweep ends it `failed`,
// with the text it had logged, so a reader resuming anywhere sees it end.
const databaseUrl = process.env.TEST_DATABASE_URL;
const logger = createLogger({ name: 'test', level: 'silent' });

describe.skipIf(!databaseUrl)('reply leases on PostgreSQL (TEST_DATABASE_URL)', () => {
  let db: TestDatabase | undefined;
  const leases: ReplyLeases[] = [];
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.close()));
    await db?.dispose();
    db = undefined;
  });

  async function setup() {
    db = await postgresTestDatabase(databaseUrl ?? '');
    const [{ schema } = { schema: '' }] = await db.sql.query<{ schema: string }>(
      'SELECT current_schema() AS schema',
    );
    const chatLog = createChatLog({ sql: db.sql });
    const replica = async (graceMs = 1) => {
      const sql = await db?.connect();
      if (!sql) throw new Error('no database');
      const lease = startReplyLeases({
        connectionString: databaseUrl ?? '',
        schema,
        sql,
        chatLog: createChatLog({ sql }),
        logger,
        sweepIntervalMs: 3_600_000,
        graceMs,
      });
      leases.push(lease);
      await lease.ready;
      return lease;
    };
    return { chatLog, replica };
  }

  it('leaves a held reply alone, and ends it once when its replica is gone', async () => {
    const { chatLog, replica } = await setup();
    const [a, b, c] = await Promise.all([replica(), replica(), replica()]);
    const opened = await seedExchange(chatLog, { text: 'where is my order?', locale: 'en' });
    const replyId = opened.reply.id;
    const conversationId = opened.conversation.id;
    await a.hold(replyId);
    await chatLog.appendEvents(conversationId, [
      {
        kind: 'delta',
        author: 'assistant',
        data: { messageId: replyId, agent: 'assistant', text: 'Your order ' },
      },
    ]);
    await new Promise((r) => setTimeout(r, 20));
    // Held by A: neither another replica nor A itself ends it.
    expect(await b.sweep()).toEqual([]);
    expect(await a.sweep()).toEqual([]);

    await a.close(); // its connection goes, as when the process is killed
    const swept = await Promise.all([b.sweep(), c.sweep()]);
    expect(swept.flat()).toEqual([replyId]);
    expect(await b.sweep()).toEqual([]);

    const events: ConversationEvent[] = await chatLog.listEvents(conversationId, { after: 0, limit: 100 });
    const tail = events.slice(-3);
    expect(tail.map((e) => e.kind)).toEqual(['delta', 'message', 'status']);
    expect(tail[1]?.data).toMatchObject({
      messageId: replyId,
      status: 'failed',
      errorCode: 'agent_failed',
      text: 'Your order  Sorry, something went wrong while finishing this answer. Could you ask again?',
    });
    expect(tail[2]?.data).toMatchObject({ state: 'failed', messageId: replyId, code: 'agent_failed' });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const messages = await chatLog.listMessages(conversationId);
    // The unanswered question is kept as such.
    expect(messages.map((m) => [m.author, m.status])).toEqual([
      ['shopper', 'received'],
      ['agent', 'failed'],
    ]);
  });

  it('takes its leases again after its connection comes back, and lets go of ended replies', async () => {
    const { chatLog, replica } = await setup();
    const [a, b] = await Promise.all([replica(), replica()]);
    const first = await seedExchange(chatLog, {});
    const second = await seedExchange(chatLog, {});
    await a.hold(first.reply.id);
    await a.hold(second.reply.id);
    await a.hold(second.reply.id);
    const holders = async (replyId: string) =>
      (
        (await db?.sql.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
             AND objid = ((('x' || substr(md5('atende.reply.' || $1::text), 1, 16))::bit(64)::bigint) & 4294967295)::oid`,
          [replyId],
        )) ?? []
      ).map((r) => r.pid);
    const [pid] = await holders(first.reply.id);
    expect(pid).toBeDefined();
    // The server drops A's lease connection (a network blip): A reconnects and holds both replies again.
    await db?.sql.query('SELECT pg_terminate_backend($1)', [pid]);
    for (let i = 0; i < 200; i++) {
      const now = [...(await holders(first.reply.id)), ...(await holders(second.reply.id))];
      if (now.length === 2 && !now.includes(pid as number)) break;
      if (i === 199) throw new Error('the leases were not taken again');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await b.sweep()).toEqual([]);
    // A ends the first and lets go; it lets go of the second without ending it (its write failed): B ends that one.
    await chatLog.closeExchange({ replyId: first.reply.id, text: 'done', agents: [] });
    a.release(first.reply.id);
    a.release(second.reply.id);
    await a.hold(first.reply.id).then(() => a.release(first.reply.id));
    expect(await holders(second.reply.id)).toEqual([]);
    expect(await b.sweep()).toEqual([second.reply.id]);
  });

  it('leaves alone a reply that logged text lately, even without a lease', async () => {
    const { chatLog, replica } = await setup();
    const b = await replica(1_500);
    const opened = await seedExchange(chatLog, {});
    await new Promise((r) => setTimeout(r, 1_600));
    await chatLog.appendEvents(opened.conversation.id, [
      {
        kind: 'delta',
        author: 'assistant',
        data: { messageId: opened.reply.id, agent: 'assistant', text: 'hi' },
      },
    ]);
    expect(await b.sweep()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_600));
    expect(await b.sweep()).toEqual([opened.reply.id]);
  });
});

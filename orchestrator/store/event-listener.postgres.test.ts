import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import type { ConversationEvent, NewConversationEvent } from '../chat/contract.js';
import { startTcpProxy } from '../replicas/tcp-proxy.js';
import { createChatLog } from './chat-log.js';
import { createEventHub } from './event-hub.js';
import { listenForEvents } from './event-listener.js';
import { postgresTestDatabase } from './test-support.js';

// The LISTEN connection through a TCP proxy that is cut and restored (PostgreSQL unreachable for a while): what
// was written meanwhile is read again on reconnection (its hints are gone), and what is written afterwards arrives
// through the new LISTEN — no restart needed.
const postgresUrl = process.env.TEST_DATABASE_URL;

const delta = (messageId: string, text: string): NewConversationEvent => ({
  kind: 'delta',
  author: 'assistant',
  data: { messageId, agent: 'assistant', text },
});

describe.skipIf(!postgresUrl)('LISTEN across a lost connection (TEST_DATABASE_URL)', () => {
  it('reads what it missed and listens again once PostgreSQL is reachable', async () => {
    const db = await postgresTestDatabase(postgresUrl ?? '');
    const direct = new URL(postgresUrl ?? '');
    const proxy = await startTcpProxy([{ host: direct.hostname, port: Number(direct.port || 5432) }]);
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const schema = (await db.sql.query<{ s: string }>('SELECT current_schema() AS s'))[0]?.s;
    const reader = createChatLog({ sql: db.sql });
    const hub = createEventHub({ readAfter: (id, after) => reader.listEvents(id, { after, limit: 100 }) });
    const listening = listenForEvents({
      connectionString: viaProxy.toString(),
      schema,
      hub,
      logger: createLogger({ name: 'test', level: 'silent' }),
      retryMs: 50,
    });
    try {
      await listening.ready;
      const writer = createChatLog({ sql: await db.connect(), notify: true });
      const { conversation, reply } = await writer.openExchange({
        subject: 's',
        role: 'guest',
        locale: 'en',
        text: 'hi',
        correlationId: 'c',
      });
      const seen: ConversationEvent[] = [];
      hub.subscribe(conversation.id, (event) => seen.push(event), { after: 2 });
      const until = async (n: number) => {
        for (let i = 0; seen.length < n; i++) {
          if (i > 300) throw new Error(`saw ${seen.length} events, not ${n}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await writer.appendEvents(conversation.id, [delta(reply.id, 'before')]);
      await until(1);

      await proxy.cut();
      await writer.appendEvents(conversation.id, [delta(reply.id, 'while cut')]);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.map((e) => e.id)).toEqual([3]);

      await proxy.restore();
      await until(2); // read again on reconnection
      await new Promise((r) => setTimeout(r, 200)); // that read is over: only a hint can bring the next
      await writer.appendEvents(conversation.id, [delta(reply.id, 'after')]);
      await until(3); // through the new LISTEN
      expect(seen.map((e) => [e.id, e.kind === 'delta' ? e.data.text : ''])).toEqual([
        [3, 'before'],
        [4, 'while cut'],
        [5, 'after'],
      ]);
    } finally {
      await listening.close();
      await proxy.close();
      await db.dispose();
    }
  }, 30_000);
});

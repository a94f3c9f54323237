import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { politeText } from '../chat/messages.js';
import { createPostgresClient, MIGRATIONS, openStore } from './index.js';
import { manualClock, seedExchange } from './test-support.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

describe('openStore with PGlite', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('keeps the chat log across a reopen of the same data directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atende-store-'));
    const dataDir = join(dir, 'nested', 'pglite');
    const clock = manualClock();

    const first = await openStore({ dataDir, now: clock.now });
    const { conversation, shopperMessage, reply } = await seedExchange(first.chatLog, {
      subject: 'shopper-1',
      role: 'shopper',
      locale: 'en',
      text: 'Where is my order?',
      close: { text: 'On its way.', agents: ['orders'] },
    });
    await first.close();

    const second = await openStore({ dataDir, now: clock.now });
    try {
      expect(await second.chatLog.getConversation(conversation.id)).toEqual(conversation);
      expect(await second.chatLog.listMessages(conversation.id)).toEqual([
        { ...shopperMessage, status: 'answered' },
        reply,
      ]);
      const applied = await second.sql.query<{ id: string }>('SELECT id FROM schema_migrations');
      expect(applied).toHaveLength(MIGRATIONS.length);
    } finally {
      await second.close();
    }
    // Two PGlite starts and a full migration: seconds alone, much longer on a loaded 2-core machine.
  }, 60_000);
});

describe('openStore on PGlite after a crash', () => {
  it('ends the replies the last process left streaming, with what they had said and an apology', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-store-'));
    const dataDir = join(dir, 'pglite');
    try {
      const first = await openStore({ dataDir });
      const cut = await seedExchange(first.chatLog, { subject: 'guest:a', locale: 'en', text: 'hello?' });
      await first.chatLog.appendEvents(cut.conversation.id, [
        {
          kind: 'delta',
          author: 'echo',
          data: { messageId: cut.reply.id, agent: 'echo', text: 'Hel' },
        },
      ]);
      const done = await seedExchange(first.chatLog, { subject: 'guest:b', close: { text: 'ok' } });
      // The process stops without closing the reply (its close was lost with it).
      await first.close();

      const second = await openStore({ dataDir });
      try {
        const [asked, reply] = await second.chatLog.listMessages(cut.conversation.id);
        const apology = politeText('failed', 'en');
        expect(asked).toMatchObject({ status: 'received', text: 'hello?' });
        expect(reply).toMatchObject({ status: 'failed', errorCode: 'agent_failed', text: `Hel${apology}` });
        const events = await second.chatLog.listEvents(cut.conversation.id, { after: 0, limit: 100 });
        expect(events.map((e) => e.kind)).toEqual([
          'message',
          'status',
          'delta',
          'delta',
          'message',
          'status',
        ]);
        expect(events.at(-1)?.data).toMatchObject({ state: 'failed', code: 'agent_failed' });
        // An answered exchange is left alone.
        expect((await second.chatLog.listMessages(done.conversation.id)).map((m) => m.status)).toEqual([
          'answered',
          'answered',
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// PostgreSQL runs only when a server is available: set TEST_DATABASE_URL (the test uses its own random schema).
describe.skipIf(!postgresUrl)('openStore with PostgreSQL', () => {
  it('uses the server when a database URL is given', async () => {
    const databaseSchema = `test_store_${randomUUID().replaceAll('-', '')}`;
    const store = await openStore({
      databaseUrl: postgresUrl,
      databaseSchema,
      dataDir: '/nonexistent/unused',
    });
    try {
      const { conversation } = await seedExchange(store.chatLog, { subject: 's', locale: 'en' });
      expect(await store.chatLog.getConversation(conversation.id)).toEqual(conversation);
      const [row] = await store.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
      expect(row?.schema).toBe(databaseSchema);
    } finally {
      await store.close();
      const admin = await createPostgresClient({ connectionString: postgresUrl ?? '' });
      await admin.query(`DROP SCHEMA IF EXISTS "${databaseSchema}" CASCADE`);
      await admin.close();
    }
  });
});

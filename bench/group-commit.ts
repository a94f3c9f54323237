// Group commit of the chat log, measured: N shoppers send a message at once (openExchange), and each reply is
// closed as soon as it is opened (closeExchange), on one database, with the write queue and without it
// (CHAT_LOG_GROUP_COMMIT=off). Modes alternate round by round; medians of the rounds are printed side by side.
//
//   npx tsx bench/group-commit.ts [--n 64] [--rounds 9] [--postgres postgres://…]
//
// Without --postgres the database is a PGlite on disk in a temporary folder, as `npm start` runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChatLog, createChatLog } from '../orchestrator/store/chat-log.js';
import { migrate } from '../orchestrator/store/migrations.js';
import { createPgliteClient, createPostgresClient, type SqlClient } from '../orchestrator/store/sql.js';
import { median } from './processes.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '9' },
    postgres: { type: 'string' },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);

interface Round {
  /** Median time from openExchange called to committed, over the burst's messages. */
  openMs: number;
  /** Median time from closeExchange called to committed. */
  closeMs: number;
  /** From the first open to the last close. */
  burstMs: number;
}

/** One burst: `n` messages at once, each opening its exchange then closing it. */
async function burst(log: ChatLog): Promise<Round> {
  const opens: number[] = [];
  const closes: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t0 = performance.now();
      const opened = await log.openExchange({
        subject: `guest:bench-${i}`,
        role: 'guest',
        locale: 'en',
        text: `message ${i}`,
        correlationId: `bench-${i}`,
      });
      const t1 = performance.now();
      opens.push(t1 - t0);
      await log.closeExchange({
        replyId: opened.reply.id,
        text: `reply ${i}`,
        agents: ['assistant'],
        firstTokenAt: new Date(),
        tasks: [
          {
            agent: 'assistant',
            skill: 'faq',
            startedAt: new Date(),
            endedAt: new Date(),
            outcome: 'completed',
          },
        ],
        events: [],
      });
      closes.push(performance.now() - t1);
    }),
  );
  return { openMs: median(opens), closeMs: median(closes), burstMs: performance.now() - started };
}

async function main() {
  let sql: SqlClient;
  let cleanup = async () => undefined as unknown;
  let where: string;
  if (values.postgres) {
    const schema = `bench_group_commit_${process.pid}`;
    sql = await createPostgresClient({ connectionString: values.postgres, schema });
    cleanup = () => sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    where = `PostgreSQL (schema ${schema}, pool of 10)`;
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'atende-group-commit-'));
    sql = await createPgliteClient({ dataDir: join(dir, 'pglite') });
    cleanup = () => rm(dir, { recursive: true, force: true });
    where = 'PGlite on disk';
  }
  await migrate({ sql });
  const modes: Record<string, ChatLog> = {
    'queue off': createChatLog({ sql, groupCommit: false }),
    'queue on (2 ms, 32, 1 writer)': createChatLog({ sql }),
  };
  // No timer: a write that finds a writer idle goes at once; those arriving while it writes form the next batch.
  modes['queue on (0 ms, 32, 1 writer)'] = createChatLog({ sql, groupCommit: { delayMs: 0 } });
  // Smaller batches: a write waits for fewer others' statements before its commit.
  modes['queue on (2 ms, 8, 1 writer)'] = createChatLog({ sql, groupCommit: { maxBatch: 8 } });
  // A pool has connections to spare: batches may be written side by side (each conversation still in order).
  if (values.postgres)
    modes['queue on (2 ms, 32, 4 writers)'] = createChatLog({ sql, groupCommit: { concurrency: 4 } });
  const results: Record<string, Round[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  // One unmeasured burst each: caches, JIT, the tables' first pages.
  for (const log of Object.values(modes)) await burst(log);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? Object.keys(modes) : Object.keys(modes).reverse();
    for (const mode of order) results[mode]?.push(await burst(modes[mode] as ChatLog));
  }
  const row = (mode: string) => {
    const rs = results[mode] ?? [];
    const burstMs = median(rs.map((x) => x.burstMs));
    return {
      mode,
      'open p50 ms': median(rs.map((x) => x.openMs)).toFixed(1),
      'close p50 ms': median(rs.map((x) => x.closeMs)).toFixed(1),
      'burst ms': burstMs.toFixed(1),
      'messages/s': Math.round((n / burstMs) * 1000),
    };
  };
  console.log(`${where}: ${n} concurrent messages (open + close each), ${rounds} rounds, medians`);
  console.table(Object.keys(modes).map(row));
  await cleanup();
  await sql.close();
}

await main();

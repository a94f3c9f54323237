import type pg from 'pg';
import type { Logger } from '../../agents/runtime/index.js';
import { type ChatLog, ChatLogError } from '../store/index.js';
import { INTERRUPTED_CODE, interruptedEnding } from '../store/interrupted-replies.js';
import type { SqlClient } from '../store/sql.js';

/**
 * The advisory-lock key of a reply: 64 bits of an MD5 of its id, so two live replies never share one in practice.
 * `$1` is the reply id.
 */
const REPLY_KEY_SQL = "('x' || substr(md5('atende.reply.' || $1::text), 1, 16))::bit(64)::bigint";

/** Options of {@link startReplyLeases}. */
export interface ReplyLeasesOptions {
  /** The shared PostgreSQL: the leases are session advisory locks on one dedicated connection to it. */
  connectionString: string;
  /** The schema the orchestrator works in, when not the default. */
  schema?: string;
  /** The store (pooled) the sweeps read and end replies through. */
  sql: SqlClient;
  chatLog: ChatLog;
  logger: Logger;
  /** How often this replica looks for replies whose replica stopped; 5 s by default. */
  sweepIntervalMs?: number;
  /**
   * A reply younger than this, or that logged text within it, is never swept (its replica may not have taken its
   * lease yet, or be taking it again); 5 s by default.
   */
  graceMs?: number;
  /** Delay before reopening a lost lease connection; doubles up to 10 s. */
  retryMs?: number;
}

/** The leases of this replica's replies in progress, and the sweeps that end other replicas' orphans. */
export interface ReplyLeases {
  /**
   * This replica runs `replyId` from now on: its lease is taken (again after a lost connection). Resolves once
   * tried; callers need not wait.
   */
  hold(replyId: string): Promise<void>;
  /** `replyId` has ended (or will never be ended here): its lease is let go. */
  release(replyId: string): void;
  /** Ends, as failed, every reply still `streaming` whose lease nobody holds; resolves to their ids. */
  sweep(): Promise<string[]>;
  /** Resolves once the lease connection is first open. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Replies that survive the replica running them. Each replica holds a PostgreSQL session advisory lock for every
 * reply it runs, on one connection of its own; when the replica dies (even `kill -9`) its connection closes and
 * PostgreSQL lets the locks go. Every replica sweeps now and then: a reply still `streaming` whose lock it can take
 * has nobody running it, and is ended `failed` (`agent_failed`) with the text its replica had logged and an apology,
 * in one transaction that appends the final `message` and `status` events — so a reader resuming on any replica sees
 * the reply end instead of waiting forever. Only one sweeper ends a given reply (it holds the lock while it does).
 */
export function startReplyLeases(options: ReplyLeasesOptions): ReplyLeases {
  const { sql, chatLog, logger } = options;
  const sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  const graceMs = options.graceMs ?? 5_000;
  const baseRetry = options.retryMs ?? 250;
  const held = new Set<string>();
  let client: pg.Client | undefined;
  let closed = false;
  let retry = baseRetry;
  let retryTimer: NodeJS.Timeout | undefined;
  // Lock and unlock statements run one at a time on the lease connection, in the order asked.
  let ops: Promise<unknown> = Promise.resolve();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  function onLease(statement: string, replyId: string): Promise<void> {
    const done = ops.then(async () => {
      const open = client;
      if (!open) return; // taken again on reconnect, if still held
      try {
        const [row] = (
          await open.query<{ ok: boolean }>(`SELECT ${statement}(${REPLY_KEY_SQL}) AS ok`, [replyId])
        ).rows;
        if (statement === 'pg_try_advisory_lock' && !row?.ok) {
          logger.warn({ replyId }, 'could not take the lease of a reply (another replica is ending it)');
        }
      } catch (error) {
        logger.debug({ err: error, replyId }, 'reply lease statement failed');
      }
    });
    ops = done;
    return done;
  }

  async function connect() {
    const { default: pgModule } = await import('pg');
    const next = new pgModule.Client({
      connectionString: options.connectionString,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    try {
      await next.connect();
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      retry = baseRetry;
      // Locks die with a connection: take those of the replies still running here again.
      for (const replyId of held) void onLease('pg_try_advisory_lock', replyId);
      markReady();
    } catch (error) {
      lost(next, error);
    }
  }

  function lost(which: pg.Client, error: unknown) {
    if (closed || retryTimer) return;
    if (client && client !== which) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    logger.warn({ err: error, retryMs: retry }, 'reply leases: connection lost; reconnecting');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retry);
    retryTimer.unref?.();
    retry = Math.min(retry * 2, 10_000);
  }

  /** Ends one orphaned reply if its lock is free; whether it did. */
  async function endOrphan(replyId: string): Promise<boolean> {
    return sql.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${REPLY_KEY_SQL}) AS ok`,
        [replyId],
      );
      if (!lock?.ok) return false;
      const [reply] = await tx.query<{ conversation_id: string; reply_to: string | null; locale: string }>(
        `SELECT m.conversation_id, m.reply_to, c.locale FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.id = $1 AND m.status = 'streaming'`,
        [replyId],
      );
      if (!reply) return false;
      const { text, events } = await interruptedEnding(tx, {
        id: replyId,
        replyTo: reply.reply_to,
        locale: reply.locale,
      });
      try {
        // On another connection of the pool, while this transaction holds the reply's lock.
        await chatLog.closeExchange({ replyId, text, agents: [], errorCode: INTERRUPTED_CODE, events });
      } catch (error) {
        if (error instanceof ChatLogError && error.code === 'reply_not_streaming') return false;
        throw error;
      }
      logger.warn(
        { replyId, conversationId: reply.conversation_id },
        'ended a reply whose replica stopped while running it',
      );
      return true;
    });
  }

  let sweeping: Promise<string[]> | undefined;
  async function sweepOnce(): Promise<string[]> {
    const candidates = await sql.query<{ id: string }>(
      // Quiet ones only: a reply still writing text is alive, even if its lease is missing for a moment (its
      // replica's lease connection is being reopened).
      `SELECT m.id FROM messages m WHERE m.status = 'streaming' AND m.author = 'agent'
         AND m.created_at < now() - make_interval(secs => $1)
         AND NOT EXISTS (
           SELECT 1 FROM conversation_events e
           WHERE e.message_id = m.id AND e.kind = 'delta' AND e.created_at > now() - make_interval(secs => $1))
       ORDER BY m.created_at LIMIT 100`,
      [graceMs / 1000],
    );
    const ended: string[] = [];
    for (const { id } of candidates) {
      if (held.has(id) || closed) continue;
      if (await endOrphan(id)) ended.push(id);
    }
    return ended;
  }
  function sweep(): Promise<string[]> {
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  }

  const sweeper = setInterval(() => {
    void sweep().catch((error: unknown) => logger.warn({ err: error }, 'could not sweep orphaned replies'));
  }, sweepIntervalMs);
  sweeper.unref?.();
  void connect();

  return {
    ready,
    hold(replyId) {
      // Session locks stack: a reply is locked once however often it is held.
      if (held.has(replyId)) return ops.then(() => undefined);
      held.add(replyId);
      return onLease('pg_try_advisory_lock', replyId);
    },
    release(replyId) {
      if (!held.delete(replyId)) return;
      void onLease('pg_advisory_unlock', replyId);
    },
    sweep,
    async close() {
      closed = true;
      clearInterval(sweeper);
      clearTimeout(retryTimer);
      await sweeping?.catch(() => undefined);
      await ops.catch(() => undefined);
      const open = client;
      client = undefined;
      open?.removeAllListeners('end');
      await open?.end().catch(() => undefined);
    },
  };
}

/**
 * The chat log as the reply pipeline uses it on a replica: every reply it opens is leased until it is closed (or
 * its closing fails: a reply left `streaming` is then swept like an orphan).
 */
export function leasedChatLog(chatLog: ChatLog, leases: Pick<ReplyLeases, 'hold' | 'release'>): ChatLog {
  return new Proxy(chatLog, {
    get(target, property, receiver) {
      if (property === 'openExchange') {
        return async (input: Parameters<ChatLog['openExchange']>[0]) => {
          const opened = await target.openExchange(input);
          void leases.hold(opened.reply.id);
          return opened;
        };
      }
      if (property === 'closeExchange') {
        return async (input: Parameters<ChatLog['closeExchange']>[0]) => {
          try {
            return await target.closeExchange(input);
          } finally {
            leases.release(input.replyId);
          }
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

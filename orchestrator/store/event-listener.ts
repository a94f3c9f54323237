import type pg from 'pg';
import type { Logger } from '../../agents/runtime/index.js';
import type { EventHub } from './event-hub.js';

/**
 * The PostgreSQL channel that carries conversation-event hints for the schema a connection works in. Writers
 * notify it in the same statement that appends events (delivered at commit); the payload is
 * `<conversation id>:<last event id>`, never the content.
 */
export const EVENTS_CHANNEL_SQL = "'atende_events_' || current_schema()";

/** Options of {@link listenForEvents}. */
export interface ListenOptions {
  connectionString: string;
  /** The schema the orchestrator works in (as given to `createPostgresClient`), when not the default. */
  schema?: string;
  hub: EventHub;
  logger: Logger;
  /** Delay before reconnecting a lost connection; doubles up to 10 s. */
  retryMs?: number;
}

/** A running `LISTEN`; `ready` resolves once the first connection listens. */
export interface EventListening {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Feeds the hub with the hints other processes' writes send through PostgreSQL `LISTEN/NOTIFY`, on one dedicated
 * connection. A lost connection is reopened, and every followed conversation is read again (hints sent while it
 * was down are gone).
 */
export function listenForEvents(options: ListenOptions): EventListening {
  const { hub, logger } = options;
  const baseRetry = options.retryMs ?? 250;
  let client: pg.Client | undefined;
  let closed = false;
  let retry = baseRetry;
  let timer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  async function connect(first: boolean) {
    const { default: pgModule } = await import('pg');
    const next = new pgModule.Client({
      connectionString: options.connectionString,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    next.on('notification', (message) => {
      const [conversationId, id] = (message.payload ?? '').split(':');
      const last = Number(id);
      if (conversationId && Number.isSafeInteger(last)) hub.notify(conversationId, last);
    });
    try {
      await next.connect();
      const [row] = (await next.query<{ channel: string }>(`SELECT ${EVENTS_CHANNEL_SQL} AS channel`)).rows;
      await next.query(`LISTEN "${String(row?.channel).replaceAll('"', '""')}"`);
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      retry = baseRetry;
      if (!first) {
        logger.info('listening for conversation events again');
        hub.resync();
      }
      markReady();
    } catch (error) {
      lost(next, error);
    }
  }

  function lost(which: pg.Client, error: unknown) {
    if (closed || timer) return;
    if (client && client !== which) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    logger.warn({ err: error, retryMs: retry }, 'conversation events: LISTEN connection lost; reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      void connect(false);
    }, retry);
    timer.unref?.();
    retry = Math.min(retry * 2, 10_000);
  }

  void connect(true);
  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      const open = client;
      client = undefined;
      open?.removeAllListeners('end');
      await open?.end().catch(() => undefined);
    },
  };
}

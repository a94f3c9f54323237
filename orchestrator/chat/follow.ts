import type { EventHub, ReplyPreview } from '../store/event-hub.js';
import type { ConversationEvent } from './contract.js';

/** Reads the stored events of a conversation after an id, in id order, at most `limit` of them. */
export type ReadEvents = (
  conversationId: string,
  options: { after: number; limit: number },
) => Promise<ConversationEvent[]>;

/** Options of {@link followConversation}. */
export interface FollowOptions {
  read: ReadEvents;
  hub: EventHub;
  conversationId: string;
  /** The last id the reader has (its `Last-Event-ID`); 0 reads from the start. */
  after?: number;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
  /** Events read from the store per round trip. */
  pageSize?: number;
  /**
   * The caller knows `after` is the newest id (it has just written it): skip the first read of the store. A gap
   * in what follows is still read from the store.
   */
  caughtUp?: boolean;
  /** Also yield this process's previews of replies' first text, in arrival order among the events. */
  previews?: boolean;
}

/**
 * Follows a conversation: subscribes at once (so nothing committed from now on is missed, even before the first
 * `next()`) and yields its events after `after`, first the stored ones, then live ones as they are committed, each
 * exactly once and in id order: ids are written gap-free per conversation, so a live event beyond the next
 * expected id means some were missed (another writer's `publish` overtook, or a hint was lost), and those are read
 * from the store before it. Ends when `signal` aborts or the consumer stops.
 */
export function followConversation(
  options: FollowOptions & { previews: true },
): AsyncGenerator<ConversationEvent | ReplyPreview>;
export function followConversation(options: FollowOptions): AsyncGenerator<ConversationEvent>;
export function followConversation(options: FollowOptions): AsyncGenerator<ConversationEvent | ReplyPreview> {
  const { read, hub, conversationId, signal, pageSize = 200 } = options;
  let last = options.after ?? 0;
  const queue: Array<ConversationEvent | ReplyPreview> = [];
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  // Subscribed before the stored events are read, so nothing committed in between is missed.
  const unsubscribe = hub.subscribe(
    conversationId,
    (event) => {
      queue.push(event);
      poke();
    },
    {
      after: last,
      onPreview: options.previews
        ? (preview) => {
            queue.push(preview);
            poke();
          }
        : undefined,
    },
  );
  signal?.addEventListener('abort', poke, { once: true });

  /** Stored events after `last` (up to `until`, when given). */
  async function* stored(until = Number.POSITIVE_INFINITY): AsyncGenerator<ConversationEvent> {
    for (;;) {
      const page = await read(conversationId, { after: last, limit: pageSize });
      for (const event of page) {
        if (event.id > until) return;
        // Stored ids may jump where old deltas were compacted away; the store's order is the log's.
        if (event.id <= last) continue;
        last = event.id;
        yield event;
      }
      if (page.length < pageSize) return;
    }
  }

  async function* events(): AsyncGenerator<ConversationEvent | ReplyPreview> {
    try {
      if (!options.caughtUp) yield* stored();
      yield* live();
    } finally {
      stop();
    }
  }

  async function* live(): AsyncGenerator<ConversationEvent | ReplyPreview> {
    while (!signal?.aborted) {
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (event.kind === 'preview') {
        yield event;
        continue;
      }
      if (event.id <= last) continue;
      // Ids are gap-free as written: a jump means events this reader was not handed; the store has them.
      if (event.id > last + 1) yield* stored(event.id - 1);
      if (event.id > last) {
        last = event.id;
        yield event;
      }
    }
  }

  function stop() {
    unsubscribe();
    signal?.removeEventListener('abort', poke);
  }

  const generator = events();
  // A generator that is never started never runs its `finally`: returning it must still unsubscribe.
  const close = generator.return.bind(generator);
  generator.return = (value) => {
    stop();
    return close(value);
  };
  return generator;
}

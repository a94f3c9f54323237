import type { ConversationEvent } from '../chat/contract.js';

/** Receives the events of one conversation as they are committed, in id order as far as the hub knows them. */
export type EventListener = (event: ConversationEvent) => void;

/**
 * The first text of a reply, handed to this process's readers the moment it is shown — before the write that
 * will make it a numbered `delta` event (its text is a prefix of that event's). Never crosses processes.
 */
export interface ReplyPreview {
  kind: 'preview';
  conversationId: string;
  messageId: string;
  agent: string;
  text: string;
}

/**
 * Fans committed conversation events out to the readers in this process. Writers in this process hand it the
 * events they committed (`publish`); writes by other processes arrive as a bare `(conversationId, id)` hint
 * (`notify`, from PostgreSQL `LISTEN`), and the hub reads what it has not seen — once per conversation, however
 * many readers follow it here. Readers MUST still check ids for gaps (see `followConversation`): two writers'
 * `publish` calls may arrive out of commit order.
 */
export interface EventHub {
  /** Events committed by this process. */
  publish(events: readonly ConversationEvent[]): void;
  /** Another process committed events of `conversationId` up to `id`. */
  notify(conversationId: string, id: number): void;
  /** Re-reads every followed conversation (after a lost `LISTEN` connection, hints may have been missed). */
  resync(): void;
  /** A reply's first text, for the readers here that take previews. */
  preview(preview: ReplyPreview): void;
  /**
   * Calls `listener` with each event of `conversationId` published or read from now on; `after` is the last id
   * the reader already has. Returns the unsubscribe function.
   */
  subscribe(
    conversationId: string,
    listener: EventListener,
    options?: { after?: number; onPreview?: (preview: ReplyPreview) => void },
  ): () => void;
}

/** Options of {@link createEventHub}. */
export interface EventHubOptions {
  /** Reads the stored events of a conversation after an id, in id order (the chat log's `listEvents`). */
  readAfter(conversationId: string, after: number): Promise<ConversationEvent[]>;
  /** Told when such a read fails; the hub goes on (readers catch up on their next hint or gap). */
  onError?(error: unknown, conversationId: string): void;
}

interface Followed {
  listeners: Set<EventListener>;
  previewers: Set<(preview: ReplyPreview) => void>;
  /** The highest id this hub has passed on for the conversation. */
  latest: number;
  /** The highest id a hint has named, and whether a read is in flight. */
  hinted: number;
  reading: boolean;
}

/** Creates the in-process hub; a process with PostgreSQL also feeds it hints from `LISTEN` (`listenForEvents`). */
export function createEventHub(options: EventHubOptions): EventHub {
  const followed = new Map<string, Followed>();

  function deliver(entry: Followed, event: ConversationEvent) {
    if (event.id > entry.latest) entry.latest = event.id;
    for (const listener of [...entry.listeners]) listener(event);
  }

  async function read(conversationId: string, entry: Followed) {
    if (entry.reading) return;
    entry.reading = true;
    try {
      // Hints that arrive during a read are served by it, or by one more read if they name a newer event.
      while (entry.hinted > entry.latest && followed.get(conversationId) === entry) {
        const events = await options.readAfter(conversationId, entry.latest);
        if (!events.length) break;
        for (const event of events) if (event.id > entry.latest) deliver(entry, event);
      }
    } catch (error) {
      options.onError?.(error, conversationId);
    } finally {
      entry.reading = false;
    }
  }

  return {
    publish(events) {
      for (const event of events) {
        const entry = followed.get(event.conversationId);
        if (entry) deliver(entry, event);
      }
    },
    notify(conversationId, id) {
      const entry = followed.get(conversationId);
      if (!entry || id <= entry.latest) return;
      entry.hinted = Math.max(entry.hinted, id);
      void read(conversationId, entry);
    },
    preview(preview) {
      for (const previewer of [...(followed.get(preview.conversationId)?.previewers ?? [])])
        previewer(preview);
    },
    resync() {
      for (const [conversationId, entry] of followed) {
        entry.hinted = Number.POSITIVE_INFINITY;
        void read(conversationId, entry).finally(() => {
          entry.hinted = entry.latest;
        });
      }
    },
    subscribe(conversationId, listener, { after = 0, onPreview } = {}) {
      let entry = followed.get(conversationId);
      if (!entry) {
        entry = { listeners: new Set(), previewers: new Set(), latest: after, hinted: after, reading: false };
        followed.set(conversationId, entry);
      }
      entry.listeners.add(listener);
      if (onPreview) entry.previewers.add(onPreview);
      const mine = entry;
      return () => {
        mine.listeners.delete(listener);
        if (onPreview) mine.previewers.delete(onPreview);
        if (!mine.listeners.size && followed.get(conversationId) === mine) followed.delete(conversationId);
      };
    },
  };
}

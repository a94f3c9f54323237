import type { Shopper } from '../auth/access-tokens.js';
import type { ChatEvent } from './contract.js';
import type { Locale } from './messages.js';

/** Raised for a conversation the shopper may not use; crosses the wire as 404. */
export class ConversationNotFoundError extends Error {
  constructor() {
    super('conversation not found');
    this.name = 'ConversationNotFoundError';
  }
}

/** One shopper message to answer. */
export interface ReplyRequest {
  shopper: Shopper;
  text: string;
  locale: Locale;
  conversationId?: string;
  correlationId: string;
  /** The client's address, for the audit log. */
  ip?: string;
  /** Aborting it stops the reply (an A2A caller canceled its task); a reader that goes away does not. */
  signal?: AbortSignal;
}

/** Answers shopper messages through the mesh, logging everything first-response time needs. */
export interface ChatService {
  /**
   * Checks the conversation and stores the shopper's message (durable before it resolves), starts the reply, and
   * returns a reader of that reply's events: `conversation` first, then `delta` and `annotation`, and `done` or
   * `error` last. The reply runs to its end whether or not the reader keeps reading.
   */
  accept(request: ReplyRequest): Promise<AsyncGenerator<ChatEvent>>;
  /** Waits for the replies in progress to end (on shutdown). */
  drain(): Promise<void>;
}

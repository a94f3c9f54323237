import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { traceRequests, withSpan } from '../../agents/runtime/index.js';
import type { AccessTokens, Shopper } from '../auth/access-tokens.js';
import { clientIp } from '../edge/client-ip.js';
import { hasControlCharacters } from '../edge/text.js';
import { httpError } from '../errors.js';
import type { EventHub } from '../store/event-hub.js';
import type { ChatLog } from '../store/index.js';
import type { ChatEvent, HistoryMessage, HistoryResponse } from './contract.js';
import { followConversation } from './follow.js';
import { detectLanguage, loadLanguageDetector, shopperLanguage } from './language.js';
import type { Locale } from './messages.js';
import { type ChatService, ConversationNotFoundError } from './service.js';
import { coalescingSse } from './sse-writer.js';

/** Body of `POST /api/chat/messages`. */
export const chatMessageSchema = (maxChars: number) =>
  z
    .object({
      conversationId: z.string().uuid().optional(),
      text: z
        .string()
        .trim()
        .min(1, 'text must not be empty')
        .max(maxChars, `text must be at most ${maxChars} characters`)
        .refine((text) => !hasControlCharacters(text), 'text must not contain control characters'),
      /** The page's language: a prior for messages too short to tell, unless `localeForced`. */
      locale: z.enum(['pt-BR', 'en']).default('pt-BR'),
      /** The shopper chose `locale` with the widget's switch: the reply is in it, whatever the text's language. */
      localeForced: z.boolean().optional(),
    })
    .strict();

type ChatEnv = { Variables: { requestId: string; shopper: Shopper } };

async function readJson(c: { req: { json(): Promise<unknown> } }): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw httpError(400, 'invalid_json', 'the body must be valid JSON');
  }
}

/** A body that does not parse: a text over the limit has its own code, which the widget shows as such. */
function parseBody(schema: ReturnType<typeof chatMessageSchema>, body: unknown) {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const tooLong = parsed.error.issues.find((i) => i.code === 'too_big' && i.path[0] === 'text');
  if (tooLong) throw httpError(400, 'text_too_long', tooLong.message);
  throw parsed.error;
}

/** `Last-Event-ID` (a reconnecting reader) or `?after=`: the last event id the reader has; 0 for all. */
const afterSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0);

/**
 * Routes of the chat API: send a message (its reply streamed back), read a conversation's messages, follow its
 * events live, close it.
 */
export function chatRoutes(deps: {
  chat: ChatService;
  chatLog: ChatLog;
  hub: EventHub;
  accessTokens: AccessTokens;
  maxMessageChars: number;
  rateLimit: MiddlewareHandler<ChatEnv>;
  /** How often a follower gets a comment line, so proxies keep an idle stream open; 15 s by default. */
  heartbeatMs?: number;
  /** Event streams one shopper may hold open at once on this replica (tabs, devices); 5 by default. */
  maxFollowersPerShopper?: number;
  /**
   * Whether a staff member may read someone else's conversation (operators: those handed to the desk; admins: all).
   * Without it only the owner reads a conversation.
   */
  staffMayRead?: (conversationId: string, staff: Shopper) => Promise<boolean>;
  /** Told when the shopper closes a conversation (the desk hears that a waiting shopper left). */
  onClose?: (conversationId: string, correlationId: string) => Promise<void>;
}) {
  const { chat, chatLog, hub, accessTokens, heartbeatMs = 15_000, maxFollowersPerShopper = 5 } = deps;
  // Open event streams per shopper: each holds a connection and a subscription, so a script cannot hold thousands.
  const following = new Map<string, number>();
  const schema = chatMessageSchema(deps.maxMessageChars);
  const app = new Hono<ChatEnv>();

  const shopper = createMiddleware<ChatEnv>(async function requireShopper(c, next) {
    c.set('shopper', await accessTokens.verify(c.req.header('authorization')));
    await next();
  });

  /**
   * The language a conversation of `subject` was last in: its newest shopper message whose language is clear, else
   * the language it was started in; `undefined` for a new conversation or another shopper's.
   */
  async function conversationLanguage(conversationId: string, subject: string): Promise<Locale | undefined> {
    const conversation = await chatLog.getConversation(conversationId);
    if (!conversation || conversation.subject !== subject) return undefined;
    const recent = await chatLog.listMessages(conversationId, { limit: 10 });
    for (const message of recent.reverse()) {
      const language = message.author === 'shopper' ? detectLanguage(message.text) : undefined;
      if (language) return language;
    }
    return conversation.locale === 'en' || conversation.locale === 'pt-BR' ? conversation.locale : undefined;
  }

  // One trace per message, started here (never continued from the browser's headers): the request, the reply's
  // pipeline and agents, and the reply stream (`chat.reply_stream`, which ends with the stream).
  const traced = traceRequests({
    name: 'POST /api/chat/messages',
    correlationIdOf: (c) => c.get('requestId' as never),
  });

  app.post('/chat/messages', traced, shopper, deps.rateLimit, async (c) => {
    const body = parseBody(schema, await readJson(c));
    // The detector loads in the background from start-up: only the first messages wait for it. Should it fail to
    // load (the orchestrator logs why), the message is answered in the page's language rather than not at all.
    const detecting = await loadLanguageDetector().then(
      () => true,
      () => false,
    );
    // Answered in the shopper's language: the switch's choice, else the text's, else the conversation's, else the
    // page's (the history is read only for a message too short to tell, such as "ok").
    const forced = body.localeForced || !detecting;
    const clear = forced || detectLanguage(body.text) !== undefined;
    const previous =
      !clear && body.conversationId
        ? await conversationLanguage(body.conversationId, c.get('shopper').subject)
        : undefined;
    const locale = shopperLanguage({
      text: body.text,
      locale: body.locale,
      forced,
      previous,
    });
    let events: AsyncGenerator<ChatEvent>;
    try {
      events = await chat.accept({
        shopper: c.get('shopper'),
        text: body.text,
        locale,
        conversationId: body.conversationId,
        correlationId: c.get('requestId'),
        ip: clientIp(c),
      });
    } catch (error) {
      if (error instanceof ConversationNotFoundError)
        throw httpError(404, 'conversation_not_found', error.message);
      throw error;
    }
    // A dropped connection (a phone changing networks, a closed tab) does not cancel the reply: it runs to its end
    // (the agents' deadlines bound it) and is stored; the widget follows it on the conversation's events.
    return streamSSE(c, (stream) =>
      withSpan('chat.reply_stream', async (span) => {
        // Events of one turn share a socket write (one TLS record); the first words leave at once.
        const sse = coalescingSse(stream);
        for await (const e of events) {
          if (stream.aborted) {
            span.setAttribute('atende.reader_gone', true);
            break;
          }
          await sse.send({ event: e.event, data: JSON.stringify(e.data) });
        }
        await sse.flush();
      }),
    );
  });

  const idParam = z.object({ id: z.string().uuid() });

  /** The conversation `:id` if the caller owns it; 404 otherwise (another's conversation is not told apart). */
  async function ownConversation(c: Context<ChatEnv>) {
    const { id } = idParam.parse(c.req.param());
    const conversation = await chatLog.getConversation(id);
    if (!conversation || conversation.subject !== c.get('shopper').subject) {
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    }
    return conversation;
  }

  /** The conversation `:id` if the caller owns it or, as staff, may read it; 404 otherwise. */
  async function readableConversation(c: Context<ChatEnv>) {
    const { id } = idParam.parse(c.req.param());
    const caller = c.get('shopper');
    const conversation = await chatLog.getConversation(id);
    if (conversation && conversation.subject === caller.subject) return conversation;
    const staff = caller.role === 'operator' || caller.role === 'admin';
    if (conversation && staff && (await deps.staffMayRead?.(id, caller))) return conversation;
    throw httpError(404, 'conversation_not_found', 'conversation not found');
  }

  app.get('/conversations/:id/events', shopper, async (c) => {
    const { id } = await readableConversation(c);
    const after = afterSchema.parse(c.req.header('last-event-id') ?? c.req.query('after'));
    const { subject } = c.get('shopper');
    const open = following.get(subject) ?? 0;
    if (open >= maxFollowersPerShopper) {
      throw httpError(429, 'too_many_streams', `at most ${maxFollowersPerShopper} event streams at once`, 5);
    }
    following.set(subject, open + 1);
    const release = () => {
      const left = (following.get(subject) ?? 1) - 1;
      if (left > 0) following.set(subject, left);
      else following.delete(subject);
    };
    return streamSSE(c, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      const heartbeat = setInterval(
        () => void stream.write(': heartbeat\n\n').catch(() => stop.abort()),
        heartbeatMs,
      );
      const sse = coalescingSse(stream);
      try {
        for await (const event of followConversation({
          read: (conversationId, page) => chatLog.listEvents(conversationId, page),
          hub,
          conversationId: id,
          after,
          signal: stop.signal,
        })) {
          await sse.send({ id: String(event.id), event: event.kind, data: JSON.stringify(event) });
        }
        await sse.flush();
      } finally {
        clearInterval(heartbeat);
        release();
      }
    });
  });

  app.get('/conversations/:id/messages', shopper, async (c) => {
    const { id } = await readableConversation(c);
    const messages = await chatLog.listMessages(id, { limit: 200 });
    // Citations and annotations were checked against the contract when the reply stored them.
    const body: HistoryResponse = {
      conversationId: id,
      messages: messages.map((m) => ({
        id: m.id,
        author: m.author,
        text: m.text,
        status: m.status,
        createdAt: m.createdAt.toISOString(),
        citations: m.citations as HistoryMessage['citations'],
        annotations: m.annotations as HistoryMessage['annotations'],
      })),
    };
    return c.json(body);
  });

  // Closing appends a `closed` status to the conversation's events: whichever replica is streaming a reply in it
  // follows those events and stops the reply.
  app.post('/conversations/:id/close', shopper, async (c) => {
    const { id } = await ownConversation(c);
    await chatLog.closeConversation(id, 'closed_by_shopper');
    await deps.onClose?.(id, c.get('requestId'));
    return c.json({ conversationId: id, closed: true });
  });

  return app;
}

import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AccessTokens, Shopper } from '../auth/access-tokens.js';
import { httpError } from '../errors.js';
import type { ChatLog } from '../store/index.js';
import { type ChatService, ConversationNotFoundError } from './reply.js';

/** Body of `POST /api/chat/messages`. */
export const chatMessageSchema = (maxChars: number) =>
  z
    .object({
      conversationId: z.string().uuid().optional(),
      text: z
        .string()
        .trim()
        .min(1, 'text must not be empty')
        .max(maxChars, `text must be at most ${maxChars} characters`),
      locale: z.enum(['pt-BR', 'en']).default('pt-BR'),
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

/** Routes of the chat API: send a message (SSE reply), read a conversation, close it. */
export function chatRoutes(deps: {
  chat: ChatService;
  chatLog: ChatLog;
  accessTokens: AccessTokens;
  maxMessageChars: number;
  rateLimit: MiddlewareHandler<ChatEnv>;
}) {
  const { chat, chatLog, accessTokens } = deps;
  const schema = chatMessageSchema(deps.maxMessageChars);
  const app = new Hono<ChatEnv>();

  const shopper = createMiddleware<ChatEnv>(async function requireShopper(c, next) {
    c.set('shopper', await accessTokens.verify(c.req.header('authorization')));
    await next();
  });

  app.post('/chat/messages', shopper, deps.rateLimit, async (c) => {
    const body = schema.parse(await readJson(c));
    let events: AsyncGenerator<import('./contract.js').ChatEvent>;
    try {
      events = await chat.accept({
        shopper: c.get('shopper'),
        text: body.text,
        locale: body.locale,
        conversationId: body.conversationId,
        correlationId: c.get('requestId'),
      });
    } catch (error) {
      if (error instanceof ConversationNotFoundError)
        throw httpError(404, 'conversation_not_found', error.message);
      throw error;
    }
    // A dropped connection (a phone changing networks, a closed tab) does not cancel the reply: it runs to its end
    // (the agents' deadlines bound it) and is stored, so the widget finds it in the history when it reconnects.
    return streamSSE(c, async (stream) => {
      for await (const e of events) {
        if (!stream.aborted) await stream.writeSSE({ event: e.event, data: JSON.stringify(e.data) });
      }
    });
  });

  const idParam = z.object({ id: z.string().uuid() });

  app.get('/conversations/:id/messages', shopper, async (c) => {
    const { id } = idParam.parse(c.req.param());
    const conversation = await chatLog.getConversation(id);
    if (!conversation || conversation.subject !== c.get('shopper').subject) {
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    }
    const messages = await chatLog.listMessages(id, { limit: 200 });
    return c.json({
      conversationId: id,
      messages: messages.map((m) => ({
        id: m.id,
        author: m.author,
        text: m.text,
        status: m.status,
        createdAt: m.createdAt,
        citations: m.citations,
        annotations: m.annotations,
      })),
    });
  });

  app.post('/conversations/:id/close', shopper, async (c) => {
    const { id } = idParam.parse(c.req.param());
    const conversation = await chatLog.getConversation(id);
    if (!conversation || conversation.subject !== c.get('shopper').subject) {
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    }
    await chatLog.closeConversation(id, 'closed_by_shopper');
    chat.cancel(id);
    return c.json({ conversationId: id, closed: true });
  });

  return app;
}

import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { DeskConversation, OperatorAction, OperatorResult } from '../../agents/desk/protocol.js';
import type { Logger } from '../../agents/runtime/index.js';
import type { AccessTokens, Shopper } from '../auth/access-tokens.js';
import type { AccountStore } from '../auth/accounts.js';
import type { AuditLog } from '../auth/audit-log.js';
import { clientIp } from '../edge/client-ip.js';
import { hasControlCharacters, hasLineControlCharacters } from '../edge/text.js';
import { httpError, RoleRefusedError } from '../errors.js';
import type { HandoffLog } from '../store/handoff-log.js';
import { type DeskClient, DeskRefusal, DeskUnavailableError } from './desk-client.js';
import type { HandoffService } from './handoffs.js';

type DeskEnv = { Variables: { requestId: string; shopper: Shopper } };

const idParam = z.object({ id: z.string().uuid() });
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'text must not be empty')
    .max(max, `text must be at most ${max} characters`)
    .refine((t) => !hasControlCharacters(t), 'text must not contain control characters');
/** A one-line field: no control characters at all (a NUL would reach the desk's database as a 500). */
const line = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => !hasLineControlCharacters(t), 'must not contain control characters');

const REFUSAL_STATUS = {
  invalid_action: 400,
  conversation_not_found: 404,
  already_claimed: 409,
  not_yours: 409,
  conversation_ended: 409,
  operator_not_found: 404,
  operator_full: 409,
  forbidden: 403,
  invalid_settings: 400,
  canned_reply_not_found: 404,
  canned_reply_not_deletable: 409,
} as const;

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw httpError(400, 'invalid_json', 'the body must be valid JSON');
  }
}

/**
 * The human desk's public face: the shopper's requests (a person, a rating, a message for the team, typing) and the
 * operators' `/api/desk/*` routes. Operators reach the desk agent over mTLS with service tokens that carry their
 * identity and the operator-only scope; every operator action is audited here and at the desk.
 */
export function deskRoutes(deps: {
  desk: DeskClient;
  handoffs: HandoffService;
  handoffLog: HandoffLog;
  accessTokens: AccessTokens;
  accounts: AccountStore;
  audit: AuditLog;
  logger: Logger;
  maxMessageChars: number;
  /**
   * The chat's allowance: asking for a person and leaving a message for the team count as chat messages (one
   * conversation holds one handoff at a time, but tickets and their e-mails would otherwise be free to flood).
   */
  rateLimit: MiddlewareHandler<DeskEnv>;
  /** Looks up the shopper's orders for the operator (the orders agent, with the shopper as subject). */
  ordersOf?: (shopper: Shopper, correlationId: string) => Promise<unknown[] | null>;
  /** How often the operators' feed asks the desk for the queue; 2 s by default. */
  queuePollMs?: number;
  heartbeatMs?: number;
}) {
  const { desk, handoffs, handoffLog, accessTokens, audit, logger } = deps;
  const queuePollMs = deps.queuePollMs ?? 2_000;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const app = new Hono<DeskEnv>();

  async function caller(c: Context<DeskEnv>): Promise<Shopper> {
    return accessTokens.verify(c.req.header('authorization'));
  }

  const limited = [
    createMiddleware<DeskEnv>(async function requireShopper(c, next) {
      c.set('shopper', await caller(c));
      await next();
    }),
    deps.rateLimit,
  ] as const;

  async function staff(c: Context<DeskEnv>): Promise<Shopper & { name: string }> {
    const who = await caller(c);
    if (who.role !== 'operator' && who.role !== 'admin') {
      throw new RoleRefusedError(who, 'only operators and admins may use the desk');
    }
    const account = await deps.accounts.findById(who.subject).catch(() => undefined);
    const name = (account?.displayName ?? 'Operador').split(/\s+/)[0] ?? 'Operador';
    return { ...who, name };
  }

  async function admin(c: Context<DeskEnv>): Promise<Shopper & { name: string }> {
    const who = await staff(c);
    if (who.role !== 'admin') throw new RoleRefusedError(who, "only admins change the desk's settings");
    return who;
  }

  /** Runs an operator action at the desk, audited; the desk's refusals become HTTP errors with their code. */
  async function operate(c: Context<DeskEnv>, who: Shopper, action: OperatorAction, audited = true) {
    const correlationId = c.get('requestId');
    try {
      const result = await desk.operate({ subject: who.subject, role: who.role, correlationId }, action);
      if (audited) {
        await audit
          .record({
            event: 'desk_action',
            subject: who.subject,
            ip: clientIp(c),
            requestId: correlationId,
            details: {
              action: action.action,
              ...('conversationId' in action ? { conversationId: action.conversationId } : {}),
            },
          })
          .catch((error: unknown) =>
            logger.error({ err: error, correlationId }, 'could not write the audit log'),
          );
      }
      return result;
    } catch (error) {
      if (error instanceof DeskRefusal) {
        throw httpError(REFUSAL_STATUS[error.error.code], error.error.code, error.error.message);
      }
      if (error instanceof DeskUnavailableError) {
        logger.warn({ err: error, correlationId }, 'the desk is unavailable');
        throw httpError(503, 'desk_unavailable', 'the human desk is unavailable; try again in a moment');
      }
      throw error;
    }
  }

  function pick<K extends OperatorResult['kind']>(result: OperatorResult, kind: K) {
    if (result.kind !== kind)
      throw httpError(503, 'desk_unavailable', 'the desk answered something unexpected');
    return result as Extract<OperatorResult, { kind: K }>;
  }

  // --- the shopper's side ---------------------------------------------------------------------------------------

  app.post('/conversations/:id/handoff', ...limited, async (c) => {
    const shopper = c.get('shopper');
    const { id } = idParam.parse(c.req.param());
    const body = z
      .object({
        reason: z
          .enum(['asked_for_human', 'low_confidence', 'negative_sentiment', 'agent_failed', 'other'])
          .optional(),
        locale: z.enum(['pt-BR', 'en']).optional(),
      })
      .strict()
      .parse(await readJson(c).catch(() => ({})));
    const conversation = await handoffLog.get(id);
    if (!conversation || conversation.subject !== shopper.subject) {
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    }
    const outcome = await handoffs.request({
      conversationId: id,
      shopper,
      locale: body.locale ?? (conversation.locale === 'en' ? 'en' : 'pt-BR'),
      reason: body.reason ?? 'asked_for_human',
      correlationId: c.get('requestId'),
    });
    if (outcome === 'not_found') throw httpError(404, 'conversation_not_found', 'conversation not found');
    if (outcome === 'desk_unavailable') {
      throw httpError(503, 'desk_unavailable', 'nobody from the team can be reached right now');
    }
    const now = await handoffLog.get(id);
    return c.json(
      { conversationId: id, state: now?.state ?? 'requested' },
      outcome === 'started' ? 202 : 200,
    );
  });

  app.post('/conversations/:id/typing', async (c) => {
    const shopper = await caller(c);
    const { id } = idParam.parse(c.req.param());
    const conversation = await handoffLog.get(id);
    if (!conversation || conversation.subject !== shopper.subject) {
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    }
    // Only worth telling a person: the bots do not read typing.
    if (['queued', 'assigned'].includes(conversation.state ?? ''))
      await handoffLog.typing(id, { role: 'shopper' });
    return c.body(null, 204);
  });

  app.post('/conversations/:id/rating', async (c) => {
    const shopper = await caller(c);
    const { id } = idParam.parse(c.req.param());
    const body = z
      .object({
        score: z.number().int().min(1).max(5),
        comment: text(1_000).optional(),
      })
      .strict()
      .parse(await readJson(c));
    const outcome = await handoffLog.rate({ conversationId: id, subject: shopper.subject, ...body });
    if (outcome === 'not_found') throw httpError(404, 'conversation_not_found', 'conversation not found');
    if (outcome === 'already_rated')
      throw httpError(409, 'already_rated', 'this conversation was rated already');
    if (outcome === 'not_resolved') {
      throw httpError(409, 'not_resolved', 'a conversation is rated once it is resolved or closed');
    }
    return c.json({ conversationId: id, score: body.score }, 201);
  });

  app.post('/desk/offline-messages', ...limited, async (c) => {
    const shopper = c.get('shopper');
    const body = z
      .object({
        conversationId: z.string().uuid().optional(),
        email: z.email('a valid e-mail address is needed').max(254),
        text: text(deps.maxMessageChars),
        locale: z.enum(['pt-BR', 'en']).default('pt-BR'),
      })
      .strict()
      .parse(await readJson(c));
    if (body.conversationId) {
      const conversation = await handoffLog.get(body.conversationId);
      if (!conversation || conversation.subject !== shopper.subject) {
        throw httpError(404, 'conversation_not_found', 'conversation not found');
      }
    }
    try {
      const id = await desk.offlineMessage(
        { subject: shopper.subject, role: shopper.role, correlationId: c.get('requestId') },
        {
          kind: 'offline_message',
          ...(body.conversationId ? { conversationId: body.conversationId } : {}),
          email: body.email,
          text: body.text,
          language: body.locale,
          shopper: { subject: shopper.subject, role: shopper.role },
        },
        body.text,
      );
      return c.json({ id }, 201);
    } catch (error) {
      logger.warn({ err: error, correlationId: c.get('requestId') }, 'could not leave a message at the desk');
      throw httpError(503, 'desk_unavailable', 'the message could not be stored; try again in a moment');
    }
  });

  // --- the operators' side --------------------------------------------------------------------------------------

  app.get('/desk/conversations', async (c) => {
    const who = await staff(c);
    const state = z.enum(['waiting', 'mine', 'all']).default('waiting').parse(c.req.query('state'));
    if (state === 'all' && who.role !== 'admin') {
      // Operators see every conversation handed to the desk; "all" with closed ones too is the admins'.
      const [waiting, mine] = await Promise.all([
        operate(c, who, { action: 'list', state: 'waiting' }, false),
        operate(c, who, { action: 'list', state: 'mine' }, false),
      ]);
      return c.json({
        conversations: [
          ...pick(waiting, 'conversations').conversations,
          ...pick(mine, 'conversations').conversations,
        ],
      });
    }
    const result = await operate(c, who, { action: 'list', state }, false);
    return c.json({ conversations: pick(result, 'conversations').conversations });
  });

  app.get('/desk/conversations/:id', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    const result = pick(await operate(c, who, { action: 'get', conversationId: id }, false), 'conversation');
    return c.json(result);
  });

  app.post('/desk/conversations/:id/claim', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    await operate(c, who, { action: 'presence', status: 'online', name: who.name }, false);
    await operate(c, who, { action: 'claim', conversationId: id });
    const result = pick(await operate(c, who, { action: 'get', conversationId: id }, false), 'conversation');
    return c.json({ conversation: result.conversation });
  });

  app.post('/desk/conversations/:id/messages', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    const body = z
      .object({ text: text(deps.maxMessageChars), internal: z.boolean().default(false) })
      .strict()
      .parse(await readJson(c));
    const result = await operate(c, who, { action: 'message', conversationId: id, ...body });
    return c.json(result, 201);
  });

  app.post('/desk/conversations/:id/typing', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    const handoff = await handoffLog.get(id);
    if (handoff?.state !== 'assigned')
      throw httpError(404, 'conversation_not_found', 'conversation not found');
    await handoffLog.typing(id, { role: 'operator', name: who.name });
    return c.body(null, 204);
  });

  for (const [path, action] of [
    ['return-to-bot', 'return_to_bot'],
    ['resolve', 'resolve'],
  ] as const) {
    app.post(`/desk/conversations/:id/${path}`, async (c) => {
      const who = await staff(c);
      const { id } = idParam.parse(c.req.param());
      await operate(c, who, { action, conversationId: id });
      return c.json({ conversationId: id, state: action === 'resolve' ? 'resolved' : 'returned_to_bot' });
    });
  }

  app.post('/desk/conversations/:id/transfer', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    const body = z
      .object({ operatorId: line(200).pipe(z.string().min(1)) })
      .strict()
      .parse(await readJson(c));
    await operate(c, who, { action: 'transfer', conversationId: id, operatorId: body.operatorId });
    return c.json({ conversationId: id, operatorId: body.operatorId });
  });

  app.get('/desk/conversations/:id/context', async (c) => {
    const who = await staff(c);
    const { id } = idParam.parse(c.req.param());
    const handoff = await handoffLog.get(id);
    if (!handoff?.state) throw httpError(404, 'conversation_not_found', 'conversation not found');
    const shopper = { subject: handoff.subject, role: handoff.role as Shopper['role'] };
    const signedIn = shopper.role !== 'guest' && !shopper.subject.startsWith('guest:');
    let orders: unknown[] | null = null;
    if (signedIn && deps.ordersOf) {
      // Reading a shopper's orders is audited: who looked, whose, when.
      await audit.record({
        event: 'desk_context_viewed',
        subject: who.subject,
        ip: clientIp(c),
        requestId: c.get('requestId'),
        details: { conversationId: id, shopper: shopper.subject },
      });
      orders = await deps.ordersOf(shopper, c.get('requestId')).catch(() => null);
    }
    return c.json({ shopper, orders });
  });

  app.put('/desk/presence', async (c) => {
    const who = await staff(c);
    const body = z
      .object({ status: z.enum(['online', 'away']) })
      .strict()
      .parse(await readJson(c));
    await operate(c, who, { action: 'presence', status: body.status, name: who.name });
    return c.json({ status: body.status, name: who.name });
  });

  app.get('/desk/operators', async (c) => {
    const who = await staff(c);
    return c.json({
      operators: pick(await operate(c, who, { action: 'operators' }, false), 'operators').operators,
    });
  });

  app.get('/desk/offline-messages', async (c) => {
    const who = await staff(c);
    const result = pick(await operate(c, who, { action: 'offline_messages' }, false), 'offline_messages');
    return c.json({ tickets: result.tickets });
  });

  app.get('/desk/canned-replies', async (c) => {
    const who = await staff(c);
    const query = line(200).default('').parse(c.req.query('q'));
    const result = pick(await operate(c, who, { action: 'canned_replies', query }, false), 'canned_replies');
    return c.json({ replies: result.replies });
  });

  // The desk's settings (hours, time zone, assignment), read-only: every staff page shows dates in its time zone.
  app.get('/desk/settings', async (c) => {
    const who = await staff(c);
    const result = pick(await operate(c, who, { action: 'settings' }, false), 'settings');
    return c.json({ settings: result.settings }, 200, { 'cache-control': 'no-store' });
  });

  // Admins override the configured hours and time zone; the desk checks the values and names what it refuses.
  app.put('/desk/settings', async (c) => {
    const who = await admin(c);
    const body = z
      .object({
        hours: z
          .string()
          .trim()
          .min(1)
          .max(500)
          .refine((t) => !hasControlCharacters(t), 'must not contain control characters'),
        timeZone: line(100).pipe(z.string().trim().min(1)),
      })
      .partial()
      .strict()
      .parse(await readJson(c));
    const result = pick(await operate(c, who, { action: 'update_settings', ...body }), 'settings');
    return c.json({ settings: result.settings }, 200, { 'cache-control': 'no-store' });
  });

  app.post('/desk/canned-replies', async (c) => {
    const who = await admin(c);
    const body = z
      .object({
        title: text(200),
        text: text(deps.maxMessageChars),
      })
      .strict()
      .parse(await readJson(c));
    const result = pick(await operate(c, who, { action: 'add_canned_reply', ...body }), 'canned_reply');
    return c.json({ reply: result.reply }, 201);
  });

  app.delete('/desk/canned-replies/:id', async (c) => {
    const who = await admin(c);
    const id = z.string().min(1).max(200).parse(c.req.param('id'));
    await operate(c, who, { action: 'delete_canned_reply', id });
    return c.body(null, 204);
  });

  // The operator's live feed: the queue and their own conversations whenever they change.
  app.get('/desk/events', async (c) => {
    const who = await staff(c);
    return streamSSE(c, async (stream) => {
      let last = '';
      let lastBeat = Date.now();
      while (!stream.aborted) {
        try {
          const [waiting, mine] = await Promise.all([
            operate(c, who, { action: 'list', state: 'waiting' }, false),
            operate(c, who, { action: 'list', state: 'mine' }, false),
          ]);
          const conversations: DeskConversation[] = [
            ...pick(waiting, 'conversations').conversations,
            ...pick(mine, 'conversations').conversations,
          ];
          // Wait times grow every second; a change is a change of who is where.
          const key = JSON.stringify(
            conversations.map((x) => [
              x.conversationId,
              x.state,
              x.position,
              x.operator?.id,
              x.lastMessage?.at,
            ]),
          );
          if (key !== last) {
            last = key;
            await stream.writeSSE({ event: 'queue', data: JSON.stringify({ conversations }) });
            lastBeat = Date.now();
          }
        } catch (error) {
          if (error instanceof RoleRefusedError) throw error;
          await stream.writeSSE({
            event: 'desk_unavailable',
            data: JSON.stringify({ message: 'the human desk is unavailable' }),
          });
        }
        if (Date.now() - lastBeat >= heartbeatMs) {
          await stream.write(': heartbeat\n\n');
          lastBeat = Date.now();
        }
        await stream.sleep(queuePollMs);
      }
    });
  });

  return app;
}

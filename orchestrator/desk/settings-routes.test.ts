import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBusinessHours } from '../../agents/desk/hours.js';
import type { CannedReply, DeskSettings, OperatorAction } from '../../agents/desk/protocol.js';
import { handleError } from '../errors.js';
import type { HandoffLog } from '../store/handoff-log.js';
import { makeApp } from '../testing/app.js';
import { type DeskClient, DeskRefusal } from './desk-client.js';
import type { HandoffService } from './handoffs.js';
import { deskRoutes } from './routes.js';

// The admins' desk settings routes over an in-memory desk that checks and refuses like the real one (the desk's
// own end-to-end tests cover the desk itself): who may call them, what they send, how refusals map to statuses.

const SETTINGS: DeskSettings = {
  hours: { always: true },
  hoursSpec: 'always',
  timeZone: 'America/Sao_Paulo',
  overridden: false,
  assignment: 'claim',
  maxChatsPerOperator: 3,
  openNow: true,
};

function memoryDesk() {
  const actions: Array<{ subject: string; action: OperatorAction }> = [];
  const replies: CannedReply[] = [{ id: 'returns:pt-BR', title: 'Trocas', text: 'Em até 30 dias.' }];
  const refuse = (code: 'invalid_settings' | 'canned_reply_not_deletable', message: string) => {
    throw new DeskRefusal({ kind: 'desk_error', code, message });
  };
  const client: Pick<DeskClient, 'operate'> = {
    async operate(caller, action) {
      actions.push({ subject: caller.subject, action });
      switch (action.action) {
        case 'update_settings':
          try {
            if (action.hours) parseBusinessHours(action.hours);
          } catch (error) {
            refuse('invalid_settings', (error as Error).message);
          }
          return { kind: 'settings', settings: { ...SETTINGS, hoursSpec: action.hours ?? 'always' } };
        case 'add_canned_reply': {
          const reply = {
            id: `custom:${replies.length}`,
            title: action.title,
            text: action.text,
            custom: true,
          };
          replies.push(reply);
          return { kind: 'canned_reply', reply };
        }
        case 'delete_canned_reply':
          if (!action.id.startsWith('custom:')) refuse('canned_reply_not_deletable', 'drawn from the FAQ');
          return { kind: 'deleted', id: action.id };
        default:
          throw new Error(`unexpected ${action.action}`);
      }
    },
  };
  return { client: client as DeskClient, actions };
}

let t: Awaited<ReturnType<typeof makeApp>>;
let app: Hono;
let desk: ReturnType<typeof memoryDesk>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await makeApp();
  desk = memoryDesk();
  for (const role of ['customer', 'operator', 'admin'] as const) {
    tokens[role] = (await t.accessTokens.issue({ subject: `${role}-1`, role, name: role })).token;
  }
  app = new Hono();
  app.use(requestId());
  app.onError(handleError(t.logger));
  app.route(
    '/api',
    deskRoutes({
      desk: desk.client,
      handoffs: {} as HandoffService,
      handoffLog: {} as HandoffLog,
      accessTokens: t.accessTokens,
      accounts: t.accounts,
      audit: t.audit,
      logger: t.logger,
      maxMessageChars: 2000,
      rateLimit: async (_c, next) => next(),
    }) as unknown as Hono,
  );
});

afterAll(async () => {
  await t.close();
});

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  app.request(path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('the admins’ desk settings routes', () => {
  it('refuse operators and shoppers (403) and callers without a token (401), asking the desk nothing', async () => {
    const before = desk.actions.length;
    for (const role of ['operator', 'customer']) {
      for (const [method, path, body] of [
        ['PUT', '/api/desk/settings', { hours: 'always' }],
        ['POST', '/api/desk/canned-replies', { title: 'a', text: 'b' }],
        ['DELETE', '/api/desk/canned-replies/custom:1', undefined],
      ] as const) {
        const response = await call(method, path, tokens[role], body);
        expect(response.status, `${role} ${method} ${path}`).toBe(403);
        expect(await response.json()).toMatchObject({ code: 'forbidden' });
      }
    }
    expect((await call('PUT', '/api/desk/settings', undefined, { hours: 'always' })).status).toBe(401);
    expect(desk.actions.length).toBe(before);
  });

  it('PUT /api/desk/settings passes the values on and answers the settings; bad hours are a 400', async () => {
    const ok = await call('PUT', '/api/desk/settings', tokens.admin, { hours: 'mon-fri 09:00-18:00' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ settings: { hoursSpec: 'mon-fri 09:00-18:00' } });
    expect(desk.actions.at(-1)).toEqual({
      subject: 'admin-1',
      action: { action: 'update_settings', hours: 'mon-fri 09:00-18:00' },
    });
    const bad = await call('PUT', '/api/desk/settings', tokens.admin, { hours: 'mon-fri 9-18' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'invalid_settings',
      message: expect.stringMatching(/9-18/),
    });
    const unknown = await call('PUT', '/api/desk/settings', tokens.admin, { color: 'blue' });
    expect(unknown.status).toBe(400);
  });

  it('POST adds a canned reply (201) and DELETE removes a custom one (204), not a FAQ one (409); audited', async () => {
    const added = await call('POST', '/api/desk/canned-replies', tokens.admin, {
      title: 'Cupom',
      text: 'BEMVINDO10',
    });
    expect(added.status).toBe(201);
    const { reply } = (await added.json()) as { reply: CannedReply };
    expect(reply).toMatchObject({ title: 'Cupom', text: 'BEMVINDO10', custom: true });
    const deleted = await call(
      'DELETE',
      `/api/desk/canned-replies/${encodeURIComponent(reply.id)}`,
      tokens.admin,
    );
    expect(deleted.status).toBe(204);
    const faq = await call('DELETE', '/api/desk/canned-replies/returns:pt-BR', tokens.admin);
    expect(faq.status).toBe(409);
    expect(await faq.json()).toMatchObject({ code: 'canned_reply_not_deletable' });
    const audited = await t.audit.recent({ event: 'desk_action', subject: 'admin-1' });
    expect(audited.map((e) => e.details.action)).toEqual(
      expect.arrayContaining(['update_settings', 'add_canned_reply', 'delete_canned_reply']),
    );
  });
});

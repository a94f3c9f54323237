import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgentCardJson } from '../../agents/runtime/index.js';
import { userMessage } from '../../agents/runtime/testing/fixtures.js';
import { type A2aStack, startA2aStack } from '../testing/a2a-stack.js';

// On real sockets: the orchestrator's A2A routes over HTTPS, the real assistant agent over mTLS, and a
// third-party agent driving them with the SDK's real client and a shop access token.

let stack: A2aStack;
let web: A2aStack['web'];
let made: A2aStack['made'];
let baseUrl: string;
let client: A2aStack['client'];

beforeAll(async () => {
  stack = await startA2aStack('jsonrpc');
  ({ web, made, baseUrl, client } = stack);
  // Certificates, keys, a database and two servers: slow on a loaded machine.
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const guestToken = () => stack.guestToken();
const ask: A2aStack['ask'] = (token, text, extra) => stack.ask(token, text, extra);

function rpc(headers: Record<string, string>) {
  return web.fetch(`${baseUrl}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: {
        message: {
          messageId: randomUUID(),
          role: 'ROLE_USER',
          parts: [{ text: 'Qual o prazo de entrega?' }],
        },
      },
    }),
  });
}

describe("the shop's own A2A agent", () => {
  it('publishes a valid A2A v1.0 card at its public URL', async () => {
    const response = await web.fetch(`${baseUrl}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    const card = (await response.json()) as any;
    expect(validateAgentCardJson(card)).toEqual([]);
    expect(card.supportedInterfaces[0].url).toBe(`${baseUrl}/a2a`);
    expect(card.skills.map((s: any) => s.id)).toEqual(['customer-support']);
    expect(card.securitySchemes.accessToken.httpAuthSecurityScheme.description).toMatch(
      /\/api\/auth\/login.*\/api\/auth\/guest/,
    );
  });

  it('answers "Qual o prazo de entrega?" as a streamed task with citations, COMPLETED', async () => {
    const result = await ask(await guestToken(), 'Qual o prazo de entrega?');
    expect(result.first?.$case).toBe('task');
    // The first words at once, the rest coalesced by the chat log (a few tens of ms per write): at least two chunks.
    expect(result.chunks.length).toBeGreaterThanOrEqual(2);
    expect(result.chunks.join('')).toMatch(/dias úteis/);
    const citations = result.data.find((d) => d.kind === 'citations');
    expect(citations?.citations.map((c: any) => c.id)).toContain('delivery-time');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('answers in English when the message asks for it', async () => {
    const result = await ask(await guestToken(), 'Can I pay with Pix?', { locale: 'en' });
    expect(result.chunks.join('')).toMatch(/Pix/);
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('continues the same chat conversation across tasks of one context', async () => {
    const guest = await made.accessTokens.issueGuest();
    const first = await ask(guest.token, 'Qual o prazo de entrega?');
    const second = await ask(guest.token, 'E o frete é grátis?', { contextId: first.contextId });
    expect(second.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(second.contextId).toBe(first.contextId);
    const rows = await made.sql.query<{ conversation_id: string }>(
      `SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.subject = $1 AND m.author = 'shopper'`,
      [guest.subject],
    );
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.conversation_id)).size).toBe(1);
  });

  it('asks a guest who wants their orders to sign in', async () => {
    const result = await ask(await guestToken(), 'Onde está meu pedido?');
    expect(result.chunks.join('')).toMatch(/entre na sua conta/);
    expect(result.data.map((d) => d.kind)).toContain('sign_in_required');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('refuses a call without a token, or with a bad one, with 401', async () => {
    const none = await rpc({});
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.message).toMatch(/access token/);
    const bad = await rpc({ authorization: 'Bearer not.a.token' });
    expect(bad.status).toBe(401);
    await expect(
      (async () => {
        for await (const _ of client.sendMessageStream({
          tenant: '',
          message: userMessage('oi'),
          configuration: undefined,
          metadata: undefined,
        })) {
          // no events expected
        }
      })(),
    ).rejects.toThrow();
  });

  it('rejects the 11th task of a shopper within a minute', async () => {
    const token = await guestToken();
    const states = [];
    for (let i = 0; i < 10; i++) states.push((await ask(token, 'Posso pagar com Pix?')).state);
    expect(states.every((s) => s === TaskState.TASK_STATE_COMPLETED)).toBe(true);
    const eleventh = await ask(token, 'Posso pagar com Pix?');
    expect(eleventh.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(eleventh.statusText).toMatch(/10 por minuto/);
    expect(eleventh.chunks).toEqual([]);
    // Another shopper is not held back by this one.
    expect((await ask(await guestToken(), 'Posso pagar com Pix?')).state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
  });
});

describe('conformance of /a2a found by the TCK (issue 14)', () => {
  async function call(method: string, params: unknown, options: { path?: string; body?: string } = {}) {
    const response = await web.fetch(`${baseUrl}${options.path ?? '/a2a'}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'A2A-Version': '1.0',
        authorization: `Bearer ${await guestToken()}`,
      },
      body: options.body ?? JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      body: JSON.parse(text) as any,
    };
  }

  it('answers SubscribeToTask on a finished or unknown task with the JSON-RPC error itself', async () => {
    const token = await guestToken();
    const result = await client.sendMessage(
      {
        tenant: '',
        message: userMessage('Qual o prazo de entrega?'),
        configuration: undefined,
        metadata: undefined,
      },
      { serviceParameters: { Authorization: `Bearer ${token}` } },
    );
    const taskId = 'id' in result && 'status' in result ? result.id : '';
    expect(taskId).not.toBe('');
    const response = await web.fetch(`${baseUrl}/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SubscribeToTask', params: { id: taskId } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as any).error.code).toBe(-32004);
    const unknown = await call('SubscribeToTask', { id: randomUUID() });
    expect(unknown.contentType).toMatch(/^application\/json/);
    expect(unknown.body).toMatchObject({ id: 7, error: { code: -32001 } });
  });

  it('refuses a message whose only part is an image with ContentTypeNotSupportedError', async () => {
    const message = {
      messageId: randomUUID(),
      role: 'ROLE_USER',
      parts: [{ raw: Buffer.from('GIF89a').toString('base64'), mediaType: 'image/gif' }],
    };
    const { body } = await call('SendMessage', { message });
    expect(body.error.code).toBe(-32005);
  });

  it('refuses JSON nested 9,000 deep with a plain JSON-RPC error', async () => {
    const deep = `${'{"a":'.repeat(9000)}1${'}'.repeat(9000)}`;
    const { status, body, text } = await call('', undefined, {
      body: `{"jsonrpc":"2.0","id":7,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"oi"}],"metadata":${deep}}}}`,
    });
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: -32600, message: 'the request nests deeper than 64 levels' });
    expect(text).not.toMatch(/call stack/i);
  });

  it('serves /a2a/ with a trailing slash too', async () => {
    const { status, body } = await call('GetTask', { id: randomUUID() }, { path: '/a2a/' });
    expect(status).toBe(200);
    expect(body.error.code).toBe(-32001);
  });

  it('serves its card with a strong ETag and Cache-Control, and 304 to If-None-Match', async () => {
    const first = await web.fetch(`${baseUrl}/.well-known/agent-card.json`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    await first.arrayBuffer();
    const again = await web.fetch(`${baseUrl}/.well-known/agent-card.json`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });
});

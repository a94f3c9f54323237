import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userMessage } from '../../agents/runtime/testing/fixtures.js';
import { type A2aStack, startA2aStack } from '../testing/a2a-stack.js';

// The HTTP+JSON binding of the shop's own A2A agent on real sockets: the orchestrator's routes over HTTPS, the real
// assistant agent over mTLS, and a third-party agent driving `/rest` with the SDK's real REST client.

let stack: A2aStack;
let web: A2aStack['web'];
let baseUrl: string;
let client: A2aStack['client'];

beforeAll(async () => {
  stack = await startA2aStack('rest');
  ({ web, baseUrl, client } = stack);
  // Certificates, keys, a database and two servers: slow on a loaded machine.
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const guestToken = () => stack.guestToken();
const ask: A2aStack['ask'] = (token, text, extra) => stack.ask(token, text, extra);

async function rest(path: string, init: { method?: string; body?: string; token?: string | null } = {}) {
  const token = init.token === undefined ? await guestToken() : init.token;
  const response = await web.fetch(`${baseUrl}/rest${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      'A2A-Version': '1.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: init.body,
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, text };
}

function sendBody(parts: unknown[] = [{ text: 'Qual o prazo de entrega?' }]) {
  return JSON.stringify({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts } });
}

describe("the shop's own A2A agent over HTTP+JSON (/rest)", () => {
  it('declares the HTTP+JSON interface in its card, beside JSON-RPC', async () => {
    const card = (await (await web.fetch(`${baseUrl}/.well-known/agent-card.json`)).json()) as any;
    expect(card.supportedInterfaces).toEqual([
      { url: `${baseUrl}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${baseUrl}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ]);
  });

  it('answers "Qual o prazo de entrega?" as a streamed task with citations, COMPLETED, through the REST client', async () => {
    const result = await ask(await guestToken(), 'Qual o prazo de entrega?');
    expect(result.first?.$case).toBe('task');
    expect(result.chunks.join('')).toMatch(/dias úteis/);
    const citations = result.data.find((d) => d.kind === 'citations');
    expect(citations?.citations.map((c: any) => c.id)).toContain('delivery-time');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('GetTask returns the caller’s finished task; another shopper gets 404', async () => {
    const token = await guestToken();
    const result = await client.sendMessage(
      {
        tenant: '',
        message: userMessage('Posso pagar com Pix?'),
        configuration: undefined,
        metadata: undefined,
      },
      { serviceParameters: { Authorization: `Bearer ${token}` } },
    );
    const taskId = 'id' in result && 'status' in result ? result.id : '';
    expect(taskId).not.toBe('');
    const task = await client.getTask(
      { tenant: '', id: taskId, historyLength: undefined },
      { serviceParameters: { Authorization: `Bearer ${token}` } },
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const other = await rest(`/tasks/${taskId}`, { method: 'GET' });
    expect(other.status).toBe(404);
    expect(other.body.error.status).toBe('NOT_FOUND');
  });

  it('refuses a call without a token, or with a bad one, with 401 and a REST error body', async () => {
    const none = await rest('/message:send', { body: sendBody(), token: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(none.body.error.message).toMatch(/access token/);
    const bad = await rest('/message:send', { body: sendBody(), token: 'not.a.token' });
    expect(bad.status).toBe(401);
  });

  it('refuses JSON nested 9,000 deep with 400 and a generic message', async () => {
    const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
    const body = JSON.stringify({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }] },
      metadata: { d: 'DEEP' },
    }).replace('"DEEP"', deep);
    const { status, body: answer } = await rest('/message:send', { body });
    expect(status).toBe(400);
    expect(answer.error.message).toMatch(/nests deeper/);
    expect(answer.error.message).not.toMatch(/stack/);
  });

  it('refuses a message whose only part is an image (415 ContentTypeNotSupported)', async () => {
    const { status, body } = await rest('/message:send', {
      body: sendBody([{ raw: 'iVBORw0KGgo=', mediaType: 'image/png' }]),
    });
    expect(status).toBe(415);
    expect(body.error.details[0].reason).toBe('CONTENT_TYPE_NOT_SUPPORTED');
  });

  it('answers subscribe on an unknown task with 404 JSON, not an SSE stream', async () => {
    const { status, contentType } = await rest(`/tasks/${randomUUID()}:subscribe`, { method: 'GET' });
    expect(status).toBe(404);
    expect(contentType).not.toMatch(/event-stream/);
  });
});

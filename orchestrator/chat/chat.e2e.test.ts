import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../agents/runtime/testing/fixtures.js';
import type { Orchestrator } from '../server.js';
import {
  freePort,
  publicFetch,
  readEvents,
  readSse,
  spawnAgent,
  startTestOrchestrator,
} from '../testing/harness.js';

const ECHO_MAIN = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');

let pki: TestPki;
let orchestrator: Orchestrator & { dataDir: string };
let agent: ChildProcess | undefined;
let agentPort: number;
let web: ReturnType<typeof publicFetch>;

async function startEchoAgent(delayMs: number) {
  agent = await spawnAgent({
    entry: ECHO_MAIN,
    env: {
      PORT: String(agentPort),
      PUBLIC_URL: `https://localhost:${agentPort}`,
      CERTS_DIR: pki.dir,
      ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
      ECHO_DELAY_MS: String(delayMs),
    },
  });
}

async function waitForAgentState(state: string) {
  for (let i = 0; i < 100; i++) {
    const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as any;
    if (health.agents[0]?.state === state) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`agent never became ${state}`);
}

async function guest(): Promise<string> {
  const response = await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' });
  expect(response.status).toBe(201);
  return ((await response.json()) as any).accessToken;
}

async function chat(token: string, body: Record<string, unknown>) {
  return web.fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/** Sends `text` and reads the stream until the first `event`; `drop` then cuts the connection. */
async function askUntil(token: string, text: string, event: 'conversation' | 'delta') {
  const abort = new AbortController();
  const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, locale: 'en' }),
    signal: abort.signal,
  });
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  while (!buffer.includes(`event: ${event}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
  }
  const data = /event: conversation\ndata: (.*)/.exec(buffer)?.[1] ?? '{}';
  /** Reads the rest of the stream, to its end. */
  const rest = async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      buffer += decoder.decode(next.value, { stream: true });
    }
    return buffer;
  };
  return { conversationId: JSON.parse(data).conversationId as string, drop: () => abort.abort(), rest };
}

/** The stored reply of a one-message conversation, once it is no longer being written (5 s at most). */
async function settledReply(token: string, conversationId: string) {
  let messages: any[] = [];
  for (let i = 0; i < 50; i++) {
    const history = await web.fetch(`${orchestrator.url}/api/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    messages = ((await history.json()) as any).messages;
    if (messages[1]?.status !== 'streaming') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return messages[1];
}

beforeAll(async () => {
  pki = await createTestPki();
  agentPort = await freePort();
  const port = await freePort();
  orchestrator = await startTestOrchestrator({ pki, port, agentUrls: [`https://localhost:${agentPort}`] });
  web = publicFetch((await pki.tls('orchestrator')).ca);
  await startEchoAgent(5);
  await waitForAgentState('up');
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await web?.close();
  await orchestrator?.close();
});

describe('chat through the mesh', () => {
  it('streams conversation, deltas in order and done with firstTokenMs', async () => {
    const token = await guest();
    const response = await chat(token, { text: 'repeat after me: one two three', locale: 'en' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(response);
    expect(events[0]?.event).toBe('conversation');
    const text = events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(text).toBe('repeat after me: one two three');
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    expect(done?.data.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(done?.data.firstTokenMs).toBeLessThan(2_000);

    const conversationId = events[0]?.data.conversationId;
    const history = await web.fetch(`${orchestrator.url}/api/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { messages } = (await history.json()) as any;
    expect(messages.map((m: any) => [m.author, m.status])).toEqual([
      ['shopper', 'answered'],
      ['agent', 'answered'],
    ]);
  });

  it('keeps a conversation private to its shopper', async () => {
    const events = await readSse(await chat(await guest(), { text: 'repeat after me hi', locale: 'en' }));
    const conversationId = events[0]?.data.conversationId;
    const other = await guest();
    const response = await chat(other, { text: 'hello', conversationId });
    expect(response.status).toBe(404);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ code: 'conversation_not_found' });
    expect(body.requestId).toBeTruthy();
  });

  it('refuses a chat message without an access token, and bad input with a clear error', async () => {
    const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(response.status).toBe(401);
    const token = await guest();
    const empty = await chat(token, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).code).toBe('invalid_request');
    const unknown = await chat(token, { text: 'hi', admin: true });
    expect(unknown.status).toBe(400);
    const malformed = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"text":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).code).toBe('invalid_json');
    // A text over the limit has its own code, which the widget tells apart without reading the wording.
    const long = await chat(token, { text: 'a'.repeat(2001) });
    expect(long.status).toBe(400);
    expect(((await long.json()) as any).code).toBe('text_too_long');
  });

  it('finishes and stores a reply whose shopper dropped the connection mid-answer', async () => {
    agent?.kill('SIGKILL');
    await startEchoAgent(100);
    await waitForAgentState('up');
    const token = await guest();
    const words = 'repeat after me one two three four five six seven eight nine ten eleven twelve';
    const { conversationId, drop } = await askUntil(token, words, 'delta');
    drop();
    // The agent is still answering (a word every 100 ms); the reply is finished and stored all the same.
    expect(await settledReply(token, conversationId)).toMatchObject({
      author: 'agent',
      status: 'answered',
      text: words,
    });
  });

  it('follows a conversation live and resumes from Last-Event-ID after a drop, without a gap or a duplicate', async () => {
    // The echo agent still answers a word every 100 ms (previous test).
    const token = await guest();
    const words = 'repeat after me alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const { conversationId, rest } = await askUntil(token, words, 'conversation');
    const follow = (headers: Record<string, string>, query = '') =>
      web.fetch(`${orchestrator.url}/api/conversations/${conversationId}/events${query}`, {
        headers: { authorization: `Bearer ${token}`, ...headers },
      });
    // Another shopper, or no token, finds nothing to follow.
    expect((await follow({ authorization: `Bearer ${await guest()}` })).status).toBe(404);
    expect((await follow({ authorization: '' })).status).toBe(401);
    expect((await follow({}, '?after=-1')).status).toBe(400);

    const seen: any[] = [];
    // First connection: read until the second delta, then drop it mid-reply.
    const first = await follow({});
    expect(first.headers.get('content-type')).toMatch(/text\/event-stream/);
    let deltas = 0;
    await readEvents(first, (_event, data) => {
      seen.push(data);
      if (data.kind === 'delta') deltas += 1;
      return deltas < 2;
    });
    const lastId = seen.at(-1).id;
    // Second connection resumes where the first stopped, as a browser's EventSource would.
    const second = await follow({ 'last-event-id': String(lastId) });
    await readEvents(second, (_event, data) => {
      seen.push(data);
      return !(data.kind === 'status' && data.data.state === 'answered');
    });
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => i + 1));
    const text = seen
      .filter((e) => e.kind === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(text).toBe(words);
    expect(seen.at(-2)).toMatchObject({ kind: 'message', data: { text: words, status: 'answered' } });
    await rest();
  });

  it('stops the reply in progress when the shopper closes the chat', async () => {
    const token = await guest();
    const { conversationId, rest } = await askUntil(token, 'hang repeat after me', 'conversation');
    const closed = await web.fetch(`${orchestrator.url}/api/conversations/${conversationId}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(closed.status).toBe(200);
    // The stream ends at once, with an event that says the reply was stopped.
    expect(await rest()).toMatch(/event: error\ndata: \{"code":"agent_canceled"/);
    // The agent would hang until the 30 s task deadline; the close stops it at once.
    expect(await settledReply(token, conversationId)).toMatchObject({ author: 'agent', status: 'failed' });
  });

  it('an agent killed mid-stream yields a polite error event, and the shopper message stays stored', async () => {
    agent?.kill('SIGKILL');
    await startEchoAgent(150);
    await waitForAgentState('up');
    const token = await guest();
    const response = await chat(token, {
      text: 'repeat after me a b c d e f g h i j k l',
      locale: 'pt-BR',
      localeForced: true,
    });
    const events: { event: string; data: any }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    let killed = false;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /event: (.*)/.exec(block)?.[1] ?? 'message';
        const data = JSON.parse(/data: (.*)/.exec(block)?.[1] ?? 'null');
        events.push({ event, data });
        if (event === 'delta' && !killed) {
          killed = true;
          agent?.kill('SIGKILL');
        }
      }
    }
    expect(killed).toBe(true);
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    expect(last?.data.code).toMatch(/^agent_(failed|unavailable)$/);
    expect(last?.data.message).toMatch(/Desculpe/);

    const conversationId = events[0]?.data.conversationId;
    const history = await web.fetch(`${orchestrator.url}/api/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { messages } = (await history.json()) as any;
    expect(messages[0]).toMatchObject({ author: 'shopper', text: 'repeat after me a b c d e f g h i j k l' });
    expect(messages[1]).toMatchObject({ author: 'agent', status: 'failed' });
    expect(messages[1].text).toMatch(/^repeat/);
  });

  it('an agent that is down gets a polite message and an error event, and the orchestrator keeps serving', async () => {
    agent?.kill('SIGKILL');
    const token = await guest();
    const events = await readSse(await chat(token, { text: 'repeat after me', locale: 'en' }));
    expect(events.at(-1)?.event).toBe('error');
    expect(events.some((e) => e.event === 'delta' && /Sorry/.test(e.data.text))).toBe(true);
    const health = await web.fetch(`${orchestrator.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

import net from 'node:net';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../agents/runtime/testing/fixtures.js';
import type { Orchestrator } from '../server.js';
import { freePort, readSse, startTestOrchestrator } from '../testing/harness.js';

// On a real socket: the whole orchestrator, with three open streams allowed per address and four in all, and
// clients that connect from two loopback addresses (127.0.0.1 and 127.0.0.2).
let orchestrator: Orchestrator;
const clients: Agent[] = [];
let from: (localAddress: string) => typeof fetch;

beforeAll(async () => {
  const pki = await createTestPki();
  orchestrator = await startTestOrchestrator({
    pki,
    port: await freePort(),
    agentUrls: [],
    env: { STREAMS_PER_ADDRESS: '3', STREAMS_MAX: '4' },
  });
  const { ca } = await pki.tls('orchestrator');
  const agents = new Map<string, Agent>();
  from = (localAddress) => {
    let agent = agents.get(localAddress);
    if (!agent) {
      // undici's connect options do not pass localAddress on; a connector of our own does.
      agent = new Agent({
        connections: 20,
        connect: (options, done) => {
          const socket = tls.connect({
            socket: net.connect({ host: '127.0.0.1', port: Number(options.port), localAddress }),
            servername: 'localhost',
            ca,
            ALPNProtocols: ['http/1.1'],
          });
          socket.once('secureConnect', () => done(null, socket));
          socket.once('error', (error) => done(error, null));
        },
      });
      agents.set(localAddress, agent);
      clients.push(agent);
    }
    const dispatcher = agent;
    return ((url: string, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher } as never)) as never;
  };
}, 90_000);

afterAll(async () => {
  for (const client of clients) await client.destroy();
  await orchestrator?.close();
});

/** A guest session and one conversation, asked for from `address`. */
async function conversation(address: string) {
  const fetch = from(address);
  const guest = await fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' });
  const { accessToken } = (await guest.json()) as { accessToken: string };
  const reply = await fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'oi' }),
  });
  expect(reply.status).toBe(200);
  const events = await readSse(reply);
  return { token: accessToken, id: events[0]?.data.conversationId as string };
}

/** Opens the conversation's event stream from `address` and keeps it open until `close()`. */
async function follow(address: string, c: { token: string; id: string }) {
  const abort = new AbortController();
  const response = await from(address)(`${orchestrator.url}/api/conversations/${c.id}/events`, {
    headers: { authorization: `Bearer ${c.token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  return {
    response,
    close: async () => {
      abort.abort();
      await response.body?.cancel().catch(() => undefined);
    },
  };
}

describe('open streams', () => {
  it('refuses the fourth stream from one address and the fifth in all with 503 and Retry-After, /a2a too, and frees a place when one closes', async () => {
    const local = await conversation('127.0.0.1');
    const held = [];
    for (let i = 0; i < 3; i++) {
      const stream = await follow('127.0.0.1', local);
      expect(stream.response.status).toBe(200);
      held.push(stream);
    }

    // The fourth from the same address, whichever the door.
    const fourth = await follow('127.0.0.1', local);
    expect(fourth.response.status).toBe(503);
    expect(fourth.response.headers.get('retry-after')).toBe('5');
    expect(await fourth.response.json()).toMatchObject({ code: 'too_many_streams' });
    const a2a = await from('127.0.0.1')(`${orchestrator.url}/a2a`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${local.token}`,
        'content-type': 'application/json',
        'A2A-Version': '1.0',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendStreamingMessage',
        params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'oi' }] } },
      }),
    });
    expect(a2a.status).toBe(503);
    expect(a2a.headers.get('retry-after')).toBe('5');
    await a2a.text();

    // Another address has its own three, but the replica holds four in all.
    const other = await conversation('127.0.0.2');
    const otherStream = await follow('127.0.0.2', other);
    expect(otherStream.response.status).toBe(200);
    const overall = await follow('127.0.0.2', other);
    expect(overall.response.status).toBe(503);
    expect(overall.response.headers.get('retry-after')).toBe('5');
    await overall.response.text();

    // A client that goes away gives its place back.
    await held.pop()?.close();
    let again: Awaited<ReturnType<typeof follow>> | undefined;
    for (let i = 0; i < 50; i++) {
      again = await follow('127.0.0.1', local);
      if (again.response.status === 200) break;
      await again.response.text();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(again?.response.status).toBe(200);
    for (const stream of [...held, otherStream, again]) await stream?.close();
  }, 60_000);
});

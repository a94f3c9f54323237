import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../agents/runtime/testing/fixtures.js';
import type { Orchestrator } from '../server.js';
import { freePort, publicFetch, readSse, spawnAgent, startTestOrchestrator } from '../testing/harness.js';

// The real assistant agent in its own process, reached over mTLS with the real SDK client.
const ASSISTANT_MAIN = join(import.meta.dirname, '../../agents/assistant/main.ts');

let pki: TestPki;
let orchestrator: Orchestrator;
let assistant: ChildProcess;
let web: ReturnType<typeof publicFetch>;

beforeAll(async () => {
  pki = await createTestPki();
  const agentPort = await freePort();
  orchestrator = await startTestOrchestrator({
    pki,
    port: await freePort(),
    agentUrls: [`https://localhost:${agentPort}`],
  });
  assistant = await spawnAgent({
    entry: ASSISTANT_MAIN,
    env: {
      PORT: String(agentPort),
      PUBLIC_URL: `https://localhost:${agentPort}`,
      CERTS_DIR: pki.dir,
      ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
    },
  });
  web = publicFetch((await pki.tls('orchestrator')).ca);
  for (let i = 0; i < 100; i++) {
    const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as any;
    if (health.agents[0]?.state === 'up') break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  assistant?.kill('SIGTERM');
  await web?.close();
  await orchestrator?.close();
});

async function ask(text: string, locale = 'pt-BR') {
  const guest = (await (
    await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' })
  ).json()) as any;
  const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${guest.accessToken}` },
    body: JSON.stringify({ text, locale }),
  });
  return readSse(response);
}

describe('the assistant through the mesh', () => {
  it('answers "Qual o prazo de entrega?" streamed, citing the delivery entry', async () => {
    const events = await ask('Qual o prazo de entrega?');
    const deltas = events.filter((e) => e.event === 'delta');
    // The first words at once, the rest coalesced by the chat log (a few tens of ms per write).
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.map((d) => d.data.text).join('')).toMatch(/dias úteis/);
    const citations = events.find((e) => e.event === 'annotation' && e.data.kind === 'citations');
    expect(citations?.data.data.map((c: any) => c.id)).toContain('delivery-time');
    expect(events.at(-1)?.event).toBe('done');
  });

  it('answers in English when asked in English', async () => {
    const events = await ask('Can I pay with Pix?', 'en');
    const text = events
      .filter((e) => e.event === 'delta')
      .map((d) => d.data.text)
      .join('');
    expect(text).toMatch(/Pix/);
    const citations = events.find((e) => e.event === 'annotation' && e.data.kind === 'citations');
    expect(citations?.data.data.length).toBeGreaterThan(0);
  });

  it('says it is unsure when it does not know, and offers no person when there is no desk to hand over to', async () => {
    const events = await ask('qual a capital da França?');
    const confidence = events.find((e) => e.event === 'annotation' && e.data.kind === 'confidence');
    expect(confidence?.data.data.level).toBe('low');
    expect(events.some((e) => e.event === 'annotation' && e.data.kind === 'handoff')).toBe(false);
  });
});

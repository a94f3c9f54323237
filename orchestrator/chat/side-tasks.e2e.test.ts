import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../agents/runtime/testing/fixtures.js';
import type { Orchestrator } from '../server.js';
import { freePort, publicFetch, readSse, spawnAgent, startTestOrchestrator } from '../testing/harness.js';

// A side task (a skill tagged `always`, like sentiment) that never answers must not hold back the reply.
const ECHO_MAIN = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');

let pki: TestPki;
let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
const agents: ChildProcess[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const [answerPort, sidePort, port] = [await freePort(), await freePort(), await freePort()];
  orchestrator = await startTestOrchestrator({
    pki,
    port,
    agentUrls: [`https://localhost:${answerPort}`, `https://localhost:${sidePort}`],
  });
  web = publicFetch((await pki.tls('orchestrator')).ca);
  const env = (agentPort: number, extra: Record<string, string>) => ({
    PORT: String(agentPort),
    PUBLIC_URL: `https://localhost:${agentPort}`,
    CERTS_DIR: pki.dir,
    ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
    ...extra,
  });
  agents.push(await spawnAgent({ entry: ECHO_MAIN, env: env(answerPort, {}) }));
  agents.push(
    await spawnAgent({ entry: ECHO_MAIN, env: env(sidePort, { ECHO_TAGS: 'always', ECHO_HANG: '1' }) }),
  );
  for (let i = 0; i < 100; i++) {
    const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as any;
    if (health.agents.every((a: any) => a.state === 'up')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGKILL');
  await web?.close();
  await orchestrator?.close();
});

describe('side tasks', () => {
  it('a side task that never answers delays neither the first words nor the end of the reply', async () => {
    const { accessToken } = (await (
      await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' })
    ).json()) as any;
    const started = performance.now();
    const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ text: 'repeat after me: still here', locale: 'en' }),
    });
    const events = await readSse(response);
    const elapsed = performance.now() - started;
    expect(events.at(-1)?.event).toBe('done');
    const text = events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(text).toBe('repeat after me: still here');
    // Without the grace period the reply would wait for the side task's 5 s first-event deadline or its 30 s
    // task deadline; it ends within the tone budget plus the grace period (and a generous margin for CI).
    expect(elapsed).toBeLessThan(3_000);
    // The first words wait for the shopper's tone only within its budget (150 ms), never for the side task itself.
    expect(events.at(-1)?.data.firstTokenMs).toBeLessThan(1_000);

    // The side task is recorded as canceled with the reply; the reply itself is complete.
    const history = await web.fetch(
      `${orchestrator.url}/api/conversations/${events[0]?.data.conversationId}/messages`,
      { headers: { authorization: `Bearer ${accessToken}` } },
    );
    const { messages } = (await history.json()) as any;
    expect(messages[1]).toMatchObject({ author: 'agent', status: 'answered', text });
  });
});

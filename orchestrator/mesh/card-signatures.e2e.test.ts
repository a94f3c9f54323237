import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CARD_KEYS_PATH,
  CARD_SIGNING_KEY_FILE,
  createCardSignatureCheck,
  createMtlsFetch,
  parseAgentCard,
} from '../../agents/runtime/index.js';
import { generateCerts, loadTlsMaterial, SERVICES } from '../../certs/certs.js';
import type { Orchestrator } from '../server.js';
import { freePort, publicFetch, spawnAgent, startTestOrchestrator } from '../testing/harness.js';

// Signed cards on real sockets: every agent signs its card with the deployment's card-signing key (in CERTS_DIR), the
// orchestrator publishes that key's JWKS and refuses an agent whose card does not verify — even one holding a valid
// mesh certificate, since a certificate says who may connect, not that the card it serves is the deployment's.
const ECHO = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];
let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
let certsDir: string;
const ports = { signed: 0, unsigned: 0, foreign: 0 };

beforeAll(async () => {
  certsDir = await mkdtemp(join(tmpdir(), 'atende-cardsig-'));
  dirs.push(certsDir);
  await generateCerts({ dir: certsDir, services: [...SERVICES, 'testagent'] });
  for (const name of Object.keys(ports) as Array<keyof typeof ports>) ports[name] = await freePort();
  orchestrator = await startTestOrchestrator({
    pki: { dir: certsDir } as never,
    port: await freePort(),
    agentUrls: Object.values(ports).map((p) => `https://localhost:${p}`),
  });
  web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
  // The impostor has the deployment's certificates but a card-signing key of its own.
  const foreignDir = await mkdtemp(join(tmpdir(), 'atende-cardsig-foreign-'));
  dirs.push(foreignDir);
  await cp(certsDir, foreignDir, { recursive: true });
  await rm(join(foreignDir, CARD_SIGNING_KEY_FILE));
  const start = (port: number, env: Record<string, string>) =>
    spawnAgent({
      entry: ECHO,
      env: {
        PORT: String(port),
        PUBLIC_URL: `https://localhost:${port}`,
        CERTS_DIR: certsDir,
        ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
        ...env,
      },
    });
  children.push(
    ...(await Promise.all([
      start(ports.signed, {}),
      start(ports.unsigned, { ECHO_UNSIGNED: '1' }),
      start(ports.foreign, { CERTS_DIR: foreignDir }),
    ])),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await web?.close();
  await orchestrator?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function states(): Promise<string[]> {
  const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as {
    agents: { state: string }[];
  };
  return health.agents.map((a) => a.state);
}

describe('signed agent cards', () => {
  it('takes the agent whose card the deployment signed and refuses an unsigned card and a foreign signature', async () => {
    // Agents that were not up yet are read again on every discovery tick.
    const expected = JSON.stringify(['up', 'invalid', 'invalid']);
    for (let i = 0; i < 200 && JSON.stringify(await states()) !== expected; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await states()).toEqual(['up', 'invalid', 'invalid']);
  });

  it('publishes the key that verifies the agents’ cards and its own public card', async () => {
    const jwks = (await (await web.fetch(`${orchestrator.url}${CARD_KEYS_PATH}`)).json()) as never;
    const check = createCardSignatureCheck({ jwks });
    const mesh = createMtlsFetch({ tls: await loadTlsMaterial(certsDir, 'orchestrator') });
    try {
      const agentCard = parseAgentCard(
        await (await mesh.fetch(`https://localhost:${ports.signed}/.well-known/agent-card.json`)).json(),
      );
      const header = JSON.parse(
        Buffer.from(agentCard.signatures[0]?.protected ?? '', 'base64url').toString(),
      );
      expect(header.jku).toBe(`${orchestrator.url}${CARD_KEYS_PATH}`);
      await expect(check(agentCard)).resolves.toMatchObject({ kid: header.kid });
    } finally {
      await mesh.close();
    }
    const own = parseAgentCard(
      await (await web.fetch(`${orchestrator.url}/.well-known/agent-card.json`)).json(),
    );
    await expect(check(own)).resolves.toBeDefined();
  });
});

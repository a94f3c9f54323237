import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentApp,
  createLogger,
  createTokenVerifier,
  type RunningServer,
  startAgentServer,
} from '../../agents/runtime/index.js';
import {
  createTestPki,
  echoExecutor,
  type TestPki,
  testCard,
} from '../../agents/runtime/testing/fixtures.js';
import { createSigningKeys } from '../mesh/signing-keys.js';

// `npm run inspect -- <url>` against real mTLS servers: a valid agent, and one serving a broken card.

const CLI = join(import.meta.dirname, '../../scripts/inspect.ts');
let pki: TestPki;
let agent: RunningServer;
let broken: RunningServer;

function inspect(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, CERTS_DIR: pki.dir }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  const keys = await createSigningKeys();
  const logger = createLogger({ name: 'test', level: 'silent' });
  agent = await startAgentServer({
    app: createAgentApp({
      card: testCard('https://localhost:1/a2a'),
      executor: echoExecutor(),
      verifier: createTokenVerifier({ keys: createLocalJWKSet(keys.jwks), issuer: 'x', audience: 'x' }),
      logger,
    }),
    tls: await pki.tls('testagent'),
    port: 0,
    host: '127.0.0.1',
  });
  const app = new Hono();
  app.get('/.well-known/agent-card.json', (c) => c.json({ name: 'Broken', skills: [] }));
  broken = await startAgentServer({
    app: app as never,
    tls: await pki.tls('assistant'),
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await agent?.close();
  await broken?.close();
});

describe('npm run inspect', () => {
  it('prints a valid card and exits 0', async () => {
    const { code, out } = await inspect(`https://localhost:${agent.port}`);
    expect(out).toContain(`VALID  https://localhost:${agent.port}/.well-known/agent-card.json`);
    expect(out).toContain('skill echo "Echo" requires mtls + serviceToken (test:echo)');
    expect(out).toMatch(/warning\(s\):[\s\S]*is on localhost:1, not on/);
    expect(code).toBe(0);
  });

  it('lists the problems of a broken card and exits 1', async () => {
    const { code, out } = await inspect(`https://localhost:${broken.port}/`);
    expect(out).toContain('INVALID');
    expect(out).toContain('✗ skills: a card needs at least one skill');
    expect(out).toContain('✗ description:');
    expect(code).toBe(1);
  });

  it('exits 2 when the card cannot be fetched', async () => {
    const { code, out } = await inspect('https://localhost:1/');
    expect(out).toMatch(/cannot reach localhost:1/);
    expect(code).toBe(2);
    expect((await inspect('http://localhost:1/')).code).toBe(2);
  });
});

import { Writable } from 'node:stream';
import { AgentCard } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import {
  createCardSignatureCheck,
  createCardSigningKey,
  createLogger,
  signAgentCard,
} from '../../agents/runtime/index.js';
import { testCard } from '../../agents/runtime/testing/fixtures.js';
import { createAgentDirectory } from './agent-directory.js';
import { DEFAULT_SCOPE_POLICY } from './scope-policy.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const serving = (cards: Record<string, unknown>) =>
  (async (url: string) => {
    const card = cards[new URL(url).origin];
    if (!card) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    return new Response(JSON.stringify(card), { headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;

describe('agent directory', () => {
  it('knows which agents are up, down, or publish an invalid card', async () => {
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test', 'https://b.test', 'https://c.test'],
      fetch: serving({
        'https://a.test': AgentCard.toJSON(testCard('https://a.test/a2a')),
        'https://c.test': { name: 'broken' },
      }),
      logger,
    });
    await directory.refresh();
    expect(directory.list().map((e) => e.state)).toEqual(['up', 'down', 'invalid']);
    expect(directory.available().map((a) => a.baseUrl)).toEqual(['https://a.test']);
  });

  it('warns when a card’s skill needs a scope that the scope policy grants no role', async () => {
    const lines: string[] = [];
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test'],
      fetch: serving({ 'https://a.test': AgentCard.toJSON(testCard('https://a.test/a2a')) }),
      logger: createLogger({
        name: 'test',
        destination: new Writable({
          write(chunk, _encoding, done) {
            lines.push(chunk.toString());
            done();
          },
        }),
      }),
      scopePolicy: DEFAULT_SCOPE_POLICY,
    });
    await directory.refresh();
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
    expect(warning).toMatchObject({ agent: 'https://a.test', skill: 'echo', scopes: ['test:echo'] });
    expect(directory.list()[0]?.state).toBe('up');
  });

  it('refuses a card whose JSON-RPC interface is served elsewhere (it would become the token audience)', async () => {
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test'],
      fetch: serving({ 'https://a.test': AgentCard.toJSON(testCard('https://orders.test/a2a')) }),
      logger,
    });
    await directory.refresh();
    expect(directory.list()[0]?.state).toBe('invalid');
    expect(directory.available()).toHaveLength(0);
  });

  it('marks an agent down after a failed call until it is read again', async () => {
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test'],
      fetch: serving({ 'https://a.test': AgentCard.toJSON(testCard('https://a.test/a2a')) }),
      logger,
    });
    await directory.refresh();
    directory.markDown('https://a.test', 'connection refused');
    expect(directory.available()).toHaveLength(0);
    await directory.refresh();
    expect(directory.available()).toHaveLength(1);
  });

  it('with signatures required, takes a card signed by the deployment and refuses an unsigned or foreign one', async () => {
    const deployment = await createCardSigningKey();
    const stranger = await createCardSigningKey();
    const signed = (url: string, key = deployment) => signAgentCard(testCard(`${url}/a2a`), key);
    const directory = createAgentDirectory({
      baseUrls: ['https://a.test', 'https://b.test', 'https://c.test'],
      fetch: serving({
        'https://a.test': AgentCard.toJSON(await signed('https://a.test')),
        'https://b.test': AgentCard.toJSON(testCard('https://b.test/a2a')),
        'https://c.test': AgentCard.toJSON(await signed('https://c.test', stranger)),
      }),
      logger,
      verifyCard: createCardSignatureCheck({ jwks: deployment.jwks }),
    });
    await directory.refresh();
    const [a, b, c] = directory.list();
    expect(a).toMatchObject({ state: 'up', signedBy: deployment.kid });
    expect(b).toMatchObject({
      state: 'invalid',
      lastError: expect.stringMatching(/signature refused: the card is not signed/),
    });
    expect(c).toMatchObject({ state: 'invalid', lastError: expect.stringMatching(/unknown key/) });
    expect(directory.available().map((e) => e.baseUrl)).toEqual(['https://a.test']);
  });
});

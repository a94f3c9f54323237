import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { makeApp } from '../testing/app.js';

type App = Awaited<ReturnType<typeof makeApp>>;

/** A logger at `info` whose lines are kept in `lines`. */
function capturing() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'test', level: 'info', destination }) };
}

async function guestToken(t: App, ip?: string) {
  return ((await (await t.post('/api/auth/guest', {}, { ip })).json()) as any).accessToken as string;
}

async function login(t: App, email: string) {
  const response = await t.post('/api/auth/login', { email, password: 'correct horse battery' });
  return ((await response.json()) as any).accessToken as string;
}

describe('a failed statement in the logs', () => {
  it('never carries the statement’s values: a failed registration and a failed chat write', async () => {
    const { lines, logger } = capturing();
    const t = await makeApp({ logger });
    try {
      // The database refuses these rows (as a full disk, a constraint added by hand or a bug would): the error
      // PGlite throws carries the statement's parameters and PostgreSQL's "Failing row contains (…)".
      await t.sql.query(
        "ALTER TABLE users ADD CONSTRAINT attack_users CHECK (email NOT LIKE '%@fail.example')",
      );
      await t.sql.query(
        "ALTER TABLE messages ADD CONSTRAINT attack_messages CHECK (text NOT LIKE '%4111-1111%')",
      );

      const registered = await t.post('/api/auth/register', {
        email: 'vitima@fail.example',
        password: 'correct horse battery staple',
        displayName: 'Vitória Secreta',
      });
      expect(registered.status).toBe(500);
      const token = await guestToken(t);
      const chat = await t.post(
        '/api/chat/messages',
        { text: 'meu cartão é 4111-1111 e não chegou' },
        { token },
      );
      expect(chat.status).toBe(500);
      await chat.text();

      const log = lines.join('');
      // The failures are logged, with the database's code (23514, check violation) …
      expect(log.match(/23514/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
      // … and none of what the statements carried: the e-mail, its Argon2id hash, the name, the shopper's text.
      expect(log).not.toMatch(/vitima@fail\.example/);
      expect(log).not.toMatch(/argon2/i);
      expect(log).not.toMatch(/Vitória Secreta/);
      expect(log).not.toMatch(/4111-1111/);
      expect(await t.sql.query('SELECT 1 FROM users WHERE email = $1', ['vitima@fail.example'])).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('control characters', () => {
  it('are refused with 400 invalid_request in registration, chat and the desk’s fields, and nothing is stored', async () => {
    const t = await makeApp();
    try {
      const refused = async (response: Response) => {
        expect(response.status).toBe(400);
        const body = (await response.json()) as { code: string; message: string };
        expect(body.code).toBe('invalid_request');
        expect(body.message).toMatch(/control characters|valid address/);
      };
      await refused(
        await t.post('/api/auth/register', {
          email: 'nul@example.com',
          password: 'correct horse battery staple',
          displayName: 'Ana\u0000',
        }),
      );
      await refused(
        await t.post('/api/auth/register', {
          email: 'a\u0000b@example.com',
          password: 'correct horse battery staple',
          displayName: 'Ana',
        }),
      );
      const token = await guestToken(t);
      await refused(await t.post('/api/chat/messages', { text: 'oi\u0000' }, { token }));

      const admin = await login(t, 'admin@atende.dev');
      const conversation = crypto.randomUUID();
      const asAdmin = (method: string, path: string, body?: unknown) =>
        t.request(path, {
          method,
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      await refused(
        await asAdmin('POST', `/api/desk/conversations/${conversation}/messages`, { text: 'olá\u0000' }),
      );
      await refused(
        await asAdmin('POST', `/api/desk/conversations/${conversation}/transfer`, { operatorId: 'op\u0000' }),
      );
      await refused(await asAdmin('PUT', '/api/desk/settings', { timeZone: 'America/Sao_Paulo\u0000' }));
      await refused(await asAdmin('PUT', '/api/desk/settings', { hours: 'seg-sex 9-18\u001b[31m' }));
      await refused(await asAdmin('GET', '/api/desk/canned-replies?q=troca%00'));

      expect(await t.sql.query("SELECT 1 FROM users WHERE email LIKE '%example.com'")).toEqual([]);
      expect(await t.sql.query('SELECT 1 FROM messages')).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('guests from one address', () => {
  it('share one ceiling at both doors: rotating guest sessions across the chat API and /a2a get 30 a minute in all', async () => {
    const t = await makeApp();
    try {
      const address = '192.0.2.99';
      const outcomes: string[] = [];
      for (let i = 0; i < 32; i++) {
        // A fresh guest session each time (made elsewhere: making sessions has its own per-address limit).
        const token = await guestToken(t, `198.18.2.${i}`);
        if (i % 2 === 0) {
          const response = await t.post('/api/chat/messages', { text: `oi ${i}` }, { token, ip: address });
          outcomes.push(response.status === 429 ? 'refused' : 'taken');
          await response.text();
        } else {
          const response = await t.post(
            '/a2a',
            {
              jsonrpc: '2.0',
              id: i,
              method: 'SendMessage',
              params: {
                message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: `oi ${i}` }] },
              },
            },
            { token, ip: address, headers: { 'A2A-Version': '1.0' } },
          );
          const state = ((await response.json()) as any).result?.task?.status?.state;
          outcomes.push(state === 'TASK_STATE_REJECTED' ? 'refused' : 'taken');
        }
      }
      expect(outcomes.slice(0, 30)).toEqual(Array(30).fill('taken'));
      expect(outcomes.slice(30)).toEqual(['refused', 'refused']);
    } finally {
      await t.close();
    }
  }, 120_000);
});

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_KEYS_PATH, createCardSignatureCheck, parseAgentCard } from '../../agents/runtime/index.js';
import { generateCerts, loadTlsMaterial } from '../../certs/certs.js';
import type { Orchestrator } from '../server.js';
import { freePort, publicFetch, startTestOrchestrator } from '../testing/harness.js';

// The public /a2a as a running server: webhooks for a task's updates, delivered to a real HTTPS receiver with the
// configured authentication, internal webhooks refused; the authenticated extended card per caller.
const PASSWORD = 'push-test-password';
let dir: string;
let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
let receiver: Server;
let receiverPort: number;
const received: Array<{ headers: IncomingMessage['headers']; body: any }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atende-push-e2e-'));
  await generateCerts({ dir });
  const tls = await loadTlsMaterial(dir, 'orchestrator');
  receiver = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as { port: number }).port;
  orchestrator = await startTestOrchestrator({
    pki: { dir } as never,
    port: await freePort(),
    agentUrls: [],
    env: { DEMO_PASSWORD: PASSWORD, PUSH_ALLOWED_HOSTS: `localhost:${receiverPort}` },
  });
  web = publicFetch(tls.ca);
}, 120_000);

afterAll(async () => {
  receiver?.close();
  await web?.close();
  await orchestrator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function token(email?: string): Promise<string> {
  const response = email
    ? await web.fetch(`${orchestrator.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      })
    : await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function rpc(bearer: string, method: string, params: unknown) {
  const response = await web.fetch(`${orchestrator.url}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await response.json()) as { result?: any; error?: { code: number; message: string } };
}

const message = (text: string) => ({ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] });

describe('push notifications on /a2a', () => {
  it('delivers the task’s updates to the webhook with its authentication', async () => {
    const guest = await token();
    const sent = await rpc(guest, 'SendMessage', {
      message: message('Qual o prazo de entrega?'),
      configuration: {
        taskPushNotificationConfig: {
          url: `https://localhost:${receiverPort}/hook`,
          authentication: { scheme: 'Bearer', credentials: 'webhook-secret' },
        },
      },
    });
    expect(sent.error).toBeUndefined();
    const taskId = sent.result?.task?.id as string;
    expect(taskId).toBeTruthy();
    for (let i = 0; i < 100 && !received.some((r) => finalState(r.body)); i++)
      await new Promise((r) => setTimeout(r, 100));
    const mine = received.filter((r) => taskOf(r.body) === taskId);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.headers.authorization === 'Bearer webhook-secret')).toBe(true);
    expect(new Set(mine.map((r) => r.headers['idempotency-key'])).size).toBe(mine.length);
    expect(mine.some((r) => finalState(r.body))).toBe(true);
  });

  it('refuses a webhook on an internal address when the config is created', async () => {
    const guest = await token();
    const sent = await rpc(guest, 'SendMessage', { message: message('oi'), configuration: {} });
    const taskId = sent.result?.task?.id as string;
    const refused = await rpc(guest, 'CreateTaskPushNotificationConfig', {
      taskId,
      url: 'https://169.254.169.254/latest/meta-data',
    });
    expect(refused.error?.code).toBe(-32602);
    expect(refused.error?.message).toMatch(/internal address/);
  });
});

describe('the authenticated extended card', () => {
  it('shows a premium caller the premium skill, signed, and nobody else', async () => {
    const premium = await rpc(await token('premium@atende.dev'), 'GetExtendedAgentCard', {});
    expect(premium.error).toBeUndefined();
    const card = parseAgentCard(premium.result);
    expect(card.skills.map((s) => s.id)).toEqual(['customer-support', 'premium-offers']);
    const jwks = (await (await web.fetch(`${orchestrator.url}${CARD_KEYS_PATH}`)).json()) as never;
    await expect(createCardSignatureCheck({ jwks })(card)).resolves.toBeDefined();

    for (const who of [await token('customer@atende.dev'), await token()]) {
      const other = await rpc(who, 'GetExtendedAgentCard', {});
      expect(other.result.skills.map((s: { id: string }) => s.id)).toEqual(['customer-support']);
    }
    const publicCard = (await (
      await web.fetch(`${orchestrator.url}/.well-known/agent-card.json`)
    ).json()) as any;
    expect(publicCard.capabilities).toMatchObject({ pushNotifications: true, extendedAgentCard: true });
    expect(publicCard.skills.map((s: { id: string }) => s.id)).toEqual(['customer-support']);
  });
});

function taskOf(body: any): string | undefined {
  return body.task?.id ?? body.statusUpdate?.taskId ?? body.artifactUpdate?.taskId;
}
function finalState(body: any): boolean {
  const state = body.statusUpdate?.status?.state ?? body.task?.status?.state;
  return ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_REJECTED', 'TASK_STATE_CANCELED'].includes(
    state,
  );
}

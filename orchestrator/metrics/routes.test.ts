import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { handleError } from '../errors.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { createHandoffLog } from '../store/handoff-log.js';
import { createChatLog } from '../store/index.js';
import { pgliteTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import { createMetricsRegistry } from './prometheus.js';
import { metricsRoutes } from './routes.js';
import { createMetricsQueries } from './summary.js';

let db: TestDatabase;
let app: Hono;
let tokens: Record<'admin' | 'customer' | 'guest', string>;
let registry: ReturnType<typeof createMetricsRegistry>;
const METRICS_TOKEN = 'scrape-secret-0123456789';

// One database and app for the file: these routes only read, and PGlite takes a second to start.
beforeAll(async () => {
  db = await pgliteTestDatabase();
  const accessTokens = createAccessTokens({
    keys: await createSigningKeys(),
    issuer: 'atende-orchestrator',
    guestTtlSec: 60,
  });
  tokens = {
    admin: (await accessTokens.issue({ subject: 'u-admin', role: 'admin' })).token,
    customer: (await accessTokens.issue({ subject: 'u-customer', role: 'customer' })).token,
    guest: (await accessTokens.issueGuest()).token,
  };
  registry = createMetricsRegistry();
  // A small app of our own, wired the way app.ts will wire it: request ids, the request metrics, one error handler.
  app = new Hono();
  app.use(requestId());
  app.use(registry.middleware());
  app.route(
    '/',
    metricsRoutes({
      queries: createMetricsQueries({ sql: db.sql }),
      accessTokens,
      registry,
      metricsToken: METRICS_TOKEN,
    }),
  );
  app.onError(handleError(createLogger({ name: 'test', level: 'silent' })));
});
afterAll(async () => {
  await db.dispose();
});

const get = (path: string, token?: string) =>
  app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /api/metrics/summary', () => {
  it('is for admins only: 401 without a token, 403 for other roles', async () => {
    expect((await get('/api/metrics/summary')).status).toBe(401);
    expect((await get('/api/metrics/summary', 'not-a-jwt')).status).toBe(401);
    const customer = await get('/api/metrics/summary', tokens.customer);
    expect(customer.status).toBe(403);
    expect(await customer.json()).toMatchObject({ code: 'forbidden' });
    expect((await get('/api/metrics/summary', tokens.guest)).status).toBe(403);
  });

  it('answers the summary of the last 24 hours by default', async () => {
    const response = await get('/api/metrics/summary', tokens.admin);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(Date.parse(body.range.to) - Date.parse(body.range.from)).toBe(24 * 3_600_000);
    expect(body.range.idleMs).toBe(5 * 60_000);
    expect(body).toMatchObject({ messages: { shopper: 0 }, conversations: { total: 0 }, agents: [] });
    expect(body).toMatchObject({ handoffOffers: 0, desk: { handoffs: 0, handoffRate: null, waiting: 0 } });
    expect(body.series.length).toBeGreaterThan(0);
  });

  it('takes a range and an idle time', async () => {
    const query = new URLSearchParams({
      from: '2025-03-01T00:00:00Z',
      to: '2025-03-01T06:00:00-03:00',
      idleMinutes: '10',
    });
    const body = (await (await get(`/api/metrics/summary?${query}`, tokens.admin)).json()) as any;
    expect(body.range).toMatchObject({
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-01T09:00:00.000Z',
      idleMs: 600_000,
    });
  });

  it.each([
    ['from=yesterday', /from must be an ISO 8601 date-time/],
    ['idleMinutes=0', /idleMinutes must be at least 1/],
    ['idleMinutes=abc', /idleMinutes must be a number/],
    ['buckets=1000', /buckets must be at most 200/],
    ['window=1h', /window/],
    ['from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z', /from must be before to/],
    ['from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', /at most 366 days/],
  ])('refuses %s with a clear 400', async (query, message) => {
    const response = await get(`/api/metrics/summary?${query}`, tokens.admin);
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.code).toBe('invalid_request');
    expect(body.message).toMatch(message);
    expect(body.requestId).toEqual(expect.any(String));
  });
});

describe('GET /metrics', () => {
  it('is protected from the public: the metrics token or an admin', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'wrong-token')).status).toBe(401);
    expect((await get('/metrics', tokens.customer)).status).toBe(403);
    expect((await get('/metrics', METRICS_TOKEN)).status).toBe(200);
    expect((await get('/metrics', tokens.admin)).status).toBe(200);
  });

  it('speaks the Prometheus text format, with requests by route pattern, tasks and first deltas', async () => {
    await get('/api/metrics/summary', tokens.admin);
    await get('/no/such/path');
    registry.observeTask({ agent: 'Assistant', outcome: 'completed', ms: 120 });
    registry.observeTask({ agent: 'Assistant', outcome: 'timeout', ms: 5000 });
    registry.observeFirstDelta(180);
    registry.observeChatMessage({ role: 'guest' });
    const response = await get('/metrics', METRICS_TOKEN);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE atende_http_requests_total counter');
    expect(text).toMatch(
      /atende_http_requests_total\{method="GET",route="\/api\/metrics\/summary",status="200"\} \d+/,
    );
    expect(text).toMatch(/atende_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    expect(text).toMatch(/atende_agent_tasks_total\{agent="Assistant",outcome="timeout"\} 1/);
    expect(text).toMatch(
      /atende_agent_task_duration_seconds_bucket\{le="0\.2",agent="Assistant",outcome="completed"\} 1/,
    );
    expect(text).toMatch(/atende_chat_first_delta_seconds_bucket\{le="0\.2"\} 1/);
    expect(text).toMatch(/atende_chat_messages_total\{role="guest"\} 1/);
    expect(text).toContain('atende_process_cpu_user_seconds_total');
  });

  it('without a metrics token configured, only an admin may scrape', async () => {
    const accessTokens = createAccessTokens({
      keys: await createSigningKeys(),
      issuer: 'atende-orchestrator',
      guestTtlSec: 60,
    });
    const local = new Hono();
    local.route(
      '/',
      metricsRoutes({
        queries: createMetricsQueries({ sql: db.sql }),
        accessTokens,
        registry: createMetricsRegistry({ defaultMetrics: false }),
      }),
    );
    local.onError(handleError(createLogger({ name: 'test', level: 'silent' })));
    const admin = (await accessTokens.issue({ subject: 'u-admin', role: 'admin' })).token;
    expect((await local.request('/metrics', { headers: { authorization: 'Bearer anything' } })).status).toBe(
      401,
    );
    expect((await local.request('/metrics', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(
      200,
    );
  });
});

describe('GET /metrics: the human desk', () => {
  it('shows the desk figures of the last hour as gauges, computed from the chat log at scrape', async () => {
    const conversation = (
      await seedExchange(createChatLog({ sql: db.sql }), { subject: 'guest:desk', close: {} })
    ).conversation;
    const desk = createHandoffLog({ sql: db.sql });
    await desk.request({
      conversationId: conversation.id,
      subject: 'guest:desk',
      reason: 'asked_for_human',
      agent: 'desk',
    });
    await desk.update(conversation.id, { state: 'queued', position: 1 });
    const text = await (await get('/metrics', METRICS_TOKEN)).text();
    expect(text).toContain('# TYPE atende_desk_handoffs gauge');
    expect(text).toMatch(/^atende_desk_handoffs\{reason="asked_for_human"\} 1$/m);
    expect(text).toMatch(/^atende_desk_handoffs\{reason="low_confidence"\} 0$/m);
    expect(text).toMatch(/^atende_desk_waiting 1$/m);
    expect(text).toMatch(/^atende_desk_handoff_ratio 1$/m);
    // Nobody took it yet: no queue wait to tell, and no rating (prom-client writes NaN as `Nan`).
    expect(text).toMatch(/^atende_desk_queue_wait_seconds\{quantile="0\.95"\} nan$/im);
    expect(text).toMatch(/^atende_csat_score\{resolved_by="human"\} nan$/im);
  });
});

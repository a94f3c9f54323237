import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { parse } from 'csv-parse/sync';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { ARTIFACTS, HAS_CHROMIUM, launchChromium, newContext } from '../../web/e2e/stack.js';
import { dayOf, startOfDay } from '../../web/src/dashboard/format.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { handleError } from '../errors.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { createHandoffLog } from '../store/handoff-log.js';
import { createChatLog } from '../store/index.js';
import { manualClock, pgliteTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import type { ConversationRow } from './conversations.js';
import { createMetricsRegistry } from './prometheus.js';
import { metricsRoutes } from './routes.js';
import { createMetricsQueries, type MetricsSummary } from './summary.js';

// <atende-dashboard> in Chromium after a simulated day of traffic: the element built by Vite, mounted in a test
// page under the orchestrator's CSP (copied from app.ts), its `api` an authorized fetch as the console's shell lends
// it, over the real metrics routes and a chat log written through the stores. The console (web/src/console) mounts
// the same element at /console#/dashboard.

const ROOT = join(import.meta.dirname, '../..');
const TIME_ZONE = 'America/Sao_Paulo';
const S = 1000;
const H = 3_600_000;
const SHIPPING = { id: 'entrega', title: 'Prazo de entrega' };
const RETURNS = { id: 'trocas', title: 'Trocas e devoluções' };
const OPERATOR = { id: 'op-1', name: 'Ana' };

let db: TestDatabase;
let server: ReturnType<typeof serve>;
let url: string;
let browser: Browser;
let bundleDir: string;
const tokens: Record<string, string> = {};
/** The preset the day of traffic falls in: today, unless today began less than three hours ago. */
let preset: 'today' | '7d';

/** Builds web/src/dashboard with Vite into a temporary folder, as one ES module. */
async function buildElement(): Promise<string> {
  const { build } = await import('vite');
  const outDir = await mkdtemp(join(tmpdir(), 'atende-dashboard-'));
  await build({
    configFile: false,
    mode: 'production',
    // Lit's production build, as the console's (vitest runs with NODE_ENV=test).
    resolve: { conditions: ['module', 'browser', 'production'] },
    root: join(ROOT, 'web'),
    logLevel: 'warn',
    publicDir: false,
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: {
        entry: join(ROOT, 'web/src/dashboard/index.ts'),
        formats: ['es'],
        fileName: () => 'dashboard.js',
      },
    },
  });
  return outDir;
}

/**
 * A day of traffic, one conversation every 20 minutes from `start` to `end`, in six kinds: answered and rated 5;
 * answered "not found" (low confidence) and left idle; a failed reply the shopper closes on (abandoned); answered in
 * English citing returns; handed to a person who resolves it (rated 4); an English "not found" closed.
 */
async function simulateDay(start: Date, end: Date) {
  const clock = manualClock(start);
  const log = createChatLog({ sql: db.sql, now: clock.now });
  const desk = createHandoffLog({ sql: db.sql, now: clock.now });
  const set = (at: number) => clock.advance(at - clock.now().getTime());
  const tone = (label: string) => ({
    agent: 'Sentiment',
    kind: 'sentiment',
    data: { label, confidence: 0.8 },
  });
  const low = { agent: 'Assistant', kind: 'confidence', data: { level: 'low', confidence: 0.2 } };
  const kinds = [
    {
      text: 'Qual o prazo de entrega?',
      locale: 'pt-BR',
      citations: [SHIPPING],
      annotations: [tone('neutral')],
    },
    { text: 'Vocês entregam em Portugal?', locale: 'pt-BR', annotations: [low, tone('negative')] },
    { text: 'entregam em portugal??', locale: 'pt-BR', fail: true },
    { text: 'How do I return an item?', locale: 'en', citations: [RETURNS], annotations: [tone('positive')] },
    { text: 'Quero falar com uma pessoa', locale: 'pt-BR', annotations: [tone('negative')], human: true },
    { text: 'Do you ship to Portugal?', locale: 'en', annotations: [low, tone('neutral')], close: true },
  ];
  let i = 0;
  for (let t = start.getTime(); t < end.getTime() - 10 * 60 * S; t += 20 * 60 * S, i++) {
    const kind = kinds[i % kinds.length] as (typeof kinds)[number] & {
      fail?: boolean;
      human?: boolean;
      close?: boolean;
    };
    set(t);
    const exchange = await seedExchange(log, { subject: `guest:${i}`, text: kind.text, locale: kind.locale });
    const conversation = exchange.conversation;
    const firstMs = 300 + ((i * 397) % 2400);
    set(t + firstMs + 50);
    if (kind.fail) {
      await log.closeExchange({
        replyId: exchange.reply.id,
        text: 'desculpe',
        agents: ['Assistant'],
        errorCode: 'x',
      });
      set(t + 60 * S);
      await log.closeConversation(conversation.id, 'closed_by_shopper');
      continue;
    }
    await log.closeExchange({
      replyId: exchange.reply.id,
      text: 'resposta',
      agents: ['Assistant'],
      firstTokenAt: new Date(t + firstMs),
      citations: kind.citations ?? [],
      annotations: kind.annotations ?? [],
    });
    const ids = { conversationId: conversation.id, subject: conversation.subject };
    if (kind.human) {
      set(t + 10 * S);
      await desk.request({ ...ids, reason: 'asked_for_human', agent: 'desk' });
      set(t + 11 * S);
      await desk.update(conversation.id, { state: 'queued', position: 1 });
      set(t + 11 * S + (20 + (i % 5) * 10) * S);
      await desk.update(conversation.id, { state: 'assigned', operator: OPERATOR });
      const at = new Date(t + 2 * 60 * S);
      set(at.getTime());
      await desk.operatorMessage({
        ...ids,
        messageId: crypto.randomUUID(),
        text: 'Oi, sou a Ana',
        operator: OPERATOR,
        at,
      });
      set(t + 5 * 60 * S);
      await desk.update(conversation.id, { state: 'resolved' });
      await desk.rate({ ...ids, score: 4 });
      await log.closeConversation(conversation.id, 'closed_by_shopper');
    } else if (i % kinds.length === 0 || kind.close) {
      set(t + 2 * 60 * S);
      await log.closeConversation(conversation.id, 'closed_by_shopper');
      if (!kind.close) await desk.rate({ ...ids, score: 5 });
    }
  }
}

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  await mkdir(ARTIFACTS, { recursive: true });
  db = await pgliteTestDatabase();
  const now = new Date();
  const today = startOfDay(dayOf(now, TIME_ZONE), TIME_ZONE);
  preset = now.getTime() - today.getTime() >= 3 * H ? 'today' : '7d';
  const start = preset === 'today' ? today : new Date(now.getTime() - 22 * H);
  await simulateDay(start, new Date(now.getTime() - 5 * 60 * S));

  const accessTokens = createAccessTokens({
    keys: await createSigningKeys(),
    issuer: 'atende-orchestrator',
    guestTtlSec: 60,
  });
  for (const role of ['admin', 'operator'] as const) {
    tokens[role] = (await accessTokens.issue({ subject: `u-${role}`, role })).token;
  }
  bundleDir = await buildElement();
  const bundle = await readFile(join(bundleDir, 'dashboard.js'));

  const app = new Hono();
  // The orchestrator's policy (orchestrator/app.ts).
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  app.route(
    '/',
    metricsRoutes({
      queries: createMetricsQueries({ sql: db.sql }),
      accessTokens,
      registry: createMetricsRegistry(),
    }),
  );
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/test/dashboard', (c) =>
    c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>dashboard</title>
<script type="module" src="/test/boot.js${new URL(c.req.url).search}"></script></head>
<body><atende-dashboard></atende-dashboard></body></html>`),
  );
  app.get('/test/dashboard.js', (c) =>
    c.body(new Uint8Array(bundle), 200, { 'content-type': 'text/javascript' }),
  );
  // What the console's shell does: lends an authorized fetch, the locale, the shop's zone and who is signed in.
  app.get('/test/boot.js', (c) => {
    const role = c.req.query('role') === 'operator' ? 'operator' : 'admin';
    const locale = c.req.query('locale') === 'en' ? 'en' : 'pt-BR';
    return c.body(
      `import '/test/dashboard.js';
const token = ${JSON.stringify(tokens[role])};
const element = document.querySelector('atende-dashboard');
element.locale = ${JSON.stringify(locale)};
element.timeZone = ${JSON.stringify(TIME_ZONE)};
element.staff = { subject: 'u-${role}', role: ${JSON.stringify(c.req.query('staff') ?? role)}, name: 'Test' };
element.api = (path, init = {}) =>
  fetch(path, { ...init, headers: { ...(init.headers ?? {}), authorization: 'Bearer ' + token } });
`,
      200,
      { 'content-type': 'text/javascript' },
    );
  });
  app.onError(handleError(createLogger({ name: 'test', level: 'silent' })));
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await db?.dispose();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

/** Records CSP violations and failed requests. */
async function watch(page: Page, problems: string[]) {
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

/** Opens the dashboard and waits for the figures of its own summary request (of the day's preset). */
async function open(page: Page, locale: 'en' | 'pt-BR'): Promise<{ summary: MetricsSummary; query: string }> {
  const first = page.waitForResponse((r) => r.url().includes('/api/metrics/summary'));
  await page.goto(`${url}/test/dashboard?locale=${locale}`);
  let response = await first;
  if (preset === '7d') {
    const next = page.waitForResponse((r) => r.url().includes('/api/metrics/summary'));
    await page.locator('button[data-preset="7d"]').click();
    response = await next;
  }
  expect(response.status()).toBe(200);
  const summary = (await response.json()) as MetricsSummary;
  await page.locator('[data-figure="conversations"] [data-value]').waitFor();
  return { summary, query: new URL(response.url()).search };
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** Every chart: a uPlot canvas inside its card, inked with a series colour. */
async function checkCharts(page: Page) {
  await expect.poll(() => page.locator('[data-chart] .uplot canvas').count()).toBe(4);
  const charts = await page.locator('[data-chart]').evaluateAll((hosts) =>
    hosts.map((host) => {
      const canvas = host.querySelector('.uplot canvas') as HTMLCanvasElement;
      const box = canvas.getBoundingClientRect();
      const card = (host.parentElement as HTMLElement).getBoundingClientRect();
      const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        canvas.width,
        canvas.height,
      ).data;
      const colours = [
        [0x24, 0x57, 0xc5],
        [0xc5, 0x24, 0x2a],
        [0xb3, 0x6b, 0x00],
        [0x0b, 0x6e, 0x4f],
      ];
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r, g, b] = [pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0];
        if (
          colours.some(
            ([cr, cg, cb]) =>
              Math.abs(r - (cr ?? 0)) + Math.abs(g - (cg ?? 0)) + Math.abs(b - (cb ?? 0)) < 40,
          )
        )
          inked++;
      }
      return {
        name: (host as HTMLElement).dataset.chart,
        width: box.width,
        fits: box.left >= card.left - 1 && box.right <= card.right + 1,
        inked,
      };
    }),
  );
  for (const chart of charts) {
    expect(chart, chart.name).toMatchObject({ fits: true });
    expect(chart.width, chart.name).toBeGreaterThan(200);
    expect(chart.inked, `${chart.name} draws its data`).toBeGreaterThan(50);
  }
}

async function noHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

async function noProblems(page: Page, problems: string[]) {
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(problems).toEqual([]);
}

describe.skipIf(!HAS_CHROMIUM)('<atende-dashboard> after a simulated day of traffic', () => {
  it('shows a manager the day’s figures and charts, the FAQ drafts, a transcript and the CSV, on a desktop', async () => {
    const { context, problems } = await newContext(browser, {
      viewport: { width: 1280, height: 900 },
      locale: 'en',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    const page = await context.newPage();
    await watch(page, problems);
    const { summary, query } = await open(page, 'en');

    // The day: every figure the manager asked for is there, and they are the summary's.
    const c = summary.conversations;
    expect(c.total).toBeGreaterThanOrEqual(6);
    expect(summary.messages.notFound).toBeGreaterThan(0);
    expect(c.abandoned).toBeGreaterThan(0);
    expect(summary.desk.handoffs).toBeGreaterThan(0);
    expect(await text(page, '[data-figure="conversations"] [data-value]')).toBe(String(c.total));
    const pct = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);
    expect(await text(page, '[data-figure="abandonment"] [data-value]')).toBe(pct(c.abandonmentRate));
    expect(await text(page, '[data-figure="abandonment"] [data-field="of"]')).toBe(
      `${c.abandoned} of ${c.ended} ended conversations`,
    );
    expect(await text(page, '[data-figure="abandonment"] [data-field="idle"]')).toContain('Idle time: 5 min');
    expect(await text(page, '[data-figure="answers"] [data-field="not-found"]')).toBe(
      String(summary.messages.notFound),
    );
    expect(await text(page, '[data-figure="answers"] [data-field="found"]')).toBe(
      String(summary.messages.answered - summary.messages.notFound),
    );
    expect(await text(page, '[data-figure="answers"] [data-field="unanswered"]')).toBe(
      String(summary.messages.unanswered),
    );
    expect(await text(page, '[data-figure="resolution"] [data-field="bot"]')).toBe(
      `${pct(summary.desk.botResolution.rate)} (${summary.desk.botResolution.count} of ${summary.desk.botResolution.of})`,
    );
    expect(await text(page, '[data-figure="resolution"] [data-field="human"]')).toContain(
      pct(summary.desk.humanResolution.rate),
    );
    expect(await text(page, '[data-figure="csat"] [data-value]')).toBe(String(summary.desk.csat.average));
    expect(await text(page, '[data-figure="handoffs"] [data-field="reasons"]')).toContain(
      `Asked for a person${summary.desk.byReason.asked_for_human}`,
    );
    expect(await text(page, '[data-figure="topics"]')).toContain('Prazo de entrega');
    expect(await text(page, '[data-figure="languages"]')).toMatch(/pt-BR\s*\d+\s*en\s*\d+/);
    // The definition is one click away.
    await page.getByText('How it is computed').click();
    await expect
      .poll(() => page.getByText(/is abandoned when the shopper's last message/).isVisible())
      .toBe(true);

    await checkCharts(page);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-element-desktop.png'), fullPage: true });

    // The unanswered questions, clustered: the Portuguese wordings of "ship to Portugal" meet, and one copies as
    // a draft FAQ entry.
    const cluster = summary.unansweredQuestions.find((q) => q.key === 'entregam portugal');
    expect([...(cluster?.paraphrases ?? [])].sort()).toEqual([
      'entregam em portugal??',
      'vocês entregam em portugal?',
    ]);
    const item = page.locator('.questions > li[data-key="entregam portugal"]');
    await item.getByRole('button', { name: 'Copy FAQ draft' }).click();
    await item.getByText('Draft copied').waitFor();
    const draft = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    // The most asked wording is the question (which one depends on the hour the day is simulated up to).
    expect(draft).toEqual({
      id: 'entregam-portugal',
      title: expect.stringMatching(/^(Vocês entregam|Entregam) em portugal$/),
      question: `${cluster?.question.charAt(0).toUpperCase()}${cluster?.question.slice(1)}`,
      answer: '',
      paraphrases: cluster?.paraphrases.filter((p) => p !== cluster.question),
    });

    // The conversations: filtered to the abandoned ones, and one read.
    const list = page.locator('atende-dashboard-conversations');
    const filtered = page.waitForResponse((r) => r.url().includes('abandoned=true'));
    await list.locator('select[name="abandoned"]').selectOption('true');
    const rows = ((await (await filtered).json()) as { conversations: ConversationRow[] }).conversations;
    expect(rows.length).toBe(Math.min(c.abandoned, 20));
    await expect.poll(() => list.locator('tbody tr').count()).toBe(rows.length);
    await list.locator('tbody tr').first().getByRole('button', { name: 'Open' }).click();
    await list.locator('.transcript').waitFor();
    expect(await text(page, '.transcript')).toMatch(/Shopper .*entregam em portugal\?\?/);
    expect(await text(page, '.transcript')).toContain('failed');

    // The CSV of the range: one row per conversation, adding up to the summary.
    const downloading = page.waitForEvent('download');
    await page.locator('button[data-action="export"]').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(
      /^atende-conversations-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const records = parse(await readFile((await download.path()) as string), { columns: true }) as Record<
      string,
      string
    >[];
    expect(records).toHaveLength(c.total);
    expect(records.filter((r) => r.abandoned === 'true')).toHaveLength(c.abandoned);
    expect(records.filter((r) => r.handed_off === 'true')).toHaveLength(summary.desk.handoffs);
    expect(records.reduce((n, r) => n + Number(r.not_found), 0)).toBe(summary.messages.notFound);
    expect(new URLSearchParams(query).get('from')).toBeTruthy();

    await noHorizontalScroll(page);
    await noProblems(page, problems);
    await context.close();
  }, 60_000);

  it('fits a phone, in Portuguese', async () => {
    const { context, problems } = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      mobile: true,
      locale: 'pt-BR',
    });
    const page = await context.newPage();
    await watch(page, problems);
    const { summary } = await open(page, 'pt-BR');
    expect(await text(page, '[data-figure="abandonment"] [data-field="of"]')).toBe(
      `${summary.conversations.abandoned} de ${summary.conversations.ended} conversas encerradas`,
    );
    await checkCharts(page);
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-element-phone.png') });
    await page.locator('[data-chart="firstResponse"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-element-phone-charts.png') });
    await page.locator('atende-dashboard-conversations').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-element-phone-list.png') });
    await noProblems(page, problems);
    await context.close();
  }, 60_000);

  it('tells an operator the dashboard is for admins, and the API refuses them too', async () => {
    const { context, problems } = await newContext(browser, { locale: 'en' });
    const page = await context.newPage();
    await watch(page, problems);
    await page.goto(`${url}/test/dashboard?locale=en&role=operator`);
    await page.getByText('Only admins see the dashboard.').waitFor();
    // An operator token presented as an admin: the element asks, the API says 403, the element says why.
    const refused = page.waitForResponse((r) => r.url().includes('/api/metrics/summary'));
    await page.goto(`${url}/test/dashboard?locale=en&role=operator&staff=admin`);
    expect((await refused).status()).toBe(403);
    await page.getByText('Only admins see the dashboard.').waitFor();
    // The refused request is expected (the response and Chromium's console line); nothing else may go wrong.
    await noProblems(
      page,
      problems.filter((p) => !p.includes('403')),
    );
    await context.close();
  }, 30_000);
});

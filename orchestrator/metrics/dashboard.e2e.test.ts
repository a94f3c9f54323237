import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTlsMaterial } from '../../certs/certs.js';
import {
  ARTIFACTS,
  DEMO_PASSWORD,
  HAS_CHROMIUM,
  launchChromium,
  newContext,
  startWebStack,
  type WebStack,
} from '../../web/e2e/stack.js';
import { publicFetch, readSse, type SseEvent } from '../testing/harness.js';
import type { MetricsSummary } from './summary.js';

// The admin dashboard in Chromium, against a real orchestrator with the assistant and the echo test agent over
// mTLS. A short simulation through the public API fills the chat log first: guests whose questions the
// assistant answers (most of them close the chat), and two who leave unanswered — one after the echo agent hangs
// past the task timeout, one who closes the chat while the agent still hangs.

const TASK_TIMEOUT_MS = 1_500;
const QUESTIONS = [
  'Qual o prazo de entrega?',
  'Como faço para trocar um produto?',
  'Posso pagar com Pix?',
  'Can I pay with Pix?',
  'Como emitir a nota fiscal?',
];
/** How many of the answered conversations the shopper closes (the others stay active: outside the rate). */
const CLOSED_ANSWERED = 4;

let stack: WebStack;
let browser: Browser;
let web: ReturnType<typeof publicFetch>;
let summary: MetricsSummary;

async function guest(): Promise<string> {
  const response = await web.fetch(`${stack.url}/api/auth/guest`, { method: 'POST' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function login(email: string): Promise<string> {
  const response = await web.fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

function send(token: string, text: string, signal?: AbortSignal) {
  return web.fetch(`${stack.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, locale: text.startsWith('Can') ? 'en' : 'pt-BR' }),
    signal,
  });
}

async function close(token: string, conversationId: string) {
  const response = await web.fetch(`${stack.url}/api/conversations/${conversationId}/close`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
}

const conversationOf = (events: SseEvent[]) =>
  events.find((e) => e.event === 'conversation')?.data.conversationId;

/** A guest asks, the assistant answers (a `done` after text); the guest closes the chat when `leave`. */
async function answered(text: string, leave: boolean) {
  const token = await guest();
  const response = await send(token, text);
  expect(response.status).toBe(200);
  const events = await readSse(response);
  expect(events.map((e) => e.event)).toContain('delta');
  expect(events.at(-1)?.event).toBe('done');
  if (leave) await close(token, conversationOf(events));
}

/** A guest asks, the echo agent hangs until the task timeout, the guest gets an apology only and closes the chat. */
async function timedOut() {
  const token = await guest();
  const events = await readSse(await send(token, 'hang repeat after me'));
  expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_timeout' } });
  await close(token, conversationOf(events));
}

/** A guest asks, and closes the chat (and the stream) before any text arrives. */
async function leftWaiting() {
  const token = await guest();
  const abort = new AbortController();
  const response = await send(token, 'hang repeat after me please', abort.signal);
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let buffer = '';
  while (!/event: ?conversation[\s\S]*?\n\n/.test(buffer)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the conversation event: ${buffer}`);
    buffer += new TextDecoder().decode(value);
  }
  const data = /data: ?(\{.*\})/.exec(buffer)?.[1] ?? '{}';
  await close(token, JSON.parse(data).conversationId);
  abort.abort();
  await reader.cancel().catch(() => undefined);
}

/** How the dashboard prints a duration and a rate (dashboard.js `ms` and `percent`). */
const ms = (value: number | null) =>
  value === null ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);

/** Records CSP violations in the page itself (besides the console errors `newContext` collects). */
async function watchCsp(page: Page, problems: string[]) {
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/api/')) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

async function signIn(page: Page, email: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the dashboard, signs in as the admin and waits for the figures of the page's own summary request. */
async function openAsAdmin(page: Page): Promise<MetricsSummary> {
  const response = await page.goto(`${stack.url}/dashboard`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.locator('#signin').waitFor();
  const loaded = page.waitForResponse((r) => r.url().includes('/api/metrics/summary'));
  await signIn(page, 'admin@atende.dev');
  const own = (await (await loaded).json()) as MetricsSummary;
  await expect.poll(() => page.locator('#t-conv').textContent()).toBe(String(summary.conversations.total));
  await expect.poll(() => page.locator('#status').textContent()).toMatch(/buckets of/);
  return own;
}

/** Every chart: a uPlot canvas laid out inside its card, with pixels of a series colour drawn on it. */
async function checkCharts(page: Page) {
  const charts = await page.evaluate(() =>
    ['chart-latency', 'chart-histogram', 'chart-abandonment', 'chart-agents'].map((id) => {
      const host = document.getElementById(id) as HTMLElement;
      const canvas = host.querySelector('.uplot canvas') as HTMLCanvasElement | null;
      const box = canvas?.getBoundingClientRect();
      const card = host.getBoundingClientRect();
      let inked = 0;
      if (canvas) {
        const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
          0,
          0,
          canvas.width,
          canvas.height,
        ).data;
        // Series colours of dashboard.js: #2457c5, #c5242a, #b36b00.
        const colours = [
          [0x24, 0x57, 0xc5],
          [0xc5, 0x24, 0x2a],
          [0xb3, 0x6b, 0x00],
        ];
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
      }
      return {
        id,
        width: Math.round(box?.width ?? 0),
        height: Math.round(box?.height ?? 0),
        fits: box ? box.left >= card.left - 1 && box.right <= card.right + 1 : false,
        inked,
      };
    }),
  );
  for (const chart of charts) {
    expect(chart, chart.id).toMatchObject({ fits: true });
    expect(chart.width, chart.id).toBeGreaterThan(200);
    expect(chart.height, chart.id).toBeGreaterThan(100);
    expect(chart.inked, `${chart.id} draws its data`).toBeGreaterThan(20);
  }
}

async function checkFigures(page: Page, shown: MetricsSummary) {
  // The page and an independent admin request read the same chat log.
  for (const figure of [shown, summary]) {
    expect(figure.conversations).toMatchObject({
      total: summary.conversations.total,
      ended: summary.conversations.ended,
      abandoned: summary.conversations.abandoned,
    });
    expect(figure.messages.firstResponseMs).toEqual(summary.messages.firstResponseMs);
  }
  const text = async (id: string) => (await page.locator(`#${id}`).textContent())?.trim();
  const { firstResponseMs } = summary.messages;
  const c = summary.conversations;
  expect(await text('t-conv')).toBe(String(c.total));
  expect(await text('t-p50')).toBe(ms(firstResponseMs.p50));
  expect(await text('t-p95')).toBe(ms(firstResponseMs.p95));
  expect(await text('t-p99')).toBe(ms(firstResponseMs.p99));
  expect(await text('t-abandon')).toBe(`${percent(c.abandonmentRate)} (${c.abandoned}/${c.ended})`);
  expect(await text('t-msg')).toBe(`${summary.messages.answered}/${summary.messages.shopper}`);
  const { desk } = summary;
  expect(await text('t-desk-handoffs')).toBe(`${desk.handoffs} (${percent(desk.handoffRate)})`);
  expect(await text('t-desk-waiting')).toBe(String(desk.waiting));
  expect(await text('t-desk-wait')).toBe('–');
  expect(await text('t-desk-bot')).toBe(
    `${percent(desk.botResolution.rate)} (${desk.botResolution.count}/${desk.botResolution.of})`,
  );
  expect(await text('t-desk-csat')).toBe('– (0; bot –, human –)');
  expect(await page.locator('#desk-reasons tr').allTextContents()).toContain('asked for a person0');
  const rows = await page.locator('#agents tr').allTextContents();
  expect(rows.some((r) => r.startsWith('Atende Assistant'))).toBe(true);
  await expect
    .poll(() => page.locator('#health li').allTextContents())
    .toContainEqual(expect.stringMatching(/Atende Assistant\s*up/));
}

async function noHorizontalScroll(page: Page) {
  const { scroll, client, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)
      .slice(0, 5),
  }));
  expect(scroll, `too wide: ${wide.join(', ')}`).toBeLessThanOrEqual(client);
}

async function noProblems(page: Page, problems: string[]) {
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(csp).toEqual([]);
  expect(problems).toEqual([]);
}

describe.skipIf(!HAS_CHROMIUM)('the admin dashboard in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([
      startWebStack({
        agents: ['assistant', 'testagent'],
        env: { AGENT_TASK_TIMEOUT_MS: String(TASK_TIMEOUT_MS) },
      }),
      launchChromium(),
    ]);
    web = publicFetch((await loadTlsMaterial(stack.certsDir, 'orchestrator')).ca);

    // The simulation: five answered guests (four close the chat), two who leave without an answer.
    await Promise.all([
      ...QUESTIONS.map((q, i) => answered(q, i < CLOSED_ANSWERED)),
      timedOut(),
      leftWaiting(),
    ]);

    const admin = await login('admin@atende.dev');
    const response = await web.fetch(`${stack.url}/api/metrics/summary`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(200);
    summary = (await response.json()) as MetricsSummary;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await stack?.close();
  });

  it('the summary counts the simulation', () => {
    expect(summary.conversations).toMatchObject({
      total: QUESTIONS.length + 2,
      withShopperMessage: QUESTIONS.length + 2,
      ended: CLOSED_ANSWERED + 2,
      closed: CLOSED_ANSWERED + 2,
      abandoned: 2,
      active: QUESTIONS.length - CLOSED_ANSWERED,
    });
    expect(summary.conversations.abandonmentRate).toBeCloseTo(2 / (CLOSED_ANSWERED + 2), 5);
    // Nobody asked for a person: the bots resolved every ended conversation they did not abandon.
    expect(summary.desk).toMatchObject({
      handoffs: 0,
      handoffRate: 0,
      waiting: 0,
      queueWaitMs: { p50: null, p95: null },
      botResolution: { count: CLOSED_ANSWERED, of: CLOSED_ANSWERED + 2 },
      abandonedWaiting: { rate: null },
      csat: { count: 0, average: null },
    });
    expect(summary.messages).toMatchObject({ shopper: QUESTIONS.length + 2, answered: QUESTIONS.length });
    expect(summary.messages.firstResponseMs.p50).toBeGreaterThan(0);
    expect(summary.messages.firstResponseMs.p95).toBeGreaterThanOrEqual(
      summary.messages.firstResponseMs.p50 ?? 0,
    );
    expect(summary.histogram.reduce((n, b) => n + b.count, 0)).toBe(QUESTIONS.length);
    const echo = summary.agents.find((a) => a.agent !== 'Atende Assistant' && a.tasks > 0);
    expect(echo?.failures).toBe(2);
    expect(echo?.timeouts).toBe(1);
  });

  it('shows an admin the figures of the chat log in charts, on a desktop', async () => {
    const { context, problems } = await newContext(browser, {
      viewport: { width: 1280, height: 800 },
      locale: 'en',
    });
    const page = await context.newPage();
    await watchCsp(page, problems);
    const shown = await openAsAdmin(page);
    await checkFigures(page, shown);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png') });
    await checkCharts(page);
    await noHorizontalScroll(page);
    await noProblems(page, problems);
    await context.close();
  }, 30_000);

  it('fits a phone', async () => {
    const { context, problems } = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      mobile: true,
      locale: 'en',
    });
    const page = await context.newPage();
    await watchCsp(page, problems);
    const shown = await openAsAdmin(page);
    await checkFigures(page, shown);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png') });
    await checkCharts(page);
    await noHorizontalScroll(page);
    await noProblems(page, problems);
    await context.close();
  }, 30_000);

  it('refuses a customer account with a clear message', async () => {
    const customer = await login('customer@atende.dev');
    const api = await web.fetch(`${stack.url}/api/metrics/summary`, {
      headers: { authorization: `Bearer ${customer}` },
    });
    expect(api.status).toBe(403);

    const { context, problems } = await newContext(browser, { locale: 'en' });
    const page = await context.newPage();
    await watchCsp(page, problems);
    await page.goto(`${stack.url}/dashboard`);
    await signIn(page, 'customer@atende.dev');
    await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/not an admin/);
    expect(await page.locator('#board').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await noProblems(page, problems);
    await context.close();
  }, 20_000);
});

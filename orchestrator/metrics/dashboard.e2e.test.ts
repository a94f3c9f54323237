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

// The admin dashboard (<atende-dashboard> in the console, /console#/dashboard) in Chromium, against a real
// orchestrator with the assistant and the echo test agent over mTLS. A short simulation through the public API fills the chat log first: guests whose questions the
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
    body: JSON.stringify({ text, locale: text.startsWith('Can') ? 'en' : 'pt-BR', localeForced: true }),
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

/** Signs in to the console as the admin at the dashboard; waits for the figures of the element's own request. */
async function openAsAdmin(page: Page): Promise<MetricsSummary> {
  const loaded = page.waitForResponse((r) => r.url().includes('/api/metrics/summary'));
  // Signed in by hand rather than with `signInConsole`: on a phone the console's navigation is a closed drawer.
  await page.goto(`${stack.url}/console#/dashboard`);
  await page.getByLabel('E-mail').fill('admin@atende.dev');
  await page.getByLabel('Senha').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  const response = await loaded;
  expect(response.status()).toBe(200);
  expect(response.headers()['content-security-policy']).toContain("style-src 'self'");
  const own = (await response.json()) as MetricsSummary;
  await page.locator('atende-dashboard [data-figure="conversations"] [data-value]').waitFor();
  return own;
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(`atende-dashboard ${selector}`).first().textContent()) ?? '')
    .replace(/\s+/g, ' ')
    .trim();

/** Every chart: a uPlot canvas laid out inside its card, with pixels of a series colour drawn on it. */
async function checkCharts(page: Page) {
  await expect.poll(() => page.locator('atende-dashboard [data-chart] .uplot canvas').count()).toBe(4);
  const charts = await page.locator('atende-dashboard [data-chart]').evaluateAll((hosts) =>
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
      // Series colours of web/src/dashboard/charts.ts.
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
        id: (host as HTMLElement).dataset.chart,
        width: Math.round(box.width),
        height: Math.round(box.height),
        fits: box.left >= card.left - 1 && box.right <= card.right + 1,
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

/** The element shows its own summary, and that summary counts what an independent admin request counts. */
async function checkFigures(page: Page, shown: MetricsSummary) {
  expect(shown.conversations).toMatchObject({
    total: summary.conversations.total,
    ended: summary.conversations.ended,
    abandoned: summary.conversations.abandoned,
  });
  expect(shown.messages.firstResponseMs).toEqual(summary.messages.firstResponseMs);
  const c = summary.conversations;
  expect(await text(page, '[data-figure="conversations"] [data-value]')).toBe(String(c.total));
  expect(await text(page, '[data-figure="abandonment"] [data-field="of"]')).toBe(
    `${c.abandoned} de ${c.ended} conversas encerradas`,
  );
  expect(await text(page, '[data-figure="answers"] [data-field="unanswered"]')).toBe(
    String(summary.messages.unanswered),
  );
  expect(await text(page, '[data-figure="handoffs"] [data-value]')).toBe('0');
  expect(await text(page, '[data-figure="csat"] [data-value]')).toBe('–');
  expect(await text(page, '[data-figure="languages"]')).toMatch(/pt-BR\s*\d+\s*en\s*1/);
  // The two that left unanswered are the top unanswered questions.
  expect(await text(page, '[data-figure="questions"]')).toContain('hang repeat after me');
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
  // This stack has no desk agent: the console's question for the shop's time zone is refused (503) and it keeps
  // America/Sao_Paulo. Nothing else may fail.
  expect(problems.filter((p) => !/status of 503/.test(p))).toEqual([]);
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
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });
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

  it('refuses a customer account at the API (the console refuses shoppers at sign-in: web/e2e)', async () => {
    const customer = await login('customer@atende.dev');
    for (const path of ['/api/metrics/summary', '/api/metrics/conversations', '/api/metrics/export.csv']) {
      const api = await web.fetch(`${stack.url}${path}`, {
        headers: { authorization: `Bearer ${customer}` },
      });
      expect(api.status, path).toBe(403);
    }
  }, 20_000);
});

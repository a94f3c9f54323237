import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicFetch, readEvents } from '../../orchestrator/testing/harness.js';
import {
  ARTIFACTS,
  ask,
  HAS_CHROMIUM,
  lastAnswer,
  launchChromium,
  newContext,
  openWidget as openStackWidget,
  startWebStack,
  streamedLengths,
  type WebStack,
  watchStreaming,
} from './stack.js';

// The widget follows its conversation's events: replies it did not ask for show up live, and a reply whose
// stream was cut is finished from the events, each word once. The echo test agent repeats the message a word
// every 50 ms, slow enough to cut the connections in the middle of a reply. (Chromium's offline emulation leaves
// open streams alone, so the cuts are made with `page.route`.)

let stack: WebStack;
let browser: Browser;

const openWidget = (page: Page) => openStackWidget(page, stack.url);
const bubbles = (page: Page, author: 'shopper' | 'agent') =>
  page.locator(`atende-chat .msg.${author} .bubble`).allTextContents();

describe.skipIf(!HAS_CHROMIUM)('the chat widget, live conversations', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startWebStack({ agents: ['testagent'], agentEnv: { ECHO_DELAY_MS: '50' } });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows live a message and its reply that the shopper did not send from this page', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await openWidget(page);
    await ask(page, 'repeat after me hello');
    await expect
      .poll(() => lastAnswer(page).textContent(), { timeout: 15_000 })
      .toBe('repeat after me hello');

    // Another tab of the same shopper (here: the test) sends a message in the same conversation.
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem('atende.session') ?? '{}'));
    expect(session.conversationId).toEqual(expect.any(String));
    await watchStreaming(page);
    const text = `repeat after me sent from another tab ${Array.from({ length: 20 }, (_, i) => `t${i}`).join(' ')}`;
    const web = publicFetch(await readFile(join(stack.certsDir, 'ca.pem'), 'utf8'));
    try {
      const response = await web.fetch(`${stack.url}/api/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({ text, locale: 'pt-BR', conversationId: session.conversationId }),
      });
      expect(response.status).toBe(200);
      let ended = '';
      await readEvents(response, (event) => {
        if (event === 'done' || event === 'error') ended = event;
        return undefined;
      });
      expect(ended).toBe('done');
    } finally {
      await web.close();
    }

    // Without anything done on the page, both show up, the reply streamed in, each once.
    await expect
      .poll(() => bubbles(page, 'shopper'), { timeout: 15_000 })
      .toEqual(['repeat after me hello', text]);
    await expect.poll(() => lastAnswer(page).textContent(), { timeout: 15_000 }).toBe(text);
    expect(await bubbles(page, 'agent')).toEqual(['repeat after me hello', text]);
    const lengths = await streamedLengths(page);
    expect(lengths).toBeGreaterThan(3);
    // The finished reply is announced like one the shopper asked for.
    await expect
      .poll(() => page.locator('atende-chat [aria-live="polite"]').first().textContent())
      .toContain('sent from another tab');
    await page.screenshot({ path: join(ARTIFACTS, 'widget-live-other-tab.png') });
    expect(problems.filter((p) => /Refused|Content Security Policy|page error/i.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  it('finishes a reply whose connection was cut mid-reply from the events, each word once', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    const follows: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/events')) follows.push(request.url());
    });
    const upstream = publicFetch(await readFile(join(stack.certsDir, 'ca.pem'), 'utf8'));
    /** Sends the page's request from here and hands the page the stream up to `marker`, then breaks it off. */
    const cutAt = (marker: string) => async (route: Route) => {
      const request = route.request();
      const abort = new AbortController();
      const response = await upstream.fetch(request.url(), {
        method: request.method(),
        headers: request.headers(),
        body: request.postData() ?? undefined,
        signal: abort.signal,
      });
      let body = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        body += decoder.decode(chunk, { stream: true });
        if (body.includes(marker)) break;
      }
      abort.abort();
      await route.fulfill({
        status: response.status,
        headers: { 'content-type': 'text/event-stream' },
        body: body.slice(0, body.lastIndexOf('\n\n') + 2),
      });
    };
    // The reply's own stream breaks off after a few words; the events' first stream a little later. The agent,
    // about six seconds from done, keeps writing on the server, and the page follows the events again by itself.
    await page.route('**/api/chat/messages', cutAt(' w5'));
    let eventStreams = 0;
    await page.route('**/api/conversations/*/events*', (route) =>
      eventStreams++ === 0 ? cutAt(' w30')(route) : route.continue(),
    );
    await openWidget(page);
    await page.evaluate(() => {
      const w = window as unknown as { __texts: string[] };
      w.__texts = [];
      const tick = () => {
        const all = document.querySelector('atende-chat')?.shadowRoot?.querySelectorAll('.msg.agent .bubble');
        const text = all?.[all.length - 1]?.textContent ?? '';
        if (text !== w.__texts.at(-1)) w.__texts.push(text);
        requestAnimationFrame(tick);
      };
      tick();
    });
    const words = `repeat after me ${Array.from({ length: 120 }, (_, i) => `w${i}`).join(' ')}`;
    await ask(page, words);
    await expect
      .poll(() => page.locator('atende-chat .notice').textContent(), { timeout: 15_000 })
      .toContain('A conexão caiu no meio da resposta');
    await page.screenshot({ path: join(ARTIFACTS, 'widget-live-dropped.png') });

    await expect.poll(() => lastAnswer(page).textContent(), { timeout: 30_000 }).toBe(words);
    await expect
      .poll(() => page.locator('atende-chat .notice').textContent())
      .toContain('Resposta recuperada');
    expect(await bubbles(page, 'shopper')).toEqual([words]);
    expect(await bubbles(page, 'agent')).toEqual([words]);
    // Every text the reply showed on the way was the start of the next one: it never went back nor repeated.
    const texts = await page.evaluate(() => (window as unknown as { __texts: string[] }).__texts);
    const shown = texts.map((t) => t.trim()).filter((t) => t.startsWith('repeat'));
    expect(shown.length).toBeGreaterThan(3);
    for (const [i, text] of shown.entries()) expect(shown[i + 1] ?? words).toContain(text);
    // And it streamed in on the events followed again, not only as the complete message at the end.
    expect(shown.some((text) => text.includes(' w60') && text !== words)).toBe(true);
    // The events were followed again from the last one the page had, not from the start.
    expect(eventStreams).toBeGreaterThan(1);
    expect(follows.slice(1).every((url) => /[?&]after=[1-9]\d*/.test(url))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-live-resumed.png') });

    // A reload shows the same conversation from the history, and following it adds nothing twice.
    await page.unrouteAll();
    await page.reload();
    await page.getByRole('dialog', { name: 'Atendimento' }).waitFor();
    await expect.poll(() => bubbles(page, 'agent'), { timeout: 15_000 }).toEqual([words]);
    await page.waitForTimeout(500);
    expect(await bubbles(page, 'shopper')).toEqual([words]);
    expect(await bubbles(page, 'agent')).toEqual([words]);
    expect(problems.filter((p) => /Refused|Content Security Policy|page error/i.test(p))).toEqual([]);
    await upstream.close();
    await context.close();
  }, 90_000);
});

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicFetch } from '../../orchestrator/testing/harness.js';
import {
  ARTIFACTS,
  ask,
  HAS_CHROMIUM,
  lastAnswer,
  launchChromium,
  newContext,
  openWidget as openStackWidget,
  startWebStack,
  type WebStack,
} from './stack.js';

// The widget's hard cases, against the echo test agent (it repeats the message word by word) and an
// orchestrator that allows only 2 chat messages a minute.

let stack: WebStack;
let browser: Browser;

const openWidget = (page: Page) => openStackWidget(page, stack.url);

describe.skipIf(!HAS_CHROMIUM)('the chat widget, hard cases', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startWebStack({ agents: ['testagent'], env: { CHAT_MESSAGES_PER_MINUTE: '2' } });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows HTML in an agent reply as text, never as markup', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await openWidget(page);
    // Record whether the typing indicator showed while the agent worked.
    await page.evaluate(() => {
      const root = document.querySelector('atende-chat')?.shadowRoot as ShadowRoot;
      new MutationObserver(() => {
        if (root.querySelector('.typing[aria-label="Digitando…"]')) document.body.dataset.sawTyping = 'yes';
      }).observe(root, { subtree: true, childList: true });
    });
    await ask(page, 'repeat after me <img src=x onerror=alert(1)> **bold** [x](javascript:alert(2))');
    await expect
      .poll(() => lastAnswer(page).textContent(), { timeout: 15_000 })
      .toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('atende-chat .msg.agent img').count()).toBe(0);
    expect(await page.locator('atende-chat .msg.agent a').count()).toBe(0);
    // The markdown subset still works: **bold** became <strong>.
    expect(await page.locator('atende-chat .msg.agent strong').textContent()).toBe('bold');
    await page.waitForTimeout(300);
    expect(dialogs).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.sawTyping)).toBe('yes');
    expect(problems.filter((p) => /Refused|page error/i.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  it('tells the shopper to wait when the rate limit is spent, and how long', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await openWidget(page);
    for (const text of ['repeat after me one', 'repeat after me two']) {
      await ask(page, text);
      await expect.poll(() => lastAnswer(page).textContent(), { timeout: 15_000 }).toContain(text);
    }
    await ask(page, 'repeat after me three');
    const notice = page.locator('atende-chat .notice.error');
    await expect
      .poll(() => notice.textContent(), { timeout: 10_000 })
      .toMatch(/Você enviou muitas mensagens; tente de novo em \d+ s/);
    expect(await page.getByRole('button', { name: 'Enviar' }).isDisabled()).toBe(true);
    // The refused words are given back for later, and no half-sent bubble stays behind.
    expect(await page.getByRole('textbox', { name: 'Sua mensagem' }).inputValue()).toBe(
      'repeat after me three',
    );
    expect(await page.locator('atende-chat .msg.shopper').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-rate-limited.png') });
    await context.close();
  }, 60_000);

  it('offers a retry when the message could not be sent, and sends it again', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await openWidget(page);
    await page.route('**/api/chat/messages', (route) => route.abort('connectionreset'));
    await ask(page, 'repeat after me retry works');
    const retry = page.locator('atende-chat .notice button', { hasText: 'Tentar de novo' });
    await retry.waitFor({ timeout: 10_000 });
    await page.unroute('**/api/chat/messages');
    await retry.click();
    await expect
      .poll(() => lastAnswer(page).textContent(), { timeout: 15_000 })
      .toBe('repeat after me retry works');
    expect(await page.locator('atende-chat .msg.shopper').count()).toBe(1);
    await context.close();
  }, 60_000);

  it('recovers the answer from the history when the stream drops mid-answer', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await openWidget(page);
    // Let the real request through, but hand the page only the start of the stream, as a dropped connection would.
    await page.route('**/api/chat/messages', async (route) => {
      const response = await route.fetch();
      const body = await response.text();
      const cut = body.indexOf('event: delta');
      await route.fulfill({ response, body: body.slice(0, body.indexOf('\n\n', cut) + 2) });
    });
    await ask(page, 'repeat after me dropped but recovered');
    await expect
      .poll(() => lastAnswer(page).textContent(), { timeout: 15_000 })
      .toBe('repeat after me dropped but recovered');
    await expect
      .poll(() => page.locator('atende-chat .notice').textContent())
      .toContain('Resposta recuperada');
    await context.close();
  }, 60_000);

  it('recovers a reply the agent was still writing when the connection dropped', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await openWidget(page);
    // The page's request goes out from here; the connection to the orchestrator is cut after the first words, while
    // the echo agent (a word every 20 ms) still has about five seconds of reply to write.
    const upstream = publicFetch(await readFile(join(stack.certsDir, 'ca.pem'), 'utf8'));
    await page.route('**/api/chat/messages', async (route) => {
      const request = route.request();
      const abort = new AbortController();
      const response = await upstream.fetch(request.url(), {
        method: 'POST',
        headers: request.headers(),
        body: request.postData() ?? '',
        signal: abort.signal,
      });
      let body = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        body += decoder.decode(chunk, { stream: true });
        if (body.includes('event: delta')) break;
      }
      abort.abort();
      await route.fulfill({
        status: response.status,
        headers: { 'content-type': 'text/event-stream' },
        body: body.slice(0, body.lastIndexOf('\n\n') + 2),
      });
    });
    const words = `repeat after me ${Array.from({ length: 250 }, (_, i) => `w${i}`).join(' ')}`;
    await ask(page, words);
    await expect.poll(() => lastAnswer(page).textContent(), { timeout: 30_000 }).toBe(words);
    await expect
      .poll(() => page.locator('atende-chat .notice').textContent())
      .toContain('Resposta recuperada');
    await upstream.close();
    await context.close();
  }, 60_000);
});

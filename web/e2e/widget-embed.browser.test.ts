import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../orchestrator/testing/harness.js';
import {
  ARTIFACTS,
  ask,
  HAS_CHROMIUM,
  lastAnswer,
  launchChromium,
  newContext,
  openWidget,
  startWebStack,
  type WebStack,
} from './stack.js';

// The widget embedded in another shop's site (another origin) with the two lines the README gives, against an
// orchestrator that does not allow that origin and one whose WEB_ORIGIN names it; and the message box's counter.

let refusing: WebStack;
let allowing: WebStack;
let browser: Browser;
let site: Server;
let siteUrl: string;

/** The other shop's page: the loader (from `loader`, `api` by default) and the element, pointing at `api`. */
function shopPage(api: string, lang: string, loader = api): string {
  return `<!doctype html>
<html lang="${lang}">
  <head><meta charset="utf-8" /><title>Outra loja</title></head>
  <body>
    <h1>Outra loja</h1>
    <script type="module" src="${loader}/widget/atende-chat.js"></script>
    <atende-chat api="${api}"></atende-chat>
  </body>
</html>`;
}

async function openEmbedded(page: Page, stack: WebStack, lang = 'pt-BR') {
  await page.goto(`${siteUrl}/?api=${encodeURIComponent(stack.url)}&lang=${lang}`);
  await page.locator('atende-chat .launcher').click();
  await page.locator('atende-chat [role="dialog"]').waitFor();
}

describe.skipIf(!HAS_CHROMIUM)('the widget', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const port = await freePort();
    siteUrl = `http://localhost:${port}`;
    site = createServer((req, res) => {
      const query = new URL(req.url ?? '/', siteUrl).searchParams;
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          shopPage(query.get('api') ?? '', query.get('lang') ?? 'pt-BR', query.get('loader') ?? undefined),
        );
    });
    await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve));
    [refusing, allowing] = await Promise.all([
      startWebStack({ agents: ['testagent'] }),
      startWebStack({ agents: ['testagent'], env: { WEB_ORIGIN: siteUrl } }),
    ]);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([refusing?.close(), allowing?.close()]);
    await new Promise((resolve) => site?.close(resolve));
  });

  describe('on another site', () => {
    it("says the shop's configuration refused it when the origin is not allowed, in pt-BR and English", async () => {
      const { context } = await newContext(browser);
      const page = await context.newPage();
      await openEmbedded(page, refusing);
      await ask(page, 'olá');
      const notice = page.locator('atende-chat .notice.error');
      await expect
        .poll(() => notice.textContent(), { timeout: 15_000 })
        .toContain('não está liberado para este site');
      const text = (await notice.textContent()) ?? '';
      expect(text).toContain(siteUrl);
      expect(text).toContain('WEB_ORIGIN');
      expect(text).not.toContain('Verifique sua conexão');
      // Nothing to retry: the shopper cannot fix it.
      expect(await page.locator('atende-chat .notice button').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/widget-embed-refused.png` });

      const english = await context.newPage();
      await openEmbedded(english, refusing, 'en');
      await ask(english, 'hello');
      await expect
        .poll(() => english.locator('atende-chat .notice.error').textContent(), { timeout: 15_000 })
        .toContain('This chat is not enabled for this site');
      await context.close();
    }, 60_000);

    it('still says "check your connection" when the orchestrator is unreachable', async () => {
      const { context } = await newContext(browser);
      const page = await context.newPage();
      const nobody = `https://localhost:${await freePort()}`;
      // The loader comes from a running orchestrator; the API named is one nobody listens on.
      await page.goto(
        `${siteUrl}/?api=${encodeURIComponent(nobody)}&loader=${encodeURIComponent(allowing.url)}`,
      );
      await page.locator('atende-chat .launcher').click();
      await ask(page, 'olá');
      await expect
        .poll(() => page.locator('atende-chat .notice.error').textContent(), { timeout: 15_000 })
        .toContain('Verifique sua conexão');
      await context.close();
    }, 60_000);

    it('chats when WEB_ORIGIN names the site', async () => {
      const { context } = await newContext(browser);
      const page = await context.newPage();
      await openEmbedded(page, allowing);
      await ask(page, 'repeat after me embedded');
      await expect.poll(() => lastAnswer(page).textContent(), { timeout: 15_000 }).toContain('embedded');
      expect(await page.locator('atende-chat .notice.error').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/widget-embed-allowed.png` });
      await context.close();
    }, 60_000);
  });

  describe("message box's counter", () => {
    it('shows from 90 % of the limit, says when it is reached, and is read with the box', async () => {
      const { context } = await newContext(browser);
      const page = await context.newPage();
      await openWidget(page, allowing.url);
      const input = page.getByRole('textbox', { name: /Sua mensagem|Your message/ });
      const count = page.locator('atende-chat .count');
      const announced = page.locator('atende-chat div.sr-only[aria-live="polite"]');

      await input.fill('a'.repeat(1_799));
      expect(await count.count()).toBe(0);
      expect(await input.getAttribute('aria-describedby')).toBeNull();

      await input.fill('a'.repeat(1_950));
      await expect.poll(() => count.textContent()).toContain('1.950/2.000');
      expect(await input.getAttribute('aria-describedby')).toBe('atende-count');
      expect(await page.locator('atende-chat #atende-count .sr-only').textContent()).toContain(
        'Restam 50 de 2.000 caracteres.',
      );
      await expect.poll(() => announced.textContent()).toContain('Restam 50 de 2.000 caracteres.');

      // Typing past the limit: the box keeps 2,000 characters and says so.
      await input.fill('a'.repeat(1_999));
      await input.press('End');
      await input.pressSequentially('bcd');
      expect((await input.inputValue()).length).toBe(2_000);
      await expect.poll(() => count.textContent()).toContain('2.000/2.000');
      expect(await count.textContent()).toContain('Limite de 2.000 caracteres atingido.');
      expect(await count.getAttribute('class')).toContain('full');
      await expect.poll(() => announced.textContent()).toContain('Limite de 2.000 caracteres atingido.');
      await page.screenshot({ path: `${ARTIFACTS}/widget-counter-full.png` });

      await page.locator('atende-chat select').selectOption('en');
      await expect.poll(() => count.textContent()).toContain('2,000/2,000');
      expect(await count.textContent()).toContain('Limit of 2,000 characters reached.');

      await input.fill('short');
      await expect.poll(() => count.count()).toBe(0);
      await context.close();
    }, 60_000);
  });
});

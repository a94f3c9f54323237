import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  ask,
  DEMO_PASSWORD,
  HAS_CHROMIUM,
  lastAnswer,
  launchChromium,
  newContext,
  startWebStack,
  streamedLengths,
  type WebStack,
  watchStreaming,
} from './stack.js';

// The shopper's widget on the demo shop page, in Chromium, against the real assistant and orders agents.

let stack: WebStack;
let browser: Browser;

describe.skipIf(!HAS_CHROMIUM)('the chat widget in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // The desk is there so that unsure answers offer a person (the orchestrator offers one only with a desk).
    stack = await startWebStack({ agents: ['assistant', 'orders', 'promotions', 'desk'] });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('streams an answer with its citation, restores it after a reload, and shows an order card after sign-in', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    const response = await page.goto(`${stack.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.title()).resolves.toMatch(/Loja Exemplo/);

    await page.getByRole('button', { name: 'Abrir o chat de atendimento' }).click();
    const dialog = page.getByRole('dialog', { name: 'Atendimento' });
    await dialog.waitFor();
    // Focus goes to the message box when the panel opens.
    await expect
      .poll(() => page.evaluate(() => document.querySelector('atende-chat')?.shadowRoot?.activeElement?.id))
      .toBe('atende-input');

    await watchStreaming(page);
    await ask(page, 'Qual o prazo de entrega?');
    const answer = lastAnswer(page);
    await expect.poll(() => answer.textContent(), { timeout: 15_000 }).toMatch(/dias úteis/);
    const lengths = await streamedLengths(page);
    expect(lengths).toBeGreaterThan(3);
    const citation = page.locator('atende-chat .sources li[data-citation="delivery-time"]');
    await expect.poll(() => citation.count()).toBe(1);
    // The finished answer is announced through the live region.
    await expect
      .poll(() => page.locator('atende-chat [aria-live="polite"]').first().textContent())
      .toMatch(/Atende: .*dias úteis/);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-desktop.png') });

    await page.reload();
    await page.getByRole('dialog', { name: 'Atendimento' }).waitFor();
    const restored = page.locator('atende-chat .msg');
    await expect.poll(() => restored.count()).toBe(2);
    expect(await restored.first().textContent()).toContain('Qual o prazo de entrega?');
    expect(await restored.last().textContent()).toMatch(/dias úteis/);
    await expect.poll(() => citation.count()).toBe(1);

    await page.getByRole('button', { name: 'Entrar' }).first().click();
    await page.getByLabel('E-mail').fill('customer@atende.dev');
    await page.getByLabel('Senha').fill(DEMO_PASSWORD);
    await page.locator('atende-chat form.signin button[type="submit"]').click();
    await expect.poll(() => page.locator('atende-chat header p').textContent()).toMatch(/Conectado como/);
    await ask(page, 'onde está meu pedido?');
    const order = page.locator('atende-chat .card.order').first();
    await order.waitFor({ timeout: 15_000 });
    expect(await order.textContent()).toMatch(/Pedido #10(3[4-9]|4\d)/);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-order.png') });
    // The card is kept with the reply: after a reload the history shows it again.
    const shown = await order.textContent();
    await page.reload();
    const restoredCard = page.locator('atende-chat .card.order').first();
    await restoredCard.waitFor({ timeout: 15_000 });
    expect(await restoredCard.textContent()).toBe(shown);

    expect(problems.filter((p) => /Refused|Content Security Policy|page error/i.test(p))).toEqual([]);
    await context.close();
  }, 90_000);

  it('asks a guest to sign in for orders, then answers the same question once signed in', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    await page.getByRole('button', { name: 'Abrir o chat de atendimento' }).click();
    await ask(page, 'cadê meu pedido?');
    const signIn = page.locator('atende-chat .msg.agent .card button.action', { hasText: 'Entrar' });
    await signIn.waitFor({ timeout: 15_000 });
    await signIn.click();
    await page.getByLabel('E-mail').fill('customer@atende.dev');
    await page.getByLabel('Senha').fill(DEMO_PASSWORD);
    await page.getByLabel('Senha').press('Enter');
    await page
      .locator('atende-chat .card.order')
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(async (error) => {
        await page.screenshot({ path: join(ARTIFACTS, 'debug-signin.png') });
        throw error;
      });
    expect(await page.locator('atende-chat .card.order').first().textContent()).toMatch(/Pedido #\d+/);
    // The question that needed the sign-in was asked again, once, with the account.
    expect(await page.locator('atende-chat .msg.shopper .bubble').allTextContents()).toEqual([
      'cadê meu pedido?',
    ]);
    await context.close();
  }, 60_000);

  it('shows a premium shopper an offer card, and offers a person when the answer is unsure', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    await page.getByRole('button', { name: 'Abrir o chat de atendimento' }).click();

    // One unsure answer may just need rephrasing; two in a row offer a person (orchestrator/desk/offer.ts).
    await ask(page, 'qual a capital da França?');
    await expect.poll(() => page.locator('atende-chat .msg.agent.done').count(), { timeout: 15_000 }).toBe(1);
    await ask(page, 'e qual a capital da Alemanha?');
    const handoff = page.locator('atende-chat .card.handoff button', { hasText: 'Falar com uma pessoa' });
    await handoff.waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Entrar' }).first().click();
    await page.getByLabel('E-mail').fill('premium@atende.dev');
    await page.getByLabel('Senha').fill(DEMO_PASSWORD);
    await page.getByLabel('Senha').press('Enter');
    await expect.poll(() => page.locator('atende-chat header p').textContent()).toMatch(/Conectado como/);
    await ask(page, 'Tem algum cupom de desconto?');
    const offer = page.locator('atende-chat .card.offer').first();
    await offer.waitFor({ timeout: 15_000 });
    expect(await offer.locator('.code').textContent()).toMatch(/^[A-Z0-9]+$/);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-offer.png') });

    // Two questions in one message: two agents answer in parallel, in one reply with both kinds of card.
    await ask(page, 'Onde está meu pedido? E tem algum cupom?');
    const reply = page.locator('atende-chat .msg.agent.done').last();
    await reply.locator('.card.order').first().waitFor({ timeout: 15_000 });
    expect(await reply.locator('.card.offer').count()).toBeGreaterThan(0);
    // Answered in the order asked: the orders first, then the offers.
    expect(await reply.locator('.bubble').textContent()).toMatch(/#\d+[\s\S]*ofertas/);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-two-agents.png') });
    await context.close();
  }, 60_000);

  it('fits a phone screen and works with the keyboard alone', async () => {
    const { context } = await newContext(browser, { viewport: { width: 390, height: 844 }, mobile: true });
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    await page.getByRole('button', { name: 'Abrir o chat de atendimento' }).focus();
    await page.keyboard.press('Enter');
    const panel = page.locator('atende-chat .panel');
    await panel.waitFor();
    const box = await panel.boundingBox();
    expect(box?.width).toBe(390);
    expect(box?.height).toBe(844);
    await page.keyboard.type('Posso pagar com Pix?');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('atende-chat .msg.agent.done .bubble').last().textContent(), {
        timeout: 15_000,
      })
      .toMatch(/Pix/);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-phone.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    await context.close();
  }, 60_000);

  it('speaks English when the page asks for it', async () => {
    const { context } = await newContext(browser, { locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    // An English browser on a page that names no language still gets the shop's pt-BR.
    await page.evaluate(() => {
      document.documentElement.removeAttribute('lang');
      (document.querySelector('atende-chat') as any)?.requestUpdate();
    });
    await expect
      .poll(() => page.locator('atende-chat button.launcher').getAttribute('aria-label'))
      .toBe('Abrir o chat de atendimento');
    await page.evaluate(() => document.querySelector('atende-chat')?.setAttribute('lang', 'en'));
    await page.getByRole('button', { name: 'Open the customer service chat' }).click();
    await ask(page, 'Can I pay with Pix?');
    await expect
      .poll(() => page.locator('atende-chat .msg.agent.done .bubble').last().textContent(), {
        timeout: 15_000,
      })
      .toMatch(/Pix/);
    await context.close();
  }, 60_000);

  it('inspects a real agent card, sends it a test message, and flags a broken card', async () => {
    stack.extraServer.setBody(
      '/.well-known/agent-card.json',
      JSON.stringify({
        name: 'Broken Agent',
        description: 'A card with mistakes.',
        version: '1',
        supportedInterfaces: [
          { url: 'http://localhost:1/a2a', protocolBinding: 'SOAP', protocolVersion: 'one' },
        ],
        capabilities: {},
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [],
      }),
    );
    const { context, problems } = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/inspector`);
    expect(page.url()).toMatch(/\/console#\/inspector$/);

    // A shopper account may not use it: the console is for the shop's team.
    await page.getByLabel('E-mail').fill('customer@atende.dev');
    await page.getByLabel('Senha').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect
      .poll(() => page.locator('atende-console form.login [role="alert"]').textContent())
      .toMatch(/só para a equipe da loja/);

    await page.getByLabel('E-mail').fill('operator@atende.dev');
    await page.getByRole('button', { name: 'Entrar' }).click();
    // The console in English, the inspector with it.
    await page.getByLabel('Idioma', { exact: true }).selectOption('en');
    const url = page.getByLabel('Agent base URL or card URL');
    await url.fill(stack.agents.assistant as string);
    await page.getByRole('button', { name: 'Inspect' }).click();
    const verdict = page.locator('atende-inspector .verdict');
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toBe('Valid A2A v1.0 card');
    expect(await page.locator('atende-inspector .skill').count()).toBeGreaterThan(0);
    expect(await page.locator('atende-inspector td', { hasText: 'mutual TLS' }).count()).toBe(1);

    await page.getByLabel('Message', { exact: true }).fill('Qual o prazo de entrega?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('atende-inspector .trace-end').waitFor({ timeout: 15_000 });
    const request = await page.locator('atende-inspector pre.request').textContent();
    expect(request).toContain('"method": "SendStreamingMessage"');
    expect(request).toContain('A2A-Version: 1.0');
    expect(request).not.toMatch(/Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(await page.locator('atende-inspector .trace-event').count()).toBeGreaterThan(2);
    expect(await page.locator('atende-inspector ol.trace').textContent()).toMatch(/\+\d+ ms/);
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });
    const sections = page.locator('atende-inspector section');
    await sections.nth(1).screenshot({ path: join(ARTIFACTS, 'inspector-report.png') });
    await sections.nth(2).screenshot({ path: join(ARTIFACTS, 'inspector-test-message.png') });

    await url.fill(stack.extraServer.url);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => verdict.textContent(), { timeout: 10_000 }).toBe('Invalid card');
    const findings = await page.locator('atende-inspector ul.findings').textContent();
    expect(findings).toContain('a card needs at least one skill');
    expect(findings).toMatch(/supportedInterfaces\.0\.protocolBinding/);
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-broken.png'), fullPage: true });

    await url.fill('https://example.com');
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect
      .poll(() => page.locator('atende-inspector [role="alert"]').textContent())
      .toMatch(/example\.com is not an allowed host/);
    expect(problems.filter((p) => /Refused|page error/i.test(p))).toEqual([]);
    await context.close();
  }, 120_000);
});

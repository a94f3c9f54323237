import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  ask,
  HAS_CHROMIUM,
  lastAnswer,
  launchChromium,
  newContext,
  openWidget,
  signInConsole,
  startWebStack,
  type WebStack,
} from './stack.js';

// The human desk in Chromium: a shopper's widget and the operators' inbox, two browser contexts against a real
// orchestrator, the echo test agent and the desk agent (its own database in a temporary folder), over mTLS.

let stack: WebStack;
let browser: Browser;

const widget = (page: Page) => page.locator('atende-chat');
const cspProblems = (problems: string[]) =>
  problems.filter((p) => /Refused|Content Security Policy|page error/i.test(p));

/** Opens the inbox by its old address (now the console's section) as the demo operator; they are set online. */
async function signInOperator(page: Page) {
  await signInConsole(page, stack.url, 'operator@atende.dev', '');
  await page.goto(`${stack.url}/inbox`);
  expect(page.url()).toMatch(/\/console#\/inbox$/);
  await page.getByRole('button', { name: /Sua disponibilidade: Disponível/ }).waitFor({ timeout: 15_000 });
}

describe.skipIf(!HAS_CHROMIUM)('the human desk in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startWebStack({ agents: ['testagent', 'desk'] });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('hands a shopper to an operator who claims, answers, hears back and resolves; the shopper rates it', async () => {
    const operatorSide = await newContext(browser, { viewport: { width: 1366, height: 860 } });
    const shopperSide = await newContext(browser);
    const inbox = await operatorSide.context.newPage();
    const shop = await shopperSide.context.newPage();

    await signInOperator(inbox);
    await inbox.getByRole('tab', { name: /Fila/ }).waitFor();

    // The shopper talks to the bot, then asks for a person from the header.
    await openWidget(shop, stack.url);
    await ask(shop, 'repeat after me where is my parcel');
    await expect
      .poll(() => lastAnswer(shop).textContent(), { timeout: 15_000 })
      .toBe('repeat after me where is my parcel');
    const handoff = shop.waitForResponse(
      (r) => r.url().endsWith('/handoff') && r.request().method() === 'POST',
    );
    await shop.getByRole('button', { name: 'Falar com uma pessoa' }).click();
    expect((await handoff).status()).toBe(202);
    const queued = widget(shop).locator('.handoff-notice.queued');
    await expect
      .poll(() => queued.textContent(), { timeout: 15_000 })
      .toMatch(/Você está na fila \(posição 1/);

    // The operator sees it in the queue with its reason, and claims it.
    const item = inbox.locator('atende-operator ul.items button.item').first();
    await expect.poll(() => item.textContent(), { timeout: 15_000 }).toMatch(/Pediu uma pessoa/);
    expect(await item.textContent()).toMatch(/esperando há/);
    await item.click();
    // The bot's part of the conversation is shown above the live one.
    await expect
      .poll(() => inbox.locator('atende-operator details.bot').textContent(), { timeout: 10_000 })
      .toContain('repeat after me where is my parcel');
    await inbox.getByRole('button', { name: 'Assumir' }).click();
    await inbox.getByRole('button', { name: 'Resolver' }).waitFor({ timeout: 10_000 });
    // The live queue moves it to "mine".
    await expect
      .poll(() => inbox.getByRole('tab', { name: /Minhas/ }).textContent(), { timeout: 10_000 })
      .toMatch(/Minhas\s*1/);
    await expect
      .poll(() => widget(shop).locator('.handoff-notice.assigned').textContent(), { timeout: 15_000 })
      .toContain('Carla entrou na conversa');

    // A canned reply is found and inserted into the reply box.
    const reply = inbox.getByRole('textbox', { name: 'Resposta' });
    await inbox.getByRole('searchbox', { name: 'Buscar resposta pronta' }).fill('prazo de entrega');
    await inbox.getByRole('button', { name: 'Inserir: Qual o prazo de entrega?' }).click({ timeout: 10_000 });
    await expect.poll(() => reply.inputValue()).toMatch(/^O prazo de entrega começa a contar/);

    // The operator types (the shopper sees it), then answers.
    await reply.fill('Olá! Sou a Carla.');
    await expect
      .poll(() => widget(shop).locator('.operator-typing').textContent(), { timeout: 10_000 })
      .toContain('Carla está digitando…');
    await reply.fill('Olá! Sou a Carla. Vou verificar o seu pedido.');
    await inbox.getByRole('button', { name: 'Enviar', exact: true }).click();
    const operatorBubble = widget(shop).locator('.msg.operator .bubble').last();
    await expect
      .poll(() => operatorBubble.textContent(), { timeout: 15_000 })
      .toBe('Olá! Sou a Carla. Vou verificar o seu pedido.');
    expect(await widget(shop).locator('.msg.operator .who').last().textContent()).toContain('Carla');

    // The shopper answers; no bot reply comes, and the operator reads it live.
    await shop.getByRole('textbox', { name: 'Sua mensagem' }).pressSequentially('O pedido é o 1001');
    await expect
      .poll(() => inbox.locator('atende-operator .typing').first().textContent(), { timeout: 10_000 })
      .toContain('Cliente está digitando…');
    await shop.getByRole('textbox', { name: 'Sua mensagem' }).press('Enter');
    await expect
      .poll(() => inbox.locator('atende-operator ol.live li.shopper .text').last().textContent(), {
        timeout: 15_000,
      })
      .toBe('O pedido é o 1001');
    await expect.poll(() => widget(shop).locator('.msg.agent .typing').count()).toBe(0);
    expect(await widget(shop).locator('.msg.agent').count()).toBe(1);

    // An internal note stays in the inbox.
    await inbox.getByLabel('Nota interna (o cliente não vê)').check();
    await inbox.getByRole('textbox', { name: 'Nota interna' }).fill('Cliente aguardando o pedido 1001');
    await inbox.getByRole('button', { name: 'Salvar nota' }).click();
    await expect
      .poll(() => inbox.locator('atende-operator ol.live li.note .text').last().textContent(), {
        timeout: 10_000,
      })
      .toBe('Cliente aguardando o pedido 1001');
    await inbox.getByLabel('Nota interna (o cliente não vê)').uncheck();
    // …in sight: the thread scrolled to it (it once stopped at the note's label, its text below the fold).
    const noteBox = () => inbox.locator('atende-operator ol.live li.note .text').last().boundingBox();
    const threadBox = () => inbox.locator('atende-operator .conversation .scroll').boundingBox();
    await expect
      .poll(async () => {
        const [note, thread] = [await noteBox(), await threadBox()];
        return note && thread ? note.y + note.height <= thread.y + thread.height + 1 : false;
      })
      .toBe(true);

    await shop.screenshot({ path: join(ARTIFACTS, 'desk-widget-desktop.png') });
    await inbox.screenshot({ path: join(ARTIFACTS, 'desk-operator-inbox.png') });
    await shop.setViewportSize({ width: 390, height: 844 });
    await shop.screenshot({ path: join(ARTIFACTS, 'desk-widget-phone.png') });
    await shop.setViewportSize({ width: 1280, height: 800 });
    expect(await widget(shop).locator('.msg.shopper .bubble').allTextContents()).not.toContain(
      'Cliente aguardando o pedido 1001',
    );

    // The operator resolves; the shopper is told and rates it 5.
    await inbox.getByRole('button', { name: 'Resolver' }).click();
    await expect
      .poll(() => widget(shop).locator('.handoff-notice.resolved').textContent(), { timeout: 15_000 })
      .toContain('Conversa encerrada pelo atendente');
    await shop.getByRole('button', { name: '5 de 5 estrelas' }).click();
    await shop.getByRole('textbox', { name: 'Comentário (opcional)' }).fill('Muito bom');
    await shop.screenshot({ path: join(ARTIFACTS, 'desk-widget-rating.png') });
    const rated = shop.waitForResponse((r) => r.url().endsWith('/rating'));
    await shop.getByRole('button', { name: 'Enviar avaliação' }).click();
    expect((await rated).status()).toBe(201);
    await expect
      .poll(() => widget(shop).locator('.card.rating').textContent(), { timeout: 5_000 })
      .toContain('Obrigado pela avaliação!');
    await shop.screenshot({ path: join(ARTIFACTS, 'desk-widget-rated.png') });

    await inbox.setViewportSize({ width: 390, height: 844 });
    await inbox.screenshot({ path: join(ARTIFACTS, 'desk-operator-phone.png'), fullPage: true });

    expect(cspProblems(shopperSide.problems)).toEqual([]);
    expect(cspProblems(operatorSide.problems)).toEqual([]);
    await operatorSide.context.close();
    await shopperSide.context.close();
  }, 120_000);

  it('offers a message for the team when nobody is online, and the operator finds it among the messages', async () => {
    const operatorSide = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const shopperSide = await newContext(browser, { viewport: { width: 390, height: 844 }, mobile: true });
    const inbox = await operatorSide.context.newPage();
    const shop = await shopperSide.context.newPage();
    await signInOperator(inbox);
    // The only operator steps away.
    await inbox.getByRole('button', { name: /Sua disponibilidade: Disponível/ }).click();
    await inbox.getByRole('button', { name: /Sua disponibilidade: Ausente/ }).waitFor();

    // No conversation yet: the header's action starts one with the request itself.
    await openWidget(shop, stack.url);
    await shop.getByRole('button', { name: 'Falar com uma pessoa' }).click();
    const offline = widget(shop).locator('.handoff-notice.offline');
    await expect.poll(() => offline.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await offline.last().textContent()).toMatch(/Deixe um recado/);
    expect(await widget(shop).locator('.msg.shopper .bubble').first().textContent()).toBe(
      'Quero falar com uma pessoa.',
    );

    // The e-mail is checked here before the orchestrator sees it.
    await shop.getByRole('textbox', { name: 'Seu e-mail' }).fill('ana@example');
    await shop.getByRole('textbox', { name: 'Seu recado' }).fill('Meu pedido 1001 atrasou.');
    await shop.getByRole('button', { name: 'Enviar recado' }).click();
    await expect
      .poll(() => offline.last().locator('[role="alert"]').textContent())
      .toBe('Informe um e-mail válido.');
    await shop.getByRole('textbox', { name: 'Seu e-mail' }).fill('ana@example.com');
    const left = shop.waitForResponse((r) => r.url().endsWith('/api/desk/offline-messages'));
    await shop.getByRole('button', { name: 'Enviar recado' }).click();
    expect((await left).status()).toBe(201);
    await expect.poll(() => offline.last().textContent(), { timeout: 5_000 }).toContain('Recado enviado');
    await shop.screenshot({ path: join(ARTIFACTS, 'desk-widget-offline-phone.png') });

    // The operator reads it under "Recados", and the page speaks English on request.
    await inbox.getByRole('tab', { name: 'Recados' }).click();
    await expect
      .poll(() => inbox.locator('atende-operator .ticket').first().textContent(), { timeout: 10_000 })
      .toContain('Meu pedido 1001 atrasou.');
    expect(await inbox.locator('atende-operator .ticket').first().textContent()).toContain('ana@example.com');
    await inbox.getByLabel('Idioma').selectOption('en');
    await inbox.getByRole('tab', { name: 'Messages' }).waitFor();
    expect(await inbox.evaluate(() => document.documentElement.lang)).toBe('en');
    await inbox.screenshot({ path: join(ARTIFACTS, 'desk-operator-tickets.png') });

    expect(cspProblems(shopperSide.problems)).toEqual([]);
    expect(cspProblems(operatorSide.problems)).toEqual([]);
    await operatorSide.context.close();
    await shopperSide.context.close();
  }, 120_000);
});

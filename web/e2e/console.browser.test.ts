import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  DEMO_PASSWORD,
  HAS_CHROMIUM,
  launchChromium,
  newContext,
  signInConsole,
  startWebStack,
  type WebStack,
} from './stack.js';

// The staff console in Chromium against a real orchestrator, the echo test agent and the desk agent: one sign-in
// for every section, navigation by role, the session across reloads and tabs, logout, the old addresses.

let stack: WebStack;
let browser: Browser;

const nav = (page: Page) => page.getByRole('navigation', { name: 'Seções do console' });
const navLinks = (page: Page) => nav(page).locator('ul a').allTextContents();
const stored = (page: Page) =>
  page.evaluate(() => JSON.parse(sessionStorage.getItem('atende.console-session') ?? 'null'));

describe.skipIf(!HAS_CHROMIUM)('the staff console in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // Access tokens live a minute (the shortest allowed), so the console's refresh before expiry can be watched.
    stack = await startWebStack({ agents: ['testagent', 'desk'], env: { ACCESS_TOKEN_TTL_SEC: '60' } });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows an operator the inbox, agents and inspector, and an agent opens in the inspector', async () => {
    const { context, problems } = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'operator@atende.dev');
    expect(await navLinks(page)).toEqual(['Atendimento', 'Agentes', 'Inspetor']);
    expect(page.url()).toMatch(/\/console#\/inbox$/);
    await page.getByRole('button', { name: /Sua disponibilidade: Disponível/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'console-operator-inbox.png') });

    // A section the role may not open falls back to the inbox.
    await page.goto(`${stack.url}/console#/settings`);
    await nav(page).waitFor();
    expect(page.url()).toMatch(/#\/inbox$/);

    await nav(page).getByRole('link', { name: 'Agentes' }).click();
    const rows = page.locator('atende-agents tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('atende-agents tbody').textContent()).toContain('no ar');
    await page.screenshot({ path: join(ARTIFACTS, 'console-operator-agents.png') });
    await rows.first().getByRole('link', { name: 'Inspecionar' }).click();
    const url = page.getByLabel('URL base do agente ou do card');
    await expect.poll(() => url.inputValue()).toMatch(/^https:\/\/localhost:\d+$/);
    await page.getByRole('button', { name: 'Inspecionar' }).click();
    await expect
      .poll(() => page.locator('atende-inspector .verdict').textContent(), { timeout: 10_000 })
      .toBe('Card A2A v1.0 válido');
    await page.screenshot({ path: join(ARTIFACTS, 'console-operator-inspector.png') });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('shows an admin every section, the settings with the desk, canned replies and scope policy', async () => {
    const { context, problems } = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'admin@atende.dev', '#/settings');
    expect(await navLinks(page)).toEqual(['Atendimento', 'Painel', 'Agentes', 'Inspetor', 'Configurações']);
    const settings = page.locator('atende-settings');
    await expect
      .poll(() => settings.locator('#desk-title + div').textContent(), { timeout: 10_000 })
      .toMatch(/Sempre aberto/);
    expect(await settings.locator('#desk-title + div').textContent()).toContain('America/Sao_Paulo');
    await expect.poll(() => settings.locator('table.canned tr').count()).toBeGreaterThan(0);
    await settings.getByRole('searchbox', { name: 'Buscar resposta pronta' }).fill('prazo de entrega');
    await expect
      .poll(() => settings.locator('table.canned').textContent())
      .toContain('Qual o prazo de entrega?');
    expect(await settings.locator('table.scopes').textContent()).toMatch(
      /desk:operate\s*atendente\s*administrador/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-settings.png'), fullPage: true });

    await nav(page).getByRole('link', { name: 'Painel' }).click();
    expect(page.url()).toMatch(/#\/dashboard$/);
    // The dashboard section is web/src/dashboard's <atende-dashboard>, given the same session.
    await page
      .locator('atende-console main > atende-dashboard')
      .waitFor({ state: 'attached', timeout: 10_000 });
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-dashboard.png') });

    // English on request, for every section.
    await page.getByLabel('Idioma', { exact: true }).selectOption('en');
    await page
      .getByRole('navigation', { name: 'Console sections' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await expect.poll(() => settings.locator('#desk-title').textContent()).toBe('Human desk');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByLabel('Language', { exact: true }).selectOption('pt-BR');

    // On a phone the navigation folds into a menu.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => nav(page).isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-phone.png') });
    await page.getByRole('button', { name: /Menu/ }).click();
    await nav(page).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-phone-menu.png') });
    await nav(page).getByRole('link', { name: 'Atendimento' }).click();
    await expect.poll(() => nav(page).isVisible()).toBe(false);
    await page.getByRole('button', { name: /Sua disponibilidade/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-inbox-phone.png') });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('lets an admin change the desk hours (a bad value is refused with its reason) and add a canned reply', async () => {
    const { context, problems } = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'admin@atende.dev', '#/settings');
    const settings = page.locator('atende-settings');
    const hours = settings.getByRole('textbox', { name: 'Horário (editar)' });
    await expect.poll(() => hours.inputValue(), { timeout: 10_000 }).toBe('always');
    expect(await settings.getByText(/mon-fri 09:00-18:00; sat 09:00-13:00/).count()).toBe(1);

    await hours.fill('mon-fri 9-18');
    await settings.getByRole('button', { name: 'Salvar horário' }).click();
    await expect
      .poll(() => settings.getByRole('alert').textContent())
      .toMatch(/invalid business hours range "mon-fri 9-18"/);

    await hours.fill('mon-fri 09:00-18:00; sat 09:00-13:00');
    await settings.getByRole('textbox', { name: 'Fuso horário (IANA)' }).fill('America/Recife');
    await settings.getByRole('button', { name: 'Salvar horário' }).click();
    await expect.poll(() => settings.getByRole('status').first().textContent()).toBe('Horário salvo.');
    const desk = settings.locator('#desk-title + div');
    expect(await desk.textContent()).toMatch(/seg–sex 09:00–18:00/);
    expect(await desk.textContent()).toContain('America/Recife');
    expect(await desk.textContent()).toContain('Alterado por um administrador');

    await settings.getByRole('textbox', { name: 'Título' }).fill('Cupom de boas-vindas');
    await settings.getByRole('textbox', { name: 'Texto' }).fill('Use o cupom BEMVINDO10 na primeira compra.');
    await settings.getByRole('button', { name: 'Adicionar resposta' }).click();
    await expect
      .poll(() => settings.locator('table.canned').textContent())
      .toContain('Use o cupom BEMVINDO10 na primeira compra.');
    await settings.getByRole('searchbox', { name: 'Buscar resposta pronta' }).fill('bemvindo10');
    await expect.poll(() => settings.locator('table.canned tbody tr').count()).toBe(1);
    expect(await settings.locator('table.canned').textContent()).toContain('Própria');
    await settings.getByRole('searchbox', { name: 'Buscar resposta pronta' }).fill('');
    await expect.poll(() => settings.locator('table.canned tbody tr').count()).toBeGreaterThan(1);
    await page.screenshot({ path: join(ARTIFACTS, 'console-admin-settings-edited.png'), fullPage: true });

    // The new values are the desk's: a reload reads them back; then they go back to what the other tests expect.
    await page.reload();
    await expect
      .poll(() => hours.inputValue(), { timeout: 10_000 })
      .toBe('mon-fri 09:00-18:00; sat 09:00-13:00');
    await settings.getByRole('searchbox', { name: 'Buscar resposta pronta' }).fill('bemvindo10');
    await settings.getByRole('button', { name: 'Excluir: Cupom de boas-vindas' }).click({ timeout: 10_000 });
    await expect.poll(() => settings.locator('table.canned').count()).toBe(0);
    await hours.fill('always');
    await settings.getByRole('textbox', { name: 'Fuso horário (IANA)' }).fill('America/Sao_Paulo');
    await settings.getByRole('button', { name: 'Salvar horário' }).click();
    await expect.poll(() => settings.locator('#desk-title + div').textContent()).toMatch(/Sempre aberto/);
    // The refused save logged its 400 in the console; nothing else went wrong.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  it('refuses a customer with a clear message and keeps nothing', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${stack.url}/console`);
    await page.getByLabel('E-mail').fill('customer@atende.dev');
    await page.getByLabel('Senha').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Entrar' }).click();
    const alert = page.locator('atende-console form.login [role="alert"]');
    await expect
      .poll(() => alert.textContent())
      .toBe(
        'Esta conta é de cliente: o console é só para a equipe da loja. Para falar com a loja, use o chat na página da loja.',
      );
    expect(await stored(page)).toBeNull();
    expect(await nav(page).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'console-refused.png') });
    await context.close();
  }, 30_000);

  it('keeps one sign-in across a reload and a new tab, and a logout ends it everywhere', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'admin@atende.dev', '#/agents');
    await page.reload();
    await nav(page).waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/#\/agents$/);

    // A new tab of the same browser borrows the session from the open one (sessionStorage is per tab).
    const second = await context.newPage();
    await second.goto(`${stack.url}/console#/settings`);
    await nav(second).waitFor({ timeout: 10_000 });
    expect((await stored(second))?.subject).toBe((await stored(page))?.subject);

    const { refreshToken } = await stored(page);
    await page.getByRole('button', { name: 'Sair' }).click();
    await page.getByRole('button', { name: 'Entrar' }).waitFor();
    // The other tab is signed out too, and the refresh token is dead.
    await second.getByRole('button', { name: 'Entrar' }).waitFor({ timeout: 5_000 });
    expect(await stored(second)).toBeNull();
    const refresh = await page.request.post(`${stack.url}/api/auth/refresh`, {
      data: { refreshToken },
      headers: { origin: stack.url },
    });
    expect(refresh.status()).toBe(401);
    // A reload stays signed out.
    await second.reload();
    await second.getByRole('button', { name: 'Entrar' }).waitFor();
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  it('refreshes the access token before it expires, rotating the refresh token', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'operator@atende.dev', '#/agents');
    const first = await stored(page);
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
    // Not at once, but half-way through a one-minute token.
    await page.waitForTimeout(20_000);
    expect((await stored(page))?.refreshToken).toBe(first.refreshToken);
    await expect
      .poll(async () => (await stored(page))?.refreshToken, { timeout: 25_000, interval: 1_000 })
      .not.toBe(first.refreshToken);
    const renewed = await stored(page);
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    // The old refresh token is spent; the section still works with the new access token.
    await nav(page).getByRole('link', { name: 'Agentes' }).click();
    await page.getByRole('button', { name: 'Atualizar' }).click();
    await expect.poll(() => page.locator('atende-agents tbody tr').count()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('redirects the old addresses to their sections', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    for (const [from, to] of [
      ['/operator', '/console#/inbox'],
      ['/inbox', '/console#/inbox'],
      ['/dashboard', '/console#/dashboard'],
      ['/inspector', '/console#/inspector'],
    ]) {
      const response = await page.request.get(`${stack.url}${from}`, { maxRedirects: 0 });
      expect(response.status(), from).toBe(302);
      expect(response.headers().location, from).toBe(to);
    }
    await signInConsole(page, stack.url, 'admin@atende.dev');
    await page.goto(`${stack.url}/dashboard`);
    await nav(page).waitFor();
    expect(page.url()).toMatch(/\/console#\/dashboard$/);
    expect(await nav(page).getByRole('link', { name: 'Painel' }).getAttribute('aria-current')).toBe('page');
    await context.close();
  }, 30_000);
});

describe.skipIf(!HAS_CHROMIUM)('the inspector in Chromium', () => {
  // Its own stack: the assistant (the FAQ agent, no LLM configured) and the desk behind a real orchestrator.
  let stack: WebStack;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // The desk too: the console's shell reads the desk's settings (503 without it).
    stack = await startWebStack({ agents: ['assistant', 'desk'] });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lists the agents, inspects the shop’s own signed card, chats two turns with the assistant and gets the task', async () => {
    const { context, problems } = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInConsole(page, stack.url, 'admin@atende.dev', '#/inspector');
    const inspector = page.locator('atende-inspector');
    const reportUrl = () =>
      inspector.locator('section[aria-labelledby="result-title"] > p.muted > code').textContent();

    // The agent list comes from GET /api/agents with the signed-in token.
    const agents = inspector.locator('ul.agents li.agent:not(.own)');
    await expect.poll(() => agents.count(), { timeout: 10_000 }).toBe(2);
    const assistant = agents.filter({ hasText: stack.agents.assistant as string });
    expect(await assistant.textContent()).toMatch(/assinado · /);
    expect(await inspector.getByRole('alert').count()).toBe(0);

    // The shop's own public card: reachable through the inspector's guard, valid, signed with this deployment's key.
    await inspector.locator('li.own').getByRole('button', { name: 'Ver card' }).click();
    await expect
      .poll(() => inspector.locator('.verdict').textContent(), { timeout: 10_000 })
      .toBe('Card A2A v1.0 válido');
    expect(await reportUrl()).toBe(`${stack.url}/.well-known/agent-card.json`);
    expect(await inspector.locator('.sig-badge').getAttribute('data-status')).toBe('deployment');
    expect(await inspector.locator('.sig-badge').textContent()).toMatch(
      /Assinado pela chave desta instalação/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'console-inspector-own-card.png') });

    // Two turns with the assistant, in one conversation.
    await assistant.getByRole('button', { name: 'Ver card' }).click();
    await expect
      .poll(() => reportUrl(), { timeout: 10_000 })
      .toBe(`${stack.agents.assistant}/.well-known/agent-card.json`);
    expect(await inspector.locator('.sig-badge').getAttribute('data-status')).toBe('deployment');
    const send = inspector.locator('form.send');
    const turn = (n: number) => inspector.locator(`.turn[data-turn="${n}"]`);
    await send.getByRole('textbox', { name: 'Mensagem', exact: true }).fill('Qual o prazo de entrega?');
    await send.getByRole('button', { name: 'Enviar' }).click();
    await expect
      .poll(() => turn(1).locator('.assembled code').first().textContent(), { timeout: 20_000 })
      .toBe('TASK_STATE_COMPLETED');
    const first = (await turn(1).locator('.answer').textContent()) ?? '';
    expect(first.trim().length).toBeGreaterThan(10);
    const contextId = (await inspector.locator('.context-id').textContent()) ?? '';
    expect(contextId).toMatch(/\S{8,}/);

    await send.getByRole('textbox', { name: 'Mensagem', exact: true }).fill('E quanto custa o frete?');
    await send.getByRole('button', { name: 'Enviar' }).click();
    await expect
      .poll(() => turn(2).locator('.assembled code').first().textContent(), { timeout: 20_000 })
      .toBe('TASK_STATE_COMPLETED');
    expect(((await turn(2).locator('.answer').textContent()) ?? '').trim().length).toBeGreaterThan(10);
    expect(await inspector.locator('.context-id').textContent()).toBe(contextId);
    // The second turn's raw request carried the conversation's contextId; the raw events sit beside the answer.
    expect(await turn(2).locator('pre.request').textContent()).toContain(`"contextId": "${contextId}"`);
    expect(await turn(2).locator('ol.trace li.trace-event').count()).toBeGreaterThan(1);

    // GetTask of the last task.
    await inspector.getByRole('button', { name: 'GetTask' }).click();
    await expect
      .poll(() => inspector.locator('pre.task-response').textContent(), { timeout: 10_000 })
      .toContain('TASK_STATE_COMPLETED');
    expect(await inspector.locator('pre.task-response').textContent()).toContain(contextId);
    await page.screenshot({ path: join(ARTIFACTS, 'console-inspector-chat.png'), fullPage: true });

    // A third turn over the other binding the card declares (HTTP+JSON), still the same conversation.
    await send.getByLabel('Binding').selectOption('HTTP+JSON');
    await send.getByRole('textbox', { name: 'Mensagem', exact: true }).fill('Posso trocar um produto?');
    await send.getByRole('button', { name: 'Enviar' }).click();
    await expect
      .poll(() => turn(3).locator('.assembled code').first().textContent(), { timeout: 20_000 })
      .toBe('TASK_STATE_COMPLETED');
    expect(((await turn(3).locator('.answer').textContent()) ?? '').trim().length).toBeGreaterThan(10);
    expect(await turn(3).locator('pre.request').textContent()).toMatch(/^POST https:\/\/\S+\/message:stream/);
    expect(await inspector.locator('.context-id').textContent()).toBe(contextId);
    await inspector.getByRole('button', { name: 'GetTask' }).click();
    await expect
      .poll(() => inspector.locator('.task-result p.muted').textContent(), { timeout: 10_000 })
      .toMatch(/GET https:\/\/\S+\/tasks\/\S+\s+→ HTTP 200/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-inspector-rest.png') });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});

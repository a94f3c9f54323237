import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { generateCerts, loadTlsMaterial } from '../../certs/certs.js';
import type { Orchestrator } from '../../orchestrator/server.js';
import {
  freePort,
  publicFetch,
  spawnAgent,
  startTestOrchestrator,
} from '../../orchestrator/testing/harness.js';
import { ensureWebBuild } from '../../orchestrator/web/build.js';

// Shared by the browser tests: a real orchestrator, real agent processes over mTLS, and Debian's Chromium.

/** Where Debian installs Chromium; the browser tests skip when it is absent. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

/** The demo accounts' password in tests (the orchestrator's DEMO_PASSWORD). */
export const DEMO_PASSWORD = 'atende-demo-2026';

/** Screenshots go here (git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');

const ROOT = join(import.meta.dirname, '../..');
const WEB_DIR = join(ROOT, 'web');
const AGENT_MAINS = {
  assistant: join(ROOT, 'agents/assistant/main.ts'),
  orders: join(ROOT, 'agents/orders/main.ts'),
  promotions: join(ROOT, 'agents/promotions/main.ts'),
  desk: join(ROOT, 'agents/desk/main.ts'),
  testagent: join(ROOT, 'agents/runtime/testing/echo-agent/main.ts'),
} as const;

/** An agent the stack can start, by its certificate name. */
export type StackAgent = keyof typeof AGENT_MAINS;

/** A running stack: the orchestrator's URL, the agents' base URLs, and a way to stop everything. */
export interface WebStack {
  url: string;
  orchestrator: Orchestrator;
  agents: Record<string, string>;
  certsDir: string;
  /** Starts an HTTPS server with a mesh certificate that answers every request with `handler`. */
  extraServer: { url: string; setBody(path: string, body: string): void };
  close(): Promise<void>;
}

/**
 * Starts an orchestrator (with `env` added to its configuration) and the given agents (with `agentEnv` added to
 * theirs, e.g. `ECHO_DELAY_MS` for a slower echo agent than the default 20 ms a word), each in its own process
 * with its own certificate from a fresh PKI, plus a tiny HTTPS server ("cards") whose host the inspector may reach.
 * Resolves when every agent is up.
 */
export async function startWebStack(options: {
  agents: StackAgent[];
  env?: Record<string, string>;
  agentEnv?: Record<string, string>;
}): Promise<WebStack> {
  await ensureWebBuild({ webDir: WEB_DIR });
  const certsDir = await mkdtemp(join(tmpdir(), 'atende-web-pki-'));
  await generateCerts({ dir: certsDir, services: ['orchestrator', 'cards', ...options.agents] });

  const bodies = new Map<string, string>();
  const cardsTls = await loadTlsMaterial(certsDir, 'cards');
  const cardsServer: Server = createServer({ cert: cardsTls.cert, key: cardsTls.key }, (req, res) => {
    const body = bodies.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const cardsPort = await freePort();
  await new Promise<void>((resolve) => cardsServer.listen(cardsPort, '127.0.0.1', resolve));
  const cardsUrl = `https://localhost:${cardsPort}`;

  const ports = Object.fromEntries(
    await Promise.all(options.agents.map(async (a) => [a, await freePort()] as const)),
  );
  const agents = Object.fromEntries(options.agents.map((a) => [a, `https://localhost:${ports[a]}`]));
  const dataDir = await mkdtemp(join(tmpdir(), 'atende-web-data-'));
  await mkdir(dataDir, { recursive: true });
  const orchestrator = await startTestOrchestrator({
    pki: { dir: certsDir } as never,
    port: await freePort(),
    agentUrls: Object.values(agents),
    env: {
      DEMO_PASSWORD,
      WEB_DIR,
      INSPECTOR_ALLOWED_HOSTS: [...Object.values(agents), cardsUrl].map((u) => new URL(u).host).join(','),
      ...options.env,
    },
  });
  // Agents that keep data (the desk) get a folder of their own in the stack's temporary one.
  const agentData = (agent: string): Record<string, string> =>
    agent === 'desk' ? { DATA_DIR: join(dataDir, agent) } : {};
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children) child.kill('SIGTERM');
    await orchestrator.close();
    await new Promise((resolve) => cardsServer.close(resolve));
  };
  try {
    for (const agent of options.agents) {
      children.push(
        await spawnAgent({
          entry: AGENT_MAINS[agent],
          env: {
            PORT: String(ports[agent]),
            HOST: '127.0.0.1',
            PUBLIC_URL: agents[agent] as string,
            CERTS_DIR: certsDir,
            AGENT_CARDS_DIR: join(ROOT, 'agent-cards'),
            ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
            ECHO_DELAY_MS: '20',
            DESK_CANNED_REPLIES_FILE: join(ROOT, 'agents/assistant/faq.json'),
            ...agentData(agent),
            ...options.agentEnv,
          },
          readyPattern: /ready|listening/,
        }),
      );
    }
    const web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
    try {
      for (let i = 0; ; i++) {
        const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as {
          agents: Array<{ state: string }>;
        };
        if (health.agents.every((a) => a.state === 'up')) break;
        if (i > 150) throw new Error(`agents not up: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await web.close();
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: orchestrator.url,
    orchestrator,
    agents,
    certsDir,
    extraServer: { url: cardsUrl, setBody: (path, body) => bodies.set(path, body) },
    close,
  };
}

/** Launches Debian's Chromium headless with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A browser context that accepts the test CA's certificate and records CSP violations and page errors. */
export async function newContext(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; mobile?: boolean; locale?: string } = {},
): Promise<{ context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    deviceScaleFactor: options.mobile ? 2 : 1,
    locale: options.locale ?? 'pt-BR',
  });
  // A step that hangs fails on its own line, well inside the test's time, instead of timing the whole test out.
  context.setDefaultTimeout(20_000);
  const problems: string[] = [];
  context.on('page', (page) => {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });
  return { context, problems };
}

/** Opens the demo shop page at `url` and its chat panel (pt-BR). */
export async function openWidget(page: Page, url: string) {
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: 'Abrir o chat de atendimento' }).click();
  await page.getByRole('dialog', { name: 'Atendimento' }).waitFor();
}

/** Types `text` in the chat's message box and sends it. */
export async function ask(page: Page, text: string) {
  const input = page.getByRole('textbox', { name: /Sua mensagem|Your message/ });
  await input.fill(text);
  await input.press('Enter');
}

/** The newest finished agent bubble. */
export const lastAnswer = (page: Page) => page.locator('atende-chat .msg.agent.done .bubble').last();

/** Starts counting the different lengths the newest answer bubble's text goes through (evidence it streamed in). */
export async function watchStreaming(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __lengths: Set<number> };
    w.__lengths = new Set();
    const root = document.querySelector('atende-chat')?.shadowRoot;
    const look = () => {
      const bubbles = root?.querySelectorAll('.msg.agent .bubble');
      const last = bubbles?.[bubbles.length - 1];
      if (last) w.__lengths.add(last.textContent?.length ?? 0);
    };
    // Every render the widget makes, not one look per frame: a loaded machine may draw a fast answer in few frames.
    if (root)
      new MutationObserver(look).observe(root, { subtree: true, childList: true, characterData: true });
    look();
  });
}

/** How many different lengths `watchStreaming` has seen. */
export const streamedLengths = (page: Page) =>
  page.evaluate(() => (window as unknown as { __lengths: Set<number> }).__lengths.size);

/** Opens the staff console at `hash` (e.g. `#/inbox`) and signs in as `email` (pt-BR); waits for its navigation. */
export async function signInConsole(page: Page, url: string, email: string, hash = '') {
  await page.goto(`${url}/console${hash}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('navigation', { name: 'Seções do console' }).waitFor({ timeout: 15_000 });
}

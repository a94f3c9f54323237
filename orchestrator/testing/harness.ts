import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { readEventStream } from '../../agents/runtime/index.js';
import type { TestPki } from '../../agents/runtime/testing/fixtures.js';
import { loadConfig } from '../config.js';
import { type Orchestrator, startOrchestrator } from '../server.js';
import { TEST_SCOPE_POLICY } from './app.js';

export { freePort } from '../../agents/runtime/testing/fixtures.js';

/** Starts an orchestrator on a free port with a fresh data folder, trusting `pki`. */
export async function startTestOrchestrator(options: {
  pki: TestPki;
  port: number;
  agentUrls: string[];
  env?: Record<string, string>;
}): Promise<Orchestrator & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'atende-orch-'));
  const config = loadConfig({
    PORT: String(options.port),
    HOST: '127.0.0.1',
    CERTS_DIR: options.pki.dir,
    DATA_DIR: dataDir,
    AGENT_URLS: options.agentUrls.join(','),
    LOG_LEVEL: 'silent',
    DISCOVERY_INTERVAL_MS: '500',
    SCOPE_POLICY: JSON.stringify(TEST_SCOPE_POLICY),
    ...options.env,
  });
  return { ...(await startOrchestrator(config)), dataDir };
}

/** Starts an agent entry point (`main.ts`) as its own process; resolves when it prints `ready` or listens. */
export async function spawnAgent(options: {
  entry: string;
  env: Record<string, string>;
  readyPattern?: RegExp;
}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry], {
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pattern = options.readyPattern ?? /ready|listening/;
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent did not start:\n${output}`));
      // PGlite's first start and tsx's compile take seconds alone and far longer on a loaded 2-core machine.
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${output}`));
    });
  });
  return child;
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: any;
  at: number;
}

/** A `fetch` that trusts the test CA (the orchestrator's public edge needs no client certificate). */
export function publicFetch(ca: string): { fetch: typeof fetch; close(): Promise<void> } {
  const dispatcher = new Agent({ connect: { ca } });
  return {
    fetch: ((url: string, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher } as never)) as never,
    close: () => dispatcher.close(),
  };
}

/** Reads a `text/event-stream` body, calling `onEvent` as each event arrives; `false` from it stops reading. */
export async function readEvents(
  response: Response,
  onEvent: (event: string, data: any) => boolean | undefined,
): Promise<void> {
  if (!response.body) throw new Error(`the response (${response.status}) has no body`);
  for await (const { event, data } of readEventStream(response.body))
    if (onEvent(event, JSON.parse(data)) === false) return;
}

/** Reads a whole `text/event-stream` response into events, stamping each with its arrival time. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  await readEvents(response, (event, data) => {
    events.push({ event, data, at: performance.now() });
    return undefined;
  });
  return events;
}

/** A JSON call to the orchestrator's API as `token`: its status and parsed body (undefined when empty). */
export type ApiCall = (
  token: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>;

/** Makes {@link ApiCall}s to `base` through `fetch` (e.g. {@link publicFetch}'s, which trusts the test CA). */
export function apiCaller(fetchImpl: typeof fetch, base: string | (() => string)): ApiCall {
  return async (token, method, path, body) => {
    const response = await fetchImpl(`${typeof base === 'function' ? base() : base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

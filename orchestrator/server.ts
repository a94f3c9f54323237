import cluster from 'node:cluster';
import type { Logger } from '../agents/runtime/index.js';
import { listenTls } from '../agents/runtime/index.js';
import { loadTlsMaterial } from '../certs/certs.js';
import { createOrchestrator, type OrchestratorOverrides } from './app.js';
import { loadLanguageDetector } from './chat/language.js';
import type { Config } from './config.js';
import type { SigningKeys } from './mesh/signing-keys.js';
import { ensureWebBuild } from './web/index.js';

/** A running orchestrator and what tests need to reach into it. */
export interface Orchestrator {
  url: string;
  port: number;
  keys: SigningKeys;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Starts the orchestrator over HTTPS: assembles it with `createOrchestrator`, then does what only a running server
 * needs — its certificate, agent discovery on a timer, the web build, and listening.
 */
export async function startOrchestrator(
  config: Config,
  overrides: OrchestratorOverrides = {},
): Promise<Orchestrator> {
  const tls = overrides.tls ?? (await loadTlsMaterial(config.CERTS_DIR, 'orchestrator'));
  const orchestrator = await createOrchestrator(config, { ...overrides, tls });
  const cleanups: Array<() => Promise<unknown>> = [() => orchestrator.close()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const { app, deps } = orchestrator;
    const { directory, logger } = deps;
    await directory.refresh();
    directory.start(config.DISCOVERY_INTERVAL_MS);
    // Handoffs a person holds outlive a restart: follow the desk's open tasks again (SubscribeToTask).
    const resumed = await deps.desk.handoffs.resumeAll().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not follow the open handoffs again');
      return 0;
    });
    if (resumed) logger.info({ handoffs: resumed }, 'following open handoffs again');
    // A replica that stops leaves its handoffs to the others: each looks for open ones it does not follow yet.
    const following = setInterval(() => {
      deps.desk.handoffs
        .resumeAll()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not look for open handoffs'));
    }, config.HANDOFF_FOLLOW_INTERVAL_MS);
    following.unref();
    cleanups.push(async () => clearInterval(following));
    // Retention of the event log: the deltas of replies that ended long enough ago go (their messages stay).
    const compaction = setInterval(
      () => {
        deps.chatLog
          .compactDeltas(new Date(Date.now() - config.EVENT_DELTA_RETENTION_MS))
          .then((n) => n && logger.info({ deltas: n }, 'compacted the event log'))
          .catch((error: unknown) => logger.warn({ err: error }, 'could not compact the event log'));
      },
      Math.min(config.EVENT_DELTA_RETENTION_MS, 600_000),
    );
    compaction.unref();
    cleanups.push(async () => clearInterval(compaction));
    // The pages are not the service: without a build (and without Vite to make one) the API still runs.
    await ensureWebBuild({ webDir: config.WEB_DIR, logger }).catch((error: unknown) =>
      logger.error({ err: error }, 'web pages unavailable: the build is missing and cannot be made'),
    );
    // One of ORCHESTRATOR_PROCESSES, forked by the primary (replicas/cluster.ts).
    const slot = cluster.isWorker ? config.ORCHESTRATOR_PROCESS_SLOT : undefined;
    const running = await listenTls({
      fetch: (slot === undefined ? app.fetch : withProcessHeader(app.fetch, slot)) as never,
      port: config.PORT,
      host: config.HOST,
      // Shoppers' browsers have no client certificate: the public edge is plain server-side TLS.
      serverOptions: { cert: tls.cert, key: tls.key },
    });
    cleanups.push(() => running.close());
    const url = config.PUBLIC_URL ?? `https://localhost:${running.port}`;
    // One of ORCHESTRATOR_PROCESSES: the primary says `orchestrator listening` once every process does.
    if (slot === undefined) logger.info({ url, agents: config.AGENT_URLS }, 'orchestrator listening');
    else logger.info({ url, slot }, 'orchestrator process listening');
    // The shopper-language detector's database (about 0.8 s of CPU) loads now, after the port opened, not before.
    loadLanguageDetector().catch((error: unknown) =>
      logger.error({ err: error }, 'the language detector could not load; the next chat message tries again'),
    );
    return { url, port: running.port, keys: deps.keys, logger, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Fetch = (request: Request, env?: unknown) => Response | Promise<Response>;

/**
 * With ORCHESTRATOR_PROCESSES, every answer names the process (its slot, 1…N, not its pid) that served it in
 * `X-Orchestrator-Process`: which one served a request, and that all of them serve, is then visible from outside.
 */
function withProcessHeader(fetch: Fetch, slot: number): Fetch {
  return async (request, env) => {
    let response = await fetch(request, env);
    try {
      response.headers.set('x-orchestrator-process', String(slot));
    } catch {
      // Headers of a response passed through from another fetch are immutable: a copy carries the same body.
      response = new Response(response.body, response);
      response.headers.set('x-orchestrator-process', String(slot));
    }
    return response;
  };
}

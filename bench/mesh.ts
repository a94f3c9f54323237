import { join } from 'node:path';
import { loadTlsMaterial } from '../certs/certs.js';
import { loadOrCreateSigningKeys, type SigningKeys } from '../orchestrator/mesh/signing-keys.js';
import { freePort, publicFetch } from '../orchestrator/testing/harness.js';
import { builtEntry } from '../scripts/build-server.js';
import { type BenchProcess, startProcess } from './processes.js';

export const AGENTS = ['assistant', 'sentiment', 'orders', 'promotions', 'desk'] as const;
// The default demo password, so the kept chat log opens on the dashboard with the README's demo accounts.
export const DEMO_PASSWORD = 'atende-demo-2026';

/** The whole mesh as separate processes: the orchestrator (PGlite under `dataDir`) and the five agents. */
export interface Mesh {
  url: string;
  certsDir: string;
  keys: SigningKeys;
  orchestrator: BenchProcess;
  agents: BenchProcess[];
  agentUrls: Record<(typeof AGENTS)[number], string>;
  web: { fetch: typeof fetch; close(): Promise<void> };
  stop(): Promise<void>;
}

/**
 * Starts the orchestrator and the agents as `npm start` would, on free ports, logging warnings only (per-request
 * info logs would be part of what is measured), with the chat rate limit raised so it does not cap the load.
 * The orchestrator's signing key is created first, so the benchmark can mint the same tokens it would. The human
 * desk keeps its own PGlite under `deskDataDir`.
 */
export async function startMesh(options: {
  certsDir: string;
  dataDir: string;
  deskDataDir: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Run the esbuild bundles of dist/ (as `npm start` does) instead of the TypeScript through tsx. */
  compiled?: boolean;
  /**
   * How long the orchestrator has to answer, and then every agent to come up (the desk creates its PGlite on a first
   * start); 30 s each by default.
   */
  readyTimeoutMs?: number;
}): Promise<Mesh> {
  const { certsDir, dataDir } = options;
  const keys = await loadOrCreateSigningKeys(join(dataDir, 'keys', 'service-signing.jwk.json'));
  const ports = Object.fromEntries(
    await Promise.all(AGENTS.map(async (a) => [a, await freePort()] as const)),
  );
  const agentUrls = Object.fromEntries(
    AGENTS.map((a) => [a, `https://localhost:${ports[a]}`]),
  ) as Mesh['agentUrls'];
  const port = await freePort();
  const url = `https://localhost:${port}`;
  const web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
  const root = join(import.meta.dirname, '..');
  const entry = (source: string) => (options.compiled ? builtEntry(root, source) : join(root, source));
  const health = async () => {
    const response = await web.fetch(`${url}/healthz`);
    return (await response.json()) as { agents: Array<{ state: string }> };
  };
  const orchestrator = await startProcess({
    name: 'orchestrator',
    entry: entry('orchestrator/main.ts'),
    nodeArgs: options.nodeArgs,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      CERTS_DIR: certsDir,
      DATA_DIR: dataDir,
      AGENT_URLS: AGENTS.map((a) => agentUrls[a]).join(','),
      LOG_LEVEL: 'warn',
      DISCOVERY_INTERVAL_MS: '1000',
      DEMO_PASSWORD,
      CHAT_MESSAGES_PER_MINUTE: '1000000',
      // The load comes from one address: neither the chat allowance nor the per-address stream ceiling applies.
      STREAMS_PER_ADDRESS: '1000000',
      ...options.env,
    },
    ready: async () => (await health()).agents !== undefined,
    timeoutMs: options.readyTimeoutMs,
  });
  const agents = await Promise.all(
    AGENTS.map((name) =>
      startProcess({
        name,
        entry: entry(`agents/${name}/main.ts`),
        nodeArgs: options.nodeArgs,
        env: {
          PORT: String(ports[name]),
          HOST: '127.0.0.1',
          PUBLIC_URL: agentUrls[name],
          CERTS_DIR: certsDir,
          ORCHESTRATOR_JWKS_URL: `${url}/.well-known/jwks.json`,
          LOG_LEVEL: 'warn',
          OLLAMA_HOST: 'http://127.0.0.1:9',
          ...(name === 'desk' ? { DATA_DIR: options.deskDataDir } : {}),
        },
        ready: async () => true, // the orchestrator's health check below says when each is up
      }),
    ),
  );
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!(await health()).agents.every((a) => a.state === 'up')) {
    if (Date.now() > deadline) {
      const error = new Error(`agents never came up: ${JSON.stringify(await health())}`);
      // Nothing is left running for the caller, who has no handle on these processes yet.
      await Promise.all([...agents, orchestrator].map((p) => p.stop()));
      await web.close();
      throw error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    certsDir,
    keys,
    orchestrator,
    agents,
    agentUrls,
    web,
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
      await orchestrator.stop(15_000);
      await web.close();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadTlsMaterial } from '../certs/certs.js';
import { createServiceTokenMinter } from '../orchestrator/mesh/service-tokens.js';
import type { SigningKeys } from '../orchestrator/mesh/signing-keys.js';
import { freePort } from '../orchestrator/testing/harness.js';
import { type BenchProcess, cpuMs, median, peakMemoryMiB, startProcess } from './processes.js';
import { SHOPPER_QUESTIONS } from './questions.js';

/** One load run against one server. */
export interface RuntimeRun {
  server: 'hono' | 'express';
  method: 'SendMessage' | 'SendStreamingMessage';
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: number;
}

/** Results of section (a): both servers, both methods, several alternating rounds. */
export interface RuntimeResult {
  runs: RuntimeRun[];
  rows: Array<{
    method: RuntimeRun['method'];
    server: RuntimeRun['server'];
    requestsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    cpuMsPerRequest: number;
    errors: number;
    peakMiB: number;
  }>;
  ratios: Array<{ method: RuntimeRun['method']; throughput: number; cpu: number }>;
  connections: number;
  durationSec: number;
  rounds: number;
}

const ISSUER = 'atende-orchestrator';

function body(method: RuntimeRun['method']) {
  const question = SHOPPER_QUESTIONS[Math.floor(Math.random() * SHOPPER_QUESTIONS.length)]!;
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: {
      message: {
        messageId: randomUUID(),
        contextId: randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: question.text, mediaType: 'text/plain' }],
        metadata: { locale: question.locale, skill: 'faq-answer' },
      },
      configuration: {},
      metadata: { skill: 'faq-answer' },
    },
  });
}

/**
 * (a) The assistant's executor served by Atende's Hono runtime and by the SDK's Express adapter, each in its own
 * process over mTLS with token verification, loaded by autocannon from this process in alternating rounds.
 */
export async function benchAgentRuntime(options: {
  certsDir: string;
  keys: SigningKeys;
  connections: number;
  durationSec: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<RuntimeResult> {
  const { certsDir, keys, connections, durationSec, rounds, log } = options;
  const client = await loadTlsMaterial(certsDir, 'orchestrator');
  const minter = createServiceTokenMinter({ keys, issuer: ISSUER, ttlSec: 600 });
  const servers: Array<{ kind: 'hono' | 'express'; port: number; server: BenchProcess; token: string }> = [];
  for (const kind of ['hono', 'express'] as const) {
    const port = await freePort();
    const server = await startProcess({
      name: kind,
      entry: join(import.meta.dirname, 'servers', 'assistant.ts'),
      args: [kind],
      env: { BENCH_CERTS_DIR: certsDir, BENCH_JWKS: JSON.stringify(keys.jwks), BENCH_PORT: String(port) },
      ready: /ready \d+/,
    });
    const token = await minter.mint({
      audience: `https://localhost:${port}/a2a`,
      subject: 'bench-shopper',
      role: 'guest',
      skill: 'faq-answer',
      scopes: ['assistant:faq'],
      correlationId: 'bench',
    });
    servers.push({ kind, port, server, token });
  }

  const run = async (
    target: (typeof servers)[number],
    method: RuntimeRun['method'],
    seconds: number,
  ): Promise<RuntimeRun> => {
    const before = cpuMs(target.server.pid);
    const result = await autocannon({
      url: `https://localhost:${target.port}/a2a`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: {
        'content-type': 'application/json',
        'a2a-version': '1.0',
        accept: method === 'SendMessage' ? 'application/json' : 'text/event-stream',
        authorization: `Bearer ${target.token}`,
      },
      tlsOptions: { ca: client.ca, cert: client.cert, key: client.key, servername: 'localhost' },
      requests: [{ setupRequest: (request) => ({ ...request, body: body(method) }) }],
    } as autocannon.Options);
    const used = cpuMs(target.server.pid) - before;
    const total = result.requests.total;
    return {
      server: target.kind,
      method,
      requestsPerSec: total / seconds,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.non2xx + result.timeouts,
      cpuMsPerRequest: total ? used / total : Number.NaN,
    };
  };

  const runs: RuntimeRun[] = [];
  let peaks: Record<string, number> = {};
  try {
    for (const method of ['SendMessage', 'SendStreamingMessage'] as const) {
      for (const target of servers) await run(target, method, 1); // warm-up: JIT, TLS sessions, caches
      for (let round = 0; round < rounds; round++) {
        // Alternate which server goes first, so drift on the machine hits both alike.
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const target of order) {
          const r = await run(target, method, durationSec);
          runs.push(r);
          log(
            `  ${method.padEnd(20)} ${r.server.padEnd(7)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ${r.cpuMsPerRequest.toFixed(2)} ms CPU/req  errors ${r.errors}`,
          );
        }
      }
    }
  } finally {
    peaks = Object.fromEntries(servers.map((s) => [s.kind, peakMemoryMiB(s.server.pid)]));
    await Promise.all(servers.map((s) => s.server.stop()));
  }

  const rows = (['SendMessage', 'SendStreamingMessage'] as const).flatMap((method) =>
    (['hono', 'express'] as const).map((server) => {
      const mine = runs.filter((r) => r.method === method && r.server === server);
      return {
        method,
        server,
        requestsPerSec: median(mine.map((r) => r.requestsPerSec)),
        p50Ms: median(mine.map((r) => r.p50Ms)),
        p99Ms: median(mine.map((r) => r.p99Ms)),
        cpuMsPerRequest: median(mine.map((r) => r.cpuMsPerRequest)),
        errors: mine.reduce((sum, r) => sum + r.errors, 0),
        peakMiB: peaks[server] ?? Number.NaN,
      };
    }),
  );
  const ratios = (['SendMessage', 'SendStreamingMessage'] as const).map((method) => {
    const hono = rows.find((r) => r.method === method && r.server === 'hono')!;
    const expressRow = rows.find((r) => r.method === method && r.server === 'express')!;
    return {
      method,
      throughput: hono.requestsPerSec / expressRow.requestsPerSec,
      cpu: expressRow.cpuMsPerRequest / hono.cpuMsPerRequest,
    };
  });
  return { runs, rows, ratios, connections, durationSec, rounds };
}

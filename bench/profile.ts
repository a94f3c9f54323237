import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a function's self time is spent, by the file it comes from. */
const AREAS: Array<[RegExp, string]> = [
  [/node_modules\/jose\//, 'token signing/verification (jose)'],
  // PGlite is the only WebAssembly in the mesh: its compiled functions are the embedded database at work.
  [/node_modules\/(@electric-sql\/pglite|pg|pg-protocol|pg-types)\/|^wasm:\/\//, 'database (PGlite/pg)'],
  [/^node:internal\/modules\/|node:internal\/process\/|^node:module/, 'start-up (module loading)'],
  [/node_modules\/@a2a-js\/sdk\//, 'A2A SDK'],
  [/agents\/assistant\/|node_modules\/@orama\//, 'retrieval (assistant)'],
  [/agents\/sentiment\//, 'sentiment classifier'],
  [/agents\/runtime\//, 'agent runtime (ours)'],
  [/orchestrator\//, 'orchestrator (ours)'],
  [/node_modules\/(hono|@hono)\//, 'Hono'],
  [/node_modules\/undici\//, 'HTTP client (undici)'],
  [/node_modules\/zod\//, 'validation (zod)'],
  [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//, 'logging (pino)'],
  [/node_modules\/(tsx|esbuild)\//, 'loader (tsx)'],
  [
    /^node:(_tls|tls|_http|http|https|net|stream|internal\/(tls|stream|http|net))|node:internal\/(tls|crypto)/,
    'TLS, HTTP & sockets (node)',
  ],
];

function areaOf(url: string, functionName: string): string | undefined {
  if (functionName === '(idle)' || functionName === '(program)') return undefined;
  if (functionName === '(garbage collector)') return 'garbage collection';
  for (const [pattern, area] of AREAS) if (pattern.test(url)) return area;
  return url.startsWith('node:') || url === '' ? 'node internals & native' : 'other';
}

/** Self time by area and the top functions of each `.cpuprofile` in `dir` (one per process). */
export async function summariseProfiles(dir: string) {
  const out: Array<{
    file: string;
    totalMs: number;
    areas: Array<{ area: string; ms: number; share: number }>;
    top: Array<{ fn: string; area: string; ms: number }>;
  }> = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    for (const [i, id] of profile.samples.entries()) {
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
    const areas = new Map<string, number>();
    const fns = new Map<string, { area: string; ms: number }>();
    let total = 0;
    for (const [id, ms] of self) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) continue;
      const area = areaOf(frame.url, frame.functionName);
      if (!area) continue;
      total += ms;
      areas.set(area, (areas.get(area) ?? 0) + ms);
      const where = frame.url
        .replace(/^.*node_modules\//, '')
        .replace(/^file:\/\/.*?\/(orchestrator|agents)\//, '$1/');
      const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
      const entry = fns.get(key) ?? { area, ms: 0 };
      entry.ms += ms;
      fns.set(key, entry);
    }
    out.push({
      file,
      totalMs: total,
      areas: [...areas].map(([area, ms]) => ({ area, ms, share: ms / total })).sort((a, b) => b.ms - a.ms),
      top: [...fns]
        .map(([fn, v]) => ({ fn, ...v }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 12),
    });
  }
  return out;
}

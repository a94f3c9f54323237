// Where a process's memory is, every 15 s, as one JSON line per sample in bench/results/memory-<pid>.jsonl.
// Preload it into the process to watch, e.g. the orchestrator during a soak:
//   BENCH_ORCHESTRATOR_ENV='{"NODE_OPTIONS":"--import ./bench/memory-probe.mjs"}' \
//     npx tsx bench/run.ts --only=c --rates=30 --soak=480
// Fields (MiB): rss; the V8 heap's size (heapTotal) and what is in it (heapUsed: its low points are what survives
// garbage collection); external and arrayBuffers (PGlite's WebAssembly memory counts here); malloc's main heap
// ([heap] in /proc/self/smaps); and the number of open handles (sockets, timers).
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `memory-${process.pid}.jsonl`);
const mib = (bytes) => Math.round(bytes / 1_048_576);

/** Resident size of the mappings named `name` in /proc/self/smaps (Linux only; 0 elsewhere). */
function resident(name) {
  let lines;
  try {
    lines = readFileSync('/proc/self/smaps', 'utf8').split('\n');
  } catch {
    return 0;
  }
  let inside = false;
  let kib = 0;
  for (const line of lines) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inside = line.endsWith(name);
    else if (inside && line.startsWith('Rss:')) kib += Number(line.split(/\s+/)[1]);
  }
  return mib(kib * 1024);
}

const timer = setInterval(() => {
  const m = process.memoryUsage();
  const sample = {
    at: new Date().toISOString(),
    rss: mib(m.rss),
    heapTotal: mib(m.heapTotal),
    heapUsed: mib(m.heapUsed),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
    mallocHeap: resident('[heap]'),
    handles: process.getActiveResourcesInfo().length,
  };
  appendFileSync(file, `${JSON.stringify(sample)}\n`);
}, 15_000);
timer.unref();

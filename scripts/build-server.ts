import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

// The production build: each server process's entry (the orchestrator, every agent) bundled by esbuild into one ES
// module under dist/, npm packages left as imports. `npm start` runs these with plain `node` — no TypeScript loader
// in any server process — and rebuilds first when a source is newer than the build; the launcher itself, development
// and the tests keep `tsx`. Files a process reads beside its own source (the FAQ) are copied next to its bundle.

/** The folders whose TypeScript the processes are built from; a change in any of them makes the build stale. */
const SOURCES = ['orchestrator', 'agents', 'certs'];
/** Read at run time relative to the module that reads them (`new URL('./x', import.meta.url)`). */
const ASSETS = ['agents/assistant/faq.json'];
const STAMP = '.build.json';

/** The entry points: `orchestrator/main.ts` and each `agents/<name>/main.ts`. */
export async function serverEntries(root: string): Promise<string[]> {
  const agents = (await readdir(join(root, 'agents'), { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(root, 'agents', d.name, 'main.ts')))
    .map((d) => `agents/${d.name}/main.ts`);
  return ['orchestrator/main.ts', ...agents];
}

/** The newest modification time (ms) of the sources a build is made from, tests left out. */
async function newestSource(root: string): Promise<number> {
  let newest = (await stat(join(root, 'package-lock.json')).catch(() => undefined))?.mtimeMs ?? 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'eval') await walk(path);
      } else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, (await stat(path)).mtimeMs);
      }
    }
  };
  for (const folder of SOURCES) await walk(join(root, folder));
  return newest;
}

/** True when dist/ is missing or older than any source, or was built by another Node major. */
export async function serverBuildIsStale(root: string): Promise<boolean> {
  const stamp = await readFile(join(root, 'dist', STAMP), 'utf8')
    .then((text) => JSON.parse(text) as { builtAt: number; node: string })
    .catch(() => undefined);
  if (!stamp || stamp.node !== process.versions.node.split('.')[0]) return true;
  return (await newestSource(root)) > stamp.builtAt;
}

/** Builds every entry into `dist/` (replacing an older build) and returns the built files, relative to `root`. */
export async function buildServer(root: string): Promise<string[]> {
  const startedAt = Date.now();
  const entries = await serverEntries(root);
  const out = join(root, 'dist');
  await rm(out, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: entries,
    outbase: root,
    outdir: out,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const asset of ASSETS) {
    await mkdir(dirname(join(out, asset)), { recursive: true });
    await copyFile(join(root, asset), join(out, asset));
  }
  // Stamped with the time the build started, so a source saved during the build still counts as newer.
  await writeFile(
    join(out, STAMP),
    JSON.stringify({ builtAt: startedAt, node: process.versions.node.split('.')[0], entries }),
  );
  return entries.map((e) => relative(root, join(out, e.replace(/\.ts$/, '.js'))));
}

/** The built file of a source entry (`orchestrator/main.ts` → `dist/orchestrator/main.js`). */
export const builtEntry = (root: string, entry: string) => join(root, 'dist', entry.replace(/\.ts$/, '.js'));

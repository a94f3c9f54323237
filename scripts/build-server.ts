import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** The newest modification time (ms) of the TypeScript a build is made from (tests left out) and of its assets. */
async function newestSource(root: string): Promise<number> {
  let newest = (await stat(join(root, 'package-lock.json')).catch(() => undefined))?.mtimeMs ?? 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'eval') await walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, (await stat(path)).mtimeMs);
      }
    }
  };
  for (const folder of SOURCES) if (existsSync(join(root, folder))) await walk(join(root, folder));
  for (const asset of ASSETS) newest = Math.max(newest, (await stat(join(root, asset))).mtimeMs);
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

/**
 * Builds every entry into `dist/` (replacing an older build) and returns the built files, relative to `root`. Several
 * `npm start`s at once (the tests run two) take turns through a lock folder, and each build is written beside
 * `dist/` and swapped in by renames, so a process starting meanwhile never finds half a build.
 */
export async function buildServer(root: string, options: { force?: boolean } = {}): Promise<string[]> {
  const lock = join(root, '.dist.lock');
  for (const deadline = Date.now() + 120_000; ; ) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left over from a process that died holding it.
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > 120_000 || Date.now() > deadline) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    // Another process may have built it while this one waited.
    if (!options.force && !(await serverBuildIsStale(root))) {
      return (await serverEntries(root)).map((e) => relative(root, builtEntry(root, e)));
    }
    return await buildInto(root);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function buildInto(root: string): Promise<string[]> {
  const startedAt = Date.now();
  const entries = await serverEntries(root);
  const final = join(root, 'dist');
  const out = join(root, `.dist-${process.pid}-${startedAt}`);
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
    // The maps point at the sources in the checkout instead of carrying them: --enable-source-maps reads and parses
    // each process's map at start-up, and the orchestrator's was 1 MB.
    sourcesContent: false,
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
  const old = `${out}-old`;
  await rename(final, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(out, final);
  await rm(old, { recursive: true, force: true });
  return entries.map((e) => relative(root, builtEntry(root, e)));
}

/** The built file of a source entry (`orchestrator/main.ts` → `dist/orchestrator/main.js`). */
export const builtEntry = (root: string, entry: string) => join(root, 'dist', entry.replace(/\.ts$/, '.js'));

// `npm run build`: builds dist/ now, whether or not it is stale.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(import.meta.dirname, '..');
  const started = performance.now();
  const built = await buildServer(root, { force: true });
  console.log(`[build] ${built.join(', ')} in ${Math.round(performance.now() - started)} ms`);
}

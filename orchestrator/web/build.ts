import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { z } from 'zod';
import type { Logger } from '../../agents/runtime/index.js';

/** What the built `web/dist` holds: the content-hashed names the pages and the loader point at. */
export const webManifestSchema = z.object({
  builtAt: z.string(),
  widget: z.string(),
  shopCss: z.string(),
  console: z.string(),
  consoleCss: z.string(),
});

/** The manifest `buildWeb` writes to `dist/asset-manifest.json`. */
export type WebManifest = z.infer<typeof webManifestSchema>;

const viteManifestSchema = z.record(
  z.string(),
  z.object({ file: z.string(), css: z.array(z.string()).optional() }),
);

/** The folder the build goes to. */
export function distDir(webDir: string): string {
  return join(webDir, 'dist');
}

/** Reads `dist/asset-manifest.json`; undefined when the build is missing or unreadable. */
export async function readWebManifest(webDir: string): Promise<WebManifest | undefined> {
  try {
    return webManifestSchema.parse(
      JSON.parse(await readFile(join(distDir(webDir), 'asset-manifest.json'), 'utf8')),
    );
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function entry(manifest: z.infer<typeof viteManifestSchema>, source: string): string {
  const found = manifest[source];
  if (!found) throw new Error(`the Vite manifest has no entry for ${source}`);
  return found.file;
}

/** The pages of `web/pages` the build renders, served as `/` (index) and `/console`. */
export const WEB_PAGES = ['index', 'console'] as const;

/** Files the build compresses beside themselves (`x.js.br`, `x.js.gz`) for browsers that accept it. */
const COMPRESSIBLE = /\.(js|css|html|svg|map)$/;

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Writes a brotli (`.br`) and a gzip (`.gz`) copy of every compressible file under `dir`. */
async function precompress(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const body = await readFile(path);
    await writeFile(`${path}.br`, await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    await writeFile(`${path}.gz`, await gzipped(body, { level: 9 }));
  }
}

/**
 * Builds the widget, the staff console and the pages of `webDir` with Vite into `webDir/dist`, each text file with a
 * brotli and a gzip copy beside it. The build goes to a temporary folder first and is renamed into place, so a
 * concurrent reader never sees half a build.
 */
export async function buildWeb(options: {
  webDir: string;
  logger?: Logger;
  /** Replace an existing build (default); when false, a build another process finished first is kept. */
  replace?: boolean;
}): Promise<WebManifest> {
  const { logger, replace = true } = options;
  // Vite resolves outDir against its root: both must be absolute, whatever the working directory.
  const webDir = resolve(options.webDir);
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error(
      'web/dist is missing and Vite is not installed: run `npm install` then `npm run build:web`',
    );
  }
  const { webViteConfig } = await import('../../web/vite.config.js');
  const started = performance.now();
  const tmp = join(webDir, `.dist-${process.pid}-${randomUUID().slice(0, 8)}`);
  try {
    await mkdir(tmp, { recursive: true });
    for (const bundle of ['widget', 'pages'] as const) {
      await vite.build(webViteConfig({ webDir, outDir: tmp, bundle }));
    }
    const read = async (name: string) =>
      viteManifestSchema.parse(JSON.parse(await readFile(join(tmp, '.vite', `${name}.json`), 'utf8')));
    const widget = await read('widget');
    const pages = await read('pages');
    const manifest: WebManifest = {
      builtAt: new Date().toISOString(),
      widget: entry(widget, 'src/widget/index.ts'),
      shopCss: entry(pages, 'src/shop/shop.css'),
      console: entry(pages, 'src/console/index.ts'),
      consoleCss: entry(pages, 'src/console/page.css'),
    };
    // The stable loader other shops embed: tiny, revalidated on every load, pointing at today's hashed bundle.
    const hashed = manifest.widget.split('/').pop();
    await writeFile(join(tmp, 'widget', 'atende-chat.js'), `import './${hashed}';\n`);
    for (const page of WEB_PAGES) {
      const template = await readFile(join(webDir, 'pages', `${page}.html`), 'utf8');
      await writeFile(join(tmp, `${page}.html`), renderPage(template, manifest));
    }
    await copyFile(join(webDir, 'pages', 'favicon.svg'), join(tmp, 'favicon.svg'));
    await precompress(tmp);
    await writeFile(join(tmp, 'asset-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const dist = distDir(webDir);
    if (!replace) {
      const other = await readWebManifest(webDir);
      if (other) return other;
    }
    const old = join(webDir, `.dist-old-${process.pid}-${randomUUID().slice(0, 8)}`);
    if (await exists(dist)) await rename(dist, old);
    await rename(tmp, dist);
    await rm(old, { recursive: true, force: true });
    logger?.info({ ms: Math.round(performance.now() - started), widget: manifest.widget }, 'web build done');
    return manifest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Replaces `%ASSET:name%` placeholders of a page template with `/`-rooted hashed asset paths. */
export function renderPage(template: string, manifest: WebManifest): string {
  return template.replace(/%ASSET:(\w+)%/g, (whole, name: string) => {
    const file = (manifest as Record<string, string>)[name];
    if (!file || name === 'builtAt') throw new Error(`unknown asset ${whole} in a page template`);
    return `/${file}`;
  });
}

/** The newest modification time of the sources of the build (`src/`, `pages/`, the Vite config); 0 if none. */
export async function newestSource(webDir: string): Promise<number> {
  let newest = 0;
  const visit = async (path: string) => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const name of await readdir(path)) await visit(join(path, name));
    } else newest = Math.max(newest, info.mtimeMs);
  };
  for (const part of ['src', 'pages', 'vite.config.ts']) await visit(join(webDir, part));
  return newest;
}

let building: Promise<WebManifest> | undefined;

/**
 * Returns the manifest of `webDir/dist`, building it first when it is missing or older than its sources (once per
 * process, however many callers ask at the same time). `npm start` calls it before listening.
 */
export async function ensureWebBuild(options: { webDir: string; logger?: Logger }): Promise<WebManifest> {
  const existing = await readWebManifest(options.webDir);
  const stale = existing && Date.parse(existing.builtAt) < (await newestSource(options.webDir));
  if (existing && !stale) return existing;
  options.logger?.info(
    { webDir: options.webDir, stale },
    'web build missing or stale; building it with Vite',
  );
  // A stale build is replaced; a missing one is built once, even if another process races to build it too.
  building ??= buildWeb({ ...options, replace: Boolean(stale) })
    .catch((error: unknown) => {
      // Better yesterday's pages than none (a production image has no Vite).
      if (!existing) throw error;
      options.logger?.warn({ err: error }, 'could not rebuild the stale web build; serving the old one');
      return existing;
    })
    .finally(() => {
      building = undefined;
    });
  return building;
}

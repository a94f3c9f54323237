import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Context, Hono } from 'hono';
import type { Logger } from '../../agents/runtime/index.js';
import { httpError } from '../errors.js';
import { distDir, ensureWebBuild, type WebManifest } from './build.js';

/** What the web routes need: the `web/` folder (its `dist/` holds the built pages and assets). */
export interface WebRoutesDeps {
  webDir: string;
  logger: Logger;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The cache policy of a content-hashed file: it never changes, so it is kept for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

// `name.HASH.ext` (Vite's 8-character hash); anything else under /widget or /static is not ours.
const HASHED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8}\.(js|css|js\.map|css\.map)$/;

/** The old staff pages, now sections of `/console`. */
export const CONSOLE_REDIRECTS: Record<string, string> = {
  '/operator': '/console#/inbox',
  '/inbox': '/console#/inbox',
  '/dashboard': '/console#/dashboard',
  '/inspector': '/console#/inspector',
};

type Encoding = 'br' | 'gzip';
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/** The best encoding the client accepts of those the build wrote (brotli first); undefined for none. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

/**
 * Mount with `app.route('/', webRoutes(deps))`, before any other route of the same paths. Serves the demo shop page
 * (`/`), the staff console (`/console`; `/operator`, `/inbox`, `/dashboard` and `/inspector` redirect to its
 * sections), the favicon, the content-hashed bundles (`/widget/*.HASH.js`, `/static/*`) for a year, and the stable
 * widget loader `/widget/atende-chat.js` (revalidated on every use) that other shops embed. Text files go out
 * brotli- or gzip-compressed when the browser accepts it (`Vary: Accept-Encoding`). Builds `web/dist` first when
 * it is missing.
 */
export function webRoutes(deps: WebRoutesDeps) {
  const { webDir, logger } = deps;
  const dist = distDir(webDir);
  const app = new Hono();
  let manifest: Promise<WebManifest> | undefined;
  const built = () => {
    manifest ??= ensureWebBuild({ webDir, logger }).catch((error: unknown) => {
      manifest = undefined;
      logger.error({ err: error }, 'web build failed');
      throw httpError(503, 'web_unavailable', 'the web pages are not built; run `npm run build:web`');
    });
    return manifest;
  };

  /**
   * A file of the build, compressed when the client accepts it and the build wrote a compressed copy; undefined
   * when the file does not exist. `etag`, when given, names the representation (`"…-br"`), and a matching
   * `If-None-Match` gets a 304.
   */
  async function send(
    c: Context,
    path: string,
    headers: Record<string, string>,
    etag?: string,
  ): Promise<Response | undefined> {
    const ext = /\.(\w+)$/.exec(path)?.[1] ?? '';
    const all: Record<string, string> = {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      ...headers,
    };
    const encoding = negotiateEncoding(c.req.header('accept-encoding'));
    all.vary = 'accept-encoding';
    let body: Buffer | undefined;
    let used: Encoding | undefined;
    if (encoding) {
      body = await readFile(`${path}${SUFFIX[encoding]}`).catch(() => undefined);
      if (body) used = encoding;
    }
    body ??= await readFile(path).catch(() => undefined);
    if (!body) return undefined;
    if (used) all['content-encoding'] = used;
    if (etag) {
      const tagged = used ? `${etag.slice(0, -1)}-${used}"` : etag;
      all.etag = tagged;
      if (c.req.header('if-none-match') === tagged) return new Response(null, { status: 304, headers: all });
    }
    return new Response(new Uint8Array(body), { headers: all });
  }

  async function page(c: Context, name: string) {
    const m = await built();
    const response = await send(
      c,
      join(dist, `${name}.html`),
      { 'cache-control': 'no-cache' },
      `"${m.builtAt}"`,
    );
    if (!response)
      throw httpError(503, 'web_unavailable', 'the web pages are not built; run `npm run build:web`');
    return response;
  }

  app.get('/', (c) => page(c, 'index'));
  app.get('/console', (c) => page(c, 'console'));
  for (const [from, to] of Object.entries(CONSOLE_REDIRECTS)) app.get(from, (c) => c.redirect(to, 302));

  for (const name of ['/favicon.svg', '/favicon.ico']) {
    app.get(name, async (c) => {
      await built();
      const response = await send(c, join(dist, 'favicon.svg'), {
        'content-type': TYPES.svg as string,
        'cache-control': 'public, max-age=86400',
      });
      if (!response) throw httpError(404, 'not_found', 'no such asset');
      return response;
    });
  }

  app.get('/widget/atende-chat.js', async (c) => {
    const m = await built();
    const response = await send(
      c,
      join(dist, 'widget', 'atende-chat.js'),
      {
        'cache-control': 'no-cache',
        // Any shop may embed the widget from here.
        'access-control-allow-origin': '*',
      },
      `"${m.widget}"`,
    );
    if (!response) throw httpError(404, 'not_found', 'no such asset');
    return response;
  });

  for (const folder of ['widget', 'static']) {
    app.get(`/${folder}/:file`, async (c) => {
      await built();
      const file = c.req.param('file');
      const match = HASHED.exec(file);
      if (!match) throw httpError(404, 'not_found', 'no such asset');
      const ext = match[1]?.endsWith('map') ? 'map' : (match[1] as string);
      const response = await send(c, join(dist, folder, file), {
        'content-type': TYPES[ext] as string,
        'cache-control': IMMUTABLE,
        'access-control-allow-origin': '*',
      });
      if (!response) throw httpError(404, 'not_found', 'no such asset');
      return response;
    });
  }

  return app;
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
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
};

/** The cache policy of a content-hashed file: it never changes, so it is kept for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

// `name.HASH.ext` (Vite's 8-character hash); anything else under /widget or /static is not ours.
const HASHED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8}\.(js|css|js\.map|css\.map)$/;

/**
 * Mount with `app.route('/', webRoutes(deps))`. Serves the demo shop page (`/`), the inspector page
 * (`/inspector`), the operators' inbox (`/operator`, and `/inbox` redirecting there), the content-hashed bundles (`/widget/*.HASH.js`, `/static/*`) for a year, and the stable widget
 * loader `/widget/atende-chat.js` (revalidated on every use) that other shops embed. Builds `web/dist` first
 * when it is missing.
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

  async function page(name: string, etag: string) {
    const html = await readFile(join(dist, `${name}.html`), 'utf8');
    return new Response(html, {
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', etag },
    });
  }

  app.get('/', async (c) => {
    const m = await built();
    const etag = `"${m.builtAt}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return page('index', etag);
  });
  for (const name of ['inspector', 'operator']) {
    app.get(`/${name}`, async (c) => {
      const m = await built();
      const etag = `"${m.builtAt}"`;
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return page(name, etag);
    });
  }
  // The operators' inbox has a second, shorter name.
  app.get('/inbox', (c) => c.redirect('/operator', 302));

  app.get('/widget/atende-chat.js', async (c) => {
    const m = await built();
    const etag = `"${m.widget}"`;
    const headers = {
      'content-type': TYPES.js as string,
      'cache-control': 'no-cache',
      etag,
      // Any shop may embed the widget from here.
      'access-control-allow-origin': '*',
    };
    if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return new Response(await readFile(join(dist, 'widget', 'atende-chat.js')), { headers });
  });

  for (const folder of ['widget', 'static']) {
    app.get(`/${folder}/:file`, async (c) => {
      await built();
      const file = c.req.param('file');
      const match = HASHED.exec(file);
      if (!match) throw httpError(404, 'not_found', 'no such asset');
      let body: Buffer;
      try {
        body = await readFile(join(dist, folder, file));
      } catch {
        throw httpError(404, 'not_found', 'no such asset');
      }
      const ext = match[1]?.endsWith('map') ? 'map' : (match[1] as string);
      return new Response(new Uint8Array(body), {
        headers: {
          'content-type': TYPES[ext] as string,
          'cache-control': IMMUTABLE,
          'access-control-allow-origin': '*',
        },
      });
    });
  }

  return app;
}

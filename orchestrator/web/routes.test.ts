import { join } from 'node:path';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { handleError } from '../errors.js';
import { ensureWebBuild, renderPage, type WebManifest } from './build.js';
import { IMMUTABLE, webRoutes } from './routes.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const webDir = join(import.meta.dirname, '../../web');
let app: Hono;
let manifest: WebManifest;

beforeAll(async () => {
  manifest = await ensureWebBuild({ webDir, logger });
  app = new Hono();
  app.route('/', webRoutes({ webDir, logger }));
  app.onError(handleError(logger));
}, 60_000);

describe('the web routes', () => {
  it('serves the demo shop page with the hashed widget, revalidated on each visit', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toContain(`<script type="module" src="/${manifest.widget}"></script>`);
    expect(html).toContain('<atende-chat></atende-chat>');
    // No inline script or style: the page runs under script-src 'self' and style-src 'self'.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    const again = await app.request('/', {
      headers: { 'if-none-match': response.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('serves content-hashed bundles for a year', async () => {
    expect(manifest.widget).toMatch(/^widget\/atende-chat\.[\w-]{8}\.js$/);
    const response = await app.request(`/${manifest.widget}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(await response.text()).toContain('atende-chat');
    const css = await app.request(`/${manifest.shopCss}`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toBe(IMMUTABLE);
  });

  it('serves a small stable loader for other shops, pointing at the hashed bundle', async () => {
    const response = await app.request('/widget/atende-chat.js');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe(`import './${manifest.widget.split('/').pop()}';\n`);
  });

  it('serves the inspector page', async () => {
    const response = await app.request('/inspector');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`src="/${manifest.inspector}"`);
  });

  it('serves the operator inbox page, also under /inbox', async () => {
    const response = await app.request('/operator');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`src="/${manifest.operator}"`);
    expect(html).toContain(`href="/${manifest.operatorCss}"`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    const inbox = await app.request('/inbox');
    expect(inbox.status).toBe(302);
    expect(inbox.headers.get('location')).toBe('/operator');
  });

  it('serves nothing else from the build folder', async () => {
    for (const path of [
      '/widget/..%2F..%2Fpackage.json',
      '/widget/atende-chat.ts',
      '/static/nothing.abcdefgh.js',
      '/static/.vite',
      '/asset-manifest.json',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('refuses a page template that names an unknown asset', () => {
    expect(() => renderPage('<script src="%ASSET:nope%">', manifest)).toThrow(/unknown asset/);
  });
});

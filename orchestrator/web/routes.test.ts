import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { handleError } from '../errors.js';
import { ensureWebBuild, renderPage, type WebManifest } from './build.js';
import { IMMUTABLE, negotiateEncoding, webRoutes } from './routes.js';

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

  it('serves the staff console, with its bundle, its CSS and the favicon, under the CSP', async () => {
    const response = await app.request('/console');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toContain(`<script type="module" src="/${manifest.console}"></script>`);
    expect(html).toContain(`href="/${manifest.consoleCss}"`);
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
    expect(html).toContain('<atende-console></atende-console>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    expect((await app.request(`/${manifest.console}`)).status).toBe(200);
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const icon = await app.request(path);
      expect(icon.status, path).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg /);
    }
  });

  it('redirects the old staff pages to their console sections', async () => {
    for (const [from, to] of [
      ['/operator', '/console#/inbox'],
      ['/inbox', '/console#/inbox'],
      ['/dashboard', '/console#/dashboard'],
      ['/inspector', '/console#/inspector'],
    ]) {
      const response = await app.request(from as string);
      expect(response.status, from).toBe(302);
      expect(response.headers.get('location'), from).toBe(to);
    }
  });

  it('sends brotli or gzip when the browser accepts it, the plain file otherwise, and varies on it', async () => {
    const plain = await app.request(`/${manifest.console}`);
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/accept-encoding/i);
    const br = await app.request(`/${manifest.console}`, {
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    const brBody = Buffer.from(await br.arrayBuffer());
    expect(brBody.length).toBeLessThan(Buffer.byteLength(text) / 2);
    expect(brotliDecompressSync(brBody).toString()).toBe(text);
    const gz = await app.request(`/${manifest.widget}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toContain('atende-chat');
    // A refused encoding (q=0) is not used.
    const refused = await app.request('/', { headers: { 'accept-encoding': 'br;q=0, gzip' } });
    expect(refused.headers.get('content-encoding')).toBe('gzip');
    // Each representation of a page has its own ETag, and revalidates on its own.
    const page = await app.request('/', { headers: { 'accept-encoding': 'br' } });
    const etag = page.headers.get('etag') ?? '';
    expect(etag).toMatch(/-br"$/);
    const again = await app.request('/', { headers: { 'accept-encoding': 'br', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const other = await app.request('/', { headers: { 'if-none-match': etag } });
    expect(other.status).toBe(200);
  });

  it('negotiates encodings by preference and q-values', () => {
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(negotiateEncoding('identity')).toBeUndefined();
    expect(negotiateEncoding('gzip;q=0.5, br;q=0.8')).toBe('br');
    expect(negotiateEncoding('br;q=0')).toBeUndefined();
    expect(negotiateEncoding('*')).toBe('br');
  });

  it('serves nothing else from the build folder', async () => {
    for (const path of [
      '/widget/..%2F..%2Fpackage.json',
      '/widget/atende-chat.ts',
      '/static/nothing.abcdefgh.js',
      '/static/.vite',
      '/asset-manifest.json',
      '/operator.html',
      '/static/console.abcdefgh.js.br',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('refuses a page template that names an unknown asset', () => {
    expect(() => renderPage('<script src="%ASSET:nope%">', manifest)).toThrow(/unknown asset/);
  });
});

import { join } from 'node:path';
import { defineConfig, type InlineConfig } from 'vite';

/** The bundles of `web/`: the embeddable widget (one file), and the staff console (its sections) with the pages' CSS. */
export const WEB_BUNDLES = {
  widget: { dir: 'widget', input: { 'atende-chat': 'src/widget/index.ts' } },
  pages: {
    dir: 'static',
    input: {
      console: 'src/console/index.ts',
      shop: 'src/shop/shop.css',
      'console-page': 'src/console/page.css',
    },
  },
} as const;

/** Name of a bundle in {@link WEB_BUNDLES}. */
export type WebBundle = keyof typeof WEB_BUNDLES;

/**
 * Vite settings for one bundle of `web/`, written into `outDir`: content-hashed file names under the bundle's
 * folder, no inline code (the pages run under `script-src 'self'`), and a manifest at `.vite/<bundle>.json`.
 */
export function webViteConfig(options: { webDir: string; outDir: string; bundle: WebBundle }): InlineConfig {
  const { dir, input } = WEB_BUNDLES[options.bundle];
  const absolute = Object.fromEntries(
    Object.entries(input).map(([name, file]) => [name, join(options.webDir, file)]),
  );
  return {
    root: options.webDir,
    configFile: false,
    publicDir: false,
    logLevel: 'warn',
    clearScreen: false,
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: options.outDir,
      emptyOutDir: false,
      target: 'es2022',
      manifest: `.vite/${options.bundle}.json`,
      modulePreload: false,
      assetsInlineLimit: 0,
      cssCodeSplit: true,
      sourcemap: true,
      rollupOptions: {
        input: absolute,
        output: {
          entryFileNames: `${dir}/[name].[hash].js`,
          chunkFileNames: `${dir}/[name].[hash].js`,
          assetFileNames: `${dir}/[name].[hash][extname]`,
        },
      },
    },
  };
}

// `npx vite build --config web/vite.config.ts` builds the widget alone into web/dist; the orchestrator and
// `npm run build:web` build every bundle and the pages with `buildWeb` (orchestrator/web/build.ts).
export default defineConfig(
  webViteConfig({ webDir: import.meta.dirname, outDir: join(import.meta.dirname, 'dist'), bundle: 'widget' }),
);

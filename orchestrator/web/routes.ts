import { Hono } from 'hono';
import type { Logger } from '../../agents/runtime/logger.js';

/** What the web routes need: the `web/` folder (its `dist/` holds the built pages and assets). */
export interface WebRoutesDeps {
  webDir: string;
  logger: Logger;
}

/** Mount with `app.route('/', webRoutes(deps))`. Serves the demo shop page (`/`), the inspector page (`/inspector`) and the built, content-hashed assets. */
export function webRoutes(deps: WebRoutesDeps) {
  void deps;
  const app = new Hono();
  return app;
}

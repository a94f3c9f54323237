import { Hono } from 'hono';
import type { Logger } from '../../agents/runtime/logger.js';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { ServiceTokenMinter } from '../mesh/service-tokens.js';

/** What the inspector API needs; `fetch` is the orchestrator's mTLS mesh fetch. */
export interface InspectorRoutesDeps {
  accessTokens: AccessTokens;
  fetch: typeof fetch;
  minter: ServiceTokenMinter;
  /** Hosts (`host` or `host:port`) the inspector may reach; nothing else, whatever it resolves to. */
  allowedHosts: string[];
  logger: Logger;
}

/** Mount with `app.route('/api/inspector', inspectorRoutes(deps))`. The agent-card inspector API; operators and admins only. */
export function inspectorRoutes(deps: InspectorRoutesDeps) {
  void deps;
  const app = new Hono();
  return app;
}

import { createHash } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import type { Context } from 'hono';
import { agentCardToJson } from './card.js';

/**
 * The handler of `GET /.well-known/agent-card.json`: the card as JSON with `Cache-Control` and a strong `ETag` (the
 * A2A specification's SHOULD), answering `304 Not Modified` to an `If-None-Match` that names it.
 */
export function cardRoute(card: AgentCard, options: { maxAgeSec: number }) {
  const body = JSON.stringify(agentCardToJson(card));
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  const headers = { etag, 'cache-control': `public, max-age=${options.maxAgeSec}` };
  return function agentCard(c: Context) {
    const wanted = c.req.header('if-none-match');
    if (
      wanted &&
      (wanted.trim() === '*' || wanted.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
    ) {
      return c.body(null, 304, headers);
    }
    return c.body(body, 200, { 'content-type': 'application/json', ...headers });
  };
}

/** The JSON-RPC interface's path and the same with a trailing `/` (the A2A TCK posts there). */
export function rpcPaths(path: string): string[] {
  const bare = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return bare === '/' ? ['/'] : [bare, `${bare}/`];
}

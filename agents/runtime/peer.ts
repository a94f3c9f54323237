import type { TLSSocket } from 'node:tls';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';

/** Hono environment of an agent: node bindings, and the mTLS peer's certificate name once known. */
export type AgentEnv = { Bindings: HttpBindings; Variables: { peer: string } };

// Reading the peer certificate costs real CPU on every call; it cannot change within a connection.
const peers = new WeakMap<object, string>();

/** Reads the client certificate's common name once per TLS connection and sets it as `peer`. */
export function peerIdentity(): MiddlewareHandler<AgentEnv> {
  return async function peerIdentity(c, next) {
    const socket = c.env?.incoming?.socket as TLSSocket | undefined;
    if (socket) {
      let peer = peers.get(socket);
      if (peer === undefined) {
        const cert =
          typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
        const cn = cert?.subject?.CN;
        peer = (Array.isArray(cn) ? cn[0] : cn) ?? 'unknown';
        peers.set(socket, peer);
      }
      c.set('peer', peer);
    }
    await next();
  };
}

/**
 * Lets through only callers whose mesh certificate's common name is in `trusted` (after {@link peerIdentity}); any
 * other member of the mesh gets `403` with a JSON-RPC error (`-32011`), before its token is read. The verdict is
 * kept per TLS connection, so it is decided (and a refusal logged via `onRefused`) once per connection.
 *
 * A request that arrived over no socket at all (an in-process `app.fetch`, as tests do) carries no identity and is
 * not checked: agents are only ever served by `startAgentServer`, where every request has a verified client
 * certificate. A socket without a certificate name (`unknown`) is refused.
 */
export function trustedCallers(
  trusted: readonly string[],
  onRefused?: (peer: string) => void,
  /** The refusal's body (default a JSON-RPC error; the HTTP+JSON binding passes its own error body). */
  refusal: unknown = {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32011, message: 'this caller may not call this agent' },
  },
): MiddlewareHandler<AgentEnv> {
  const allowed = new Set(trusted);
  const verdicts = new WeakMap<object, boolean>();
  return async function trustedCaller(c, next) {
    const socket = c.env?.incoming?.socket;
    if (socket) {
      let ok = verdicts.get(socket);
      if (ok === undefined) {
        const peer = c.get('peer') ?? 'unknown';
        ok = peer !== 'unknown' && allowed.has(peer);
        verdicts.set(socket, ok);
        if (!ok) onRefused?.(peer);
      }
      if (!ok) {
        return c.json(refusal as object, 403);
      }
    }
    await next();
  };
}

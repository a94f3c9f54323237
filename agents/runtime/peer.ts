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

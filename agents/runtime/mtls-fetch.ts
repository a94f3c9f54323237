import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { TlsMaterial } from '../../certs/certs.js';

/** A `fetch` that presents this service's client certificate, trusts only the mesh CA, and pools connections. */
export interface MtlsFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * Creates a keep-alive mTLS `fetch`: a new mutual-TLS handshake per call costs more server CPU than the A2A work
 * itself, so connections are pooled and reused.
 */
export function createMtlsFetch(options: {
  tls: TlsMaterial;
  connections?: number;
  /** Name resolution for each new connection (the inspector's refuses internal addresses as it connects). */
  lookup?: LookupFunction;
}): MtlsFetch {
  const dispatcher = new Agent({
    connect: {
      ca: options.tls.ca,
      cert: options.tls.cert,
      key: options.tls.key,
      rejectUnauthorized: true,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    },
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
  });
  const mtlsFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  return { fetch: mtlsFetch, close: () => dispatcher.close() };
}

import { lookup as dnsLookupCallback } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why the inspector refused or failed to reach a URL; its message is safe to show to the operator. */
export class InspectorError extends Error {
  constructor(
    readonly code:
      | 'url_invalid'
      | 'url_not_https'
      | 'host_not_allowed'
      | 'private_address'
      | 'dns_failed'
      | 'redirect_refused'
      | 'too_large'
      | 'timeout'
      | 'unreachable'
      | 'http_error'
      | 'not_json'
      | 'headers_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'InspectorError';
  }
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for loopback, private, link-local, carrier-grade NAT, documentation, multicast and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) return PRIVATE.check(address, 'ipv6');
  return true;
}

/** Resolves a host name to its addresses. */
export type Lookup = (hostname: string) => Promise<string[]>;

const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Decides whether the inspector may reach a URL. */
export interface UrlGuard {
  /** The parsed URL when it may be fetched; throws an {@link InspectorError} saying why not. */
  check(raw: string): Promise<URL>;
  readonly allowedHosts: readonly string[];
}

/**
 * Creates the inspector's SSRF guard. A URL passes only when it is `https:`, carries no credentials, and its host
 * (`name` or `name:port`, as in `URL.host`) is allowed: listed exactly, or matched by a `*.domain` entry. A host
 * matched only by a wildcard must also resolve to public addresses; an exactly listed host is trusted as
 * configured (the mesh's own agents live on private addresses).
 */
export function createUrlGuard(options: { allowedHosts: string[]; lookup?: Lookup }): UrlGuard {
  const lookup = options.lookup ?? systemLookup;
  const exact = new Set<string>();
  const wildcards: Array<{ suffix: string; port: string }> = [];
  for (const entry of options.allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)) {
    if (entry.startsWith('*.')) {
      const [suffix = '', port = ''] = entry.slice(1).split(':');
      wildcards.push({ suffix, port: port === '443' ? '' : port });
    } else exact.add(normalizeHost(entry));
  }
  const described = [...exact, ...wildcards.map((w) => `*${w.suffix}${w.port ? `:${w.port}` : ''}`)];
  return {
    allowedHosts: options.allowedHosts,
    async check(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new InspectorError('url_invalid', `"${raw}" is not an absolute URL`);
      }
      if (url.protocol !== 'https:') {
        throw new InspectorError('url_not_https', `only https URLs can be inspected, not ${url.protocol}`);
      }
      if (url.username || url.password) {
        throw new InspectorError('url_invalid', 'a URL with a user name or password is not accepted');
      }
      const host = url.host.toLowerCase();
      if (exact.has(host)) return url;
      const hostname = url.hostname.toLowerCase();
      const wildcard = wildcards.some((w) => hostname.endsWith(w.suffix) && url.port === w.port);
      if (!wildcard) {
        throw new InspectorError(
          'host_not_allowed',
          `${host} is not an allowed host; the inspector may reach only ${described.join(', ') || 'no host'}`,
        );
      }
      const bare = url.hostname.replace(/^\[|\]$/g, '');
      let addresses: string[];
      try {
        addresses = isIP(bare) ? [bare] : await lookup(bare);
      } catch {
        throw new InspectorError('dns_failed', `${url.hostname} does not resolve`);
      }
      const internal = addresses.find(isPrivateAddress);
      if (!addresses.length || internal) {
        throw new InspectorError(
          'private_address',
          `${url.hostname} resolves to the internal address ${internal ?? '(none)'}; only hosts listed exactly may`,
        );
      }
      return url;
    },
  };
}

/**
 * Name resolution for the inspector's connections, applied as each one is made: a host not listed exactly may only
 * connect to public addresses. The guard's `check` looks a wildcard host up before the request; this closes the gap
 * between that look-up and the connection (DNS rebinding: a name that answers a public address to the check and an
 * internal one to the connection).
 */
export function createPinnedLookup(options: {
  allowedHosts: string[];
  resolve?: LookupFunction;
}): LookupFunction {
  const resolve = options.resolve ?? (dnsLookupCallback as unknown as LookupFunction);
  const exact = new Set(
    options.allowedHosts
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h && !h.startsWith('*.'))
      .map((h) =>
        normalizeHost(h)
          .replace(/:\d+$/, '')
          .replace(/^\[|\]$/g, ''),
      ),
  );
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (addresses as unknown as Array<{ address: string; family: number }>) ?? [];
      const internal = list.find((a) => isPrivateAddress(a.address));
      if (!exact.has(hostname.toLowerCase()) && (internal || !list.length)) {
        const refused = new InspectorError(
          'private_address',
          `${hostname} resolved to the internal address ${internal?.address ?? '(none)'} when connecting`,
        );
        return callback(refused, '', 0);
      }
      if (lookupOptions.all) return (callback as (e: null, a: typeof list) => void)(null, list);
      const first = list[0] as { address: string; family: number };
      callback(null, first.address, first.family);
    });
  };
}

function normalizeHost(entry: string): string {
  // Accept a full URL in the list as well as a bare host; `URL.host` drops the default port 443.
  try {
    return new URL(entry.includes('://') ? entry : `https://${entry}`).host;
  } catch {
    return entry;
  }
}

/** The allowed hosts implied by the agents' base URLs (`AGENT_URLS`). */
export function hostsOf(urls: string[]): string[] {
  return [...new Set(urls.map((u) => new URL(u).host))];
}

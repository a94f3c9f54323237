import type { LookupFunction } from 'node:net';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMtlsFetch, startAgentServer } from '../../agents/runtime/index.js';
import { createTestPki } from '../../agents/runtime/testing/fixtures.js';
import { createPinnedLookup, createUrlGuard, hostsOf, isPrivateAddress } from './url-guard.js';

const lookup = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

describe('isPrivateAddress', () => {
  it('knows loopback, private, link-local and mapped addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '2001:4860:4860::8888', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });
});

describe('createUrlGuard', () => {
  const guard = createUrlGuard({
    allowedHosts: ['localhost:9101', 'agents.example.com', '*.partners.example'],
    lookup: lookup({
      'good.partners.example': ['93.184.216.34'],
      'evil.partners.example': ['10.0.0.7'],
      'meta.partners.example': ['169.254.169.254'],
    }),
  });

  it('lets exactly listed hosts through, even on private addresses', async () => {
    await expect(guard.check('https://localhost:9101/.well-known/agent-card.json')).resolves.toBeInstanceOf(
      URL,
    );
    await expect(guard.check('https://agents.example.com/x')).resolves.toBeInstanceOf(URL);
  });

  it('refuses other hosts, other ports, http and credentials', async () => {
    await expect(guard.check('https://localhost:9102/')).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(guard.check('https://agents.example.com:8443/')).rejects.toMatchObject({
      code: 'host_not_allowed',
    });
    await expect(guard.check('https://127.0.0.1:9101/')).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(guard.check('http://localhost:9101/')).rejects.toMatchObject({ code: 'url_not_https' });
    await expect(guard.check('https://u:p@localhost:9101/')).rejects.toMatchObject({ code: 'url_invalid' });
    await expect(guard.check('file:///etc/passwd')).rejects.toMatchObject({ code: 'url_not_https' });
    await expect(guard.check('not a url')).rejects.toMatchObject({ code: 'url_invalid' });
  });

  it('resolves wildcard hosts and refuses those that point inside', async () => {
    await expect(guard.check('https://good.partners.example/card.json')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://evil.partners.example/')).rejects.toMatchObject({
      code: 'private_address',
    });
    await expect(guard.check('https://meta.partners.example/')).rejects.toMatchObject({
      code: 'private_address',
    });
    await expect(guard.check('https://gone.partners.example/')).rejects.toMatchObject({ code: 'dns_failed' });
    await expect(guard.check('https://partners.example.evil.com/')).rejects.toMatchObject({
      code: 'host_not_allowed',
    });
  });

  it('derives the allowed hosts from the agents URLs', () => {
    expect(hostsOf(['https://localhost:9101', 'https://agents.example.com:443/x'])).toEqual([
      'localhost:9101',
      'agents.example.com',
    ]);
  });
});

describe('createPinnedLookup', () => {
  // A resolver that answers the names of this test, as a rebinding DNS server would answer at connect time.
  const answers: Record<string, string> = {
    'cards.rebind.test': '127.0.0.1',
    'cards.public.test': '93.184.216.34',
    localhost: '127.0.0.1',
  };
  const resolve = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = answers[hostname];
    if (!address) return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
    const entry = { address, family: 4 };
    return options.all ? callback(null, [entry]) : callback(null, address, 4);
  }) as unknown as LookupFunction;
  const lookupOf = (lookup: LookupFunction, hostname: string) =>
    new Promise<unknown>((done, fail) =>
      lookup(hostname, {}, (error, address) => (error ? fail(error) : done(address))),
    );

  it('refuses an internal address for a host that is not listed exactly, as the connection is made', async () => {
    const lookup = createPinnedLookup({
      allowedHosts: ['*.rebind.test', '*.public.test', 'localhost:9101'],
      resolve,
    });
    await expect(lookupOf(lookup, 'cards.rebind.test')).rejects.toThrow(/internal address 127\.0\.0\.1/);
    await expect(lookupOf(lookup, 'cards.public.test')).resolves.toBe('93.184.216.34');
    // An exactly listed host is trusted as configured, whatever its port.
    await expect(lookupOf(lookup, 'localhost')).resolves.toBe('127.0.0.1');
  });

  it('stops a rebinding name on a real socket, though the check before the request saw a public address', async () => {
    const pki = await createTestPki();
    const tls = await pki.tls('testagent');
    const server = await startAgentServer({
      app: new Hono().get('*', (c) => c.json({ reached: true })) as never,
      tls,
      port: 0,
      host: '127.0.0.1',
    });
    const allowedHosts = [`*.rebind.test:${server.port}`];
    const guard = createUrlGuard({ allowedHosts, lookup: async () => ['93.184.216.34'] });
    const url = await guard.check(`https://cards.rebind.test:${server.port}/card.json`);
    const client = await pki.tls('orchestrator');
    const pinned = createMtlsFetch({ tls: client, lookup: createPinnedLookup({ allowedHosts, resolve }) });
    const unpinned = createMtlsFetch({ tls: client, lookup: resolve });
    try {
      const refused = await pinned.fetch(url).catch((error: Error) => error.cause as Error);
      expect(refused).toMatchObject({ code: 'private_address' });
      // Without the pinned look-up the same request connects to the internal server (whose certificate then does
      // not name cards.rebind.test): the look-up, not TLS, is what stopped it.
      const connected = await unpinned
        .fetch(url)
        .catch((error: Error) => error.cause as Error & { code: string });
      expect(connected).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      await pinned.close();
      await unpinned.close();
      await server.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createUrlGuard, hostsOf, isPrivateAddress } from './url-guard.js';

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

import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certPaths, generateCerts, SERVICES } from './certs.js';

describe('development certificates', () => {
  it('creates a CA and one certificate per service, for its host name, localhost and 127.0.0.1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-certs-'));
    const { created } = await generateCerts({ dir });
    expect(created).toEqual(['ca', ...SERVICES]);
    const ca = new X509Certificate(await readFile(join(dir, 'ca.pem')));
    for (const service of SERVICES) {
      const paths = certPaths(dir, service);
      const cert = new X509Certificate(await readFile(paths.cert));
      expect(cert.subjectAltName).toContain(`DNS:${service}`);
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    // The deployment's card-signing key goes with the certificates, private like their keys.
    expect((await stat(join(dir, 'card-signing-key.json'))).mode & 0o777).toBe(0o600);
  });

  it('keeps what exists when run again, and issues everything anew when asked to renew', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-certs-'));
    await generateCerts({ dir, services: ['assistant'] });
    const before = await readFile(certPaths(dir, 'assistant').cert, 'utf8');
    const again = await generateCerts({ dir, services: ['assistant', 'orders'] });
    expect(again).toEqual({ created: ['orders'], kept: ['ca', 'assistant'] });
    expect(await readFile(certPaths(dir, 'assistant').cert, 'utf8')).toBe(before);
    const renewed = await generateCerts({ dir, services: ['assistant'], renew: true });
    expect(renewed.created).toEqual(['ca', 'assistant']);
    expect(await readFile(certPaths(dir, 'assistant').cert, 'utf8')).not.toBe(before);
  });
});

import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  caPaths,
  dropOldCa,
  generateCerts,
  loadTlsMaterial,
  splitPem,
  stageNewCa,
  type TlsMaterial,
} from './certs.js';

// Rotating the mesh CA, on real TLS sockets: a server asking for client certificates (as every agent does) and
// clients presenting certificates of the old or the new CA, trusting the bundle or only the old CA.

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((done) => server.close(done));
});

/** A mutual-TLS server with `tls` that answers "ok" to every client it accepts. */
async function serve(tls: TlsMaterial): Promise<number> {
  const server = createServer(
    { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
    (socket) => socket.end('ok'),
  );
  server.on('tlsClientError', () => undefined);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

/** Connects with `tls` (its certificate, and `tls.ca` as what it trusts); true when the server said "ok". */
function handshake(port: number, tls: TlsMaterial): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(data === 'ok'));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

const SERVICES = ['orchestrator', 'assistant'];

describe('mesh CA rotation', () => {
  it('renew: the bundle holds both CAs, old- and new-CA clients both connect; after dropping, the old one is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-ca-rotation-'));
    await generateCerts({ dir, services: SERVICES });
    const oldAssistant = await loadTlsMaterial(dir, 'assistant');
    const oldCa = new X509Certificate(oldAssistant.ca);

    const renewed = await generateCerts({ dir, services: SERVICES, renew: true });
    expect(renewed.created).toEqual(['ca', ...SERVICES]);
    const bundle = splitPem(await readFile(caPaths(dir).bundle, 'utf8'));
    expect(bundle).toHaveLength(2);
    const newCa = new X509Certificate(bundle[0] as string);
    expect(new X509Certificate(bundle[1] as string).fingerprint256).toBe(oldCa.fingerprint256);
    expect(newCa.fingerprint256).not.toBe(oldCa.fingerprint256);
    expect((await stat(caPaths(dir).key)).mode & 0o777).toBe(0o600);

    const newOrchestrator = await loadTlsMaterial(dir, 'orchestrator');
    const newAssistant = await loadTlsMaterial(dir, 'assistant');
    expect(new X509Certificate(newAssistant.cert).checkIssued(newCa)).toBe(true);
    const port = await serve(newOrchestrator);
    // A client not restarted yet with its new certificate, but given the bundle: accepted.
    expect(await handshake(port, { ...oldAssistant, ca: newAssistant.ca })).toBe(true);
    // A client with its new certificate: accepted.
    expect(await handshake(port, newAssistant)).toBe(true);
    // A client that still trusts only the old CA refuses a server presenting a new certificate: why the bundle must
    // reach every service before any presents a new certificate (the three steps in docs/notes/keys.md).
    expect(await handshake(port, oldAssistant)).toBe(false);

    await expect(dropOldCa({ dir })).resolves.toEqual({ dropped: true });
    expect(splitPem(await readFile(caPaths(dir).bundle, 'utf8'))).toHaveLength(1);
    const afterDrop = await loadTlsMaterial(dir, 'orchestrator');
    const port2 = await serve(afterDrop);
    expect(await handshake(port2, { ...oldAssistant, ca: afterDrop.ca })).toBe(false);
    expect(await handshake(port2, await loadTlsMaterial(dir, 'assistant'))).toBe(true);
    // Nothing to drop any more.
    await expect(dropOldCa({ dir })).resolves.toEqual({ dropped: false });
  });

  it('in three steps, no pair of services fails to connect at any point of a rolling restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-ca-rotation-'));
    await generateCerts({ dir, services: SERVICES });
    const before = {
      orchestrator: await loadTlsMaterial(dir, 'orchestrator'),
      assistant: await loadTlsMaterial(dir, 'assistant'),
    };

    // Step 1: stage the new CA. Certificates are unchanged; the bundle has both.
    await stageNewCa({ dir });
    await expect(stageNewCa({ dir })).rejects.toThrow(/already in progress/);
    const staged = {
      orchestrator: await loadTlsMaterial(dir, 'orchestrator'),
      assistant: await loadTlsMaterial(dir, 'assistant'),
    };
    expect(staged.assistant.cert).toBe(before.assistant.cert);
    // Dropping now would strand every service: refused.
    await expect(dropOldCa({ dir })).rejects.toThrow(/assistant, orchestrator|orchestrator, assistant/);
    // Mid-rollout of step 1: every mix of restarted (bundle) and not (old CA only) services connects.
    for (const server of [before.orchestrator, staged.orchestrator]) {
      const port = await serve(server);
      expect(await handshake(port, before.assistant)).toBe(true);
      expect(await handshake(port, staged.assistant)).toBe(true);
    }

    // Step 2: new certificates from the staged CA (no further CA is created).
    const renewed = await generateCerts({ dir, services: SERVICES, renew: true });
    expect(renewed).toEqual({ created: SERVICES, kept: ['ca'] });
    const fresh = {
      orchestrator: await loadTlsMaterial(dir, 'orchestrator'),
      assistant: await loadTlsMaterial(dir, 'assistant'),
    };
    expect(fresh.orchestrator.ca).toBe(staged.orchestrator.ca);
    // Mid-rollout of step 2: everyone trusts the bundle; old and new certificates meet in every direction.
    for (const server of [staged.orchestrator, fresh.orchestrator]) {
      const port = await serve(server);
      expect(await handshake(port, staged.assistant)).toBe(true);
      expect(await handshake(port, fresh.assistant)).toBe(true);
    }

    // Step 3: drop the old CA; a certificate of it is refused, the new ones connect.
    await dropOldCa({ dir });
    const final = await loadTlsMaterial(dir, 'orchestrator');
    const port = await serve(final);
    expect(await handshake(port, await loadTlsMaterial(dir, 'assistant'))).toBe(true);
    expect(await handshake(port, { ...staged.assistant, ca: final.ca })).toBe(false);
  });
});

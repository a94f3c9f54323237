import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateCardSigningKey } from '../agents/runtime/card-signing.js';

/** Every service of the mesh; each gets its own certificate signed by the development CA. */
export const SERVICES = ['orchestrator', 'assistant', 'sentiment', 'orders', 'promotions', 'desk'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface GenerateCertsOptions {
  /** Folder to write into (created when missing). */
  dir: string;
  /** Services to issue certificates for; defaults to {@link SERVICES}. */
  services?: readonly string[];
  /**
   * Issue every certificate anew. Without a CA overlap in progress, a new CA is created first and the trust bundle
   * (`ca.pem`) holds the new and the old CA (see {@link stageNewCa}); during one, the staged CA issues them.
   */
  renew?: boolean;
  /** Validity in days of the CA and of each certificate. */
  validityDays?: number;
  /** Organisation written into the CA; tests use another one to build a foreign CA. */
  organization?: string;
}

export interface GenerateCertsResult {
  created: string[];
  kept: string[];
}

/** Paths of the files of one service inside a certificate folder. */
export function certPaths(dir: string, service: string) {
  return { ca: join(dir, 'ca.pem'), cert: join(dir, `${service}.pem`), key: join(dir, `${service}-key.pem`) };
}

/** The PEM material a service needs for mutual TLS: its own pair and the CA it trusts. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** Reads a service's certificate, key and the CA from `dir`; throws a clear error when one is missing. */
export async function loadTlsMaterial(dir: string, service: string): Promise<TlsMaterial> {
  const paths = certPaths(dir, service);
  try {
    const [ca, cert, key] = await Promise.all([
      readFile(paths.ca, 'utf8'),
      readFile(paths.cert, 'utf8'),
      readFile(paths.key, 'utf8'),
    ]);
    return { ca, cert, key };
  } catch (error) {
    throw new Error(
      `missing TLS files for "${service}" in ${dir}: run \`npm run certs\` first (${String(error)})`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** The certificates of a PEM bundle, in order. */
export function splitPem(bundle: string): string[] {
  return (bundle.match(PEM_CERTIFICATE) ?? []).map((c) => (c.endsWith('\n') ? c : `${c}\n`));
}

/**
 * The files of the mesh CA in a certificate folder: `ca.pem` is the trust bundle every service loads (the current
 * CA first, then the previous one while an overlap lasts), `ca-key.pem` the current CA's key, and
 * `ca-previous.pem` the previous CA while an overlap lasts.
 */
export function caPaths(dir: string) {
  return {
    bundle: join(dir, 'ca.pem'),
    key: join(dir, 'ca-key.pem'),
    previous: join(dir, 'ca-previous.pem'),
  };
}

async function writePrivate(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

async function writePublic(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

// mkcert (and node-forge under it) is loaded only when a certificate is made: every service reads its certificates
// at start, and loading forge for nothing cost each process about 65 ms of its start-up.
async function newCa(validityDays: number, organization: string) {
  const { createCA } = await import('mkcert');
  return createCA({
    organization,
    countryCode: 'BR',
    state: 'SP',
    locality: 'Sao Paulo',
    validity: validityDays,
  });
}

/**
 * Step 1 of a CA rotation: creates a new CA whose key replaces the old one, and writes the trust bundle with the new
 * CA and the old one, so that services given it accept peers with either. Service certificates are not touched:
 * they stay valid under the old CA in the bundle. Refused while an overlap is in progress.
 */
export async function stageNewCa(options: {
  dir: string;
  validityDays?: number;
  organization?: string;
}): Promise<void> {
  const { dir, validityDays = 365, organization = 'Atende development CA' } = options;
  const paths = caPaths(dir);
  if (await exists(paths.previous)) {
    throw new Error(`a CA rotation is already in progress in ${dir}: finish it with --drop-old-ca first`);
  }
  const old = splitPem(await readFile(paths.bundle, 'utf8'))[0];
  if (!old) throw new Error(`${paths.bundle} holds no certificate`);
  // Two CAs in one bundle need distinct names: TLS libraries look a certificate's issuer up by name (mkcert writes
  // no key identifiers), and with two alike they may try the wrong one and refuse a good certificate.
  const oldSubject = new X509Certificate(old).subject;
  let name = `${organization} ${new Date().toISOString()}`;
  while (oldSubject.includes(`CN=${name}`)) name += '+';
  const ca = await newCa(validityDays, name);
  await writePublic(paths.previous, old);
  await writePrivate(paths.key, ca.key);
  await writePublic(paths.bundle, `${ca.cert.trim()}\n${old}`);
}

/**
 * Last step of a CA rotation: the trust bundle keeps only the current CA, so certificates of the old CA are refused.
 * Refused while a service certificate in `dir` was not issued by the current CA (it would lose its peers).
 */
export async function dropOldCa(options: { dir: string }): Promise<{ dropped: boolean }> {
  const { dir } = options;
  const paths = caPaths(dir);
  if (!(await exists(paths.previous))) return { dropped: false };
  const current = splitPem(await readFile(paths.bundle, 'utf8'))[0];
  if (!current) throw new Error(`${paths.bundle} holds no certificate`);
  const ca = new X509Certificate(current);
  const stale: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.pem') || name.endsWith('-key.pem') || name.startsWith('ca')) continue;
    const cert = new X509Certificate(await readFile(join(dir, name), 'utf8'));
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) stale.push(name.replace(/\.pem$/, ''));
  }
  if (stale.length) {
    throw new Error(
      `not dropping the old CA: ${stale.join(', ')} still hold certificates of it (run --renew first)`,
    );
  }
  await writePublic(paths.bundle, current);
  await rm(paths.previous);
  return { dropped: true };
}

/**
 * Creates a development CA and one certificate per service, valid for the service's host name (its common name),
 * `localhost` and `127.0.0.1`. Existing files are kept unless `renew` is set. Private keys are written with mode
 * 0600.
 */
export async function generateCerts(options: GenerateCertsOptions): Promise<GenerateCertsResult> {
  const { dir, renew = false, validityDays = 365, organization = 'Atende development CA' } = options;
  const services = options.services ?? SERVICES;
  await mkdir(dir, { recursive: true });
  const paths = caPaths(dir);
  const created: string[] = [];
  const kept: string[] = [];

  const caExists = (await exists(paths.bundle)) && (await exists(paths.key));
  if (!caExists) {
    const ca = await newCa(validityDays, organization);
    await writePrivate(paths.key, ca.key);
    await writePublic(paths.bundle, ca.cert);
    await rm(paths.previous, { force: true });
    created.push('ca');
  } else if (renew && !(await exists(paths.previous))) {
    await stageNewCa({ dir, validityDays, organization });
    created.push('ca');
  } else {
    kept.push('ca');
  }
  const issuing = splitPem(await readFile(paths.bundle, 'utf8'))[0];
  if (!issuing) throw new Error(`${paths.bundle} holds no certificate`);
  const ca = { cert: issuing, key: await readFile(paths.key, 'utf8') };
  const reissue = renew || created.includes('ca');

  for (const service of services) {
    const servicePaths = certPaths(dir, service);
    if (!reissue && (await exists(servicePaths.cert)) && (await exists(servicePaths.key))) {
      kept.push(service);
      continue;
    }
    const { createCert } = await import('mkcert');
    const pair = await createCert({
      domains: [service, 'localhost', '127.0.0.1'],
      validity: validityDays,
      organization: 'Atende',
      ca,
    });
    await writePrivate(servicePaths.key, pair.key);
    await writePublic(servicePaths.cert, pair.cert);
    created.push(service);
  }
  // The deployment's card-signing key, beside the certificates it goes with (every card of the mesh is signed with it).
  await loadOrCreateCardSigningKey(dir);
  return { created, kept };
}

import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, createCert } from 'mkcert';

/** Every service of the mesh; each gets its own certificate signed by the development CA. */
export const SERVICES = ['orchestrator', 'assistant', 'sentiment', 'orders', 'promotions', 'desk'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface GenerateCertsOptions {
  /** Folder to write into (created when missing). */
  dir: string;
  /** Services to issue certificates for; defaults to {@link SERVICES}. */
  services?: readonly string[];
  /** Replace files that already exist. */
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

/**
 * Creates a development CA and one certificate per service, valid for the service's host name (its common name),
 * `localhost` and `127.0.0.1`. Existing files are kept unless `renew` is set; a new CA re-issues every certificate.
 * Private keys are written with mode 0600.
 */
export async function generateCerts(options: GenerateCertsOptions): Promise<GenerateCertsResult> {
  const { dir, renew = false, validityDays = 365, organization = 'Atende development CA' } = options;
  const services = options.services ?? SERVICES;
  await mkdir(dir, { recursive: true });
  const caCertPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca-key.pem');
  const created: string[] = [];
  const kept: string[] = [];

  let ca: { cert: string; key: string };
  const caIsNew = renew || !(await exists(caCertPath)) || !(await exists(caKeyPath));
  if (caIsNew) {
    ca = await createCA({
      organization,
      countryCode: 'BR',
      state: 'SP',
      locality: 'Sao Paulo',
      validity: validityDays,
    });
    await writeFile(caKeyPath, ca.key, { mode: 0o600 });
    await chmod(caKeyPath, 0o600);
    await writeFile(caCertPath, ca.cert);
    created.push('ca');
  } else {
    ca = { cert: await readFile(caCertPath, 'utf8'), key: await readFile(caKeyPath, 'utf8') };
    kept.push('ca');
  }

  for (const service of services) {
    const paths = certPaths(dir, service);
    if (!caIsNew && (await exists(paths.cert)) && (await exists(paths.key))) {
      kept.push(service);
      continue;
    }
    const pair = await createCert({
      domains: [service, 'localhost', '127.0.0.1'],
      validity: validityDays,
      organization: 'Atende',
      ca,
    });
    await writeFile(paths.key, pair.key, { mode: 0o600 });
    await chmod(paths.key, 0o600);
    await writeFile(paths.cert, pair.cert);
    created.push(service);
  }
  return { created, kept };
}

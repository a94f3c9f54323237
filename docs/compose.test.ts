import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateAgentCardJson } from '../agents/runtime/card.js';
import { SERVICES } from '../certs/certs.js';

// No Docker engine here: compose.yaml and the Dockerfile are checked statically, against the code they run.

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Mount = { type?: string; source?: string; target?: string; read_only?: boolean } | string;
interface Service {
  image?: string;
  command?: string[] | string;
  networks?: string[] | Record<string, unknown>;
  ports?: unknown[];
  environment?: Record<string, string | null> | string[];
  volumes?: Mount[];
  user?: string;
  read_only?: boolean;
  security_opt?: string[];
  cap_drop?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  profiles?: string[];
  tmpfs?: string[] | string;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
const services = compose.services;
const AGENTS = SERVICES.filter((s) => s !== 'orchestrator');
const ORCHESTRATOR_PORT = 8443;

const networksOf = (s: Service) => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {}));
const isInternal = (name: string) => compose.networks?.[name]?.internal === true;
function envOf(s: Service): Record<string, string | null> {
  if (!Array.isArray(s.environment)) return s.environment ?? {};
  return Object.fromEntries(
    s.environment.map((e) => {
      const at = e.indexOf('=');
      return at < 0 ? [e, null] : [e.slice(0, at), e.slice(at + 1)];
    }),
  );
}
function mountsOf(s: Service) {
  return (s.volumes ?? []).map((m) => {
    if (typeof m !== 'string') return m;
    const [source, target, mode] = m.split(':');
    return {
      type: source?.startsWith('.') || source?.startsWith('/') ? 'bind' : 'volume',
      source,
      target,
      read_only: mode?.split(',').includes('ro'),
    };
  });
}
const commandOf = (s: Service) =>
  typeof s.command === 'string' ? s.command.split(/\s+/) : (s.command ?? []);
const entryFor = (name: string) =>
  name === 'orchestrator' ? 'orchestrator/main.ts' : `agents/${name}/main.ts`;

/** The instructions of the Dockerfile's last stage, continuation lines joined. */
function finalStage(): Array<{ op: string; args: string }> {
  const lines = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const instructions = lines.map((l) => {
    const [op = '', ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}
const execForm = (args: string) => JSON.parse(args) as string[];

describe('compose.yaml', () => {
  it('runs every service of certs/certs.ts SERVICES, each from its own entry file', () => {
    for (const name of SERVICES) {
      const service = services[name];
      expect(service, `service ${name}`).toBeDefined();
      expect(service?.profiles, `${name} must start by default`).toBeUndefined();
      const command = commandOf(service as Service);
      expect(command, `${name} command`).toEqual([entryFor(name)]);
      expect(existsSync(join(root, entryFor(name))), `${entryFor(name)} exists`).toBe(true);
    }
  });

  it('keeps the agents on internal networks only, and the stores off the mesh', () => {
    expect(isInternal('mesh')).toBe(true);
    for (const name of AGENTS) {
      const networks = networksOf(services[name] as Service);
      expect(networks, `${name} networks`).toEqual(['mesh']);
    }
    expect(networksOf(services.orchestrator as Service)).toContain('mesh');
    for (const [name, service] of Object.entries(services)) {
      if ((SERVICES as readonly string[]).includes(name)) continue;
      const networks = networksOf(service);
      expect(networks.length, `${name} networks`).toBeGreaterThan(0);
      for (const network of networks) {
        expect(isInternal(network), `${name} on internal networks only`).toBe(true);
        expect(network, `${name} kept off the agents' network`).not.toBe('mesh');
      }
    }
  });

  it('publishes a port for the orchestrator only', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'orchestrator') continue;
      expect(service.ports, `${name} publishes nothing`).toBeUndefined();
    }
    const ports = (services.orchestrator?.ports ?? []).map(String);
    expect(ports).toEqual([`${ORCHESTRATOR_PORT}:${ORCHESTRATOR_PORT}`]);
  });

  it('mounts read-only, per service, only the CA and that service’s own certificate and key', () => {
    const certDir = envOf(services.orchestrator as Service).CERTS_DIR;
    for (const name of SERVICES) {
      const service = services[name] as Service;
      expect(envOf(service).CERTS_DIR, `${name} CERTS_DIR`).toBe(certDir);
      const binds = mountsOf(service).filter((m) => m.type === 'bind');
      expect(binds.map((m) => m.source).sort(), `${name} bind mounts`).toEqual(
        ['./certs/ca.pem', `./certs/${name}-key.pem`, `./certs/${name}.pem`].sort(),
      );
      for (const m of binds) {
        expect(m.read_only, `${m.source} read-only in ${name}`).toBe(true);
        expect(m.target, `${m.source} target in ${name}`).toBe(`${certDir}/${m.source?.split('/').at(-1)}`);
      }
    }
    for (const [name, service] of Object.entries(services)) {
      if ((SERVICES as readonly string[]).includes(name)) continue;
      expect(
        mountsOf(service).filter((m) => m.source?.includes('certs')),
        `${name} mounts no certificate`,
      ).toEqual([]);
    }
  });

  it('hardens every container: read-only root, no-new-privileges, no capabilities, non-root user, healthcheck, restart policy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.read_only, `${name} read_only`).toBe(true);
      expect(service.security_opt ?? [], `${name} security_opt`).toContain('no-new-privileges:true');
      expect(service.cap_drop ?? [], `${name} cap_drop`).toContain('ALL');
      expect(service.user, `${name} user`).toBeTruthy();
      expect(String(service.user).split(':')[0], `${name} runs as non-root`).not.toMatch(/^(0|root)$/);
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
      expect(service.healthcheck?.disable, `${name} healthcheck enabled`).not.toBe(true);
      expect(service.restart, `${name} restart`).toMatch(/^(unless-stopped|always|on-failure)/);
    }
  });

  it('gives the read-only services a tmpfs /tmp and the orchestrator a volume for its data', () => {
    for (const name of SERVICES) {
      const tmpfs = [(services[name] as Service).tmpfs ?? []].flat();
      expect(
        tmpfs.some((t) => t.split(':')[0] === '/tmp'),
        `${name} tmpfs /tmp (tsx caches there)`,
      ).toBe(true);
    }
    const dataDir = envOf(services.orchestrator as Service).DATA_DIR;
    const data = mountsOf(services.orchestrator as Service).find((m) => m.target === dataDir);
    expect(data?.type).toBe('volume');
    expect(compose.volumes).toHaveProperty(String(data?.source));
  });

  it('names each agent by its service host in PUBLIC_URL, AGENT_URLS and the JWKS URL', () => {
    const orchestratorEnv = envOf(services.orchestrator as Service);
    const orchestratorUrl = new URL(String(orchestratorEnv.PUBLIC_URL));
    expect(orchestratorUrl.hostname).toBe('orchestrator');
    expect(orchestratorUrl.port).toBe(String(orchestratorEnv.PORT));
    const agentUrls = String(orchestratorEnv.AGENT_URLS).split(',');
    expect(agentUrls).toHaveLength(AGENTS.length);
    for (const name of AGENTS) {
      const env = envOf(services[name] as Service);
      const url = new URL(String(env.PUBLIC_URL));
      expect(url.protocol, `${name} PUBLIC_URL`).toBe('https:');
      expect(url.hostname, `${name} PUBLIC_URL host`).toBe(name);
      expect(url.port, `${name} PUBLIC_URL port`).toBe(String(env.PORT));
      // The card's interface URL, and so the service tokens' audience, is PUBLIC_URL/a2a: discovery must use it.
      expect(agentUrls, `AGENT_URLS lists ${name}`).toContain(String(env.PUBLIC_URL));
      expect(env.ORCHESTRATOR_JWKS_URL, `${name} JWKS URL`).toBe(
        `https://orchestrator:${ORCHESTRATOR_PORT}/.well-known/jwks.json`,
      );
    }
  });

  it('passes no secret as a literal value', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(envOf(service))) {
        if (!/KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL|REDIS_URL/.test(key) || value === null) continue;
        expect(value, `${name} ${key} comes from the environment`).toMatch(/^\$\{[A-Z_]+(:-[^}]*)?\}$/);
      }
    }
  });
});

describe('Dockerfile', () => {
  const stage = finalStage();

  it('runs as a non-root user, and its default command is an existing entry file run by tsx', () => {
    const users = stage.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
    const entrypoint = execForm(stage.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]');
    expect(entrypoint).toEqual(['node', '--import', 'tsx']);
    const cmd = execForm(stage.find((i) => i.op === 'CMD')?.args ?? '[]');
    expect(cmd).toHaveLength(1);
    expect(existsSync(join(root, cmd[0] as string)), `${cmd[0]} exists`).toBe(true);
    for (const name of SERVICES) expect(services[name]?.image).toBe(services.orchestrator?.image);
  });

  it('installs tsx for run time, from the lockfile', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, unknown> };
    expect(lock.packages['node_modules/tsx'], 'tsx in package-lock.json').toBeDefined();
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    // Either tsx is a run-time dependency, or the image promotes it before `npm ci --omit=dev`.
    if (!pkg.dependencies?.tsx) expect(dockerfile).toMatch(/devDependencies\.tsx/);
  });

  it('keeps keys, local data and env files out of the build context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const pattern of ['certs/*.pem', 'data/', 'node_modules/', '.env'])
      expect(ignored).toContain(pattern);
    // The runtime stage copies code folders, never the whole context with certs in it unfiltered.
    const copies = stage.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.some((c) => /^\.\s/.test(c))).toBe(false);
  });
});

describe('agent cards', () => {
  it('has a valid A2A card in agent-cards/ for every agent', () => {
    for (const name of AGENTS) {
      const path = `agent-cards/${name}.json`;
      expect(existsSync(join(root, path)), `${path} exists`).toBe(true);
      expect(validateAgentCardJson(JSON.parse(read(path))), path).toEqual([]);
    }
  });
});

describe('docs/threat-model.md', () => {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `describe.skipIf(x)(`, `it.each([...])(` and plain calls; the name may start on the next line.
  const called = (fn: string, name: string) =>
    new RegExp(`\\b${fn}(?:\\.\\w+(?:\\([^)]*\\))?)*\\(\\s*(['"\`])${literal(name)}\\1`);

  it('every test this document cites exists, by file, describe and name', () => {
    const rows = read('docs/threat-model.md')
      .split(/\r?\n/)
      .filter((l) => l.startsWith('|'));
    const citations = rows.flatMap((row) =>
      row
        .split(/<br>|\s\|/)
        .map((cell) => /`([\w./-]+\.test\.ts)` › (.+)$/.exec(cell.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({
          file: m[1] as string,
          // A trailing *(needs TEST_…_URL)* says which environment the test runs in; it is not part of the name.
          names: (m[2] as string)
            .replace(/\s*[*_]\(needs [^)]*\)[*_]$/, '')
            .split(' › ')
            .map((n) => n.trim()),
        })),
    );
    expect(citations.length).toBeGreaterThan(50);
    for (const { file, names } of citations) {
      const cite = `${file} › ${names.join(' › ')}`;
      expect(existsSync(join(root, file)), cite).toBe(true);
      const source = read(file);
      const test = names.at(-1) as string;
      for (const group of names.slice(0, -1)) expect(source, cite).toMatch(called('describe', group));
      expect(source, cite).toMatch(called('(?:it|test)', test));
    }
  });
});

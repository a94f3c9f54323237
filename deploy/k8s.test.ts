import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadDeskConfig } from '../agents/desk/config.js';
import { createDemoCatalogue } from '../agents/promotions/catalogue.js';
import { createPromotionsExecutor } from '../agents/promotions/executor.js';
import { loadAgentCard } from '../agents/runtime/card.js';
import { loadOrCreateCardSigningKey } from '../agents/runtime/card-signing.js';
import { loadAgentConfig } from '../agents/runtime/config.js';
import { createLogger } from '../agents/runtime/logger.js';
import { createAgentApp, type RunningServer, startAgentServer } from '../agents/runtime/server.js';
import { createTokenVerifier } from '../agents/runtime/service-token.js';
import { createTestTokens } from '../agents/runtime/testing/tokens.js';
import { generateCerts, loadTlsMaterial } from '../certs/certs.js';
import { loadConfig } from '../orchestrator/config.js';
import {
  type K8sObject,
  OVERLAYS,
  type Overlay,
  objectId,
  overlayDir,
  parseYamlDocuments,
  renderKustomization,
  toYaml,
} from './render.js';

// deploy/k8s rendered as kubectl would apply it, every object validated offline against the Kubernetes OpenAPI
// schemas (kubernetes-models), and the deployment's promises checked on the rendered objects: least privilege,
// probes and resources, who may reach whom, the overlays' differences, and the agents' cards naming their Services.

const root = join(import.meta.dirname, '..');
const AGENTS = ['assistant', 'sentiment', 'orders', 'promotions', 'desk'] as const;

// --- offline schema validation -------------------------------------------------------------------------------

/** One validator per apiVersion/kind the manifests use; a kind without one fails the test. */
const MODELS: Record<string, (o: any) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o),
  'v1/Service': (o) => new Service(o),
  'v1/Secret': (o) => new Secret(o),
  'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o),
  'apps/v1/Deployment': (o) => new Deployment(o),
  'apps/v1/StatefulSet': (o) => new StatefulSet(o),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o),
  'networking.k8s.io/v1/Ingress': (o) => new Ingress(o),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o),
};

// cert-manager's CRDs are not in kubernetes-models: their required fields (cert-manager.io/v1) checked by zod.
const metadata = z.object({ name: z.string().min(1), namespace: z.string().min(1) }).passthrough();
const CERT_MANAGER: Record<string, z.ZodType> = {
  'cert-manager.io/v1/Issuer': z
    .object({
      apiVersion: z.literal('cert-manager.io/v1'),
      kind: z.literal('Issuer'),
      metadata,
      spec: z.object({ ca: z.object({ secretName: z.string().min(1) }).strict() }).strict(),
    })
    .strict(),
  'cert-manager.io/v1/Certificate': z
    .object({
      apiVersion: z.literal('cert-manager.io/v1'),
      kind: z.literal('Certificate'),
      metadata,
      spec: z
        .object({
          secretName: z.string().min(1),
          issuerRef: z
            .object({
              name: z.string().min(1),
              kind: z.enum(['Issuer', 'ClusterIssuer']),
              group: z.literal('cert-manager.io'),
            })
            .strict(),
          commonName: z.string().min(1).max(64),
          dnsNames: z.array(z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/)).min(1),
          duration: z.string().regex(/^\d+h$/),
          renewBefore: z.string().regex(/^\d+h$/),
          privateKey: z
            .object({
              algorithm: z.enum(['RSA', 'ECDSA', 'Ed25519']),
              size: z.number().int(),
              rotationPolicy: z.enum(['Never', 'Always']),
            })
            .strict(),
          usages: z.array(z.enum(['digital signature', 'key encipherment', 'server auth', 'client auth'])),
        })
        .strict(),
    })
    .strict(),
};

/** Validates one object; throws with the object's identity and the schema's complaint. */
function validateObject(o: K8sObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const model = MODELS[key];
  if (model) {
    try {
      model(o).validate();
    } catch (error) {
      throw new Error(`${objectId(o)}: ${(error as Error).message}`);
    }
    return;
  }
  const schema = CERT_MANAGER[key];
  if (!schema) throw new Error(`${objectId(o)}: no schema for ${key}`);
  const result = schema.safeParse(o);
  if (!result.success) throw new Error(`${objectId(o)}: ${z.prettifyError(result.error)}`);
}

// --- helpers over rendered objects ----------------------------------------------------------------------------

type Labels = Record<string, string>;
const workloadKinds = new Set(['Deployment', 'StatefulSet']);
const workloads = (objects: K8sObject[]) => objects.filter((o) => workloadKinds.has(o.kind)) as any[];
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
const podLabels = (w: any): Labels => w.spec.template.metadata.labels;
const envOf = (container: any): Record<string, string> =>
  Object.fromEntries(
    (container.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]),
  );

/** Whether a Kubernetes label selector selects `labels` (matchLabels and the In/NotIn/Exists operators). */
function selects(selector: any, labels: Labels): boolean {
  if (!selector) return false;
  const matchLabels: Labels = selector.matchLabels ?? {};
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e: any) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    throw new Error(`unknown operator ${e.operator}`);
  });
}

/** A source a NetworkPolicy lets in: pods of this namespace by labels, pods of other namespaces, or anyone. */
type Peer =
  | { type: 'pods'; selector: any }
  | { type: 'namespace'; namespaceSelector: any; podSelector?: any }
  | { type: 'anyone'; why: string };

/**
 * Who the policies let reach a pod with `labels` on `port`, as Kubernetes adds policies up: no policy selecting the
 * pod for Ingress means anyone; otherwise the union of the selecting policies' rules that cover the port.
 */
function admitted(policies: any[], labels: Labels, port: number): Peer[] {
  const selecting = policies.filter(
    (p) => selects(p.spec.podSelector, labels) && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  if (!selecting.length) return [{ type: 'anyone', why: 'no policy selects the pod' }];
  const peers: Peer[] = [];
  for (const policy of selecting) {
    for (const rule of policy.spec.ingress ?? []) {
      const covers =
        !rule.ports?.length ||
        rule.ports.some((p: any) => p.port === port || (p.endPort && p.port <= port && port <= p.endPort));
      if (!covers) continue;
      if (!rule.from?.length) {
        peers.push({ type: 'anyone', why: `${policy.metadata.name}: a rule without "from"` });
        continue;
      }
      for (const from of rule.from) {
        if (from.ipBlock) peers.push({ type: 'anyone', why: `${policy.metadata.name}: an ipBlock` });
        else if (from.namespaceSelector)
          peers.push({
            type: 'namespace',
            namespaceSelector: from.namespaceSelector,
            podSelector: from.podSelector,
          });
        else peers.push({ type: 'pods', selector: from.podSelector });
      }
    }
  }
  return peers;
}

/** Why `peers` let in more than `allowed` pods of the namespace (and nothing from elsewhere), or [] when they do not. */
function excessPeers(peers: Peer[], pods: Labels[], allowed: (labels: Labels) => boolean): string[] {
  return peers.flatMap((peer) => {
    if (peer.type === 'anyone') return [peer.why];
    if (peer.type === 'namespace') return [`namespace ${JSON.stringify(peer.namespaceSelector)}`];
    return pods
      .filter((labels) => selects(peer.selector, labels) && !allowed(labels))
      .map((labels) => `pod ${labels['app.kubernetes.io/name']}`);
  });
}

const isAtende = (labels: Labels) =>
  ['orchestrator', 'agent'].includes(labels['app.kubernetes.io/component'] ?? '');

/** The text of every non-test TypeScript file of the orchestrator, the agents and the certificates. */
async function processSources(): Promise<string> {
  const texts: string[] = [];
  for (const folder of ['orchestrator', 'agents', 'certs']) {
    for (const file of await readdir(join(root, folder), { recursive: true })) {
      if (file.endsWith('.ts') && !file.endsWith('.test.ts'))
        texts.push(await readFile(join(root, folder, file), 'utf8'));
    }
  }
  return texts.join('\n');
}

const INGRESS_NAMESPACE = { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } };

// --- the tests ------------------------------------------------------------------------------------------------

const rendered = {} as Record<Overlay, K8sObject[]>;

beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered[overlay] = await renderKustomization(overlayDir(overlay));
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = () => rendered[overlay];

  it('validates every object against the Kubernetes OpenAPI schemas (cert-manager: zod)', () => {
    expect(objects().length).toBeGreaterThan(20);
    for (const o of objects()) validateObject(o);
  });

  it('prints YAML that reads back as the same objects (YAML 1.1: modes stay octal, "off" stays a string)', () => {
    const back = parseYamlDocuments(toYaml(objects()), 'rendered');
    expect(back).toEqual(objects());
    const orchestrator = find(objects(), 'Deployment', 'orchestrator');
    expect(orchestrator.spec.template.spec.volumes[0].projected.defaultMode).toBe(0o440);
  });

  it.skipIf(!hasKubectl())('renders exactly what `kubectl kustomize` renders', () => {
    const out = execFileSync('kubectl', ['kustomize', overlayDir(overlay)], { encoding: 'utf8' });
    const theirs = parseYamlDocuments(out, 'kubectl kustomize') as K8sObject[];
    expect(new Set(objects().map(objectId))).toEqual(new Set(theirs.map(objectId)));
    for (const o of theirs) {
      const mine = objects().find((m) => objectId(m) === objectId(o));
      expect(isDeepStrictEqual(mine, o), `${objectId(o)} differs`).toBe(true);
    }
  });

  it('puts everything in the namespace atende, which enforces the restricted Pod Security Standard', () => {
    const ns = find(objects(), 'Namespace', 'atende');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of objects().filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, objectId(o)).toBe('atende');
    }
  });

  it('runs every container non-root on a read-only root, without privileges, capabilities or host access', () => {
    for (const w of workloads(objects())) {
      const pod = w.spec.template.spec;
      expect(pod.automountServiceAccountToken, w.metadata.name).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const id = `${w.metadata.name}/${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, id).toBe(true);
        expect(sc.runAsUser ?? pod.securityContext?.runAsUser, id).toBeGreaterThan(0);
        expect(sc.readOnlyRootFilesystem, id).toBe(true);
        expect(sc.allowPrivilegeEscalation, id).toBe(false);
        expect(sc.privileged ?? false, id).toBe(false);
        expect(sc.capabilities?.drop, id).toEqual(['ALL']);
        expect(sc.capabilities?.add ?? [], id).toEqual([]);
        expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, id).toBe('RuntimeDefault');
        // The only writable places are emptyDirs and claims, /tmp among them.
        const tmp = c.volumeMounts?.find((m: any) => m.mountPath === '/tmp');
        const volume = pod.volumes.find((v: any) => v.name === tmp?.name);
        expect(volume?.emptyDir, `${id}: /tmp`).toBeDefined();
      }
    }
  });

  it('gives every Deployment and StatefulSet readiness and liveness probes, requests and limits', () => {
    for (const w of workloads(objects())) {
      for (const c of w.spec.template.spec.containers) {
        const id = `${w.metadata.name}/${c.name}`;
        expect(c.readinessProbe, id).toBeDefined();
        expect(c.livenessProbe, id).toBeDefined();
        for (const kind of ['requests', 'limits']) {
          expect(c.resources?.[kind]?.cpu, `${id} ${kind}.cpu`).toBeDefined();
          expect(c.resources?.[kind]?.memory, `${id} ${kind}.memory`).toBeDefined();
        }
      }
    }
  });

  it('runs every Atende process from the one image, with an entry file that exists', () => {
    const images = new Set<string>();
    for (const w of workloads(objects()).filter((w) => isAtende(podLabels(w)))) {
      const [c] = w.spec.template.spec.containers;
      images.add(c.image);
      expect(existsSync(join(root, c.args[0])), c.args[0]).toBe(true);
    }
    expect([...images]).toEqual([overlay === 'prod' ? 'registry.example.com/atende:0.1.0' : 'atende:local']);
  });

  it('lets only the orchestrator reach the agents, on their ports', () => {
    const policies = objects().filter((o) => o.kind === 'NetworkPolicy');
    const pods = workloads(objects()).map(podLabels);
    const isOrchestrator = (l: Labels) => l['app.kubernetes.io/name'] === 'orchestrator';
    for (const name of AGENTS) {
      const agent = find(objects(), 'Deployment', name);
      const port = agent.spec.template.spec.containers[0].ports[0].containerPort;
      const peers = admitted(policies, podLabels(agent), port);
      expect(excessPeers(peers, pods, isOrchestrator), name).toEqual([]);
      expect(peers.some((p) => p.type === 'pods' && selects(p.selector, pods.find(isOrchestrator)!))).toBe(
        true,
      );
    }
    // Nothing else in the namespace is open to anyone either.
    for (const labels of pods) {
      expect(
        admitted(policies, labels, 1).some((p) => p.type === 'anyone' && p.why.startsWith('no policy')),
      ).toBe(false);
    }
  });

  it('lets only the ingress controller (namespace ingress-nginx) and the agents (JWKS) reach the orchestrator', () => {
    const policies = objects().filter((o) => o.kind === 'NetworkPolicy');
    const pods = workloads(objects()).map(podLabels);
    const orchestrator = podLabels(find(objects(), 'Deployment', 'orchestrator'));
    const peers = admitted(policies, orchestrator, 8443);
    const fromIngress = peers.filter(
      (p) => p.type === 'namespace' && isDeepStrictEqual(p.namespaceSelector, INGRESS_NAMESPACE),
    );
    expect(fromIngress).toHaveLength(1);
    const others = peers.filter((p) => !fromIngress.includes(p));
    expect(excessPeers(others, pods, (l) => l['app.kubernetes.io/component'] === 'agent')).toEqual([]);
  });

  it('sets only variables the processes read, with values their configuration schemas accept', async () => {
    const sources = await processSources();
    for (const w of workloads(objects()).filter((w) => isAtende(podLabels(w)))) {
      const container = w.spec.template.spec.containers[0];
      for (const { name } of container.env) {
        expect(sources.includes(name), `${w.metadata.name}: ${name} is read nowhere`).toBe(true);
      }
      // Secret references stand in for values the cluster provides.
      const env = {
        ...envOf(container),
        DATABASE_URL: 'postgres://u:p@db:5432/atende',
        REDIS_URL: 'redis://r:6379',
      };
      if (w.metadata.name === 'orchestrator') expect(() => loadConfig(env)).not.toThrow();
      else expect(() => loadAgentConfig(env, { name: w.metadata.name, port: 0 })).not.toThrow();
    }
    expect(() =>
      loadDeskConfig(envOf(find(objects(), 'Deployment', 'desk').spec.template.spec.containers[0])),
    ).not.toThrow();
  });

  it('keeps its cards true: each agent publishes the URL of its Service, which the orchestrator dials', async () => {
    const orchestrator = find(objects(), 'Deployment', 'orchestrator');
    const agentUrls = envOf(orchestrator.spec.template.spec.containers[0]).AGENT_URLS!.split(',');
    for (const name of AGENTS) {
      const deployment = find(objects(), 'Deployment', name);
      const container = deployment.spec.template.spec.containers[0];
      const service = find(objects(), 'Service', name);
      // The agent's runtime reads this environment and sets its card's URL exactly as run-agent.ts does.
      const config = loadAgentConfig(envOf(container), { name, port: 0 });
      const card = await loadAgentCard({
        path: join(root, 'agent-cards', `${name}.json`),
        interfaceUrl: `${config.publicUrl}/a2a`,
      });
      const url = new URL(card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC')!.url);
      expect(url.hostname, name).toBe(service.metadata.name);
      expect(Number(url.port)).toBe(service.spec.ports[0].port);
      expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
      expect(container.ports[0].containerPort).toBe(config.PORT);
      expect(selects({ matchLabels: service.spec.selector }, podLabels(deployment))).toBe(true);
      expect(agentUrls).toContain(`https://${name}:${config.PORT}`);
    }
  });

  it('mounts each service its own certificate and the mesh CA under the names certs/certs.ts reads', () => {
    for (const name of ['orchestrator', ...AGENTS]) {
      const pod = find(objects(), 'Deployment', name).spec.template.spec;
      const tls = pod.volumes.find((v: any) => v.name === 'tls').projected.sources;
      expect(tls).toEqual([
        {
          secret: {
            name: `${name}-tls`,
            items: [
              { key: 'tls.crt', path: `${name}.pem` },
              { key: 'tls.key', path: `${name}-key.pem` },
            ],
          },
        },
        { secret: { name: 'atende-mesh-ca', items: [{ key: 'ca.crt', path: 'ca.pem' }] } },
        {
          secret: {
            name: 'atende-card-signing',
            items: [{ key: 'card-signing-key.json', path: 'card-signing-key.json' }],
          },
        },
      ]);
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === 'tls');
      expect(mount).toEqual({ name: 'tls', mountPath: envOf(pod.containers[0]).CERTS_DIR, readOnly: true });
    }
  });

  it('gives the orchestrator its signing keys from a Secret, a PodDisruptionBudget and an autoscaler', () => {
    const deployment = find(objects(), 'Deployment', 'orchestrator');
    const pod = deployment.spec.template.spec;
    const keysFile = envOf(pod.containers[0]).SIGNING_KEYS_FILE!;
    const mount = pod.containers[0].volumeMounts.find((m: any) => keysFile.startsWith(`${m.mountPath}/`));
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret.secretName).toBe('atende-signing-keys');
    expect(mount.subPath).toBeUndefined();
    const pdb = find(objects(), 'PodDisruptionBudget', 'orchestrator');
    expect(selects(pdb.spec.selector, podLabels(deployment))).toBe(true);
    const hpa = find(objects(), 'HorizontalPodAutoscaler', 'orchestrator');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'orchestrator',
    });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
    const env = pod.containers[0].env;
    for (const [name, secret] of [
      ['DATABASE_URL', 'atende-database'],
      ['REDIS_URL', 'atende-redis'],
    ]) {
      expect(env.find((e: any) => e.name === name).valueFrom.secretKeyRef).toEqual({
        name: secret,
        key: 'url',
      });
    }
  });
});

describe('overlay differences', () => {
  const stores = (objects: K8sObject[]) =>
    objects.filter((o) => /postgres|redis/.test(o.metadata.name) && o.kind !== 'Secret');

  it('dev: one replica of each process, a demo PostgreSQL and Redis reachable from the orchestrator only', () => {
    const dev = rendered.dev;
    for (const w of workloads(dev)) expect(w.spec.replicas, w.metadata.name).toBe(1);
    expect(find(dev, 'HorizontalPodAutoscaler', 'orchestrator').spec.maxReplicas).toBe(1);
    expect(find(dev, 'StatefulSet', 'postgres')).toBeDefined();
    expect(find(dev, 'Service', 'postgres')).toBeDefined();
    expect(find(dev, 'Deployment', 'redis')).toBeDefined();
    expect(find(dev, 'Service', 'redis')).toBeDefined();
    expect(find(dev, 'Secret', 'atende-database').stringData.url).toMatch(/@postgres:5432\//);
    expect(find(dev, 'Secret', 'atende-redis').stringData.url).toBe('redis://redis:6379');
    const policies = dev.filter((o) => o.kind === 'NetworkPolicy');
    const pods = workloads(dev).map(podLabels);
    for (const [name, port] of [
      ['postgres', 5432],
      ['redis', 6379],
    ] as const) {
      const labels = podLabels(workloads(dev).find((w) => w.metadata.name === name));
      const peers = admitted(policies, labels, port);
      expect(
        excessPeers(peers, pods, (l) => l['app.kubernetes.io/name'] === 'orchestrator'),
        name,
      ).toEqual([]);
    }
    expect(envOf(find(dev, 'Deployment', 'orchestrator').spec.template.spec.containers[0]).NODE_ENV).toBe(
      'development',
    );
  });

  it('prod: three orchestrator replicas, no PostgreSQL or Redis and no credentials in the manifests', () => {
    const prod = rendered.prod;
    expect(find(prod, 'Deployment', 'orchestrator').spec.replicas).toBe(3);
    expect(find(prod, 'HorizontalPodAutoscaler', 'orchestrator').spec.minReplicas).toBe(3);
    expect(stores(prod)).toEqual([]);
    expect(prod.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const w of workloads(prod)) {
      for (const c of w.spec.template.spec.containers) expect(c.image).not.toMatch(/postgres|redis/);
    }
    const env = envOf(find(prod, 'Deployment', 'orchestrator').spec.template.spec.containers[0]);
    expect(env.NODE_ENV).toBe('production');
    expect(stores(rendered.dev).length).toBeGreaterThan(0);
  });

  it('prod: cert-manager issues every mounted certificate from the mesh CA, for the Service name', () => {
    const prod = rendered.prod;
    const issuer = find(prod, 'Issuer', 'atende-mesh');
    expect(issuer.spec.ca.secretName).toBe('atende-mesh-ca-issuer');
    for (const name of ['orchestrator', ...AGENTS]) {
      const cert = prod.find(
        (o: any) => o.kind === 'Certificate' && o.spec.secretName === `${name}-tls`,
      ) as any;
      expect(cert, name).toBeDefined();
      expect(cert.spec.issuerRef.name).toBe(issuer.metadata.name);
      expect(cert.spec.dnsNames[0]).toBe(find(prod, 'Service', name).metadata.name);
      expect(cert.spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
    }
    // The CA's own key stays out of every pod.
    for (const w of workloads(prod)) {
      expect(JSON.stringify(w.spec.template.spec.volumes)).not.toContain('atende-mesh-ca-issuer');
    }
    expect(rendered.dev.some((o) => o.apiVersion.startsWith('cert-manager.io'))).toBe(false);
  });

  it('prod: the desk keeps its database on a claim, one pod at a time', () => {
    const desk = find(rendered.prod, 'Deployment', 'desk');
    const data = desk.spec.template.spec.volumes.find((v: any) => v.name === 'data');
    expect(data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'desk-data' } });
    expect(find(rendered.prod, 'PersistentVolumeClaim', 'desk-data')).toBeDefined();
    expect(desk.spec.strategy.type).toBe('Recreate');
  });
});

describe('the checks can fail', () => {
  it('kubernetes-models refuses a Deployment with a wrong type or a missing field', () => {
    const good = structuredClone(find(rendered.prod, 'Deployment', 'orchestrator'));
    expect(() => validateObject(good)).not.toThrow();
    expect(() => validateObject({ ...good, spec: { ...good.spec, replicas: 'three' } })).toThrow(
      /replicas must be integer/,
    );
    const nameless = structuredClone(good);
    delete nameless.spec.template.spec.containers[0].name;
    expect(() => validateObject(nameless)).toThrow(/name/);
  });

  it('the cert-manager schema refuses a Certificate without an issuer, and unknown kinds are refused', () => {
    const cert = structuredClone(rendered.prod.find((o) => o.kind === 'Certificate')) as any;
    delete cert.spec.issuerRef;
    expect(() => validateObject(cert)).toThrow(/issuerRef/);
    expect(() =>
      validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toThrow(/no schema/);
  });

  it('the policy check sees a rule that lets anyone in, or another namespace', () => {
    const policies = rendered.dev.filter((o) => o.kind === 'NetworkPolicy') as any[];
    const agent = podLabels(find(rendered.dev, 'Deployment', 'orders'));
    const pods = workloads(rendered.dev).map(podLabels);
    const orchestratorOnly = (l: Labels) => l['app.kubernetes.io/name'] === 'orchestrator';
    const open = {
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
      metadata: { name: 'open' },
    };
    expect(excessPeers(admitted([...policies, open], agent, 9103), pods, orchestratorOnly)).toEqual([
      'open: a rule without "from"',
    ]);
    const sibling = {
      metadata: { name: 'sibling' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent' } } }] }],
      },
    };
    expect(excessPeers(admitted([...policies, sibling], agent, 9103), pods, orchestratorOnly)).toContain(
      'pod assistant',
    );
    expect(excessPeers(admitted([], agent, 9103), pods, orchestratorOnly)).toEqual([
      'no policy selects the pod',
    ]);
  });
});

// --- the agents' readiness probe, run for real ----------------------------------------------------------------

describe("the agents' readiness probe", () => {
  let pki: string;
  let foreign: string;
  let server: RunningServer;

  /** The files the pod's projected `tls` volume holds, built from a folder of `npm run certs` output. */
  async function projectedVolume(from: string, name: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'atende-k8s-volume-'));
    const secrets: Record<string, Record<string, string>> = {
      [`${name}-tls`]: { 'tls.crt': `${name}.pem`, 'tls.key': `${name}-key.pem` },
      'atende-mesh-ca': { 'ca.crt': 'ca.pem' },
      'atende-card-signing': { 'card-signing-key.json': 'card-signing-key.json' },
    };
    await loadOrCreateCardSigningKey(from);
    const volume = find(rendered.prod, 'Deployment', name).spec.template.spec.volumes.find(
      (v: any) => v.name === 'tls',
    );
    for (const source of volume.projected.sources) {
      for (const item of source.secret.items) {
        await copyFile(join(from, secrets[source.secret.name]![item.key]!), join(dir, item.path));
      }
    }
    return dir;
  }

  /** Runs the Deployment's exec probe as the kubelet would, in the container's environment; resolves to its exit code. */
  function runProbe(env: Record<string, string>): Promise<number> {
    const container = find(rendered.prod, 'Deployment', 'promotions').spec.template.spec.containers[0];
    const [command, ...args] = container.readinessProbe.exec.command as string[];
    return new Promise((resolve) => {
      execFile(command!, args, { env: { PATH: process.env.PATH!, ...env }, timeout: 10_000 }, (error) =>
        resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0),
      );
    });
  }

  beforeAll(async () => {
    pki = await mkdtemp(join(tmpdir(), 'atende-k8s-pki-'));
    foreign = await mkdtemp(join(tmpdir(), 'atende-k8s-foreign-'));
    await generateCerts({ dir: pki, services: ['promotions'] });
    await generateCerts({ dir: foreign, services: ['promotions'], organization: 'Someone else' });
    const logger = createLogger({ name: 'promotions', level: 'silent' });
    const tokens = await createTestTokens();
    const card = await loadAgentCard({
      path: join(root, 'agent-cards', 'promotions.json'),
      interfaceUrl: 'https://promotions:9104/a2a',
    });
    const now = () => new Date();
    const app = createAgentApp({
      card,
      executor: createPromotionsExecutor({ catalogue: createDemoCatalogue({ now }), logger, now }),
      verifier: createTokenVerifier({
        keys: tokens.keys,
        issuer: tokens.issuer,
        audience: card.supportedInterfaces[0]!.url,
      }),
      logger,
    });
    server = await startAgentServer({
      app,
      tls: await loadTlsMaterial(pki, 'promotions'),
      port: 0,
      host: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('mounts files the runtime reads as it reads them (certs/certs.ts)', async () => {
    const volume = await projectedVolume(pki, 'promotions');
    await expect(loadTlsMaterial(volume, 'promotions')).resolves.toMatchObject({
      key: expect.stringContaining('PRIVATE KEY'),
    });
  });

  it("passes against a live agent over mutual TLS with the pod's own certificate", async () => {
    const volume = await projectedVolume(pki, 'promotions');
    expect(await runProbe({ CERTS_DIR: volume, PORT: String(server.port) })).toBe(0);
  });

  it('fails with a certificate from another CA, and when nothing listens', async () => {
    const outsider = await projectedVolume(foreign, 'promotions');
    expect(await runProbe({ CERTS_DIR: outsider, PORT: String(server.port) })).toBe(1);
    const volume = await projectedVolume(pki, 'promotions');
    const closed = await startAgentServer({
      app: createAgentApp({
        card: await loadAgentCard({
          path: join(root, 'agent-cards', 'promotions.json'),
          interfaceUrl: 'https://promotions:9104/a2a',
        }),
        executor: { execute: async () => undefined, cancelTask: async () => undefined },
        verifier: createTokenVerifier({ keys: (await createTestTokens()).keys, issuer: 'x', audience: 'x' }),
        logger: createLogger({ name: 'x', level: 'silent' }),
      }),
      tls: await loadTlsMaterial(pki, 'promotions'),
      port: 0,
      host: '127.0.0.1',
    });
    const port = closed.port;
    await closed.close();
    expect(await runProbe({ CERTS_DIR: volume, PORT: String(port) })).toBe(1);
  });

  it("is needed: the kubelet's httpGet, which presents no client certificate, is refused at the handshake", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/healthz', rejectUnauthorized: false, timeout: 3000 },
        (res) => resolve(`status ${res.statusCode}`),
      );
      req.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error /);
  });
});

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

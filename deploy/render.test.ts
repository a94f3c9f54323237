import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, RenderError, renderKustomization, strategicMerge, toYaml } from './render.js';

// The renderer on small kustomizations of its own, so that CI without kubectl still checks what deploy/k8s uses;
// where kubectl is present, each case is also rendered by `kubectl kustomize` and must come out the same.

const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Writes `files` into a fresh folder and returns its path. */
async function layout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atende-render-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: atende:local
          env:
            - { name: A, value: "1" }
            - { name: B, value: "2" }
            - { name: C, value: "3" }
          ports:
            - { name: http, containerPort: 8443 }
      volumes:
        - name: data
          emptyDir: {}
        - name: tmp
          emptyDir: {}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
`;

const overlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources: [../base]
patches:
  - path: patch.yaml
images:
  - name: atende
    newName: registry.example.com/atende
    newTag: "1.2.3"
`;

const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          env:
            - { name: C, value: "30" }
            - { name: B, $patch: delete }
            - { name: D, value: "4" }
      volumes:
        - name: data
          emptyDir: null
          persistentVolumeClaim: { claimName: data }
`;

describe('renderKustomization', () => {
  it('applies resources, strategic merge patches, images and namespace as kustomize does', async () => {
    const dir = await layout({
      'base/kustomization.yaml': 'resources: [web.yaml]\n',
      'base/web.yaml': deployment,
      'overlay/kustomization.yaml': overlay,
      'overlay/patch.yaml': patch,
    });
    const objects = await renderKustomization(join(dir, 'overlay'));
    const web = objects.find((o) => o.kind === 'Deployment') as any;
    expect(web.metadata.namespace).toBe('shop');
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata.namespace).toBeUndefined();
    expect(web.spec.replicas).toBe(3);
    const [container] = web.spec.template.spec.containers;
    expect(container.image).toBe('registry.example.com/atende:1.2.3');
    // The patch's items first, in its order, then the untouched ones; B deleted.
    expect(container.env).toEqual([
      { name: 'C', value: '30' },
      { name: 'D', value: '4' },
      { name: 'A', value: '1' },
    ]);
    expect(web.spec.template.spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'tmp', emptyDir: {} },
    ]);
    if (hasKubectl) {
      const theirs = parseYamlDocuments(
        execFileSync('kubectl', ['kustomize', join(dir, 'overlay')], { encoding: 'utf8' }),
        'kubectl',
      );
      expect(objects).toEqual(expect.arrayContaining(theirs as any[]));
      expect(theirs).toHaveLength(objects.length);
    }
  });

  it('refuses a kustomization field it does not implement, instead of ignoring it', async () => {
    const dir = await layout({
      'kustomization.yaml': 'resources: [web.yaml]\ncommonLabels: { team: shop }\n',
      'web.yaml': deployment,
    });
    await expect(renderKustomization(dir)).rejects.toThrow(RenderError);
    await expect(renderKustomization(dir)).rejects.toThrow(/commonLabels/);
  });

  it('refuses a patch that matches no object, and an object defined twice', async () => {
    const missing = await layout({
      'kustomization.yaml': 'resources: [web.yaml]\npatches: [{ path: p.yaml }]\n',
      'web.yaml': deployment,
      'p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: nope }\nspec: { replicas: 2 }\n',
    });
    await expect(renderKustomization(missing)).rejects.toThrow(/matches 0 objects/);
    const twice = await layout({
      'kustomization.yaml': 'resources: [web.yaml, again.yaml]\n',
      'web.yaml': deployment,
      'again.yaml': deployment,
    });
    await expect(renderKustomization(twice)).rejects.toThrow(/defined twice/);
  });

  it('reads YAML 1.1 as Kubernetes does and prints it so that it reads back the same', async () => {
    const dir = await layout({
      'kustomization.yaml': 'resources: [cm.yaml]\n',
      'cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: { buffering: "off" }\ndata: { mode: "0440" }\nmode: 0440\n',
    });
    const [cm] = (await renderKustomization(dir)) as any[];
    expect(cm.mode).toBe(0o440);
    expect(cm.metadata.annotations.buffering).toBe('off');
    const yaml = toYaml([cm]);
    expect(yaml).toMatch(/buffering: "off"/);
    expect(parseYamlDocuments(yaml, 'printed')).toEqual([cm]);
  });
});

describe('strategicMerge', () => {
  it('merges maps, deletes keys set to null, replaces lists without a merge key', () => {
    const target: Record<string, unknown> = {
      a: { b: 1, c: 2 },
      args: ['x', 'y'],
      ports: [{ port: 80, name: 'h' }],
    };
    strategicMerge(target, { a: { c: null, d: 3 }, args: ['z'], ports: [{ port: 80, name: 'http' }] });
    expect(target).toEqual({ a: { b: 1, d: 3 }, args: ['z'], ports: [{ port: 80, name: 'http' }] });
  });

  it('refuses a $patch directive it does not implement', () => {
    expect(() => strategicMerge({ env: [] }, { env: [{ name: 'A', $patch: 'replace' }] })).toThrow(
      /unsupported \$patch/,
    );
  });
});

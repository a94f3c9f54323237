import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { z } from 'zod';

// A small kustomize: enough of it to render deploy/k8s/ without kubectl, and nothing more. Kubernetes reads YAML
// 1.1 (sigs.k8s.io/yaml), where `0440` is octal and `off` is a boolean, so this file parses and prints 1.1 too.

/** A Kubernetes object as rendered. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * The kustomization fields the renderer understands. Any other field is refused, so a kustomization that grows a
 * feature the renderer lacks fails loudly instead of rendering differently from `kubectl kustomize`.
 */
const kustomizationSchema = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1').optional(),
    kind: z.literal('Kustomization').optional(),
    namespace: z.string().min(1).optional(),
    resources: z.array(z.string().min(1)).default([]),
    /** Strategic-merge patches, each file's documents naming their target by kind and metadata.name. */
    patches: z.array(z.object({ path: z.string().min(1) }).strict()).default([]),
    images: z
      .array(
        z
          .object({
            name: z.string().min(1),
            newName: z.string().min(1).optional(),
            newTag: z.coerce.string().optional(),
            digest: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Kinds without a namespace; `namespace:` leaves them alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterIssuer',
  'CustomResourceDefinition',
  'IngressClass',
  'PersistentVolume',
  'PriorityClass',
  'StorageClass',
]);

/**
 * Merge keys of the lists strategic merge patches merge item by item (the Kubernetes types' `patchMergeKey`s for
 * the kinds used here); other lists are replaced whole.
 */
const MERGE_KEYS: Record<string, (item: Record<string, unknown>) => string> = {
  containers: () => 'name',
  initContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  volumeMounts: () => 'mountPath',
  imagePullSecrets: () => 'name',
  // Container ports merge by containerPort, Service ports by port.
  ports: (item) => ('containerPort' in item ? 'containerPort' : 'port'),
};

/** Raised when a kustomization cannot be rendered; the message names the file and the reason. */
export class RenderError extends Error {
  override name = 'RenderError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the YAML documents of `text` (YAML 1.1, as Kubernetes does), skipping empty ones. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.flatMap((doc) => {
    if (doc.errors.length) throw new RenderError(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

function asObject(value: unknown, source: string): K8sObject {
  if (
    !isObject(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    !isObject(value.metadata) ||
    typeof value.metadata.name !== 'string'
  ) {
    throw new RenderError(`${source}: every document needs apiVersion, kind and metadata.name`);
  }
  return value as K8sObject;
}

/**
 * Applies a strategic merge patch to `target` in place: maps merge, `null` deletes a key, lists with a merge key
 * merge by it (an item with `$patch: delete` removes its match), other lists and scalars replace.
 */
export function strategicMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (value === null) {
      delete target[key];
    } else if (Array.isArray(value) && Array.isArray(current) && key in MERGE_KEYS) {
      // As kustomize orders them: the patch's items first, in its order, then the untouched ones.
      const first: unknown[] = [];
      const rest = [...current];
      for (const item of value) {
        if (!isObject(item)) throw new RenderError(`patch of "${key}": items must be maps`);
        const mergeKey = MERGE_KEYS[key]?.(item) ?? 'name';
        const index = rest.findIndex((c) => isObject(c) && c[mergeKey] === item[mergeKey]);
        const { $patch, ...fields } = item;
        const [match] = index >= 0 ? rest.splice(index, 1) : [];
        if ($patch === 'delete') continue;
        if ($patch !== undefined) throw new RenderError(`unsupported $patch: ${String($patch)}`);
        if (isObject(match)) {
          strategicMerge(match, fields);
          first.push(match);
        } else {
          first.push(structuredClone(fields));
        }
      }
      target[key] = [...first, ...rest];
    } else if (isObject(value) && isObject(current)) {
      strategicMerge(current, value);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

/** Splits `repo/name:tag@digest` into the name kustomize matches on and the rest. */
function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withTag = '', digest] = image.split('@');
  const slash = withTag.lastIndexOf('/');
  const colon = withTag.lastIndexOf(':');
  return colon > slash
    ? { name: withTag.slice(0, colon), tag: withTag.slice(colon + 1), digest }
    : { name: withTag, digest };
}

function setImages(node: unknown, images: z.infer<typeof kustomizationSchema>['images']): void {
  if (Array.isArray(node)) {
    for (const item of node) setImages(item, images);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const container of value) {
        if (!isObject(container) || typeof container.image !== 'string') continue;
        const parts = splitImage(container.image);
        const rule = images.find((i) => i.name === parts.name);
        if (!rule) continue;
        const name = rule.newName ?? parts.name;
        if (rule.digest) container.image = `${name}@${rule.digest}`;
        else if (rule.newTag) container.image = `${name}:${rule.newTag}`;
        else
          container.image = `${name}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`;
      }
    } else {
      setImages(value, images);
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Renders the kustomization in `dir` (its `kustomization.yaml`): resources (files, or folders rendered as
 * kustomizations), then patches, then images, then namespace. Throws a {@link RenderError} on a field it does not
 * support, a patch without a target, or a name used twice.
 */
export async function renderKustomization(dir: string): Promise<K8sObject[]> {
  const file = join(dir, 'kustomization.yaml');
  let raw: unknown;
  try {
    [raw] = parseYamlDocuments(await readFile(file, 'utf8'), file);
  } catch (error) {
    throw error instanceof RenderError ? error : new RenderError(`cannot read ${file}: ${String(error)}`);
  }
  const parsed = kustomizationSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new RenderError(`${file}: ${z.prettifyError(parsed.error)}`);
  }
  const k = parsed.data;

  const objects: K8sObject[] = [];
  for (const resource of k.resources) {
    const path = resolve(dir, resource);
    if (await isDirectory(path)) {
      objects.push(...(await renderKustomization(path)));
    } else {
      const source = join(dir, resource);
      for (const doc of parseYamlDocuments(await readFile(path, 'utf8'), source)) {
        objects.push(asObject(doc, source));
      }
    }
  }

  for (const { path } of k.patches) {
    const source = join(dir, path);
    for (const doc of parseYamlDocuments(await readFile(resolve(dir, path), 'utf8'), source)) {
      const patch = asObject(doc, source);
      const targets = objects.filter(
        (o) =>
          o.kind === patch.kind &&
          o.metadata.name === patch.metadata.name &&
          (patch.metadata.namespace === undefined || o.metadata.namespace === patch.metadata.namespace),
      );
      if (targets.length !== 1) {
        throw new RenderError(
          `${source}: the patch of ${patch.kind}/${patch.metadata.name} matches ${targets.length} objects, not 1`,
        );
      }
      strategicMerge(targets[0] as Record<string, unknown>, patch as Record<string, unknown>);
    }
  }

  if (k.images.length) setImages(objects, k.images);

  if (k.namespace) {
    for (const o of objects) {
      if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    }
  }

  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) throw new RenderError(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

/** `Kind/namespace/name`, the identity kustomize keeps unique (namespace empty for cluster-scoped kinds). */
export function objectId(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The objects as one multi-document YAML stream (YAML 1.1, so strings like `off` stay quoted for Kubernetes). */
export function toYaml(objects: K8sObject[]): string {
  return objects.map((o) => stringify(o, { version: '1.1', lineWidth: 0 })).join('---\n');
}

/** The overlays of deploy/k8s/. */
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The folder of an overlay. */
export function overlayDir(overlay: Overlay): string {
  return join(import.meta.dirname, 'k8s', 'overlays', overlay);
}

import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';

/**
 * One private key of a key-set file: an RS256 private JWK with its `kid`, signing from `notBefore` (an ISO time) on;
 * a key without `notBefore` signs from the start.
 */
export const keySetEntrySchema = z
  .object({
    kty: z.literal('RSA'),
    kid: z.string().min(1).max(200),
    n: z.string().min(1),
    e: z.string().min(1),
    d: z.string().min(1),
    notBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .passthrough();

/**
 * A key-set file, as written by `npm run keys`: `{ "keys": [ …private JWKs… ] }` (a bare array is read too). The
 * file holds private keys: mode 0600, or a Kubernetes Secret mounted read-only.
 */
export const keySetFileSchema = z
  .union([z.object({ keys: z.array(keySetEntrySchema) }), z.array(keySetEntrySchema)])
  .transform((v) => (Array.isArray(v) ? v : v.keys))
  .refine((keys) => keys.length > 0, 'the key set has no key')
  .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, 'two keys share a kid');

/** A private JWK as stored in a key-set file. */
export type KeySetEntry = z.infer<typeof keySetEntrySchema>;

interface LoadedKey {
  kid: string;
  /** Milliseconds since the epoch from which this key signs; -Infinity when the file names no time. */
  notBefore: number;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The orchestrator's RS256 keys: one signs (the newest whose `notBefore` has passed, read from the clock at every
 * call), and the JWKS publishes the keys scheduled to sign next, the current one, the previous one and any older
 * key whose tokens may still be unexpired. Access and service tokens are signed and verified with the same set.
 */
export interface SigningKeys {
  /** The key that signs now: read once per token, so `kid` and key always match. */
  current(): { kid: string; privateKey: CryptoKey };
  /** `current().kid`, for callers that read one field. */
  readonly kid: string;
  /** `current().privateKey`, for callers that read one field. */
  readonly privateKey: CryptoKey;
  /** The public JWKS published now (`/.well-known/jwks.json`); public parts only. */
  readonly jwks: { keys: JWK[] };
  /**
   * Key source for `jwtVerify`: the published keys. A `kid` it does not know makes a file-backed set read its file
   * again (at most once per cooldown) before the token is refused.
   */
  getKey: JWTVerifyGetKey;
  /** Reads the key-set file again if it changed (no-op for in-memory sets); a bad file keeps the keys in use. */
  refresh(): Promise<void>;
}

export interface KeySetOptions {
  /** Clock (ms), for tests; read at every signature, publication and verification. */
  now?: () => number;
  /**
   * Seconds a key keeps verifying after its successor starts signing: the longest token lifetime (guest access
   * tokens) plus clock skew. Older keys stay out of the JWKS after that; the previous key is always published.
   */
  retireAfterSec?: number;
}

export interface FileKeySetOptions extends KeySetOptions {
  /** Least time between two reads of the file caused by unknown `kid`s. */
  reloadCooldownMs?: number;
  /** The file is looked at again (in the background) when this long has passed since the last look. */
  reloadIntervalMs?: number;
  /** Called when a changed file cannot be read or parsed (the keys in use stay). */
  onReloadError?: (error: unknown) => void;
}

const DEFAULT_RETIRE_AFTER_SEC = 24 * 3600 + 300;

async function loadEntries(entries: KeySetEntry[]): Promise<LoadedKey[]> {
  const loaded = await Promise.all(
    entries.map(async (entry, index) => {
      const { notBefore, ...jwk } = entry;
      const privateKey = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey;
      const publicJwk: JWK = { kty: 'RSA', n: entry.n, e: entry.e, kid: entry.kid, alg: 'RS256', use: 'sig' };
      return {
        index,
        kid: entry.kid,
        notBefore: notBefore ? Date.parse(notBefore) : Number.NEGATIVE_INFINITY,
        privateKey,
        publicJwk,
      };
    }),
  );
  // By start time; among equal times the later line of the file wins.
  loaded.sort((a, b) => a.notBefore - b.notBefore || a.index - b.index);
  return loaded.map(({ index: _, ...key }) => key);
}

/**
 * Which of `keys` (sorted by `notBefore`) signs at `now`, and which are published: the scheduled ones, the current,
 * the previous, and older ones whose successor started less than `retireAfterMs` ago.
 */
function partition<T extends { notBefore: number }>(keys: T[], now: number, retireAfterMs: number) {
  let currentIndex = -1;
  for (let i = 0; i < keys.length; i++) if ((keys[i] as T).notBefore <= now) currentIndex = i;
  const published: T[] = [];
  keys.forEach((key, i) => {
    if (i >= currentIndex - 1) {
      published.push(key); // scheduled, current and previous
      return;
    }
    const successor = keys[i + 1] as T;
    if (now < successor.notBefore + retireAfterMs) published.push(key);
  });
  return { current: currentIndex >= 0 ? keys[currentIndex] : undefined, published };
}

/**
 * The entries of a key-set file still needed at `now` (in file order, by start time): what the JWKS publishes.
 * `npm run keys -- --rotate` drops the others.
 */
export function entriesInUse(entries: KeySetEntry[], now: number, retireAfterSec: number): KeySetEntry[] {
  const timed = entries
    .map((entry, index) => ({
      entry,
      index,
      notBefore: entry.notBefore ? Date.parse(entry.notBefore) : Number.NEGATIVE_INFINITY,
    }))
    .sort((a, b) => a.notBefore - b.notBefore || a.index - b.index);
  return partition(timed, now, retireAfterSec * 1000).published.map((t) => t.entry);
}

function createKeySet(
  initial: LoadedKey[],
  options: KeySetOptions & {
    reload?: () => Promise<LoadedKey[] | undefined>;
    reloadCooldownMs?: number;
    reloadIntervalMs?: number;
  },
): SigningKeys {
  const { now = Date.now, retireAfterSec = DEFAULT_RETIRE_AFTER_SEC, reload } = options;
  const retireAfterMs = retireAfterSec * 1000;
  const cooldownMs = options.reloadCooldownMs ?? 5_000;
  const intervalMs = options.reloadIntervalMs ?? 30_000;
  let keys = initial;
  if (!partition(keys, now(), retireAfterMs).current) {
    throw new Error('no signing key has reached its notBefore time yet: one key must sign from now');
  }
  let lastLook = now();
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  let verifySet: { ids: string; getKey: JWTVerifyGetKey } | undefined;

  const refresh = (): Promise<void> => {
    if (!reload) return Promise.resolve();
    lastLook = now();
    pending ??= reload()
      .then((next) => {
        if (next) keys = next;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  /** Looks at the file again in the background when the interval has passed (signing never waits for it). */
  const look = () => {
    if (reload && now() - lastLook >= intervalMs) void refresh().catch(() => undefined);
  };
  const state = () => {
    look();
    return partition(keys, now(), retireAfterMs);
  };
  const current = () => {
    const { current } = state();
    if (!current) throw new Error('no signing key has reached its notBefore time yet');
    return { kid: current.kid, privateKey: current.privateKey };
  };
  const localGetKey = (): JWTVerifyGetKey => {
    const { published } = state();
    const ids = published.map((k) => k.kid).join('\n');
    if (verifySet?.ids !== ids) {
      verifySet = { ids, getKey: createLocalJWKSet({ keys: published.map((k) => k.publicJwk) }) };
    }
    return verifySet.getKey;
  };
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await localGetKey()(header, token);
    } catch (error) {
      const t = now();
      if (!(error instanceof errors.JWKSNoMatchingKey) || !reload || t - lastUnknownKidReload < cooldownMs) {
        throw error;
      }
      lastUnknownKidReload = t;
      await refresh().catch(() => undefined);
      return localGetKey()(header, token);
    }
  };
  return {
    current,
    get kid() {
      return current().kid;
    },
    get privateKey() {
      return current().privateKey;
    },
    get jwks() {
      return { keys: state().published.map((k) => ({ ...k.publicJwk })) };
    },
    getKey,
    refresh,
  };
}

/** Parses and imports a key set (the content of a key-set file); throws a clear error when it is invalid. */
export async function signingKeysFromEntries(
  entries: unknown,
  options: KeySetOptions = {},
): Promise<SigningKeys> {
  return createKeySet(await parseKeySet(entries, 'the key set'), options);
}

async function parseKeySet(content: unknown, where: string): Promise<LoadedKey[]> {
  // A single private JWK (the format of the first releases' data/keys file) is a set of one.
  const value =
    content && typeof content === 'object' && !Array.isArray(content) && 'kty' in content
      ? [content]
      : content;
  const parsed = keySetFileSchema.safeParse(value);
  if (!parsed.success) throw new Error(`invalid signing keys in ${where}:\n${z.prettifyError(parsed.error)}`);
  return loadEntries(parsed.data);
}

/** Creates a new RS256 private JWK for a key-set file, signing from `notBefore` when given. */
export async function generateKeySetEntry(notBefore?: Date): Promise<KeySetEntry> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return {
    ...(jwk as KeySetEntry),
    kid: randomUUID(),
    alg: 'RS256',
    use: 'sig',
    ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
  };
}

/** Creates a fresh one-key set in memory (tests). */
export async function createSigningKeys(options: KeySetOptions = {}): Promise<SigningKeys> {
  return signingKeysFromEntries([await generateKeySetEntry()], options);
}

/**
 * Loads the key-set file at `path` (the file a Kubernetes Secret mounts, shared by every replica) and reads it again
 * when it changes: at most once per `reloadCooldownMs` when a token names an unknown `kid`, and in the background
 * every `reloadIntervalMs`. A missing or invalid file at start is an error.
 */
export async function loadSigningKeys(path: string, options: FileKeySetOptions = {}): Promise<SigningKeys> {
  const read = async () => {
    const info = await stat(path);
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`invalid signing keys in ${path}: not JSON`);
    }
    return { version: `${info.mtimeMs}:${info.size}`, keys: await parseKeySet(json, path) };
  };
  let loaded = await read();
  return createKeySet(loaded.keys, {
    ...options,
    reload: async () => {
      try {
        const info = await stat(path);
        // Kubernetes replaces a Secret's files through a symlink swap: a new mtime or size means new content.
        if (loaded.version === `${info.mtimeMs}:${info.size}`) return undefined;
        loaded = await read();
        return loaded.keys;
      } catch (error) {
        options.onReloadError?.(error);
        return undefined;
      }
    },
  });
}

/**
 * Loads the key set at `path`, creating a one-key set there (mode 0600) on first start: the default when no
 * `SIGNING_KEYS_FILE` is configured, so a single process needs no setup.
 */
export async function loadOrCreateSigningKeys(
  path: string,
  options: FileKeySetOptions = {},
): Promise<SigningKeys> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify({ keys: [await generateKeySetEntry()] }, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e; // another process created it first
    });
    await chmod(path, 0o600);
  }
  return loadSigningKeys(path, options);
}

/** What {@link rotateKeySetFile} did. */
export interface RotationResult {
  added: { kid: string; notBefore: string };
  kept: string[];
  dropped: string[];
}

/**
 * Rotates the key-set file at `path` (created when missing): appends a new key signing from `at`, drops the keys no
 * longer in use at `now` (see {@link entriesInUse}; the current and previous keys always stay) and writes the file
 * anew (mode 0600, replaced by rename so a reader never sees half a file).
 */
export async function rotateKeySetFile(
  path: string,
  options: { at: Date; now?: number; retireAfterSec: number },
): Promise<RotationResult> {
  const now = options.now ?? Date.now();
  let entries: KeySetEntry[] = [];
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as unknown;
    const value = json && typeof json === 'object' && !Array.isArray(json) && 'kty' in json ? [json] : json;
    const parsed = keySetFileSchema.safeParse(value);
    if (!parsed.success)
      throw new Error(`invalid signing keys in ${path}:\n${z.prettifyError(parsed.error)}`);
    entries = parsed.data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // The first key of a new file signs at once: a set with no key signing yet would stop the orchestrator's start.
  const added = await generateKeySetEntry(
    entries.length ? options.at : new Date(Math.min(now, options.at.getTime())),
  );
  const kept = entriesInUse([...entries, added], now, options.retireAfterSec);
  const keptIds = new Set(kept.map((k) => k.kid));
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys: kept }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return {
    added: { kid: added.kid, notBefore: added.notBefore as string },
    kept: kept.filter((k) => k.kid !== added.kid).map((k) => k.kid),
    dropped: entries.filter((k) => !keptIds.has(k.kid)).map((k) => k.kid),
  };
}

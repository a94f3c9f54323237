import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { StreamResponse, Task, TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import {
  type PushNotificationSender,
  type PushNotificationStore,
  type ServerCallContext,
  V1PushNotificationSerializer,
} from '@a2a-js/sdk/server';
import type { Logger } from '../../agents/runtime/index.js';
import { isPrivateAddress, type Lookup } from '../inspector/url-guard.js';

/** Limits and retry policy of webhook deliveries. */
export interface PushLimits {
  /** Per attempt: connect, send and read the status. */
  timeoutMs: number;
  /** Attempts per notification before it is dropped (and logged). */
  attempts: number;
  /** First retry delay; each later one doubles, with ±25 % jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A serialized notification larger than this is not sent (logged). */
  maxBodyBytes: number;
  /** Notifications waiting per webhook; beyond it the oldest is dropped (logged), so one dead webhook cannot grow memory. */
  maxQueued: number;
}

export const DEFAULT_PUSH_LIMITS: PushLimits = {
  timeoutMs: 5_000,
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxBodyBytes: 256 * 1024,
  maxQueued: 200,
};

/**
 * The SSRF guard of webhook URLs: `https:` only, no credentials, and a host that resolves to public addresses only —
 * unless listed exactly in `allowedHosts` (`host:port`, or `host` for any of its ports: a receiver inside the
 * deployment, which may also be `http:`). Throws an A2A
 * invalid-params error (`RequestMalformedError`, -32602) saying why, so a bad URL is refused when the config is created, not when a delivery fails.
 */
export function createWebhookGuard(options: { allowedHosts?: string[]; lookup?: Lookup }) {
  const exact = new Set((options.allowedHosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean));
  const lookup =
    options.lookup ??
    (async (host: string) =>
      (await import('node:dns/promises')).lookup(host, { all: true }).then((a) => a.map((x) => x.address)));
  return async function checkWebhook(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new RequestMalformedError(`push notification url "${raw}" is not an absolute URL`);
    }
    if (url.username || url.password)
      throw new RequestMalformedError('push notification url must not carry credentials');
    // A receiver listed by the operator is trusted as configured (inside the deployment, plain http allowed).
    const listed = exact.has(url.host.toLowerCase()) || exact.has(url.hostname.toLowerCase());
    if (listed && (url.protocol === 'https:' || url.protocol === 'http:')) return url;
    if (url.protocol !== 'https:') throw new RequestMalformedError('push notification url must be https');
    const bare = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(bare) ? [bare] : await lookup(bare);
    } catch {
      throw new RequestMalformedError(`push notification host ${url.hostname} does not resolve`);
    }
    if (!addresses.length || addresses.some(isPrivateAddress)) {
      throw new RequestMalformedError(`push notification host ${url.hostname} is an internal address`);
    }
    return url;
  };
}

/** A push-notification store that checks each webhook URL through `guard` before it is saved. */
export function guardedPushStore(
  store: PushNotificationStore,
  guard: (url: string) => Promise<URL>,
): PushNotificationStore {
  return {
    async save(taskId, context, config) {
      await guard(config.url);
      await store.save(taskId, context, config);
    },
    load: (taskId, context) => store.load(taskId, context),
    ...(store.loadWithMetadata ? { loadWithMetadata: store.loadWithMetadata.bind(store) } : {}),
    delete: (taskId, context, configId) => store.delete(taskId, context, configId),
  };
}

interface Delivery {
  config: TaskPushNotificationConfig;
  body: string;
  contentType: string;
  /** Stable across retries: the receiver drops a notification it has already seen (at-least-once delivery). */
  idempotencyKey: string;
}

/** What the sender did, for tests and metrics. */
export interface PushStats {
  delivered: number;
  retried: number;
  dropped: number;
}

/**
 * Delivers task updates to the webhooks configured for them: each update serialized as A2A v1.0 (`StreamResponse`
 * JSON), POSTed with the configured authentication (`Authorization: <scheme> <credentials>`, or the config's token in
 * `X-A2A-Notification-Token`), an `Idempotency-Key` that stays the same across retries, no redirects followed, a
 * timeout per attempt, and retries with exponential backoff on network errors, 408, 429 and 5xx (a `Retry-After` is
 * honoured up to `maxDelayMs`). Updates to one webhook leave in order. Every hop is checked by `guard` again, since
 * a name may resolve elsewhere by the time of delivery. Delivery state lives in memory: a restart loses what is queued.
 */
export function createPushSender(options: {
  store: PushNotificationStore;
  guard: (url: string) => Promise<URL>;
  /** A fetch that connects only where the guard allows (see `createPinnedLookup`); never follows redirects itself. */
  fetch: typeof fetch;
  logger: Logger;
  limits?: Partial<PushLimits>;
  sleep?: (ms: number) => Promise<void>;
}): PushNotificationSender & { stats: PushStats; idle(): Promise<void> } {
  const limits = { ...DEFAULT_PUSH_LIMITS, ...options.limits };
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
  const serializer = new V1PushNotificationSerializer();
  const stats: PushStats = { delivered: 0, retried: 0, dropped: 0 };
  const queues = new Map<string, { items: Delivery[]; running: Promise<void> | undefined }>();

  async function attempt(delivery: Delivery): Promise<'done' | { retryInMs: number } | 'give-up'> {
    const { config } = delivery;
    let url: URL;
    try {
      url = await options.guard(config.url);
    } catch (error) {
      options.logger.warn(
        { taskId: config.taskId, reason: (error as Error).message },
        'push notification url refused',
      );
      return 'give-up';
    }
    const headers: Record<string, string> = {
      'content-type': delivery.contentType,
      'idempotency-key': delivery.idempotencyKey,
    };
    if (config.authentication?.scheme) {
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials}`;
    } else if (config.token) headers['x-a2a-notification-token'] = config.token;
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers,
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
    } catch {
      return { retryInMs: 0 };
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return 'done';
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const after = Number(response.headers.get('retry-after'));
      return {
        retryInMs: Number.isFinite(after) && after > 0 ? Math.min(after * 1000, limits.maxDelayMs) : 0,
      };
    }
    // A redirect or another 4xx will not change by trying again.
    options.logger.warn(
      { taskId: config.taskId, status: response.status },
      'push notification refused by the webhook',
    );
    return 'give-up';
  }

  async function deliver(delivery: Delivery): Promise<void> {
    for (let n = 1; ; n++) {
      const outcome = await attempt(delivery);
      if (outcome === 'done') {
        stats.delivered++;
        return;
      }
      if (outcome === 'give-up' || n >= limits.attempts) {
        stats.dropped++;
        if (outcome !== 'give-up') {
          options.logger.warn(
            { taskId: delivery.config.taskId, attempts: n },
            'push notification dropped after its last attempt',
          );
        }
        return;
      }
      stats.retried++;
      const backoff = Math.min(limits.baseDelayMs * 2 ** (n - 1), limits.maxDelayMs);
      const jitter = backoff * (0.75 + Math.random() * 0.5);
      await sleep(Math.max(outcome.retryInMs, jitter));
    }
  }

  function enqueue(delivery: Delivery) {
    const key = `${delivery.config.taskId}\u0000${delivery.config.id}\u0000${delivery.config.url}`;
    let queue = queues.get(key);
    if (!queue) {
      queue = { items: [], running: undefined };
      queues.set(key, queue);
    }
    if (queue.items.length >= limits.maxQueued) {
      queue.items.shift();
      stats.dropped++;
      options.logger.warn({ taskId: delivery.config.taskId }, 'push notification queue full: oldest dropped');
    }
    queue.items.push(delivery);
    const q = queue;
    q.running ??= (async () => {
      for (let next = q.items.shift(); next; next = q.items.shift()) await deliver(next);
      q.running = undefined;
      if (!q.items.length) queues.delete(key);
    })();
  }

  return {
    stats,
    async send(streamResponse: StreamResponse, context: ServerCallContext, task?: Task) {
      const payload = streamResponse.payload;
      const taskId =
        payload?.$case === 'task' ? payload.value.id : (payload?.value as { taskId?: string })?.taskId;
      if (!taskId) return;
      const configs = await options.store.load(taskId, context);
      if (!configs.length) return;
      const { body, contentType } = serializer.serialize(streamResponse, task);
      if (Buffer.byteLength(body) > limits.maxBodyBytes) {
        stats.dropped += configs.length;
        options.logger.warn(
          { taskId, bytes: Buffer.byteLength(body) },
          'push notification too large: not sent',
        );
        return;
      }
      for (const config of configs) enqueue({ config, body, contentType, idempotencyKey: randomUUID() });
    },
    async idle() {
      while (queues.size) await Promise.all([...queues.values()].map((q) => q.running));
    },
  };
}

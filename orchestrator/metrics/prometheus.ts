import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Live operational metrics in Prometheus form; the chat-log figures (`summary.ts`) stay the source of truth. */
export interface MetricsRegistry {
  /** The prom-client registry, for `GET /metrics`. */
  readonly registry: Registry;
  /** Counts one HTTP request and its duration; `route` MUST be the route pattern, never the raw path. */
  observeRequest(input: { method: string; route: string; status: number; ms: number }): void;
  /** Counts one shopper chat message accepted, by the shopper's role. */
  observeChatMessage(input: { role: string }): void;
  /** Records the time from a shopper message to its first delta of agent text. */
  observeFirstDelta(ms: number): void;
  /** Counts one agent task by agent and outcome and records its duration. */
  observeTask(input: { agent: string; outcome: string; ms: number }): void;
  /** Hono middleware that observes every request under its matched route pattern. */
  middleware(): MiddlewareHandler;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Prefix of every metric name; defaults to `atende_`. */
  prefix?: string;
  /** Also collect Node's default process metrics (CPU, memory, event loop, GC); defaults to true. */
  defaultMetrics?: boolean;
}

// Latency buckets (seconds) around the first-response goal of 0.5 s.
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30];

/** Creates a registry of its own (never prom-client's global one), so tests and several apps do not collide. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const { prefix = 'atende_', defaultMetrics = true } = options;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix });

  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time to answer an HTTP request (for a stream: until its headers), by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const chatMessages = new Counter({
    name: `${prefix}chat_messages_total`,
    help: 'Shopper chat messages accepted, by role.',
    labelNames: ['role'] as const,
    registers: [registry],
  });
  const firstDelta = new Histogram({
    name: `${prefix}chat_first_delta_seconds`,
    help: 'Time from a shopper message to the first delta of agent text.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tasks = new Counter({
    name: `${prefix}agent_tasks_total`,
    help: 'A2A tasks sent to agents, by agent and outcome.',
    labelNames: ['agent', 'outcome'] as const,
    registers: [registry],
  });
  const taskSeconds = new Histogram({
    name: `${prefix}agent_task_duration_seconds`,
    help: 'Duration of A2A tasks, by agent and outcome.',
    labelNames: ['agent', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const metrics: MetricsRegistry = {
    registry,
    observeRequest({ method, route, status, ms }) {
      requests.inc({ method, route, status: String(status) });
      requestSeconds.observe({ method, route }, ms / 1000);
    },
    observeChatMessage({ role }) {
      chatMessages.inc({ role });
    },
    observeFirstDelta(ms) {
      firstDelta.observe(ms / 1000);
    },
    observeTask({ agent, outcome, ms }) {
      tasks.inc({ agent, outcome });
      taskSeconds.observe({ agent, outcome }, ms / 1000);
    },
    middleware() {
      return async function prometheusRequests(c, next) {
        const started = performance.now();
        try {
          await next();
        } finally {
          // Unmatched paths share one label, so scanning for URLs cannot blow up the series count.
          const status = c.res.status;
          const route = status === 404 ? 'unmatched' : routePath(c, -1) || 'unmatched';
          metrics.observeRequest({ method: c.req.method, route, status, ms: performance.now() - started });
        }
      };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return metrics;
}

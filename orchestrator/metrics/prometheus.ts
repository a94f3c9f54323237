import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeskFigures } from './summary.js';

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
  /**
   * Sets the `desk_*` gauges from the chat log's desk figures over a recent window (`GET /metrics` computes them at
   * scrape); null when they could not be computed: every desk gauge then reads NaN rather than a stale value.
   */
  setDesk(figures: DeskFigures | null): void;
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

  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${prefix}${name}`, help, labelNames, registers: [registry] });
  const WINDOW = 'over the last hour, from the chat log at scrape';
  const desk = {
    handoffs: gauge('desk_handoffs', `Conversations handed to the human desk ${WINDOW}, by reason.`, [
      'reason',
    ]),
    waiting: gauge(
      'desk_waiting',
      'Handed-off conversations still waiting for a person (requested in the last hour).',
    ),
    queueWait: gauge('desk_queue_wait_seconds', `Time to a human (queue wait) ${WINDOW}.`, ['quantile']),
    firstResponse: gauge(
      'desk_first_response_seconds',
      `Time from assignment to the operator's first message ${WINDOW}.`,
      ['quantile'],
    ),
    handoffRatio: gauge('desk_handoff_ratio', `Handoffs per conversation with a shopper message ${WINDOW}.`),
    abandonedRatio: gauge(
      'desk_abandoned_waiting_ratio',
      `Handoffs the shopper left while waiting for a person, of those settled, ${WINDOW}.`,
    ),
    botResolution: gauge('bot_resolution_ratio', `Ended conversations the bots resolved alone ${WINDOW}.`),
    csat: gauge('csat_score', `Average rating (1-5) ${WINDOW}, by who resolved the conversation.`, [
      'resolved_by',
    ]),
  };
  const value = (n: number | null) => (n === null ? Number.NaN : n);
  const seconds = (ms: number | null) => (ms === null ? Number.NaN : ms / 1000);

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
    setDesk(figures) {
      for (const [reason, n] of Object.entries(figures?.byReason ?? {})) desk.handoffs.set({ reason }, n);
      if (!figures) desk.handoffs.reset();
      desk.waiting.set(figures ? figures.waiting : Number.NaN);
      for (const [quantile, key] of [
        ['0.5', 'p50'],
        ['0.95', 'p95'],
      ] as const) {
        desk.queueWait.set({ quantile }, seconds(figures?.queueWaitMs[key] ?? null));
        desk.firstResponse.set({ quantile }, seconds(figures?.humanFirstResponseMs[key] ?? null));
      }
      desk.handoffRatio.set(value(figures?.handoffRate ?? null));
      desk.abandonedRatio.set(value(figures?.abandonedWaiting.rate ?? null));
      desk.botResolution.set(value(figures?.botResolution.rate ?? null));
      desk.csat.set({ resolved_by: 'all' }, value(figures?.csat.average ?? null));
      desk.csat.set({ resolved_by: 'bot' }, value(figures?.csat.byResolvedBy.bot.average ?? null));
      desk.csat.set({ resolved_by: 'human' }, value(figures?.csat.byResolvedBy.human.average ?? null));
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

import type { AgentExecutor } from '@a2a-js/sdk/server';
import {
  type Attributes,
  context,
  createContextKey,
  diag,
  type Context as OtelContext,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
// Only types from the SDK here: its packages (the provider, the OTLP exporter, the propagator) load in startTracing,
// when tracing is on. Loaded at every start they cost each process about 250 ms of CPU for spans nobody exports.
import type {
  ReadableSpan,
  Span as SdkSpan,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Context, MiddlewareHandler } from 'hono';

/** The span attribute every span of a traced request carries: the request's correlation id (`X-Request-Id`, `cid`). */
export const CORRELATION_ATTRIBUTE = 'atende.correlation_id';

const CORRELATION_KEY = createContextKey(CORRELATION_ATTRIBUTE);

/**
 * Atende's tracer. Until {@link startTracing} registered a provider it is the API's no-op tracer: its spans record
 * nothing, and the no-op propagator injects no header, so untraced processes pay a few object allocations per span.
 */
export function tracer(): Tracer {
  return trace.getTracer('atende');
}

/** Tracing as one process set it up: whether spans are exported, and how to flush them when the process stops. */
export interface Tracing {
  enabled: boolean;
  /** Exports the spans still queued. */
  flush(): Promise<void>;
  /** Flushes, then unregisters the provider, propagator and context manager (tracing is off again). */
  shutdown(): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of the spans (the `OTEL_SERVICE_NAME`, else the agent's or the orchestrator's name). */
  serviceName: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: spans go, batched, as OTLP/HTTP JSON to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Exports every span as it ends to this exporter instead (tests: the SDK's `InMemorySpanExporter`). */
  exporter?: SpanExporter;
}

/** Copies the correlation id of the context a span starts in onto the span. */
class CorrelationProcessor implements SpanProcessor {
  onStart(span: SdkSpan, parent: OtelContext): void {
    const id = parent.getValue(CORRELATION_KEY);
    if (typeof id === 'string') span.setAttribute(CORRELATION_ATTRIBUTE, id);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The OTLP/HTTP traces URL of an `OTEL_EXPORTER_OTLP_ENDPOINT` (the specification appends `v1/traces`). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Turns tracing on for this process when an endpoint or an exporter is given, and does nothing otherwise (the
 * returned handle says `enabled: false`). On: registers a Node tracer provider (AsyncLocalStorage context, so a
 * span started in a request is the parent of everything that request awaits), the W3C trace-context propagator
 * (`traceparent`, `tracestate`) and a processor that puts the correlation id on every span. One per process.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.exporter && !options.endpoint) {
    return { enabled: false, flush: async () => {}, shutdown: async () => {} };
  }
  const [
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor, SimpleSpanProcessor },
    { NodeTracerProvider },
    { ATTR_SERVICE_NAME },
  ] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: tracesUrl(options.endpoint as string) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [
      new CorrelationProcessor(),
      options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
    ],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => diag.warn('tracing shutdown failed', error));
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** `context` (the active one by default) carrying `correlationId`: spans started in it get the attribute. */
export function withCorrelationId(
  correlationId: string,
  parent: OtelContext = context.active(),
): OtelContext {
  return parent.setValue(CORRELATION_KEY, correlationId);
}

function failed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * Runs `fn` in a new active span named `name` (a child of the active one): it ends when `fn`'s promise settles and
 * records a thrown error. With `correlationId`, it and every span under it carry {@link CORRELATION_ATTRIBUTE}.
 */
export function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T>,
  options: { attributes?: Attributes; kind?: SpanKind; correlationId?: string } = {},
): Promise<T> {
  const parent = options.correlationId ? withCorrelationId(options.correlationId) : context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** {@link withSpan} for synchronous work (the pipeline's plan and authorize stages). */
export function withSpanSync<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T {
  const span = tracer().startSpan(name, { attributes });
  try {
    return context.with(trace.setSpan(context.active(), span), fn, undefined, span);
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * The W3C trace-context headers (`traceparent`, maybe `tracestate`) naming `span` as the parent of what the callee
 * does; none while tracing is off or `span` is not recording.
 */
export function traceHeaders(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  if (span.isRecording()) propagation.inject(trace.setSpan(context.active(), span), headers);
  return headers;
}

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * Hono middleware: a server span per request, the active span of everything the request does. With `continueTrace`
 * (the agents: only mesh peers with a certificate reach them) it continues the caller's `traceparent`; the
 * orchestrator's public edge starts a new trace instead, so no browser joins or names one. The correlation id is
 * read with `correlationIdOf` (default: the `X-Request-Id` header). The span ends when the handler returns its
 * response; a streamed body is covered by the spans of the work that writes it.
 */
export function traceRequests(
  options: {
    continueTrace?: boolean;
    name?: string;
    correlationIdOf?: (c: Context) => string | undefined;
  } = {},
): MiddlewareHandler {
  return async function traceRequest(c, next) {
    const tracing = tracer();
    let parent = options.continueTrace
      ? propagation.extract(context.active(), c.req.raw.headers, headerGetter)
      : context.active();
    const correlationId = options.correlationIdOf ? options.correlationIdOf(c) : c.req.header('x-request-id');
    if (correlationId) parent = withCorrelationId(correlationId, parent);
    const span = tracing.startSpan(
      options.name ?? `${c.req.method} ${c.req.routePath}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
      if (span.isRecording()) {
        span.setAttribute('http.response.status_code', c.res.status);
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
}

/**
 * The agent's executor with a span per task (`execute <agent>`, a child of the request's server span), ending when
 * `execute` settles; cancellations pass through untraced.
 */
export function traceExecutor(executor: AgentExecutor, agent: string): AgentExecutor {
  return {
    execute: (request, bus) =>
      withSpan(`execute ${agent}`, () => executor.execute(request, bus), {
        kind: SpanKind.INTERNAL,
        attributes: {
          'atende.agent': agent,
          'atende.task_id': request.taskId,
          'atende.context_id': request.contextId,
        },
      }),
    cancelTask: (taskId, bus) => executor.cancelTask(taskId, bus),
  };
}

import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CORRELATION_ATTRIBUTE,
  startTracing,
  type Tracing,
  traceExecutor,
  traceHeaders,
  traceRequests,
  tracesUrl,
  withSpan,
  withSpanSync,
} from './tracing.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A Hono app with the middleware that reports the span active in its handler and the spans it starts. */
function tracedApp(options: Parameters<typeof traceRequests>[0]) {
  const seen: { recording?: boolean; traceId?: string } = {};
  const app = new Hono();
  app.post('/a2a', traceRequests(options), async (c) => {
    const active = trace.getActiveSpan();
    seen.recording = active?.isRecording() ?? false;
    seen.traceId = active?.spanContext().traceId;
    await withSpan('inside', async () => undefined);
    return c.json({ ok: true });
  });
  return { app, seen };
}

let tracing: Tracing | undefined;
afterAll(async () => {
  await tracing?.shutdown();
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('registers nothing: spans do not record and no trace header is sent or made', async () => {
    const off = await startTracing({ serviceName: 'orchestrator', endpoint: undefined });
    expect(off.enabled).toBe(false);
    const headers = await withSpan('outer', async (span) => {
      expect(span.isRecording()).toBe(false);
      return traceHeaders(span);
    });
    expect(headers).toEqual({});
    expect(withSpanSync('sync', (span) => span.isRecording())).toBe(false);
    // An incoming traceparent is not continued either: the handler runs under no recording span.
    const { app, seen } = tracedApp({ continueTrace: true });
    const response = await app.request('/a2a', {
      method: 'POST',
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, 'x-request-id': 'cid-1' },
    });
    expect(response.status).toBe(200);
    expect(seen.recording).toBe(false);
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();

  it('exports spans with the service name and the correlation id on every span under it', async () => {
    tracing = await startTracing({ serviceName: 'assistant', exporter });
    expect(tracing.enabled).toBe(true);
    await withSpan(
      'outer',
      async () => {
        withSpanSync('plan', () => undefined);
        await withSpan('write', async () => undefined);
      },
      { correlationId: 'cid-42' },
    );
    await withSpan('unrelated', async () => undefined);
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const outer = byName.get('outer');
    expect(outer?.resource.attributes['service.name']).toBe('assistant');
    for (const name of ['outer', 'plan', 'write']) {
      const span = byName.get(name);
      expect(span?.attributes[CORRELATION_ATTRIBUTE], name).toBe('cid-42');
      expect(span?.spanContext().traceId).toBe(outer?.spanContext().traceId);
    }
    expect(byName.get('plan')?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    // A span outside the correlated context neither joins the trace nor carries the id.
    expect(byName.get('unrelated')?.attributes[CORRELATION_ATTRIBUTE]).toBeUndefined();
    expect(byName.get('unrelated')?.spanContext().traceId).not.toBe(outer?.spanContext().traceId);
    exporter.reset();
  });

  it('records a failure and still ends the span', async () => {
    await expect(
      withSpan('fails', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(2);
    expect(span?.events.some((e) => e.name === 'exception')).toBe(true);
    exporter.reset();
  });

  it('makes a traceparent naming the span, which the agent middleware continues', async () => {
    const caller = trace.getTracer('test').startSpan('a2a assistant', { kind: SpanKind.CLIENT });
    const headers = traceHeaders(caller);
    caller.end();
    const match = TRACEPARENT.exec(headers.traceparent ?? '');
    expect(match?.[1]).toBe(caller.spanContext().traceId);
    expect(match?.[2]).toBe(caller.spanContext().spanId);

    const { app, seen } = tracedApp({ continueTrace: true, name: 'POST /a2a' });
    const response = await app.request('/a2a', {
      method: 'POST',
      headers: { ...headers, 'x-request-id': 'cid-7' },
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual({ recording: true, traceId: caller.spanContext().traceId });
    const server = exporter.getFinishedSpans().find((s) => s.name === 'POST /a2a');
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(server?.attributes[CORRELATION_ATTRIBUTE]).toBe('cid-7');
    expect(server?.attributes['http.response.status_code']).toBe(200);
    const inside = exporter.getFinishedSpans().find((s) => s.name === 'inside');
    expect(inside?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(inside?.attributes[CORRELATION_ATTRIBUTE]).toBe('cid-7');
    exporter.reset();
  });

  it('does not let a caller on the public edge choose the trace (continueTrace off)', async () => {
    const { app, seen } = tracedApp({ name: 'POST /api/chat/messages' });
    const forged = 'f'.repeat(32);
    await app.request('/a2a', {
      method: 'POST',
      headers: { traceparent: `00-${forged}-${'1'.repeat(16)}-01` },
    });
    expect(seen.recording).toBe(true);
    expect(seen.traceId).not.toBe(forged);
    exporter.reset();
  });

  it("wraps an executor in a span under the request's", async () => {
    let ran = false;
    const executor = traceExecutor(
      {
        execute: async () => {
          ran = true;
        },
        cancelTask: async () => undefined,
      },
      'sentiment',
    );
    await withSpan('POST /a2a', () =>
      executor.execute({ taskId: 't1', contextId: 'c1' } as never, {} as never),
    );
    expect(ran).toBe(true);
    const spans = exporter.getFinishedSpans();
    const execute = spans.find((s) => s.name === 'execute sentiment');
    expect(execute?.attributes['atende.task_id']).toBe('t1');
    expect(execute?.parentSpanContext?.spanId).toBe(
      spans.find((s) => s.name === 'POST /a2a')?.spanContext().spanId,
    );
    exporter.reset();
  });

  it('is off again after shutdown', async () => {
    await tracing?.shutdown();
    tracing = undefined;
    const recording = await withSpan('after', async (span) => span.isRecording());
    expect(recording).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe('tracesUrl', () => {
  it('appends the OTLP traces path to the endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
  });
});

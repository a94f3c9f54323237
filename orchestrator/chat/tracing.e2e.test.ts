import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRELATION_ATTRIBUTE, startTracing, type Tracing } from '../../agents/runtime/index.js';
import { generateCerts, loadTlsMaterial } from '../../certs/certs.js';
import type { Orchestrator } from '../server.js';
import { freePort, publicFetch, readSse, spawnAgent, startTestOrchestrator } from '../testing/harness.js';

// One chat message, traced across the mesh on real sockets: the orchestrator in this process exports to the SDK's
// in-memory exporter; the assistant (the router's choice for the question) and the sentiment agent (a side task on
// every message) run as their own processes with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a tiny OTLP/HTTP receiver
// in this test — the real exporter path, JSON over HTTP, as a collector would receive it.
const AGENTS = ['assistant', 'sentiment'] as const;
/** Their cards' names, which name their spans (as the chat log names them). */
const CARD_NAMES = { assistant: 'Atende Assistant', sentiment: 'Atende Sentiment' } as const;

/** A span as the comparison needs it, from either side. */
interface SeenSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  attributes: Record<string, unknown>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };

const otlpValue = (v: OtlpValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, otlpValue(a.value)]));

/** Spans received as OTLP/HTTP JSON (`ExportTraceServiceRequest`). */
function fromOtlp(body: any): SeenSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs: any) => {
    const service = String(attributesOf(rs.resource?.attributes)['service.name']);
    return (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map(
        (s: any): SeenSpan => ({
          service,
          name: s.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          // OTLP numbers kinds from 1 (internal); the API from 0.
          kind: s.kind - 1,
          attributes: attributesOf(s.attributes),
        }),
      ),
    );
  });
}

function fromSdk(span: ReadableSpan): SeenSpan {
  return {
    service: String(span.resource.attributes['service.name']),
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    kind: span.kind,
    attributes: span.attributes,
  };
}

let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
let tracing: Tracing;
let receiver: Server;
const memory = new InMemorySpanExporter();
const received: SeenSpan[] = [];
const exports: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      if (request.url === '/v1/traces')
        received.push(...fromOtlp(JSON.parse(Buffer.concat(chunks).toString())));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  tracing = await startTracing({ serviceName: 'orchestrator', exporter: memory });
  const certsDir = await mkdtemp(join(tmpdir(), 'atende-tracing-'));
  await generateCerts({ dir: certsDir, services: ['orchestrator', ...AGENTS] });
  const ports = new Map<string, number>();
  for (const name of AGENTS) ports.set(name, await freePort());
  orchestrator = await startTestOrchestrator({
    pki: { dir: certsDir } as never,
    port: await freePort(),
    agentUrls: AGENTS.map((a) => `https://localhost:${ports.get(a)}`),
  });
  web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
  for (const name of AGENTS) {
    const port = ports.get(name) as number;
    children.push(
      await spawnAgent({
        entry: join(import.meta.dirname, `../../agents/${name}/main.ts`),
        env: {
          PORT: String(port),
          PUBLIC_URL: `https://localhost:${port}`,
          CERTS_DIR: certsDir,
          ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          // Batches go out a tenth of a second after the spans end (the default waits five seconds).
          OTEL_BSP_SCHEDULE_DELAY: '100',
        },
      }),
    );
  }
  for (let i = 0; i < 300; i++) {
    const health = (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as any;
    if (health.agents.every((a: any) => a.state === 'up')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await web?.close();
  await orchestrator?.close();
  await tracing?.shutdown();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('a trace across the mesh', () => {
  it('follows one chat message through the orchestrator and every agent it called, in one trace', async () => {
    const { accessToken } = (await (
      await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' })
    ).json()) as any;
    memory.reset();
    const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ text: 'Qual o prazo de entrega?', locale: 'pt-BR' }),
    });
    expect(response.status).toBe(200);
    const correlationId = response.headers.get('x-request-id');
    expect(correlationId).toBeTruthy();
    const events = await readSse(response);
    expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ event: 'done' });
    // The answer and the side task both ran (their results are in the reply).
    expect(events.some((e) => e.event === 'annotation' && e.data.kind === 'sentiment')).toBe(true);
    expect(events.some((e) => e.event === 'delta')).toBe(true);

    // Wait for every span to arrive: a trace whose every span's parent is in it, agents' spans included.
    let spans: SeenSpan[] = [];
    const complete = () => {
      spans = [...memory.getFinishedSpans().map(fromSdk), ...received];
      const ids = new Set(spans.map((s) => s.spanId));
      const services = new Set(spans.map((s) => s.service));
      return (
        AGENTS.every((a) => services.has(a)) &&
        AGENTS.every((a) => spans.some((s) => s.name === `execute ${CARD_NAMES[a]}`)) &&
        spans.some((s) => s.name === 'chat.reply') &&
        spans.every((s) => !s.parentSpanId || ids.has(s.parentSpanId))
      );
    };
    for (let i = 0; i < 200 && !complete(); i++) await new Promise((r) => setTimeout(r, 100));

    // ONE trace: every span the message caused, in every process, has the same trace id.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['orchestrator', ...AGENTS]));
    // Rooted in the HTTP request; every other span's parent is in the trace (nothing dangles).
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual(['orchestrator POST /api/chat/messages']);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans)
      if (span.parentSpanId) expect(byId.has(span.parentSpanId), span.name).toBe(true);
    // The correlation id on every span, whichever process made it.
    for (const span of spans) expect(span.attributes[CORRELATION_ATTRIBUTE], span.name).toBe(correlationId);

    const names = (service: string) => spans.filter((s) => s.service === service).map((s) => s.name);
    expect(names('orchestrator')).toEqual(
      expect.arrayContaining([
        'POST /api/chat/messages',
        'chat_log.openExchange',
        'chat.reply',
        'chat.plan',
        'chat.authorize',
        'chat.dispatch',
        'chat.merge',
        `a2a ${CARD_NAMES.assistant}`,
        `a2a ${CARD_NAMES.sentiment}`,
        'chat_log.appendEvents',
        'chat.record',
        'chat_log.closeExchange',
        'chat.reply_stream',
      ]),
    );
    const parentOf = (span: SeenSpan | undefined) =>
      span?.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    for (const agent of AGENTS) {
      // The agent's server span continues the orchestrator's call to it (the traceparent it sent); its executor's
      // span is that request's child.
      const server = spans.find((s) => s.service === agent && s.name === 'POST /a2a');
      expect(server?.kind, agent).toBe(1); // SERVER
      const call = parentOf(server);
      expect(call, agent).toMatchObject({
        service: 'orchestrator',
        name: `a2a ${CARD_NAMES[agent]}`,
        kind: 2,
      }); // CLIENT
      expect(parentOf(call)?.name).toBe('chat.dispatch');
      const execute = spans.find((s) => s.service === agent && s.name === `execute ${CARD_NAMES[agent]}`);
      expect(parentOf(execute)?.spanId, `${agent}: ${names(agent).join(', ')}`).toBe(server?.spanId);
    }
    // The stages hang under the reply, the reply under the request.
    const request = roots[0];
    const reply = spans.find((s) => s.name === 'chat.reply');
    expect(parentOf(reply)?.spanId).toBe(request?.spanId);
    for (const stage of ['chat.plan', 'chat.authorize', 'chat.dispatch', 'chat.record']) {
      expect(parentOf(spans.find((s) => s.name === stage))?.spanId, stage).toBe(reply?.spanId);
    }
    expect(parentOf(spans.find((s) => s.name === 'chat.reply_stream'))?.spanId).toBe(request?.spanId);
    // The agents sent OTLP/HTTP with JSON bodies, as the exporter does by default.
    expect(exports).toContain('POST /v1/traces application/json');
  }, 60_000);
});

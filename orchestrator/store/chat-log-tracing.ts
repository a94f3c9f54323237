import { SpanKind } from '@opentelemetry/api';
import { withSpan } from '../../agents/runtime/index.js';
import type { ChatLog } from './chat-log.js';

/** The chat log's writes: each gets a span (reads are left out, they are many and cheap). */
const WRITES = [
  'openExchange',
  'closeExchange',
  'appendEvents',
  'closeConversation',
  'compactDeltas',
] as const;

/**
 * `log` with a client span per write (`chat_log.<method>`, `db.system.name` and `db.operation.name`), a child of
 * whatever span is active, so a reply's database writes sit in its trace. While tracing is off each write pays for
 * one non-recording span from the API's no-op tracer.
 */
export function traceWrites(log: ChatLog): ChatLog {
  const traced: ChatLog = { ...log };
  for (const method of WRITES) {
    const write = log[method] as (...args: unknown[]) => Promise<unknown>;
    (traced as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      withSpan(`chat_log.${method}`, () => write.apply(log, args), {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.operation.name': method },
      });
  }
  return traced;
}

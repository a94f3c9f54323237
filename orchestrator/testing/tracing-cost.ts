/**
 * CPU per chat message through the reply pipeline (fake agents, in-memory PGlite), with tracing off or, with
 * `TRACE=1`, on (every span kept by the SDK's in-memory exporter). Run:
 * `node --import tsx orchestrator/testing/tracing-cost.ts [messages]`. See docs/notes/tracing.md for figures.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, startTracing } from '../../agents/runtime/index.js';
import { createChatService } from '../chat/pipeline.js';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { DEFAULT_SCOPE_POLICY } from '../mesh/scope-policy.js';
import { createEventHub } from '../store/event-hub.js';
import { type ChatLog, createChatLog } from '../store/index.js';
import { pgliteTestDatabase } from '../store/test-support.js';
import { answers, fakeDispatcher, skillTarget } from './chat-fakes.js';

const count = Number(process.argv[2] ?? 200);
const traced = process.env.TRACE === '1';
if (traced) {
  const exporter = new InMemorySpanExporter();
  await startTracing({ serviceName: 'tracing-cost', exporter });
  setInterval(() => exporter.reset(), 1_000).unref();
}
const faq = skillTarget({ name: 'assistant', skill: 'faq', tags: ['faq', 'entrega'] });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });
const db = await pgliteTestDatabase();
let log: ChatLog | undefined;
const hub = createEventHub({
  readAfter: (id, after) => (log as ChatLog).listEvents(id, { after, limit: 500 }),
});
log = createChatLog({ sql: db.sql, hub });
const chat = createChatService({
  chatLog: log,
  hub,
  directory: createStaticAgentDirectory(
    [faq, sentiment].map((t) => ({ baseUrl: t.agent.baseUrl, card: t.agent.card })),
  ),
  dispatcher: fakeDispatcher({
    faq: answers(['Chega em ', '3 dias.'], [{ citations: [{ id: 'prazo', title: 'Prazo' }], level: 'high' }]),
    sentiment: answers([], [{ kind: 'sentiment', label: 'neutral', confidence: 0.6 }]),
  }).dispatcher,
  logger: createLogger({ name: 'tracing-cost', level: 'silent' }),
  scopePolicy: DEFAULT_SCOPE_POLICY,
  toneBudgetMs: 20,
  sideGraceMs: 20,
  coalesceMs: 5,
});

async function message(i: number) {
  const events = await chat.accept({
    shopper: { subject: `guest-${i}`, role: 'guest' },
    text: 'qual o prazo de entrega?',
    locale: 'pt-BR',
    correlationId: `r${i}`,
  });
  let last: { event: string } | undefined;
  for await (const event of events) last = event;
  if (last?.event !== 'done') throw new Error(`the reply ended with ${JSON.stringify(last)}`);
}

for (let i = 0; i < 30; i++) await message(i);
const before = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < count; i++) await message(1_000 + i);
const cpu = process.cpuUsage(before);
console.log(
  JSON.stringify({
    tracing: traced,
    messages: count,
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / count),
    wallMsPerMessage: Number(((performance.now() - started) / count).toFixed(1)),
  }),
);
await chat.drain();
await db.dispose();

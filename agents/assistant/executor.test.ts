import { type Message, Role, type Task, TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  type AgentExecutor,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { composeAnswer, empathyPreamble } from './answer.js';
import { type ChatModel, createOpenAIChatModel } from './chat-model.js';
import { type AnswerMeta, createAssistantExecutor } from './executor.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import { createRetriever, type Retriever } from './retrieval.js';

const baseURL = 'http://openai.test/v1';
const server = setupServer();
let retriever: Retriever;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  retriever = createRetriever({ entries: await loadKnowledgeBase(new URL('./faq.json', import.meta.url)) });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const openAI = (timeoutMs = 5000) =>
  createOpenAIChatModel({ baseURL, apiKey: 'sk-test', model: 'test-model', timeoutMs });

function sseChunk(content: string): Uint8Array {
  const chunk = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'test-model',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
  return new TextEncoder().encode(`data: ${JSON.stringify(chunk)}\n\n`);
}

function sse(tokens: string[], { fail = false } = {}): HttpResponse<ReadableStream> {
  const body = new ReadableStream({
    start(controller) {
      for (const token of tokens) controller.enqueue(sseChunk(token));
      if (fail) {
        // Erroring at once would drop the queued chunks; the break must come after they are read.
        setTimeout(() => controller.error(new Error('connection reset')), 50);
        return;
      }
      controller.enqueue(new TextEncoder().encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
}

let messageCount = 0;
function userMessage(text: string, metadata: Record<string, unknown> = {}): Message {
  messageCount += 1;
  return {
    messageId: `msg-${messageCount}`,
    contextId: 'ctx-1',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: {}, filename: '', mediaType: 'text/plain' }],
    metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

function contextFor(
  message: Message,
  {
    task,
    requestMetadata = {},
    taskId = 'task-1',
  }: { task?: Task; requestMetadata?: Record<string, unknown>; taskId?: string } = {},
): RequestContext {
  return new RequestContext(
    { tenant: '', message, configuration: undefined, metadata: requestMetadata },
    taskId,
    'ctx-1',
    new ServerCallContext(),
    task,
  );
}

function collect(bus: DefaultExecutionEventBus): AgentExecutionEvent[] {
  const events: AgentExecutionEvent[] = [];
  bus.on('event', (event) => events.push(event));
  return events;
}

async function run(executor: AgentExecutor, context: RequestContext): Promise<AgentExecutionEvent[]> {
  const bus = new DefaultExecutionEventBus();
  const events = collect(bus);
  await executor.execute(context, bus);
  return events;
}

const answerChunks = (events: AgentExecutionEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'artifactUpdate' && e.data.artifact?.artifactId === 'answer' ? [e.data] : [],
  );
const chunkText = (chunk: ReturnType<typeof answerChunks>[number]) =>
  chunk.artifact?.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('') ?? '';
const answerText = (events: AgentExecutionEvent[]) => answerChunks(events).map(chunkText).join('');
function metaOf(events: AgentExecutionEvent[]): AnswerMeta | undefined {
  for (const e of events) {
    if (e.kind === 'artifactUpdate' && e.data.artifact?.artifactId === 'answer-meta') {
      const part = e.data.artifact.parts[0];
      if (part?.content?.$case === 'data') return part.content.value as AnswerMeta;
    }
  }
  return undefined;
}
const states = (events: AgentExecutionEvent[]) =>
  events.flatMap((e) => (e.kind === 'statusUpdate' && e.data.status ? [e.data.status.state] : []));
const lastEvent = (events: AgentExecutionEvent[]) => events[events.length - 1];

describe('createAssistantExecutor, retrieval only', () => {
  it('publishes a task, WORKING, the answer in ordered chunks, the meta artifact and COMPLETED', async () => {
    const message = userMessage('Qual o prazo de entrega?');
    const events = await run(createAssistantExecutor({ retriever }), contextFor(message));

    const first = events[0];
    expect(first?.kind).toBe('task');
    if (first?.kind === 'task') {
      expect(first.data).toMatchObject({ id: 'task-1', contextId: 'ctx-1' });
      expect(first.data.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
      expect(first.data.history).toEqual([message]);
    }
    expect(states(events)).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]);

    const chunks = answerChunks(events);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.append)).toEqual(chunks.map((_, i) => i > 0));
    expect(chunks.map((c) => c.lastChunk)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
    const expected = composeAnswer({
      hits: await retriever.search('Qual o prazo de entrega?'),
      locale: 'pt-BR',
    });
    expect(answerText(events)).toBe(expected.text);

    const meta = metaOf(events);
    expect(meta).toMatchObject({ level: 'high', locale: 'pt-BR', composedBy: 'retrieval' });
    expect(meta?.citations.map((c) => c.id)).toContain('delivery-time');
    expect(meta?.confidence).toBeGreaterThan(0.65);

    const last = lastEvent(events);
    expect(last?.kind).toBe('statusUpdate');
    if (last?.kind === 'statusUpdate') expect(last.data.metadata).toMatchObject({ level: 'high' });
  });

  it('detects English and answers in it', async () => {
    const events = await run(
      createAssistantExecutor({ retriever }),
      contextFor(userMessage('Can I pay with Pix?')),
    );
    expect(metaOf(events)).toMatchObject({ locale: 'en', citations: [{ id: 'pix-payment' }] });
    expect(answerText(events)).toMatch(/QR code/);
  });

  it('takes the locale from the message metadata, then the request metadata', async () => {
    const executor = createAssistantExecutor({ retriever });
    const fromMessage = await run(executor, contextFor(userMessage('pix', { locale: 'en' })));
    expect(metaOf(fromMessage)?.locale).toBe('en');
    const fromRequest = await run(
      executor,
      contextFor(userMessage('pix'), { requestMetadata: { locale: 'en-US' } }),
    );
    expect(metaOf(fromRequest)?.locale).toBe('en');
  });

  it('completes off-topic questions at low confidence, offering a human and citing nothing', async () => {
    const events = await run(
      createAssistantExecutor({ retriever }),
      contextFor(userMessage('qual a capital da França?')),
    );
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(metaOf(events)).toMatchObject({ level: 'low', citations: [], composedBy: 'retrieval' });
    expect(answerText(events)).toMatch(/atendente humano/);
    const last = lastEvent(events);
    if (last?.kind === 'statusUpdate') expect(last.data.metadata).toMatchObject({ level: 'low' });
  });

  it('opens with an empathetic sentence when the tone is negative', async () => {
    const events = await run(
      createAssistantExecutor({ retriever }),
      contextFor(userMessage('meu pedido atrasou de novo', { tone: 'negative' })),
    );
    expect(answerText(events).startsWith(empathyPreamble('pt-BR'))).toBe(true);
  });

  it('starts follow-up turns with the existing task', async () => {
    const earlier = userMessage('oi');
    const message = userMessage('Qual o prazo de entrega?');
    const task: Task = {
      id: 'task-1',
      contextId: 'ctx-1',
      status: { state: TaskState.TASK_STATE_INPUT_REQUIRED, message: undefined, timestamp: undefined },
      artifacts: [],
      history: [earlier],
      metadata: {},
    };
    const events = await run(createAssistantExecutor({ retriever }), contextFor(message, { task }));
    const first = events[0];
    expect(first?.kind).toBe('task');
    if (first?.kind === 'task')
      expect(first.data.history.map((m) => m.messageId)).toEqual([earlier.messageId, message.messageId]);
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe('cancelTask', () => {
  it('stops a streaming answer and publishes CANCELED as the last event', async () => {
    const executor = createAssistantExecutor({ retriever });
    const bus = new DefaultExecutionEventBus();
    const events = collect(bus);
    let canceled: Promise<void> | undefined;
    bus.on('event', (event) => {
      if (event.kind === 'artifactUpdate' && !canceled) canceled = executor.cancelTask('task-1', bus);
    });
    await executor.execute(contextFor(userMessage('Qual o prazo de entrega?')), bus);
    await canceled;
    expect(states(events)).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_CANCELED]);
    expect(lastEvent(events)?.kind).toBe('statusUpdate');
    expect(metaOf(events)).toBeUndefined();
    expect(answerChunks(events)).toHaveLength(1);
  });

  it('aborts a model that is still thinking', async () => {
    let modelSignal: AbortSignal | undefined;
    const thinking: ChatModel = {
      async *stream({ signal }) {
        modelSignal = signal;
        await new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    };
    const executor = createAssistantExecutor({ retriever, chatModel: thinking, modelTimeoutMs: 10_000 });
    const bus = new DefaultExecutionEventBus();
    const events = collect(bus);
    const started = Date.now();
    const execution = executor.execute(contextFor(userMessage('Qual o prazo de entrega?')), bus);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await executor.cancelTask('task-1', bus);
    await execution;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(modelSignal?.aborted).toBe(true);
    expect(states(events)).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_CANCELED]);
    expect(answerChunks(events)).toHaveLength(0);
  });

  it('publishes CANCELED for a task that is not running', async () => {
    const bus = new DefaultExecutionEventBus();
    const events = collect(bus);
    await createAssistantExecutor({ retriever }).cancelTask('task-9', bus);
    expect(events).toHaveLength(1);
    expect(states(events)).toEqual([TaskState.TASK_STATE_CANCELED]);
  });
});

describe('createAssistantExecutor with the OpenAI API', () => {
  it('streams the model tokens as separate chunks, from a prompt holding only the retrieved entries', async () => {
    let system = '';
    server.use(
      http.post(`${baseURL}/chat/completions`, async ({ request }) => {
        const body = (await request.json()) as { messages: Array<{ role: string; content: string }> };
        system = body.messages.find((m) => m.role === 'system')?.content ?? '';
        return sse(['O prazo', ' é de 2 a 5', ' dias úteis', ' nas capitais.', '\nFontes: [delivery-time]']);
      }),
    );
    const question = 'Qual o prazo de entrega?';
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage(question)),
    );

    expect(answerChunks(events).map(chunkText)).toEqual([
      'O prazo',
      ' é de 2 a 5',
      ' dias úteis',
      ' nas capitais.',
      '\nFontes: [delivery-time]',
    ]);
    expect(answerChunks(events).at(-1)?.lastChunk).toBe(true);
    expect(metaOf(events)).toMatchObject({
      composedBy: 'model',
      level: 'high',
      citations: [{ id: 'delivery-time' }],
    });
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);

    const retrieved = new Set((await retriever.search(question)).map((h) => h.entry.id));
    const inPrompt = [...system.matchAll(/^\[([a-z0-9-]+)\]$/gm)].map((m) => m[1]);
    expect(inPrompt).toContain('delivery-time');
    expect(inPrompt.length).toBeLessThanOrEqual(3);
    for (const id of inPrompt) expect(retrieved).toContain(id);
    expect(system).not.toContain('[pix-payment]');
    expect(system).not.toContain('LGPD');
  });

  it('adds the confirmation question to middle-confidence model answers', async () => {
    server.use(
      http.post(`${baseURL}/chat/completions`, () => sse(['Para devolver,', ' peça em Meus pedidos.'])),
    );
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage('quero fazer uma devolucao')),
    );
    expect(metaOf(events)).toMatchObject({ composedBy: 'model', level: 'middle' });
    expect(answerText(events)).toMatch(
      /^Para devolver, peça em Meus pedidos\.\n\nEra isso que você queria saber\?/,
    );
  });

  it('never calls the model for low-confidence questions', async () => {
    let calls = 0;
    server.use(
      http.post(`${baseURL}/chat/completions`, () => {
        calls += 1;
        return sse(['x']);
      }),
    );
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage('qual a capital da França?')),
    );
    expect(calls).toBe(0);
    expect(metaOf(events)).toMatchObject({ level: 'low', composedBy: 'retrieval' });
  });

  it('falls back to the retrieval answer when the API answers 500', async () => {
    server.use(
      http.post(`${baseURL}/chat/completions`, () =>
        HttpResponse.json({ error: { message: 'boom' } }, { status: 500 }),
      ),
    );
    const question = 'Qual o prazo de entrega?';
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage(question)),
    );
    const expected = composeAnswer({ hits: await retriever.search(question), locale: 'pt-BR' });
    expect(answerText(events)).toBe(expected.text);
    expect(metaOf(events)).toMatchObject({ composedBy: 'retrieval', citations: expected.citations });
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('falls back after the first-token timeout when the stream stays silent', async () => {
    server.use(
      http.post(
        `${baseURL}/chat/completions`,
        () =>
          new HttpResponse(new ReadableStream({ start() {} }), {
            headers: { 'content-type': 'text/event-stream' },
          }),
      ),
    );
    const started = Date.now();
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI(), modelTimeoutMs: 200 }),
      contextFor(userMessage('Can I pay with Pix?')),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    expect(metaOf(events)).toMatchObject({ composedBy: 'retrieval', citations: [{ id: 'pix-payment' }] });
    expect(answerText(events)).toMatch(/QR code/);
  });

  it('falls back after the first-token timeout when the API never answers', async () => {
    server.use(
      http.post(`${baseURL}/chat/completions`, async () => {
        await delay('infinite');
        return sse([]);
      }),
    );
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI(), modelTimeoutMs: 200 }),
      contextFor(userMessage('Qual o prazo de entrega?')),
    );
    expect(metaOf(events)).toMatchObject({ composedBy: 'retrieval' });
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('keeps what the model streamed and adds a note when the stream breaks midway', async () => {
    server.use(http.post(`${baseURL}/chat/completions`, () => sse(['O prazo', ' é de'], { fail: true })));
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage('Qual o prazo de entrega?')),
    );
    expect(answerText(events)).toMatch(/^O prazo é de\n\n\(A resposta foi interrompida/);
    expect(metaOf(events)).toMatchObject({ composedBy: 'model' });
    expect(states(events).at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('sends the apology first and the model answer after it for upset shoppers', async () => {
    server.use(http.post(`${baseURL}/chat/completions`, () => sse(['Seu pedido', ' chega em breve.'])));
    const events = await run(
      createAssistantExecutor({ retriever, chatModel: openAI() }),
      contextFor(userMessage('meu pedido atrasou', { tone: 'negative' })),
    );
    expect(answerChunks(events).map(chunkText)[0]).toBe(empathyPreamble('pt-BR'));
    expect(answerText(events)).toBe(`${empathyPreamble('pt-BR')}\n\nSeu pedido chega em breve.`);
  });
});

describe('createAssistantExecutor, conversation context', () => {
  it('reads a follow-up in the light of the previous question of the same conversation', async () => {
    const executor = createAssistantExecutor({ retriever });
    await run(executor, contextFor(userMessage('Qual o prazo de entrega?'), { taskId: 'ctx-task-1' }));
    const followUp = await run(
      executor,
      contextFor(userMessage('e para o Norte?'), { taskId: 'ctx-task-2' }),
    );
    const meta = metaOf(followUp);
    expect(meta?.level).not.toBe('low');
    expect(meta?.citations.map((c) => c.id)).toContain('delivery-time');
  });

  it('does not carry turns over to another conversation', async () => {
    const executor = createAssistantExecutor({ retriever });
    await run(executor, contextFor(userMessage('Qual o prazo de entrega?'), { taskId: 'ctx-task-3' }));
    const other = new RequestContext(
      { tenant: '', message: userMessage('e para o Norte?'), configuration: undefined, metadata: {} },
      'ctx-task-4',
      'another-context',
      new ServerCallContext(),
    );
    expect(metaOf(await run(executor, other))?.level).toBe('low');
  });
});

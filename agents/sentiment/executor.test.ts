import { randomUUID } from 'node:crypto';
import { type Message, TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { userMessage as messageOf } from '../runtime/testing/fixtures.js';
import { createSentimentExecutor } from './executor.js';
import { createLexiconClassifier } from './lexicon.js';
import type { SentimentClassifier } from './sentiment.js';

const userMessage = (text: string, metadata?: Record<string, unknown>) => messageOf(text, { metadata });

function run(executor: ReturnType<typeof createSentimentExecutor>, message: Message, taskId = randomUUID()) {
  const bus = new DefaultExecutionEventBus();
  const events: AgentExecutionEvent[] = [];
  bus.on('event', (e) => events.push(e));
  const ctx = new RequestContext(
    { tenant: '', message, configuration: undefined, metadata: undefined },
    taskId,
    randomUUID(),
    new ServerCallContext(),
  );
  return { bus, events, done: executor.execute(ctx, bus), taskId };
}

describe('createSentimentExecutor', () => {
  it('publishes a task, one sentiment data artifact and COMPLETED', async () => {
    const executor = createSentimentExecutor({ classifier: createLexiconClassifier() });
    const { events, done } = run(executor, userMessage('Ótimo, mais um atraso. Até agora nada!'));
    await done;
    expect(events.map((e) => e.kind)).toEqual(['task', 'artifactUpdate', 'statusUpdate']);
    const [task, artifact, status] = events;
    expect(task?.kind === 'task' && task.data.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    if (artifact?.kind !== 'artifactUpdate') throw new Error('expected an artifact');
    expect(artifact.data.artifact?.name).toBe('sentiment');
    expect(artifact.data.artifact?.parts).toHaveLength(1);
    const part = artifact.data.artifact?.parts[0]?.content;
    expect(part?.$case).toBe('data');
    expect(part?.value).toMatchObject({
      kind: 'sentiment',
      label: 'negative',
      locale: 'pt-BR',
      method: 'lexicon',
      scores: { negative: expect.any(Number), neutral: expect.any(Number), positive: expect.any(Number) },
    });
    expect(part?.value.confidence).toBeGreaterThan(0.33);
    expect(status?.kind === 'statusUpdate' && status.data.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('passes the locale hint from the message metadata', async () => {
    const seen: Array<string | undefined> = [];
    const classifier: SentimentClassifier = {
      async classify(text, opts) {
        seen.push(opts?.locale);
        return createLexiconClassifier().classify(text, opts);
      },
    };
    const { events, done } = run(
      createSentimentExecutor({ classifier }),
      userMessage('ok', { locale: 'en' }),
    );
    await done;
    expect(seen).toEqual(['en']);
    const artifact = events[1];
    expect(
      artifact?.kind === 'artifactUpdate' && artifact.data.artifact?.parts[0]?.content?.value.locale,
    ).toBe('en');
  });

  it('publishes CANCELED on cancel and nothing more for the canceled task', async () => {
    let release: () => void = () => {};
    const slow: SentimentClassifier = {
      async classify(text) {
        await new Promise<void>((r) => {
          release = r;
        });
        return createLexiconClassifier().classify(text);
      },
    };
    const executor = createSentimentExecutor({ classifier: slow });
    const { events, done, taskId } = run(executor, userMessage('hello'));
    const cancelBus = new DefaultExecutionEventBus();
    const cancelEvents: AgentExecutionEvent[] = [];
    cancelBus.on('event', (e) => cancelEvents.push(e));
    await executor.cancelTask(taskId, cancelBus);
    release();
    await done;
    expect(cancelEvents).toHaveLength(1);
    const canceled = cancelEvents[0];
    expect(canceled?.kind === 'statusUpdate' && canceled.data.status?.state).toBe(
      TaskState.TASK_STATE_CANCELED,
    );
    const started = events[0];
    expect(canceled?.kind === 'statusUpdate' && canceled.data.contextId).toBe(
      started?.kind === 'task' ? started.data.contextId : 'no task',
    );
    expect(events.map((e) => e.kind)).toEqual(['task']);
  });
});

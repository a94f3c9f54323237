import { TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor } from '@a2a-js/sdk/server';
import type { Logger } from '../runtime/index.js';
import type { SentimentClassifier, SentimentResult } from './sentiment.js';

/** The value of the single data part of the `sentiment` artifact, as the orchestrator reads it. */
export type SentimentAnnotation = { kind: 'sentiment' } & SentimentResult;

/** Longest text classified per message; the rest is cut off (messages are chat-sized, this bounds the work). */
const MAX_TEXT = 10_000;

const now = () => new Date().toISOString();

function localeHint(metadata: Record<string, unknown> | undefined): string | undefined {
  const locale = metadata?.locale;
  return typeof locale === 'string' ? locale : undefined;
}

/**
 * Builds the sentiment agent's executor: for each message it publishes the task (WORKING), one artifact
 * `sentiment` with one data part `{ kind: 'sentiment', label, confidence, scores, locale, method }`, then
 * COMPLETED; no text parts. `cancelTask` publishes CANCELED.
 */
export function createSentimentExecutor(options: {
  classifier: SentimentClassifier;
  logger?: Logger;
}): AgentExecutor {
  const canceled = new Set<string>();
  // The context of each task in progress, so a CANCELED status names it.
  const contexts = new Map<string, string>();
  return {
    async execute(ctx, bus) {
      const message = ctx.userMessage;
      const text = message.parts
        .flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []))
        .join('\n')
        .slice(0, MAX_TEXT);
      const locale = localeHint(message.metadata) ?? localeHint(ctx.request.metadata);
      const base = { taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined };
      contexts.set(ctx.taskId, ctx.contextId);
      bus.publish(
        AgentEvent.task({
          id: ctx.taskId,
          contextId: ctx.contextId,
          status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now() },
          artifacts: [],
          history: [message],
          metadata: undefined,
        }),
      );
      const result = await options.classifier
        .classify(text, locale ? { locale } : {})
        .finally(() => contexts.delete(ctx.taskId));
      if (canceled.delete(ctx.taskId)) return;
      const annotation: SentimentAnnotation = { kind: 'sentiment', ...result };
      options.logger?.debug(
        { taskId: ctx.taskId, label: result.label, confidence: result.confidence, method: result.method },
        'classified',
      );
      bus.publish(
        AgentEvent.artifactUpdate({
          ...base,
          artifact: {
            artifactId: 'sentiment',
            name: 'sentiment',
            description: 'Sentiment of the shopper message',
            parts: [
              {
                content: { $case: 'data', value: annotation },
                metadata: undefined,
                filename: '',
                mediaType: 'application/json',
              },
            ],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
        }),
      );
      bus.publish(
        AgentEvent.statusUpdate({
          ...base,
          status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: now() },
        }),
      );
    },
    async cancelTask(taskId, bus) {
      // Only a task still being classified can be canceled; the set never keeps ids of tasks that are over.
      if (contexts.has(taskId)) canceled.add(taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: contexts.get(taskId) ?? '',
          status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() },
          metadata: undefined,
        }),
      );
    },
  };
}

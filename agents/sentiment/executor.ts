import type { AgentExecutor } from '@a2a-js/sdk/server';
import type { Logger } from '../runtime/index.js';
import { type ArtifactLabel, createRunningTasks, createTaskReply } from '../runtime/task-reply.js';
import type { SentimentClassifier, SentimentResult } from './sentiment.js';

/** The value of the single data part of the `sentiment` artifact, as the orchestrator reads it. */
export type SentimentAnnotation = { kind: 'sentiment' } & SentimentResult;

/** Longest text classified per message; the rest is cut off (messages are chat-sized, this bounds the work). */
const MAX_TEXT = 10_000;

const SENTIMENT_ARTIFACT: ArtifactLabel = {
  id: 'sentiment',
  description: 'Sentiment of the shopper message',
};

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
  const now = () => new Date();
  const running = createRunningTasks(now);
  return {
    async execute(ctx, bus) {
      const message = ctx.userMessage;
      const text = message.parts
        .flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []))
        .join('\n')
        .slice(0, MAX_TEXT);
      const locale = localeHint(message.metadata) ?? localeHint(ctx.request.metadata);
      const execution = running.start(ctx);
      const reply = createTaskReply({ context: ctx, bus, now, signal: execution.signal });
      try {
        reply.start();
        const result = await options.classifier.classify(text, locale ? { locale } : {});
        if (execution.signal.aborted) return;
        const annotation: SentimentAnnotation = { kind: 'sentiment', ...result };
        options.logger?.debug(
          { taskId: ctx.taskId, label: result.label, confidence: result.confidence, method: result.method },
          'classified',
        );
        reply.data([annotation], { artifact: SENTIMENT_ARTIFACT });
        reply.complete();
      } finally {
        execution.finish();
      }
    },
    async cancelTask(taskId, bus) {
      running.cancel(taskId, bus);
    },
  };
}

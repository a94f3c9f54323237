import type OpenAI from 'openai';
import type { Tone } from './answer.js';
import type { FaqEntry } from './knowledge-base.js';
import type { Locale } from './locale.js';

/** A streaming chat model: the seam between the assistant and any LLM (OpenAI-compatible, Ollama, fakes). */
export interface ChatModel {
  /** Streams the reply's text deltas; MUST stop and reject when `signal` aborts. */
  stream(input: { system: string; user: string; signal?: AbortSignal }): AsyncIterable<string>;
}

/** Options of {@link createOpenAIChatModel}. */
export interface OpenAIChatModelOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  apiKey: string;
  model: string;
  /** Limit on one whole request, in ms; the caller's signal may end it sooner. */
  timeoutMs: number;
  /** Retries after 5xx/429/connection errors; 0 when absent, since the assistant falls back to retrieval. */
  maxRetries?: number;
  /** Sampling temperature; 0.2 when absent, to keep answers close to the sources. */
  temperature?: number;
}

/** Builds a {@link ChatModel} on the Chat Completions API of any OpenAI-compatible server. */
export function createOpenAIChatModel({
  baseURL,
  apiKey,
  model,
  timeoutMs,
  maxRetries = 0,
  temperature = 0.2,
}: OpenAIChatModelOptions): ChatModel {
  // The SDK is loaded with the first question, not at start-up: an assistant without a model never needs it.
  let loading: Promise<OpenAI> | undefined;
  const connect = () =>
    (loading ??= import('openai').then(
      ({ default: OpenAIClient }) => new OpenAIClient({ baseURL, apiKey, timeout: timeoutMs, maxRetries }),
    ));
  return {
    async *stream({ system, user, signal }) {
      const client = await connect();
      const stream = await client.chat.completions.create(
        {
          model,
          stream: true,
          temperature,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: user },
          ],
        },
        { signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) yield delta;
      }
    },
  };
}

/** Options of {@link groundedPrompt}. */
export interface GroundedPromptOptions {
  question: string;
  /** The retrieved entries; the prompt MUST contain these and no others. */
  entries: readonly FaqEntry[];
  locale: Locale;
  /** 'negative' asks for a warm, brief tone; the apology itself is sent by the executor. */
  tone?: Tone | undefined;
  /** Recent turns of the conversation, for context (bounded by the conversation memory). */
  history?: readonly { question: string; answer: string }[];
}

/** Builds a prompt that restricts the model to the retrieved entries and asks it to cite their ids. */
export function groundedPrompt({ question, entries, locale, tone, history = [] }: GroundedPromptOptions): {
  system: string;
  user: string;
} {
  const lang = locale === 'en' ? 'en' : 'pt';
  const language = locale === 'en' ? 'English' : 'Brazilian Portuguese (pt-BR)';
  const sources = entries
    .map((entry) => `[${entry.id}]\nQ: ${entry.question[lang]}\nA: ${entry.answer[lang]}`)
    .join('\n\n');
  const rules = [
    "You are the customer-service assistant of a Brazilian online shop, answering in the shop's chat.",
    'Answer ONLY with facts stated in the SOURCES below. If they do not answer the question, say so briefly and offer to transfer the shopper to a human agent; never invent policies, prices, deadlines or links.',
    `Write in ${language}, in two to four short sentences, plain text without markdown.`,
    `End with one line "${locale === 'en' ? 'Sources' : 'Fontes'}: [id]" listing the ids of the sources you used.`,
  ];
  if (tone === 'negative') {
    rules.push(
      'The shopper is upset and has already received an apology: be warm and get straight to the solution.',
    );
  }
  if (history.length) {
    rules.push('Earlier turns of this conversation are given for context only; they are not sources.');
  }
  const earlier = history.map((t) => `Shopper: ${t.question}\nAssistant: ${t.answer}`).join('\n');
  const system = `${rules.join('\n')}\n\nSOURCES:\n${sources}${earlier ? `\n\nEARLIER TURNS:\n${earlier}` : ''}`;
  return { system, user: question };
}

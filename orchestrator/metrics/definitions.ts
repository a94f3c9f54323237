/**
 * What Atende measures, in words and in code. The chat log (`orchestrator/store`) is the only source: every
 * figure here is recomputed by SQL from `conversations`, `messages`, `agent_tasks`, `conversation_events` and
 * `conversation_ratings`, never from counters held in memory (Prometheus counters in `prometheus.ts` are for
 * live operations, not for these figures; its `atende_desk_*` gauges are this SQL over the last hour, at scrape).
 *
 * **First-response time of a message**: from the shopper message's `created_at` to the `first_token_at` of the
 * agent reply to it (`messages.reply_to`), i.e. to the first `delta` of agent text the shopper saw. A message
 * whose reply never showed agent text (failed before any, or still streaming) has no first-response time and
 * is left out of the percentiles; it is counted as `unanswered`.
 *
 * **First-response time of a conversation**: from the conversation's first shopper message to the first agent
 * text shown in it, whichever message that text answers. When the first message was answered this is its reply's
 * `first_token_at`.
 *
 * **Abandonment**: a conversation is *abandoned* when the shopper's LAST message got no agent answer before the
 * shopper left. The shopper left when they closed the chat (`closed_at`), or, if they never closed it, when
 * they had been idle for `idleMs` (default 5 minutes) — measured at query time from `last_activity_at`, the
 * leaving time then being `last_activity_at + idleMs`. "No agent answer" means no reply to that message has a
 * `first_token_at`, or its first token came after the shopper left. A conversation the shopper has not left yet
 * (open and active within `idleMs`) is *active*: neither abandoned nor completed, and outside the rate. A
 * conversation without any shopper message has nothing to abandon and is outside the rate too.
 * **Abandonment rate** = abandoned / ended, where ended = conversations with a shopper message that were left.
 *
 * **Messages a person holds**: once a conversation is handed to the human desk, the shopper's messages go to the
 * operator and no bot reply is opened for them. A shopper message written at or after the conversation's
 * `handoff_at` that has no agent reply at all is such a message: it is left out of the messages' and the
 * conversations' first-response figures and out of abandonment (it is neither answered nor unanswered by the
 * bots). A message after the conversation went back to the bot has a reply again and counts as usual.
 *
 * **Handoff offers** (`handoffOffers`): agent replies that offered the shopper a human operator (the `handoff`
 * annotation: the assistant's low-confidence answers), recorded in `messages.handoff_reason` (migration 0003),
 * by the reply's `created_at`. An offer is not a handoff: the shopper may not take it.
 *
 * **The human desk** (`desk`; migration 0006). A conversation is *handed off* in the range when its `handoff_at`
 * (when its latest handoff was requested) is in the range and its `handoff_state` is set and is not `failed` (the
 * desk could not take it: counted apart as `failedHandoffs`, outside every other desk figure). Only the latest
 * handoff of a conversation counts, and only its `handoff` events (those at or after `handoff_at`).
 * - **Handoff rate** = conversations handed off ÷ conversations with a shopper message (the latter by the
 *   conversation's `created_at`, as everywhere else); **by reason**: the handoffs counted by `handoff_reason`
 *   (`asked_for_human`, `low_confidence`, `negative_sentiment`, `agent_failed`; anything else or none: `other`).
 * - **Time to a human** (queue wait): from the handoff's first `queued` event (its `requested` event when it was
 *   never queued) to its first `assigned` event; p50/p95 over the handoffs that reached a person (`assigned`).
 *   **Waiting**: handoffs still `requested` or `queued` whose shopper has not left (see Abandonment).
 * - **Human first-response time**: from the `assigned` event to the first operator message (`author =
 *   'operator'`) created at or after it; p50/p95 over the assigned handoffs an operator wrote in.
 * - **Bot resolution rate** = conversations ended, never handed off (`handoff_state` null) and not abandoned ÷
 *   conversations ended (ended and abandoned as above; a not-abandoned conversation had its last message answered).
 * - **Abandonment while waiting for a human** = handoffs the shopper left before a person took them (the desk
 *   recorded `abandoned` and no `assigned` event; or the conversation is still `requested`/`queued` and the
 *   shopper closed it or went idle) ÷ handoffs *settled*: in a final state (`resolved`, `returned_to_bot`,
 *   `offline`, `abandoned`) or left by the shopper whatever the state. The leaving rule is the one of Abandonment
 *   (closed, or idle for `idleMs` since `last_activity_at`): a shopper who waits in the queue longer than
 *   `idleMs` without writing counts as gone.
 * - **Human resolution rate** = handoffs in state `resolved` (a person resolved them) ÷ handoffs settled (as above).
 * - **CSAT**: ratings (`conversation_ratings`, score 1–5) by their `created_at`: the average score (two decimals)
 *   and the count, in all and by `resolved_by` (`bot`, `human`).
 *
 * **Per agent** (rows of `agent_tasks` started in the range): tasks; task latency = `started_at` → `ended_at`
 * (p50/p95); time to first event = `started_at` → `first_event_at` (p50/p95); failures = tasks whose outcome is
 * not `completed` (failed, timeout, canceled, refused, unavailable); timeouts = outcome `timeout`.
 *
 * **Answered but not found** (`messages.notFound`): an answered message whose reply carries a `confidence`
 * annotation of level `low` — the assistant said it found nothing it trusts. It stays in `answered` (the shopper saw
 * text) and in the first-response figures; the dashboard shows it apart.
 *
 * **Unanswered questions** (`unansweredQuestions`): the shopper messages of the range the bots were to answer (a
 * message a person holds is not) that went unanswered or were answered but not found; their texts are clustered by
 * `normaliseQuestion` (`questions.ts`: lower case, no accents or punctuation, Portuguese and English stop words
 * dropped, words sorted). The clusters' counts add up to `unanswered + notFound` (of the 2,000 most frequent texts).
 *
 * **Sentiment**: the `sentiment` annotation of the reply to a shopper message is that message's tone, counted by the
 * message's `created_at`. The tone of a message a person holds is an event, not on a reply, and is not counted.
 *
 * **Topic**: the FAQ entries (`citations` `{id, title}`) the reply to an answered message cited, each entry counted
 * once per message; `uncited` answered messages cited none. **Language**: the conversation's `locale`.
 *
 * Time ranges are half-open `[from, to)`: messages by their `created_at`, conversations by their `created_at`
 * (a conversation belongs to the range it started in, all its messages count), agent tasks by `started_at`,
 * handoffs by `handoff_at`, ratings by their `created_at`.
 */

/** SQL: a reply's `annotations` hold a low-confidence annotation ("answered but not found"). */
export const LOW_CONFIDENCE_SQL = `'[{"kind":"confidence","data":{"level":"low"}}]'::jsonb`;

/** Default idle time after which a shopper who did not close the chat is taken to have left: 5 minutes. */
export const DEFAULT_IDLE_MS = 5 * 60_000;

/** The reasons the desk figures count handoffs by (the desk's own list); any other reason is counted as `other`. */
export { HANDOFF_REASONS, type HandoffReason } from '../../agents/desk/reasons.js';

/** Percentiles reported for first-response time and agent latency. */
export const PERCENTILES = [0.5, 0.95, 0.99] as const;

/**
 * Upper bounds (ms) of the first-response histogram's bins; a last, open bin holds everything slower. Chosen
 * around the goals: p95 < 500 ms (ours), < 30 s (the seed's).
 */
export const HISTOGRAM_BOUNDS_MS = [50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10_000, 30_000] as const;

/** How a shopper left, or that they have not (yet). */
export type LeftBy = 'closed' | 'idle' | 'active';

/**
 * The abandonment rule on one conversation, in code (the SQL in `summary.ts` is its set-wise form; the tests
 * check both agree): returns whether the shopper left and whether the conversation counts as abandoned.
 */
export function judgeConversation(input: {
  /** When the shopper closed the chat, if they did. */
  closedAt: Date | null;
  lastActivityAt: Date;
  /** First token of an agent reply to the shopper's last message, if any; null when none showed text. */
  lastAnsweredAt: Date | null;
  /** Whether the conversation has any shopper message. */
  hasShopperMessage: boolean;
  now: Date;
  idleMs?: number;
}): { left: LeftBy; leftAt: Date | null; abandoned: boolean } {
  const idleMs = input.idleMs ?? DEFAULT_IDLE_MS;
  let left: LeftBy = 'active';
  let leftAt: Date | null = null;
  if (input.closedAt) {
    left = 'closed';
    leftAt = input.closedAt;
  } else if (input.now.getTime() - input.lastActivityAt.getTime() >= idleMs) {
    left = 'idle';
    leftAt = new Date(input.lastActivityAt.getTime() + idleMs);
  }
  const abandoned =
    input.hasShopperMessage &&
    leftAt !== null &&
    (input.lastAnsweredAt === null || input.lastAnsweredAt.getTime() > leftAt.getTime());
  return { left, leftAt, abandoned };
}

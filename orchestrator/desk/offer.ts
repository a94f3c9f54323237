import type { HandoffReason } from '../../agents/desk/protocol.js';

/** What a reply showed, for deciding whether to offer the shopper a person. */
export interface ReplySignals {
  /** The answering agent was not sure (or found nothing). */
  lowConfidence: boolean;
  /** The sentiment agent read the shopper's message as negative. */
  negative: boolean;
  /** The reply failed (an agent was down, timed out or failed). */
  failed: boolean;
  /** Whether the reply before this one was low-confidence too; asked only when this one is. */
  previousLowConfidence: () => Promise<boolean>;
}

/**
 * Why the shopper should be offered a person after this reply, or undefined: an agent failed; the shopper is
 * negative and the answer missed; or the answer was unsure twice in a row. One unsure answer alone is not enough —
 * the shopper may just rephrase. The offer is one tap away; only an explicit request hands over without it.
 */
export async function offerReason(signals: ReplySignals): Promise<HandoffReason | undefined> {
  if (signals.failed) return 'agent_failed';
  if (signals.negative && signals.lowConfidence) return 'negative_sentiment';
  if (signals.lowConfidence && (await signals.previousLowConfidence())) return 'low_confidence';
  return undefined;
}

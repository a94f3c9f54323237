// Why a conversation is handed to a person: the desk's contract (`protocol.ts`) and the metrics both name these.
// A module of its own, free of zod, so the pages that show them (the dashboard) bundle nothing else of the contract.

/** Why a conversation was handed to a person. */
export const HANDOFF_REASONS = [
  'asked_for_human',
  'low_confidence',
  'negative_sentiment',
  'agent_failed',
  'other',
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

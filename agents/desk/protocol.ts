import { z } from 'zod';
import { HANDOFF_REASONS } from './reasons.js';

// The human desk's A2A contract: what the orchestrator puts in the data parts of the messages it sends to the
// desk, and what the desk puts in its tasks' data parts, status metadata and task metadata. Both sides validate
// against these schemas; nothing else about the desk's data crosses the wire.
//
// Skill `human-handoff` (scope `desk:handoff`, every role): the shopper's side.
// - A new task carries a `HandoffRequest` data part (and the shopper's last words as text). The task stays WORKING
//   while it waits and while a person handles it; INPUT_REQUIRED when the operator's last message waits for the
//   shopper. Each operator message is an artifact update (`OperatorMessage` data part plus its text). Resolving
//   ends it COMPLETED with state `resolved`; giving it back to the bot ends it COMPLETED with `returned_to_bot`;
//   outside business hours or with no operator online it ends REJECTED with state `offline` at once. A canceled
//   task (the shopper closed the chat) ends CANCELED with state `abandoned` when nobody had taken it yet.
// - A follow-up message in the same task (same taskId and contextId) carries a `ShopperMessage` data part and the
//   shopper's text: it goes to the operator.
// - A new task with an `OfflineMessageRequest` data part stores a message for the team and completes at once with
//   an `OfflineMessageStored` data part.
// Every status update of a handoff task and the task's own `metadata` carry `{ handoff: HandoffState }`.
//
// Skill `desk-operator` (scope `desk:operate`, operators and admins): one `OperatorAction` data part per task, with
// the operator named by the service token's subject; it ends COMPLETED with an `OperatorResult` data part, or
// REJECTED with a `DeskError` data part.

/** Tag of the skill conversations are handed to; the router never sends a shopper's question there. */
export const HANDOFF_TAG = 'handoff';
/** Tag of the operators' skill; staff-only, never routed to. */
export const STAFF_TAG = 'staff';
export const HANDOFF_SKILL = 'human-handoff';
export const OPERATOR_SKILL = 'desk-operator';
/** Metadata key of the desk's data on status updates and tasks. */
export const HANDOFF_METADATA_KEY = 'handoff';

const Language = z.enum(['pt-BR', 'en']);
const Role = z.enum(['guest', 'customer', 'premium', 'operator', 'admin']);
const Text = z.string().min(1).max(4_000);
const Id = z.string().min(1).max(200);

/** Why a conversation was handed to a person. */
export { HANDOFF_REASONS, type HandoffReason } from './reasons.js';
export const HandoffReasonSchema = z.enum(HANDOFF_REASONS);

/** One line of the conversation before the handoff, for the operator to read. */
export const TranscriptLineSchema = z.object({
  author: z.enum(['shopper', 'agent', 'operator', 'system']),
  text: z.string().max(8_000),
  at: z.string(),
});
export type TranscriptLine = z.infer<typeof TranscriptLineSchema>;

/** The shopper's tone, as the sentiment agent last classified it. */
export const SentimentSchema = z.object({
  label: z.enum(['negative', 'neutral', 'positive']),
  confidence: z.number().min(0).max(1),
});

/** The data part of a new `human-handoff` task. */
export const HandoffRequestSchema = z.object({
  kind: z.literal('handoff_request'),
  conversationId: Id,
  shopper: z.object({ subject: Id, role: Role, name: z.string().max(200).optional() }),
  language: Language,
  reason: HandoffReasonSchema,
  sentiment: SentimentSchema.optional(),
  /** What the conversation is about, e.g. the skill or FAQ entry that last answered. */
  topic: z.string().max(200).optional(),
  transcript: z.array(TranscriptLineSchema).max(200),
});
export type HandoffRequest = z.infer<typeof HandoffRequestSchema>;

/** The data part of a follow-up message in a `human-handoff` task: the shopper wrote to the operator. */
export const ShopperMessageSchema = z.object({
  kind: z.literal('shopper_message'),
  /** The orchestrator's id of the stored message. */
  messageId: Id,
  sentiment: SentimentSchema.optional(),
});
export type ShopperMessage = z.infer<typeof ShopperMessageSchema>;

/** The data part of a new `human-handoff` task that leaves a message for the team (a ticket). */
export const OfflineMessageRequestSchema = z.object({
  kind: z.literal('offline_message'),
  conversationId: Id.optional(),
  email: z.email().max(254),
  text: Text,
  language: Language,
  shopper: z.object({ subject: Id, role: Role }),
});
export type OfflineMessageRequest = z.infer<typeof OfflineMessageRequestSchema>;

export const OfflineMessageStoredSchema = z.object({ kind: z.literal('offline_message_stored'), id: Id });

/** A person of the desk, as shoppers see them (first name only) and operators see each other. */
export const OperatorRefSchema = z.object({ id: Id, name: z.string().min(1).max(200) });
export type OperatorRef = z.infer<typeof OperatorRefSchema>;

/** Where a handoff is. `offline`: nobody could take it (closed hours, no operator online). */
export const HANDOFF_STATES = [
  'queued',
  'assigned',
  'resolved',
  'returned_to_bot',
  'offline',
  'abandoned',
] as const;
export const HandoffStateNameSchema = z.enum(HANDOFF_STATES);
export type HandoffStateName = z.infer<typeof HandoffStateNameSchema>;

/** The desk's view of a handoff, on every status update and in the task's metadata. */
export const HandoffStateSchema = z.object({
  state: HandoffStateNameSchema,
  /** 1 for the next in line; only while queued. */
  position: z.number().int().positive().optional(),
  /** Estimated seconds until a person joins, from recent waits; only while queued. */
  estimatedWaitSec: z.number().int().nonnegative().optional(),
  /** Who holds it; only once assigned. */
  operator: OperatorRefSchema.optional(),
  /** For `offline`: why (`closed` outside business hours, `no_operator` when nobody is online). */
  offlineReason: z.enum(['closed', 'no_operator']).optional(),
});
export type HandoffState = z.infer<typeof HandoffStateSchema>;

/** The data part of an operator message artifact (its text is the artifact's text part). */
export const OperatorMessageSchema = z.object({
  kind: z.literal('operator_message'),
  /** Unique and stable: the orchestrator stores the message under this id, so a replayed artifact is stored once. */
  messageId: z.uuid(),
  operator: OperatorRefSchema,
  at: z.string(),
});
export type OperatorMessage = z.infer<typeof OperatorMessageSchema>;

/** A conversation as the operators' inbox lists it. */
export const DeskConversationSchema = z.object({
  conversationId: Id,
  taskId: Id,
  state: HandoffStateNameSchema,
  reason: HandoffReasonSchema,
  language: Language,
  shopper: z.object({ subject: Id, role: Role, name: z.string().optional() }),
  sentiment: SentimentSchema.optional(),
  topic: z.string().optional(),
  queuedAt: z.string(),
  /** Seconds waited so far (queued) or until assigned. */
  waitSec: z.number().int().nonnegative(),
  position: z.number().int().positive().optional(),
  operator: OperatorRefSchema.optional(),
  assignedAt: z.string().optional(),
  firstResponseAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** The last thing said, by anyone, for the list's preview. */
  lastMessage: z
    .object({ author: z.enum(['shopper', 'operator']), text: z.string(), at: z.string() })
    .optional(),
});
export type DeskConversation = z.infer<typeof DeskConversationSchema>;

/** A note operators write on a conversation; the shopper never sees it. */
export const NoteSchema = z.object({ id: Id, operator: OperatorRefSchema, text: z.string(), at: z.string() });
export type Note = z.infer<typeof NoteSchema>;

/** A message left for the team outside business hours (a ticket). */
export const OfflineTicketSchema = z.object({
  id: Id,
  conversationId: Id.optional(),
  email: z.string(),
  text: z.string(),
  language: Language,
  createdAt: z.string(),
  /** When an e-mail about it went out (only with an SMTP URL configured). */
  notifiedAt: z.string().optional(),
});
export type OfflineTicket = z.infer<typeof OfflineTicketSchema>;

/** A canned reply operators can search and insert: drawn from the FAQ entries, or `custom` (an admin's own). */
export const CannedReplySchema = z.object({
  id: Id,
  title: z.string(),
  text: z.string(),
  /** Written by an admin at the desk (deletable), not drawn from the FAQ. */
  custom: z.boolean().optional(),
});
export type CannedReply = z.infer<typeof CannedReplySchema>;

const ConversationRef = { conversationId: Id };

/** The data part of a `desk-operator` task: one action of the operator named by the token. */
export const OperatorActionSchema = z.discriminatedUnion('action', [
  /** Lists conversations: `waiting` (queued), `mine` (held by the caller), `all` (every open and recent one). */
  z.object({ action: z.literal('list'), state: z.enum(['waiting', 'mine', 'all']) }),
  /** One conversation with its transcript, its operator messages and notes. */
  z.object({ action: z.literal('get'), ...ConversationRef }),
  /** Takes a queued conversation; refused with `already_claimed` when someone else holds it. */
  z.object({ action: z.literal('claim'), ...ConversationRef }),
  /** Writes to the shopper, or an internal note when `internal`. */
  z.object({
    action: z.literal('message'),
    ...ConversationRef,
    text: Text,
    internal: z.boolean().default(false),
  }),
  z.object({ action: z.literal('transfer'), ...ConversationRef, operatorId: Id }),
  z.object({ action: z.literal('return_to_bot'), ...ConversationRef }),
  z.object({ action: z.literal('resolve'), ...ConversationRef }),
  /** Sets the caller's presence; `name` is the first name shoppers see. */
  z.object({
    action: z.literal('presence'),
    status: z.enum(['online', 'away']),
    name: z.string().min(1).max(200),
  }),
  /** The operators and their presence and load. */
  z.object({ action: z.literal('operators') }),
  z.object({ action: z.literal('offline_messages') }),
  z.object({ action: z.literal('canned_replies'), query: z.string().max(200).default('') }),
  /** The desk's settings: business hours, time zone (an admin's override, else the configuration), assignment. */
  z.object({ action: z.literal('settings') }),
  /** Admins only: overrides the business hours (the `DESK_HOURS` grammar) and/or the IANA time zone. */
  z.object({
    action: z.literal('update_settings'),
    hours: z.string().trim().min(1).max(500).optional(),
    timeZone: z.string().trim().min(1).max(100).optional(),
  }),
  /** Admins only: adds a custom canned reply. */
  z.object({
    action: z.literal('add_canned_reply'),
    title: z.string().trim().min(1).max(200),
    text: Text,
  }),
  /** Admins only: deletes a custom canned reply (FAQ-drawn ones cannot be deleted). */
  z.object({ action: z.literal('delete_canned_reply'), id: Id }),
]);
export type OperatorAction = z.infer<typeof OperatorActionSchema>;

/** A desk operator with their presence. */
export const OperatorStatusSchema = OperatorRefSchema.extend({
  status: z.enum(['online', 'away', 'offline']),
  activeChats: z.number().int().nonnegative(),
  maxChats: z.number().int().positive(),
});
export type OperatorStatus = z.infer<typeof OperatorStatusSchema>;

const ClockTime = z.string().regex(/^\d{2}:\d{2}$/);

/** The desk's settings (`DESK_HOURS`, `DESK_TIME_ZONE`, `DESK_ASSIGNMENT`, …) as the `settings` action reads them. */
export const DeskSettingsSchema = z.object({
  /** `always`, or the opening ranges: weekdays (0 = Sunday) and `HH:MM` times, `from` included, `to` excluded. */
  hours: z.union([
    z.object({ always: z.literal(true) }),
    z.object({
      always: z.literal(false),
      ranges: z.array(
        z.object({ days: z.array(z.number().int().min(0).max(6)), from: ClockTime, to: ClockTime }),
      ),
    }),
  ]),
  /** The same hours in the `DESK_HOURS` grammar, e.g. `mon-fri 09:00-18:00; sat 09:00-13:00`, for editing. */
  hoursSpec: z.string(),
  /** The IANA zone the hours are read in, e.g. `America/Sao_Paulo`. */
  timeZone: z.string().min(1),
  /** Whether an admin overrode the configured hours or time zone. */
  overridden: z.boolean(),
  assignment: z.enum(['claim', 'round-robin']),
  maxChatsPerOperator: z.number().int().positive(),
  /** Whether the desk is open now, by its hours (operators online or not). */
  openNow: z.boolean(),
});
export type DeskSettings = z.infer<typeof DeskSettingsSchema>;

/** The data part a completed `desk-operator` task ends with, by action. */
export const OperatorResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('conversations'), conversations: z.array(DeskConversationSchema) }),
  z.object({
    kind: z.literal('conversation'),
    conversation: DeskConversationSchema,
    transcript: z.array(TranscriptLineSchema),
    /** Everything said since the handoff, in order. */
    messages: z.array(
      z.object({
        id: Id,
        author: z.enum(['shopper', 'operator']),
        text: z.string(),
        at: z.string(),
        operator: OperatorRefSchema.optional(),
      }),
    ),
    notes: z.array(NoteSchema),
  }),
  z.object({ kind: z.literal('note'), note: NoteSchema }),
  z.object({ kind: z.literal('sent'), messageId: z.uuid() }),
  z.object({ kind: z.literal('operators'), operators: z.array(OperatorStatusSchema) }),
  z.object({ kind: z.literal('offline_messages'), tickets: z.array(OfflineTicketSchema) }),
  z.object({ kind: z.literal('canned_replies'), replies: z.array(CannedReplySchema) }),
  z.object({ kind: z.literal('settings'), settings: DeskSettingsSchema }),
  z.object({ kind: z.literal('canned_reply'), reply: CannedReplySchema }),
  z.object({ kind: z.literal('deleted'), id: Id }),
]);
export type OperatorResult = z.infer<typeof OperatorResultSchema>;

/** Why the desk refused an operator action (the task ends REJECTED with this data part). */
export const DESK_ERROR_CODES = [
  'invalid_action',
  'conversation_not_found',
  'already_claimed',
  'not_yours',
  'conversation_ended',
  'operator_not_found',
  'operator_full',
  /** The action is for admins only. */
  'forbidden',
  /** A setting's value was refused (the message names the problem). */
  'invalid_settings',
  'canned_reply_not_found',
  /** A canned reply drawn from the FAQ: change the FAQ instead. */
  'canned_reply_not_deletable',
] as const;
export const DeskErrorSchema = z.object({
  kind: z.literal('desk_error'),
  code: z.enum(DESK_ERROR_CODES),
  message: z.string(),
});
export type DeskError = z.infer<typeof DeskErrorSchema>;

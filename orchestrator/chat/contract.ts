import { z } from 'zod';

// The one contract of what crosses a wire between the orchestrator and the pages: the chat reply events of
// `POST /api/chat/messages`, the conversation events of `GET /api/conversations/:id/events`, every annotation
// kind, and the error codes a client reacts to. The orchestrator validates what agents send against these schemas;
// the widget and the inspector import the types from here (type-only imports: no zod in their bundles).

// --- annotations -------------------------------------------------------------------------------------------------

/** A FAQ entry an answer was drawn from; `url`, when present, is its help-centre page and MUST be https. */
export const CitationSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  url: z.url({ protocol: /^https$/ }).optional(),
});
export type Citation = z.infer<typeof CitationSchema>;

/** An order as shown to its owner (agents/orders `toOrderView`); fields beyond these are kept as sent. */
export const OrderViewSchema = z.looseObject({
  number: z.string().min(1),
  status: z.string().min(1),
  statusLabel: z.string().optional(),
  items: z.array(z.looseObject({ name: z.string(), quantity: z.number(), unitPrice: z.number() })).optional(),
  total: z.number().optional(),
  estimatedDelivery: z.string().optional(),
  deliveredAt: z.string().optional(),
  tracking: z.looseObject({ carrier: z.string(), code: z.string(), url: z.string().optional() }).optional(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

/** A premium offer as shown to the shopper (agents/promotions `toOfferView`). */
export const OfferViewSchema = z.looseObject({
  id: z.string().optional(),
  title: z.string().min(1),
  description: z.string().optional(),
  code: z.string().optional(),
  discount: z.looseObject({ label: z.string().optional() }).optional(),
  validUntil: z.string().optional(),
  conditions: z.array(z.string()).optional(),
});
export type OfferView = z.infer<typeof OfferViewSchema>;

const SentimentLabelSchema = z.enum(['negative', 'neutral', 'positive']);

/** The data of each annotation kind, by kind. */
export const ANNOTATION_DATA = {
  /** Sources of the answer. */
  citations: z.array(CitationSchema),
  /** How sure the answering agent is; `low` comes with a hand-off offer. */
  confidence: z.object({ level: z.enum(['high', 'middle', 'low']), confidence: z.number().min(0).max(1) }),
  /** The shopper's tone, from the sentiment agent. */
  sentiment: z.looseObject({ label: SentimentLabelSchema, confidence: z.number().min(0).max(1) }),
  /** One of the signed-in shopper's orders. */
  order: z.looseObject({ order: OrderViewSchema }),
  /** One premium offer. */
  offer: z.looseObject({ offer: OfferViewSchema }),
  /** An offer to talk to a person, and why. */
  handoff: z.looseObject({ reason: z.string().min(1) }),
  /** The question needs a signed-in shopper. */
  sign_in_required: z.looseObject({ skill: z.string().optional() }),
  /** The shopper's role may not use the skill the question needs. */
  not_available: z.looseObject({ skill: z.string().optional() }),
  /** The agent answered with less than usual because something behind it failed. */
  degraded: z.looseObject({ reason: z.string().min(1) }),
} as const;

/** The kinds of annotation a reply may carry. */
export type AnnotationKind = keyof typeof ANNOTATION_DATA;
export const ANNOTATION_KINDS = Object.keys(ANNOTATION_DATA) as AnnotationKind[];

/** What a reply shows besides text, as sent to the page: the agent that sent it, its kind and its data. */
export const AnnotationSchema = z.discriminatedUnion(
  'kind',
  ANNOTATION_KINDS.map((kind) =>
    z.object({ agent: z.string().min(1), kind: z.literal(kind), data: ANNOTATION_DATA[kind] }),
  ) as unknown as [AnnotationOf<'citations'>, ...AnnotationOf<AnnotationKind>[]],
);
type AnnotationOf<K extends AnnotationKind> = z.ZodObject<{
  agent: z.ZodString;
  kind: z.ZodLiteral<K>;
  data: (typeof ANNOTATION_DATA)[K];
}>;
export type Annotation = {
  [K in AnnotationKind]: { agent: string; kind: K; data: z.infer<(typeof ANNOTATION_DATA)[K]> };
}[AnnotationKind];

/** Parses one annotation; undefined (with the reason) when its kind is unknown or its data does not fit the kind. */
export function parseAnnotation(
  value: unknown,
): { ok: true; annotation: Annotation } | { ok: false; reason: string } {
  const result = AnnotationSchema.safeParse(value);
  return result.success
    ? { ok: true, annotation: result.data as Annotation }
    : { ok: false, reason: z.prettifyError(result.error) };
}

// --- error codes -------------------------------------------------------------------------------------------------

/** Codes of the `error` event that ends a reply that was not answered. */
export const REPLY_ERROR_CODES = [
  'agents_unavailable',
  'agent_unavailable',
  'agent_timeout',
  'agent_failed',
  'agent_refused',
  'agent_canceled',
] as const;
export const ReplyErrorCodeSchema = z.enum(REPLY_ERROR_CODES);
export type ReplyErrorCode = z.infer<typeof ReplyErrorCodeSchema>;

/** Codes of the HTTP API's `{ code, message, requestId }` errors that a client may react to. */
export const API_ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'text_too_long',
  'unauthorized',
  'forbidden',
  'conversation_not_found',
  'already_claimed',
  'not_yours',
  'conversation_ended',
  'already_rated',
  'desk_unavailable',
  'rate_limited',
  'too_many_streams',
  'database_unavailable',
  'origin_not_allowed',
  'body_too_large',
  'not_found',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The body of every HTTP API error. */
export const ApiErrorBodySchema = z.object({ code: z.string(), message: z.string(), requestId: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

// --- the reply stream of POST /api/chat/messages -----------------------------------------------------------------

/** Events of a streamed chat reply, as `POST /api/chat/messages` sends them (SSE `event:` name and JSON data). */
export const ChatEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('conversation'),
    data: z.object({ conversationId: z.string(), messageId: z.string() }),
  }),
  z.object({ event: z.literal('delta'), data: z.object({ agent: z.string(), text: z.string() }) }),
  z.object({ event: z.literal('annotation'), data: AnnotationSchema }),
  z.object({
    event: z.literal('done'),
    data: z.object({ messageId: z.string(), firstTokenMs: z.number().nullable() }),
  }),
  z.object({
    event: z.literal('error'),
    data: z.object({ code: ReplyErrorCodeSchema, message: z.string() }),
  }),
]);
export type ChatEvent =
  | { event: 'conversation'; data: { conversationId: string; messageId: string } }
  | { event: 'delta'; data: { agent: string; text: string } }
  | { event: 'annotation'; data: Annotation }
  | { event: 'done'; data: { messageId: string; firstTokenMs: number | null } }
  | { event: 'error'; data: { code: ReplyErrorCode; message: string } };

// --- the history of GET /api/conversations/:id/messages --------------------------------------------------------

/** One stored message of a conversation, as the history lists it. */
export const HistoryMessageSchema = z.object({
  id: z.string(),
  author: z.enum(['shopper', 'agent', 'system', 'operator']),
  text: z.string(),
  status: z.enum(['received', 'streaming', 'answered', 'failed']),
  createdAt: z.string(),
  citations: z.array(CitationSchema),
  /** What the reply showed besides text, as sent to the page. */
  annotations: z.array(AnnotationSchema),
});
export type HistoryMessage = Omit<z.infer<typeof HistoryMessageSchema>, 'annotations'> & {
  annotations: Annotation[];
};

/** The answer of `GET /api/conversations/:id/messages`. */
export interface HistoryResponse {
  conversationId: string;
  messages: HistoryMessage[];
}

// --- the conversation event log ----------------------------------------------------------------------------------

/** Who wrote an event: the shopper, the orchestrator itself (`system`), or an agent by its card's name. */
export const EventAuthorSchema = z.string().min(1).max(200);

/** A message of the conversation, complete: a shopper's message, or an agent reply as it ended. */
export const MessageEventDataSchema = z.object({
  messageId: z.string(),
  role: z.enum(['shopper', 'agent', 'operator']),
  text: z.string(),
  /** For a reply, the shopper message it answers. */
  replyTo: z.string().nullable(),
  status: z.enum(['received', 'answered', 'failed']),
  agents: z.array(z.string()),
  citations: z.array(CitationSchema),
  annotations: z.array(AnnotationSchema),
  errorCode: z.string().nullable(),
  /** For an operator's message: who wrote it (first name as shoppers see it). */
  operator: z.object({ id: z.string(), name: z.string() }).optional(),
});

/** A piece of a reply's text as it streams; consecutive pieces of one reply are coalesced into one event. */
export const DeltaEventDataSchema = z.object({ messageId: z.string(), agent: z.string(), text: z.string() });

/** An annotation of a reply. */
export const AnnotationEventDataSchema = z.object({ messageId: z.string(), annotation: AnnotationSchema });

/** The states a reply or the conversation moves through. */
export const STATUS_STATES = ['reply_started', 'answered', 'failed', 'canceled', 'closed'] as const;
export const StatusEventDataSchema = z.object({
  state: z.enum(STATUS_STATES),
  /** The reply the status is about; absent for the conversation's own (`closed`). */
  messageId: z.string().optional(),
  /** For `reply_started`: the shopper message being answered. */
  replyTo: z.string().optional(),
  /** For `answered`: ms from the shopper's message to the reply's first text, when it had text. */
  firstTokenMs: z.number().nullable().optional(),
  /** For `failed` and `canceled`: a reply error code and the polite text said. */
  code: ReplyErrorCodeSchema.optional(),
  message: z.string().optional(),
  /** For `closed`: why. */
  reason: z.string().optional(),
});

/** Room for older desk kinds (queued, assigned): data is kind-specific. */
const DeskEventDataSchema = z.record(z.string(), z.unknown());

/** Where the conversation's handoff to a person is (the human desk's task, as the orchestrator follows it). */
export const HANDOFF_EVENT_STATES = [
  'requested',
  'queued',
  'assigned',
  'resolved',
  'returned_to_bot',
  'offline',
  'abandoned',
  'failed',
] as const;
export const HandoffEventDataSchema = z.object({
  state: z.enum(HANDOFF_EVENT_STATES),
  /** Why the conversation was handed over (`asked_for_human`, `low_confidence`…). */
  reason: z.string().optional(),
  /** While queued: 1 for the next in line, and the estimated wait. */
  position: z.number().int().positive().optional(),
  estimatedWaitSec: z.number().int().nonnegative().optional(),
  /** Once assigned: who holds it (first name). */
  operator: z.object({ id: z.string(), name: z.string() }).optional(),
  /** For `offline`: why nobody can take it now (`closed`, `no_operator`), and leaving a message is offered. */
  offlineReason: z.string().optional(),
});
export type HandoffEventData = z.infer<typeof HandoffEventDataSchema>;

/** Someone is typing: the shopper (seen by the operator) or the operator (seen by the shopper). */
export const TypingEventDataSchema = z.object({
  role: z.enum(['shopper', 'operator']),
  name: z.string().optional(),
});

/** The data of each conversation event kind, by kind. */
export const CONVERSATION_EVENT_DATA = {
  message: MessageEventDataSchema,
  delta: DeltaEventDataSchema,
  annotation: AnnotationEventDataSchema,
  status: StatusEventDataSchema,
  handoff: HandoffEventDataSchema,
  queued: DeskEventDataSchema,
  assigned: DeskEventDataSchema,
  typing: TypingEventDataSchema,
} as const;
export type ConversationEventKind = keyof typeof CONVERSATION_EVENT_DATA;
export const CONVERSATION_EVENT_KINDS = Object.keys(CONVERSATION_EVENT_DATA) as ConversationEventKind[];

/** The data of each conversation event kind (annotations typed by their kind). */
export interface ConversationEventData {
  message: Omit<z.infer<typeof MessageEventDataSchema>, 'annotations'> & { annotations: Annotation[] };
  delta: z.infer<typeof DeltaEventDataSchema>;
  annotation: { messageId: string; annotation: Annotation };
  status: z.infer<typeof StatusEventDataSchema>;
  handoff: HandoffEventData;
  queued: Record<string, unknown>;
  assigned: Record<string, unknown>;
  typing: z.infer<typeof TypingEventDataSchema>;
}

/** An event to append to a conversation (the log gives it its id and time). */
export type NewConversationEvent = {
  [K in ConversationEventKind]: { kind: K; author: string; data: ConversationEventData[K] };
}[ConversationEventKind];

/**
 * One stored event of a conversation. `id` is the event's position in its conversation (1, 2, 3…, no gaps): it is
 * the SSE `id:` a reader resumes from with `Last-Event-ID`.
 */
export type ConversationEvent = NewConversationEvent & { id: number; conversationId: string; at: string };

/** The schema of a stored conversation event, as `GET /api/conversations/:id/events` sends it in each SSE `data:`. */
export const ConversationEventSchema = z.discriminatedUnion(
  'kind',
  CONVERSATION_EVENT_KINDS.map((kind) =>
    z.object({
      id: z.number().int().positive(),
      conversationId: z.string(),
      at: z.string(),
      kind: z.literal(kind),
      author: EventAuthorSchema,
      data: CONVERSATION_EVENT_DATA[kind],
    }),
  ) as unknown as [z.ZodObject<z.ZodRawShape>, ...z.ZodObject<z.ZodRawShape>[]],
);

import type {
  Annotation,
  Citation,
  ConversationEvent,
  HandoffEventData,
  OfferView,
  OrderView,
} from '../../../orchestrator/chat/contract.js';
import type { HistoryMessage } from './api.js';
import type { Strings } from './i18n.js';

/** A card shown under an agent's message, from one annotation. */
export type Card =
  | { type: 'order'; order: OrderView }
  | { type: 'offer'; offer: OfferView }
  | { type: 'handoff'; reason?: string }
  | { type: 'sign_in' }
  | { type: 'info'; text: keyof Strings };

/** One message as the widget shows it. */
export interface ChatMessage {
  key: number;
  /** The orchestrator's id of the message, once known. */
  id?: string;
  /** `operator`: a person of the shop's team; `notice`: a line about the handoff (who joined, the queue). */
  author: 'shopper' | 'agent' | 'operator' | 'notice';
  text: string;
  /** For an operator's message: the name the shopper sees. */
  operatorName?: string;
  /** For a notice: the handoff's state it tells about. */
  handoff?: HandoffEventData;
  /** The orchestrator's time of the message (ms), when known: notices are placed by it. */
  at?: number;
  status: 'streaming' | 'done' | 'failed';
  citations: Citation[];
  cards: Card[];
  /** For a reply: the shopper message it answers, once known. */
  replyTo?: string;
  /**
   * For a reply being written by this widget's own `POST /api/chat/messages`: that stream writes it, and the
   * conversation's events only build {@link ChatMessage.shadow}, so the text is never shown twice.
   */
  viaPost?: boolean;
  /**
   * The reply as the conversation's events have it so far, while something else is shown: the POST's text, or,
   * after the POST dropped, that text until the events have caught up with it.
   */
  shadow?: ChatMessage;
  /** For a shopper message that never reached the orchestrator: send it again. */
  retry?: boolean;
}

/** What applying a conversation event did. */
export interface Applied {
  /** The view changed: render again. */
  changed: boolean;
  /** A reply or an operator's message that is now complete, to announce. */
  ended?: ChatMessage;
  /** The conversation was closed: stop following it. */
  closed?: boolean;
  /** The handoff to a person moved on (the event's data and time). */
  handoff?: { data: HandoffEventData; at: string };
  /** Someone is typing. */
  typing?: { role: 'shopper' | 'operator'; name?: string };
}

let nextKey = 1;

/** A new message with no orchestrator id yet. */
export function localMessage(
  author: ChatMessage['author'],
  text: string,
  status: ChatMessage['status'],
): ChatMessage {
  return { key: nextKey++, author, text, status, citations: [], cards: [] };
}

/**
 * The messages of the widget's conversation, kept in step with the conversation's events. Rules:
 * - a message is known by its orchestrator id; an event for a message already shown updates it in place;
 * - a reply this widget's POST is streaming ({@link ChatMessage.viaPost}) is written by the POST only: its events
 *   only fill its shadow; when the POST drops ({@link Transcript.takeOver}) the shadow is shown as soon as it has
 *   as much text as the POST had shown (or has ended), and the events write the reply from then on;
 * - deltas and annotations only extend a reply that is still streaming, so replaying old events adds nothing;
 * - a complete `message` event replaces whatever text was accumulated for its message.
 */
export class Transcript {
  messages: ChatMessage[] = [];
  /** Messages written before this (ms) are older than the history shown: their events are not added. */
  #since = Number.NEGATIVE_INFINITY;

  /** Starts over with `messages` (a loaded history, or none); `since` is the time of the oldest one shown. */
  reset(messages: ChatMessage[] = [], since?: string) {
    this.messages = messages;
    const time = since ? Date.parse(since) : Number.NaN;
    this.#since = Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
  }

  /** Adds a shopper message and the reply the POST will stream into. */
  ask(text: string): { shopper: ChatMessage; reply: ChatMessage } {
    const shopper = localMessage('shopper', text, 'done');
    const reply = { ...localMessage('agent', '', 'streaming'), viaPost: true };
    this.messages = [...this.messages, shopper, reply];
    return { shopper, reply };
  }

  /** Takes a message off the view. */
  remove(message: ChatMessage) {
    this.messages = this.messages.filter((m) => m !== message);
  }

  /** The POST's `conversation` event: the shopper message's id, which its reply answers. */
  stored(shopper: ChatMessage, reply: ChatMessage, messageId: string) {
    shopper.id = messageId;
    reply.replyTo = messageId;
  }

  /** The POST is done with `reply` (ended, or failed): its events now update it in place. */
  release(reply: ChatMessage) {
    reply.viaPost = false;
    reply.shadow = undefined;
  }

  /** The POST's stream dropped mid-reply: the events write the rest, from where they are. */
  takeOver(reply: ChatMessage) {
    reply.viaPost = false;
    reply.shadow ??= shadowOf(reply);
    this.#catchUp(reply);
  }

  /**
   * A reply whose POST dropped keeps the POST's text until its shadow has at least as much (or has ended): then the
   * shadow's is shown, and the events write the reply directly. The text never goes back nor shows twice.
   */
  #catchUp(shown: ChatMessage): Applied {
    const shadow = shown.shadow;
    if (!shadow || shown.viaPost) return { changed: false };
    if (shadow.status === 'streaming' && shadow.text.length < shown.text.length) return { changed: false };
    const wasStreaming = shown.status === 'streaming';
    shown.text = shadow.text;
    shown.status = shadow.status;
    shown.citations = shadow.citations;
    shown.cards = shadow.cards;
    shown.shadow = undefined;
    return wasStreaming && shown.status !== 'streaming' ? { changed: true, ended: shown } : { changed: true };
  }

  /** Applies one event of the conversation (from `GET /api/conversations/:id/events`). */
  apply(event: ConversationEvent): Applied {
    switch (event.kind) {
      case 'message':
        return this.#message(event);
      case 'status':
        return this.#status(event);
      case 'delta': {
        const route = this.#route(event.data.messageId);
        if (route?.target.status !== 'streaming' || typeof event.data.text !== 'string')
          return { changed: false };
        route.target.text += event.data.text;
        return route.target === route.shown ? { changed: true } : this.#catchUp(route.shown);
      }
      case 'annotation': {
        const route = this.#route(event.data.messageId);
        if (route?.target.status !== 'streaming' || !event.data.annotation) return { changed: false };
        annotate(route.target, event.data.annotation);
        return route.target === route.shown ? { changed: true } : this.#catchUp(route.shown);
      }
      case 'handoff':
        return this.#handoff(event);
      case 'typing':
        return typeof event.data?.role === 'string'
          ? { changed: false, typing: event.data }
          : { changed: false };
      default:
        // Older desk kinds (queued, assigned) carry nothing the widget shows.
        return { changed: false };
    }
  }

  /** The handoff's state now, from the newest notice. */
  get handoff(): HandoffEventData | undefined {
    return this.messages.findLast((m) => m.author === 'notice')?.handoff;
  }

  /**
   * A change of the handoff becomes a notice in the log, placed by its time among messages whose time is known (a
   * replay after a reload puts it back where it happened). A queue position that moved updates the notice before.
   */
  #handoff(event: Extract<ConversationEvent, { kind: 'handoff' }>): Applied {
    const data = event.data;
    if (typeof data?.state !== 'string') return { changed: false };
    const at = Date.parse(event.at);
    const handoff = { data, at: event.at };
    const last = this.messages.findLast((m) => m.author === 'notice');
    if (last?.handoff?.state === data.state && data.state === 'queued') {
      last.handoff = data;
      return { changed: true, handoff };
    }
    if (this.messages.some((m) => m.id === `handoff:${event.id}`)) return { changed: false };
    const notice = localMessage('notice', '', 'done');
    notice.id = `handoff:${event.id}`;
    notice.handoff = data;
    notice.at = at;
    const later = Number.isNaN(at) ? -1 : this.messages.findIndex((m) => m.at !== undefined && m.at > at);
    this.messages =
      later < 0
        ? [...this.messages, notice]
        : [...this.messages.slice(0, later), notice, ...this.messages.slice(later)];
    return { changed: true, handoff };
  }

  #message(event: Extract<ConversationEvent, { kind: 'message' }>): Applied {
    const d = event.data;
    let m = this.#byId(d.messageId) ?? (d.role === 'agent' ? this.#unnamedReply(d.replyTo) : undefined);
    if (!m) {
      if (Date.parse(event.at) < this.#since) return { changed: false };
      m = localMessage(d.role, '', 'streaming');
      m.id = d.messageId;
      m.at = Date.parse(event.at);
      this.messages = [...this.messages, m];
    } else if (m.author === 'shopper') {
      return { changed: false };
    }
    m.id = d.messageId;
    if (d.operator?.name) m.operatorName = d.operator.name;
    if (m.viaPost && !m.shadow) m.shadow = shadowOf(m);
    const target = m.shadow ?? m;
    const wasStreaming = target.status === 'streaming';
    // A failed reply's apology comes with its `failed` status; the text shown so far is kept until then.
    if (d.text || d.status !== 'failed') target.text = d.text;
    target.status = d.status === 'failed' ? 'failed' : 'done';
    target.replyTo = d.replyTo ?? undefined;
    target.citations = Array.isArray(d.citations) ? d.citations.filter(isCitation) : [];
    target.cards = [];
    for (const a of Array.isArray(d.annotations) ? d.annotations : []) annotate(target, a);
    if (target === m.shadow) return this.#catchUp(m);
    // A failed reply is announced with its apology, by its status.
    const ended = m.author !== 'shopper' && wasStreaming && (target.status === 'done' || target.text !== '');
    return ended ? { changed: true, ended: m } : { changed: true };
  }

  #status(event: Extract<ConversationEvent, { kind: 'status' }>): Applied {
    const d = event.data;
    if (d.state === 'closed') return { changed: false, closed: true };
    if (!d.messageId) return { changed: false };
    if (d.state === 'reply_started') {
      if (this.#byId(d.messageId)) return { changed: false };
      const local = this.#unnamedReply(d.replyTo ?? null);
      if (local) {
        local.id = d.messageId;
        if (local.viaPost) local.shadow ??= shadowOf(local);
        return { changed: false };
      }
      if (Date.parse(event.at) < this.#since) return { changed: false };
      const reply = localMessage('agent', '', 'streaming');
      reply.id = d.messageId;
      reply.replyTo = d.replyTo;
      this.messages = [...this.messages, reply];
      return { changed: true };
    }
    const route = this.#route(d.messageId);
    if (!route) return { changed: false };
    const { shown, target } = route;
    const wasStreaming = target.status === 'streaming';
    let apology = false;
    if (d.state === 'answered') target.status = 'done';
    else {
      target.status = 'failed';
      apology = !target.text && Boolean(d.message);
      if (apology) target.text = d.message ?? '';
    }
    if (target !== shown) return this.#catchUp(shown);
    return wasStreaming || apology ? { changed: true, ended: shown } : { changed: true };
  }

  #byId(id: string | undefined): ChatMessage | undefined {
    return id === undefined ? undefined : this.messages.find((m) => m.id === id);
  }

  /** This widget's reply to shopper message `replyTo` whose own id is not known yet. */
  #unnamedReply(replyTo: string | null): ChatMessage | undefined {
    return replyTo === null
      ? undefined
      : this.messages.find((m) => m.author === 'agent' && m.id === undefined && m.replyTo === replyTo);
  }

  /** Where an event about message `id` goes: the message shown, or its shadow while that shows something else. */
  #route(id: string): { shown: ChatMessage; target: ChatMessage } | undefined {
    const shown = this.#byId(id);
    // A reply its POST writes and that has no shadow yet takes no events: it had no start event yet.
    if (!shown || (shown.viaPost && !shown.shadow)) return undefined;
    return { shown, target: shown.shadow ?? shown };
  }
}

function shadowOf(m: ChatMessage): ChatMessage {
  return {
    key: m.key,
    id: m.id,
    author: m.author,
    text: '',
    status: 'streaming',
    citations: [],
    cards: [],
    replyTo: m.replyTo,
  };
}

/** A message of the loaded history. A reply still being written restarts empty: the events from 0 rebuild it. */
export function fromHistory(m: HistoryMessage): ChatMessage {
  const streaming = m.author === 'agent' && m.status === 'streaming';
  const message = localMessage(
    m.author === 'shopper' || m.author === 'operator' ? m.author : 'agent',
    streaming ? '' : m.text,
    streaming ? 'streaming' : m.status === 'failed' ? 'failed' : 'done',
  );
  message.id = m.id;
  const at = Date.parse(m.createdAt);
  if (!Number.isNaN(at)) message.at = at;
  message.citations = Array.isArray(m.citations) ? m.citations.filter(isCitation) : [];
  // The orchestrator keeps each reply's cards, so order and offer cards come back after a reload.
  for (const a of Array.isArray(m.annotations) ? m.annotations : []) annotate(message, a);
  return message;
}

/** Adds what an annotation shows to a reply: its sources, or a card (one hand-off offer at most). */
export function annotate(reply: ChatMessage, annotation: Annotation) {
  if (annotation?.kind === 'citations') {
    if (Array.isArray(annotation.data)) reply.citations = annotation.data.filter(isCitation);
    return;
  }
  const card = cardFor(annotation);
  if (card && !(card.type === 'handoff' && reply.cards.some((c) => c.type === 'handoff')))
    reply.cards.push(card);
}

/** The card an annotation shows, if any (citations are shown apart, confidence and sentiment not at all). */
export function cardFor(annotation: Annotation): Card | undefined {
  switch (annotation?.kind) {
    case 'order':
      return isObject(annotation.data?.order) ? { type: 'order', order: annotation.data.order } : undefined;
    case 'offer':
      return isObject(annotation.data?.offer) ? { type: 'offer', offer: annotation.data.offer } : undefined;
    case 'handoff':
      return typeof annotation.data?.reason === 'string'
        ? { type: 'handoff', reason: annotation.data.reason }
        : { type: 'handoff' };
    case 'sign_in_required':
      return { type: 'sign_in' };
    case 'not_available':
      return { type: 'info', text: 'notAvailable' };
    case 'degraded':
      return { type: 'info', text: 'degraded' };
    default:
      return undefined;
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function isCitation(value: unknown): value is Citation {
  const c = value as Partial<Citation> | null;
  return (
    typeof c?.id === 'string' &&
    typeof c.title === 'string' &&
    (c.url === undefined || typeof c.url === 'string')
  );
}

/** The citation's help-centre address when it is an absolute `https:` URL (anything else is never linked). */
export function citationHref(citation: Citation): string | undefined {
  if (!citation.url) return undefined;
  try {
    const url = new URL(citation.url);
    return url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const comparable = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * What a citation shows: its title, or `fallback` when it has a link and its title only repeats the shopper's
 * question (the link then says where it goes, not the question again).
 */
export function citationLabel(citation: Citation, question: string | undefined, fallback: string): string {
  const repeats = question !== undefined && comparable(citation.title) === comparable(question);
  return repeats && citationHref(citation) ? fallback : citation.title;
}

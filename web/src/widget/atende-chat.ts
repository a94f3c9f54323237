import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { ApiErrorCode, HandoffEventData } from '../../../orchestrator/chat/contract.js';
import { ApiError, ChatApi } from './api.js';
import { followEvents } from './follow.js';
import { isEmail, type Locale, pickLocale, type Strings, strings } from './i18n.js';
import { safeHref } from './markdown.js';
import { renderMarkdown } from './render-markdown.js';
import { widgetStyles } from './styles.js';
import {
  annotate,
  type Card,
  type ChatMessage,
  citationHref,
  citationLabel,
  fromHistory,
  Transcript,
} from './transcript.js';

/** The handoff states in which a person has (or is about to have) the conversation. */
const HELD = new Set(['requested', 'queued', 'assigned']);
/** How long "Ana is typing…" stays after the last typing event. */
const TYPING_SHOWN_MS = 4_000;
/** At most one typing call in this long. */
const TYPING_EVERY_MS = 3_000;
/** The longest message the orchestrator takes (its `MAX_MESSAGE_CHARS` default). */
const MAX_MESSAGE_CHARS = 2_000;
// A source whose title only repeats the shopper's question says where its link goes instead.
const HELP_CENTRE_LINK: Record<Locale, string> = {
  'pt-BR': 'Ver na central de ajuda',
  en: 'See it in the help centre',
};
/** The counter shows from this share of the limit on. */
const COUNT_FROM = 0.9;

/** The rating asked for a conversation, once. */
interface RatingAsk {
  conversationId: string;
  score: number;
  state: 'asking' | 'sending' | 'thanks';
  error?: string;
}

interface Notice {
  kind: 'error' | 'info';
  text: string;
  retryText?: string;
}

const CHAT_ICON = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
  <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" stroke-linejoin="round" />
</svg>`;

const CLOSE_ICON = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true">
  <path d="M6 6l12 12M18 6 6 18" stroke-linecap="round" />
</svg>`;

// The API is the origin the widget was loaded from, unless the page says otherwise with `api="…"`.
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/**
 * `<atende-chat>`: the shop's chat widget. Attributes: `lang` (`pt-BR` default, or `en`), `api` (the Atende
 * orchestrator's URL; defaults to where the script came from), `open`.
 */
export class AtendeChat extends LitElement {
  static override styles = widgetStyles;
  static override properties = {
    open: { type: Boolean, reflect: true },
    lang: { type: String, reflect: true },
    api: { type: String },
  };

  declare open: boolean;
  declare lang: string;
  declare api: string | undefined;

  #client: ChatApi | undefined;
  readonly #transcript = new Transcript();
  #busy = false;
  #notice: Notice | undefined;
  #cooldownUntil = 0;
  #cooldownTimer: ReturnType<typeof setInterval> | undefined;
  #signInOpen = false;
  #signInError = '';
  #signingIn = false;
  #announcement = '';
  #historyLoaded = false;
  /** The history is in: following may start. */
  #historyReady = false;
  #pendingQuestion: string | undefined;
  #abort: AbortController | undefined;
  /** The conversation being followed, and how to stop. */
  #following: { conversationId: string; stop: AbortController } | undefined;
  /** The last event applied, and its conversation: following again resumes after it. */
  #lastEvent = { conversationId: '', id: 0 };
  /** While a POST has not yet said which message it stored, events wait: they might be about that message. */
  #eventsGate: Promise<void> | undefined;
  /** Replies whose POST dropped, waiting for the events to finish them. */
  #orphans = new Map<ChatMessage, () => void>();
  /** An operator typing, shown until `until`. */
  #operatorTyping: { name: string; until: number } | undefined;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #lastTypingSent = 0;
  #handoffBusy = false;
  #rating: RatingAsk | undefined;
  /** Offline notices whose message was left, and the form's error. */
  #offlineSent = new Set<string>();
  #offlineError = '';
  #offlineSending = false;
  /** Characters in the message box, for the counter near the limit. */
  #typed = 0;
  /**
   * Whether the shopper chose the language with the PT/EN switch: then replies are in it (`localeForced`);
   * otherwise the page's language is only a prior and the orchestrator answers in the language of each message.
   */
  #localeChosen = false;

  constructor() {
    super();
    this.open = false;
    this.lang = '';
  }

  /** pt-BR unless the element or the shop's page says English (`lang="en"`): the shop, not the browser, decides. */
  get #locale(): Locale {
    return pickLocale(this.lang || document.documentElement.lang);
  }

  get #messages(): ChatMessage[] {
    return this.#transcript.messages;
  }

  get #t(): Strings {
    return strings(this.#locale);
  }

  get #api(): ChatApi {
    this.#client ??= new ChatApi({
      baseUrl: this.api || SCRIPT_ORIGIN,
      local: safeStorage('localStorage'),
      tab: safeStorage('sessionStorage'),
      pageOrigin: location.origin,
    });
    return this.#client;
  }

  override connectedCallback() {
    super.connectedCallback();
    // A returning shopper (reload, new page) gets the panel back as they left it, with its history.
    if (safeStorage('sessionStorage')?.getItem('atende.open') === '1') this.open = true;
    this.#follow();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#abort?.abort();
    this.#unfollow();
    clearInterval(this.#cooldownTimer);
    clearTimeout(this.#typingTimer);
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('open')) {
      safeStorage('sessionStorage')?.setItem('atende.open', this.open ? '1' : '0');
      if (this.open) {
        if (!this.#historyLoaded) void this.#loadHistory();
        this.#follow();
        void this.updateComplete.then(() => this.#focusInput());
      } else {
        this.#unfollow();
      }
    }
  }

  #focusInput() {
    this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')?.focus();
  }

  #scrollToEnd() {
    const log = this.renderRoot.querySelector('.log');
    if (log) log.scrollTop = log.scrollHeight;
  }

  #update() {
    this.requestUpdate();
    void this.updateComplete.then(() => this.#scrollToEnd());
  }

  async #loadHistory() {
    this.#historyLoaded = true;
    if (this.#api.session?.conversationId) {
      try {
        const history = (await this.#api.history()).filter((m) => m.author !== 'system');
        this.#transcript.reset(history.map(fromHistory), history[0]?.createdAt);
      } catch {
        this.#notice = { kind: 'error', text: this.#t.historyError };
      }
      this.#update();
    }
    this.#historyReady = true;
    this.#follow();
  }

  /**
   * Follows the conversation's events while the panel is open and a conversation exists, so what the shopper did
   * not just ask for (a message from another tab, an operator's) shows up live. Where it starts: after the last
   * event applied when that was in this conversation, else from the first event (`after=0`). Replaying from the
   * first event over a loaded history adds nothing already shown: messages are matched by id, old deltas only
   * extend replies still streaming, and a complete `message` event rewrites its message whole.
   */
  #follow() {
    const conversationId = this.#api.session?.conversationId;
    if (!this.open || !this.isConnected || !this.#historyReady || !conversationId) return;
    if (this.#following?.conversationId === conversationId) return;
    this.#unfollow();
    if (this.#lastEvent.conversationId !== conversationId) this.#lastEvent = { conversationId, id: 0 };
    const stop = new AbortController();
    this.#following = { conversationId, stop };
    void this.#readEvents(conversationId, stop.signal);
  }

  /** Stops following (panel closed, signed in or out, conversation left or closed). */
  #unfollow() {
    this.#following?.stop.abort();
    this.#following = undefined;
    // Nothing will finish a reply whose POST dropped: stop waiting for it.
    for (const give of this.#orphans.values()) give();
  }

  async #readEvents(conversationId: string, signal: AbortSignal) {
    try {
      for await (const event of followEvents({
        connect: (after, attempt) => this.#api.openEvents({ conversationId, after, signal: attempt }),
        after: this.#lastEvent.id,
        signal,
        network: window,
      })) {
        if (this.#eventsGate) await this.#eventsGate;
        if (signal.aborted) return;
        this.#lastEvent = { conversationId, id: event.id };
        const applied = this.#transcript.apply(event);
        if (applied.ended) {
          if (applied.ended.author === 'operator') this.#showOperatorTyping(undefined);
          this.#announce(applied.ended.text, applied.ended.operatorName);
        }
        if (applied.typing?.role === 'operator') this.#showOperatorTyping(applied.typing.name);
        if (applied.handoff) this.#onHandoff(conversationId, applied.handoff.data, applied.handoff.at);
        if (applied.changed) this.#update();
        for (const [reply, settle] of this.#orphans) if (reply.status !== 'streaming') settle();
        if (applied.closed) {
          // Closed elsewhere (another tab): the next message starts a new conversation.
          if (this.#api.session?.conversationId === conversationId) this.#api.setConversation(undefined);
          break;
        }
      }
    } catch (error) {
      // The conversation is not this session's any more (or is gone): the next message starts a new one.
      if (
        error instanceof ApiError &&
        error.status === 404 &&
        this.#api.session?.conversationId === conversationId
      ) {
        this.#api.setConversation(undefined);
      }
    } finally {
      if (this.#following?.stop.signal === signal) this.#unfollow();
    }
  }

  /** Whether a person has, or is about to take, the conversation: the bots stay quiet then. */
  get #held(): boolean {
    return HELD.has(this.#transcript.handoff?.state ?? '');
  }

  #showOperatorTyping(name: string | undefined) {
    clearTimeout(this.#typingTimer);
    if (name === undefined) {
      if (this.#operatorTyping) this.requestUpdate();
      this.#operatorTyping = undefined;
      return;
    }
    this.#operatorTyping = { name: firstName(name), until: Date.now() + TYPING_SHOWN_MS };
    this.#typingTimer = setTimeout(() => {
      this.#operatorTyping = undefined;
      this.requestUpdate();
    }, TYPING_SHOWN_MS);
    this.#update();
  }

  #onHandoff(conversationId: string, data: HandoffEventData, at: string) {
    if (data.state !== 'assigned') this.#showOperatorTyping(undefined);
    // Events replayed after a reload are not news: only a change of the last minutes is announced or asks.
    const live = Date.now() - Date.parse(at) < 10 * 60_000;
    if (!live) return;
    this.#announce(handoffText(data, this.#t), '');
    if (data.state === 'resolved') this.#askRating(conversationId);
  }

  /** Asks for a rating of `conversationId`, once per conversation in this tab. */
  #askRating(conversationId: string) {
    const key = `atende.rating-asked.${conversationId}`;
    const storage = safeStorage('sessionStorage');
    if (storage?.getItem(key) || this.#rating?.conversationId === conversationId) return;
    storage?.setItem(key, '1');
    this.#rating = { conversationId, score: 0, state: 'asking' };
    this.#update();
  }

  async #sendRating(event: SubmitEvent) {
    event.preventDefault();
    const rating = this.#rating;
    if (!rating?.score || rating.state !== 'asking') return;
    const comment = String(new FormData(event.target as HTMLFormElement).get('comment') ?? '').trim();
    rating.state = 'sending';
    rating.error = undefined;
    this.requestUpdate();
    try {
      await this.#api.rate(rating.conversationId, rating.score, comment || undefined);
      rating.state = 'thanks';
      this.#announce(this.#t.rateThanks, '');
    } catch (error) {
      const code = error instanceof ApiError ? error.code : '';
      if (code === 'already_rated') rating.state = 'thanks';
      else if (code === 'not_resolved') this.#rating = undefined;
      else {
        rating.state = 'asking';
        rating.error =
          error instanceof ApiError && error.code === 'network'
            ? this.#t.networkError
            : error instanceof ApiError
              ? messageFor(error, this.#t)
              : this.#t.genericError;
      }
    }
    this.#update();
  }

  #pickScore(score: number) {
    if (!this.#rating) return;
    this.#rating.score = score;
    this.requestUpdate();
  }

  /**
   * Hands the conversation to a person (`reason` from the bot's offer, if any). Without a conversation yet, the
   * shopper's request is sent as a message first: the conversation starts with it.
   */
  async #requestHandoff(reason?: string) {
    const t = this.#t;
    if (this.#held) {
      this.#notice = { kind: 'info', text: t.handoffAlready };
      this.#update();
      return;
    }
    if (this.#handoffBusy || this.#busy) return;
    this.#handoffBusy = true;
    this.#notice = undefined;
    this.requestUpdate();
    try {
      if (!this.#api.session?.conversationId) await this.send(t.handoffText);
      if (!this.#api.session?.conversationId) return;
      // The words alone may have handed it over already: the orchestrator then answers with the state it is in.
      await this.#api.requestHandoff({ ...(reason ? { reason } : {}), locale: this.#locale });
      this.#follow();
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(0, 'network', String(error));
      this.#notice = {
        kind: 'error',
        text:
          failure.code === 'network'
            ? t.networkError
            : failure.status === 429
              ? t.rateLimited(failure.retryAfterSec ?? 60)
              : failure.code === 'desk_unavailable'
                ? t.handoffFailed
                : messageFor(failure, t),
      };
      this.#announce(this.#notice.text, '');
    } finally {
      this.#handoffBusy = false;
      this.#update();
    }
  }

  /**
   * Counts the characters in the message box. The counter shows from 90 % of the limit; crossing into it and
   * reaching the limit are announced once each (screen readers hear the count itself when the box has focus).
   */
  #countTyped() {
    const typed = this.renderRoot.querySelector<HTMLTextAreaElement>('#atende-input')?.value.length ?? 0;
    if (typed === this.#typed) return;
    const before = this.#typed;
    this.#typed = typed;
    const from = Math.ceil(MAX_MESSAGE_CHARS * COUNT_FROM);
    const t = this.#t;
    if (typed >= MAX_MESSAGE_CHARS && before < MAX_MESSAGE_CHARS) {
      this.#announce(t.limitReached(this.#number(MAX_MESSAGE_CHARS)), '');
    } else if (typed >= from && before < from) {
      this.#announce(
        t.charsLeft(this.#number(MAX_MESSAGE_CHARS - typed), this.#number(MAX_MESSAGE_CHARS)),
        '',
      );
    }
    if (typed >= from || before >= from) this.requestUpdate();
  }

  #number(n: number): string {
    return new Intl.NumberFormat(this.#locale === 'en' ? 'en-US' : 'pt-BR').format(n);
  }

  #renderCount(t: Strings) {
    const typed = this.#typed;
    if (typed < Math.ceil(MAX_MESSAGE_CHARS * COUNT_FROM)) return nothing;
    const full = typed >= MAX_MESSAGE_CHARS;
    const max = this.#number(MAX_MESSAGE_CHARS);
    return html`<p id="atende-count" class="count ${full ? 'full' : ''}">
      <span aria-hidden="true">${this.#number(typed)}/${max}${full ? html` · ${t.limitReached(max)}` : nothing}</span>
      <span class="sr-only">${full ? t.limitReached(max) : t.charsLeft(this.#number(MAX_MESSAGE_CHARS - typed), max)}</span>
    </p>`;
  }

  /** The shopper types in a conversation a person holds: tell them, at most every few seconds. */
  #onInput() {
    this.#countTyped();
    if (!this.#held || Date.now() - this.#lastTypingSent < TYPING_EVERY_MS) return;
    this.#lastTypingSent = Date.now();
    void this.#api.typing();
  }

  async #leaveMessage(event: SubmitEvent, noticeId: string) {
    event.preventDefault();
    const t = this.#t;
    const data = new FormData(event.target as HTMLFormElement);
    const email = String(data.get('email') ?? '').trim();
    const text = String(data.get('text') ?? '').trim();
    this.#offlineError = !isEmail(email) ? t.invalidEmail : !text ? t.emptyText : '';
    if (this.#offlineError) {
      this.requestUpdate();
      return;
    }
    this.#offlineSending = true;
    this.requestUpdate();
    try {
      const conversationId = this.#api.session?.conversationId;
      await this.#api.leaveMessage({
        ...(conversationId ? { conversationId } : {}),
        email,
        text,
        locale: this.#locale,
      });
      this.#offlineSent.add(noticeId);
      this.#announce(t.offlineSent, '');
    } catch (error) {
      this.#offlineError =
        error instanceof ApiError && error.code === 'network'
          ? t.networkError
          : error instanceof ApiError && error.status === 429
            ? t.rateLimited(error.retryAfterSec ?? 60)
            : error instanceof ApiError && error.status === 400
              ? t.invalidEmail
              : error instanceof ApiError
                ? messageFor(error, t)
                : t.genericError;
    } finally {
      this.#offlineSending = false;
      this.#update();
    }
  }

  #toggle() {
    this.open = !this.open;
    if (!this.open) void this.updateComplete.then(() => this.#launcher()?.focus());
  }

  #launcher() {
    return this.renderRoot.querySelector<HTMLButtonElement>('.launcher');
  }

  #onKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape' && this.open) {
      event.stopPropagation();
      if (this.#signInOpen) {
        this.#signInOpen = false;
        this.#update();
        void this.updateComplete.then(() => this.#focusInput());
      } else this.#toggle();
    }
  }

  #onInputKeydown(event: KeyboardEvent) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  }

  #onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea');
    const text = input?.value.trim() ?? '';
    if (!text || this.#busy || this.#cooling()) return;
    if (input) input.value = '';
    this.#countTyped();
    void this.send(text);
  }

  #cooling(): boolean {
    return Date.now() < this.#cooldownUntil;
  }

  #startCooldown(seconds: number) {
    this.#cooldownUntil = Date.now() + seconds * 1000;
    clearInterval(this.#cooldownTimer);
    const tick = () => {
      const left = Math.ceil((this.#cooldownUntil - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(this.#cooldownTimer);
        this.#notice = undefined;
      } else {
        this.#notice = { kind: 'error', text: this.#t.rateLimited(left) };
      }
      this.requestUpdate();
    };
    tick();
    this.#cooldownTimer = setInterval(tick, 1000);
  }

  /** Sends `text` as the shopper and streams the reply into the log. */
  async send(text: string): Promise<void> {
    if (this.#busy) return;
    const t = this.#t;
    this.#busy = true;
    this.#notice = undefined;
    const { shopper, reply } = this.#transcript.ask(text);
    this.#update();
    let stored = false;
    let finished = false;
    let openGate = () => {};
    this.#eventsGate = new Promise<void>((resolve) => {
      openGate = () => {
        this.#eventsGate = undefined;
        resolve();
      };
    });
    this.#abort = new AbortController();
    try {
      for await (const event of this.#api.send({
        text,
        locale: this.#locale,
        localeForced: this.#localeChosen,
        signal: this.#abort.signal,
      })) {
        if (event.event === 'conversation') {
          stored = true;
          this.#transcript.stored(shopper, reply, event.data.messageId);
          openGate();
          this.#follow();
        } else if (event.event === 'delta') reply.text += event.data.text;
        else if (event.event === 'annotation') {
          if (event.data.kind === 'sign_in_required') this.#pendingQuestion = text;
          annotate(reply, event.data);
        } else if (event.event === 'done') {
          reply.id = event.data.messageId;
          reply.status = 'done';
          finished = true;
          // A person holds the conversation: no bot reply; the operator's answer comes on the events.
          if (!reply.text && !reply.cards.length) this.#transcript.remove(reply);
        } else if (event.event === 'error') {
          reply.status = 'failed';
          if (!reply.text) reply.text = event.data.message || t.genericError;
          finished = true;
        }
        if (finished) this.#transcript.release(reply);
        this.#update();
      }
      if (!finished) throw new ApiError(0, 'network', 'the stream ended early');
      if (reply.text) this.#announce(reply.text);
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(0, 'network', String(error));
      openGate();
      if (failure.code === 'network' && stored) {
        await this.#recover(shopper, reply, text);
      } else {
        this.#transcript.remove(reply);
        if (failure.status === 429) {
          // Not stored: give the words back so the shopper can send them when the wait is over.
          this.#transcript.remove(shopper);
          const input = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea');
          if (input && !input.value) input.value = text;
          this.#countTyped();
          this.#startCooldown(failure.retryAfterSec ?? 60);
        } else if (failure.code === 'network') {
          shopper.status = 'failed';
          shopper.retry = true;
          this.#notice = { kind: 'error', text: t.networkError, retryText: text };
        } else {
          shopper.status = 'failed';
          this.#notice = { kind: 'error', text: messageFor(failure, t) };
        }
        this.#announce(this.#notice?.text ?? '');
      }
    } finally {
      openGate();
      this.#busy = false;
      this.#abort = undefined;
      this.#update();
    }
  }

  /**
   * After the POST's stream broke off: the orchestrator kept the message and finishes the reply, which the
   * conversation's events carry. The reply continues from what they have of it (never shown twice), until it ends;
   * when they cannot finish it (the panel was closed, the conversation is gone, nothing within a minute — agents'
   * deadlines end a reply well before), the shopper is offered a retry.
   */
  async #recover(shopper: ChatMessage, reply: ChatMessage, text: string) {
    const t = this.#t;
    this.#transcript.takeOver(reply);
    this.#notice = { kind: 'info', text: t.dropped };
    this.#update();
    if (reply.status === 'streaming' && this.open && this.isConnected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(settle, 60_000);
        function settle() {
          clearTimeout(timer);
          resolve();
        }
        this.#orphans.set(reply, settle);
      });
      this.#orphans.delete(reply);
    }
    if (reply.status !== 'streaming') {
      this.#notice = { kind: 'info', text: t.recovered };
      this.#announce(reply.text);
      return;
    }
    reply.status = 'failed';
    shopper.status = 'failed';
    this.#notice = { kind: 'error', text: t.networkError, retryText: text };
  }

  /** Reads `text` out to screen readers, said by `who` (the assistant by default; `''` for nobody). */
  #announce(text: string, who?: string) {
    // Reset first, so the same words twice are announced twice.
    this.#announcement = '';
    this.requestUpdate();
    void this.updateComplete.then(() => {
      const by = who ?? this.#t.assistant;
      this.#announcement = text ? (by ? `${by}: ${text}` : text) : '';
      this.requestUpdate();
    });
  }

  #retry(text: string) {
    for (const m of this.#messages.filter((m) => m.retry && m.text === text)) this.#transcript.remove(m);
    this.#notice = undefined;
    void this.send(text);
  }

  #openSignIn() {
    this.#signInOpen = true;
    this.#signInError = '';
    this.#update();
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLInputElement>('.signin input[name="email"]')?.focus(),
    );
  }

  async #onSignIn(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    this.#signingIn = true;
    this.#signInError = '';
    this.requestUpdate();
    try {
      await this.#api.login(String(data.get('email') ?? ''), String(data.get('password') ?? ''));
      this.#signInOpen = false;
      this.#unfollow();
      this.#transcript.reset();
      const pending = this.#pendingQuestion;
      this.#pendingQuestion = undefined;
      this.#announce(this.#t.signedInAs(this.#api.session?.user?.displayName ?? ''));
      await this.updateComplete;
      this.#focusInput();
      // The question that needed a sign-in is asked again, now with the account.
      if (pending) void this.send(pending);
    } catch (error) {
      const failure = error instanceof ApiError ? error : undefined;
      this.#signInError =
        failure?.status === 429
          ? this.#t.signInLocked(failure.retryAfterSec ?? 60)
          : failure?.status === 401
            ? this.#t.signInFailed
            : failure?.code === 'network'
              ? this.#t.networkError
              : failure
                ? messageFor(failure, this.#t)
                : this.#t.genericError;
    } finally {
      this.#signingIn = false;
      this.#update();
    }
  }

  async #signOut() {
    this.#unfollow();
    await this.#api.logout();
    this.#transcript.reset();
    this.#notice = undefined;
    this.#update();
  }

  async #newConversation() {
    this.#unfollow();
    // The bots answered (and no person already asked): the shopper is asked once how it went.
    const answered = this.#messages.some((m) => m.author === 'agent' && m.status === 'done' && m.text);
    const closed = await this.#api.closeConversation();
    this.#transcript.reset();
    this.#notice = undefined;
    this.#operatorTyping = undefined;
    this.#offlineError = '';
    if (this.#rating?.state !== 'asking') this.#rating = undefined;
    if (closed && answered) this.#askRating(closed);
    this.#update();
    this.#focusInput();
  }

  #setLocale(event: Event) {
    this.lang = (event.target as HTMLSelectElement).value;
    this.#localeChosen = true;
  }

  override render() {
    const t = this.#t;
    return html`
      <div class="sr-only" aria-live="polite" aria-atomic="true">${this.#announcement}</div>
      ${this.open ? this.#renderPanel(t) : nothing}
      <button
        class="launcher"
        type="button"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="atende-panel"
        aria-label=${this.open ? t.launcherClose : t.launcherOpen}
        title=${this.open ? t.launcherClose : t.launcherOpen}
        @click=${this.#toggle}
      >
        ${this.open ? CLOSE_ICON : CHAT_ICON}
      </button>
    `;
  }

  #renderPanel(t: Strings) {
    const user = this.#api.session?.user;
    const cooling = this.#cooling();
    return html`
      <section
        id="atende-panel"
        class="panel"
        role="dialog"
        aria-modal="false"
        aria-labelledby="atende-title"
        lang=${this.#locale}
        @keydown=${this.#onKeydown}
      >
        <header>
          <div class="titles">
            <h2 id="atende-title">${t.title}</h2>
            <p>${user ? t.signedInAs(user.displayName) : t.subtitle}</p>
            <button
              type="button"
              class="talk"
              ?disabled=${this.#handoffBusy || this.#busy}
              aria-disabled=${this.#held ? 'true' : 'false'}
              @click=${() => void this.#requestHandoff()}
            >
              ${t.talkToPerson}
            </button>
          </div>
          <select aria-label=${t.language} @change=${this.#setLocale}>
            <option value="pt-BR" ?selected=${this.#locale === 'pt-BR'}>PT</option>
            <option value="en" ?selected=${this.#locale === 'en'}>EN</option>
          </select>
          ${
            user
              ? html`<button type="button" @click=${this.#signOut}>${t.signOut}</button>`
              : html`<button type="button" class="signin-open" @click=${this.#openSignIn}>${t.signIn}</button>`
          }
          <button type="button" class="icon" aria-label=${t.close} title=${t.close} @click=${this.#toggle}>
            ×
          </button>
        </header>
        ${this.#signInOpen ? this.#renderSignIn(t) : nothing}
        <ol class="log" role="log" aria-live="off" aria-label=${t.title}>
          ${
            this.#messages.length
              ? nothing
              : html`<li class="msg agent"><div class="bubble">${t.welcome}</div></li>`
          }
          ${this.#messages.map((m) => this.#renderMessage(m, t))}
          ${this.#rating ? html`<li class="rating-item">${this.#renderRating(t, this.#rating)}</li>` : nothing}
          ${
            this.#messages.length && !this.#busy && !this.#held
              ? html`<li class="restart">
                  <button type="button" class="link" @click=${this.#newConversation}>${t.newConversation}</button>
                </li>`
              : nothing
          }
        </ol>
        <p class="operator-typing" aria-live="polite">
          ${this.#operatorTyping ? t.operatorTyping(this.#operatorTyping.name) : ''}
        </p>
        <div class="notice ${this.#notice?.kind ?? ''}" role=${this.#notice?.kind === 'error' ? 'alert' : 'status'}>
          ${this.#notice ? html`<span>${this.#notice.text}</span>` : nothing}
          ${
            this.#notice?.retryText && !cooling
              ? html`<button type="button" class="action" @click=${() => this.#retry(this.#notice?.retryText ?? '')}>
                  ${t.retry}
                </button>`
              : nothing
          }
        </div>
        ${this.#renderCount(t)}
        <form class="composer" @submit=${this.#onSubmit}>
          <label class="sr-only" for="atende-input">${t.messageLabel}</label>
          <textarea
            id="atende-input"
            rows="1"
            maxlength=${MAX_MESSAGE_CHARS}
            aria-describedby=${this.#typed >= MAX_MESSAGE_CHARS * COUNT_FROM ? 'atende-count' : nothing}
            placeholder=${t.placeholder}
            autocomplete="off"
            @keydown=${this.#onInputKeydown}
            @input=${this.#onInput}
          ></textarea>
          <button class="send" type="submit" ?disabled=${this.#busy || cooling} aria-label=${t.send}>${t.send}</button>
        </form>
      </section>
    `;
  }

  #renderSignIn(t: Strings) {
    return html`
      <form class="signin" @submit=${this.#onSignIn} aria-labelledby="atende-signin-title">
        <h3 id="atende-signin-title">${t.signInTitle}</h3>
        <label>${t.email}<input name="email" type="email" autocomplete="username" required /></label>
        <label>${t.password}<input name="password" type="password" autocomplete="current-password" required /></label>
        ${this.#signInError ? html`<p class="error" role="alert">${this.#signInError}</p>` : nothing}
        <div class="row">
          <button class="send" type="submit" ?disabled=${this.#signingIn}>${t.signIn}</button>
          <button
            class="action"
            type="button"
            @click=${() => {
              this.#signInOpen = false;
              this.#update();
            }}
          >
            ${t.cancel}
          </button>
        </div>
      </form>
    `;
  }

  #renderMessage(m: ChatMessage, t: Strings) {
    if (m.author === 'notice') return this.#renderNotice(m, t);
    const typing = m.author === 'agent' && m.status === 'streaming' && !m.text;
    // While a person holds the conversation, the bots say nothing: no dots for a reply that will not come.
    if (typing && this.#held) return nothing;
    const operator = m.author === 'operator' ? firstName(m.operatorName ?? t.operator) : '';
    return html`
      <li class="msg ${m.author} ${m.status}" aria-busy=${m.status === 'streaming' ? 'true' : 'false'}>
        ${
          operator
            ? html`<span class="who">${operator} · ${t.operator}</span>`
            : html`<span class="sr-only">${m.author === 'shopper' ? t.you : t.assistant}:</span>`
        }
        ${
          typing
            ? html`<div class="bubble typing" role="status" aria-label=${t.typing}><span></span><span></span><span></span></div>`
            : html`<div class="bubble">${m.author === 'agent' ? renderMarkdown(m.text || (m.status === 'failed' ? t.genericError : '')) : m.text}</div>`
        }
        ${
          m.citations.length
            ? html`<ul class="sources" aria-label=${t.sources}>
                <span>${t.sources}:</span>
                ${m.citations.map((c) => this.#renderCitation(c, m))}
              </ul>`
            : nothing
        }
        ${m.cards.map((card) => this.#renderCard(card, t))}
      </li>
    `;
  }

  /** A source as a link to its help-centre page (https only, new tab), or its title when it has none. */
  #renderCitation(c: ChatMessage['citations'][number], reply: ChatMessage) {
    const href = citationHref(c);
    if (!href) return html`<li data-citation=${c.id}>${c.title}</li>`;
    const label = citationLabel(c, this.#questionOf(reply), HELP_CENTRE_LINK[this.#locale]);
    return html`<li data-citation=${c.id}>
      <a href=${href} target="_blank" rel="noopener noreferrer" title=${c.title}>${label}</a>
    </li>`;
  }

  /** The shopper's text a reply answers: the message it replies to, or else the last shopper message before it. */
  #questionOf(reply: ChatMessage): string | undefined {
    const messages = this.#messages;
    if (reply.replyTo) {
      const asked = messages.find((m) => m.id === reply.replyTo);
      if (asked) return asked.text;
    }
    const at = messages.indexOf(reply);
    for (let i = at - 1; i >= 0; i -= 1) if (messages[i]?.author === 'shopper') return messages[i]?.text;
    return undefined;
  }

  #renderNotice(m: ChatMessage, t: Strings) {
    const h = m.handoff;
    if (!h) return nothing;
    const key = m.id ?? String(m.key);
    // Only the newest offline notice offers the form: an older one was answered by what came after.
    const offerForm = h.state === 'offline' && this.#transcript.handoff === h;
    return html`<li class="handoff-notice ${h.state}">
      <p>${handoffText(h, t)}</p>
      ${
        !offerForm
          ? nothing
          : this.#offlineSent.has(key)
            ? html`<p class="sent" role="status">${t.offlineSent}</p>`
            : html`<form class="card offline" @submit=${(e: SubmitEvent) => void this.#leaveMessage(e, key)} novalidate aria-labelledby="atende-offline-title">
                <h3 id="atende-offline-title">${t.offlineTitle}</h3>
                <label>${t.offlineEmail}<input name="email" type="email" autocomplete="email" required maxlength="254" .value=${this.#api.session?.user?.email ?? ''} /></label>
                <label>${t.offlineText}<textarea name="text" rows="3" required maxlength="2000"></textarea></label>
                ${this.#offlineError ? html`<p class="error" role="alert">${this.#offlineError}</p>` : nothing}
                <button class="send" type="submit" ?disabled=${this.#offlineSending}>${t.offlineSend}</button>
              </form>`
      }
    </li>`;
  }

  #renderRating(t: Strings, rating: RatingAsk) {
    if (rating.state === 'thanks') return html`<p class="card rating" role="status">${t.rateThanks}</p>`;
    return html`<form class="card rating" @submit=${this.#sendRating} aria-labelledby="atende-rating-title">
      <h3 id="atende-rating-title">${t.rateTitle}</h3>
      <div class="stars" role="group" aria-labelledby="atende-rating-title">
        ${[1, 2, 3, 4, 5].map(
          (n) => html`<button
            type="button"
            class="star ${n <= rating.score ? 'on' : ''}"
            aria-pressed=${rating.score === n ? 'true' : 'false'}
            aria-label=${t.rateStar(n)}
            title=${t.rateStar(n)}
            @click=${() => this.#pickScore(n)}
          >
            ★
          </button>`,
        )}
      </div>
      ${
        rating.score
          ? html`<label class="sr-only" for="atende-rating-comment">${t.rateComment}</label>
              <textarea id="atende-rating-comment" name="comment" rows="2" maxlength="1000" placeholder=${t.rateComment}></textarea>`
          : nothing
      }
      ${rating.error ? html`<p class="error" role="alert">${rating.error}</p>` : nothing}
      <div class="row">
        <button class="send" type="submit" ?disabled=${!rating.score || rating.state === 'sending'}>${t.rateSend}</button>
        <button
          class="link"
          type="button"
          @click=${() => {
            this.#rating = undefined;
            this.#update();
          }}
        >
          ${t.rateSkip}
        </button>
      </div>
    </form>`;
  }

  #renderCard(card: Card, t: Strings): TemplateResult | typeof nothing {
    const locale = this.#locale;
    switch (card.type) {
      case 'order': {
        const o = card.order;
        const href = o.tracking?.url ? safeHref(o.tracking.url) : undefined;
        return html`<article class="card order" aria-label="${t.order} ${o.number}">
          <h3><span>${t.order} #${o.number}</span><span class="badge">${o.statusLabel ?? o.status}</span></h3>
          ${
            o.items?.length
              ? html`<ul>
                  ${o.items.map((i) => html`<li>${i.quantity} × ${i.name}</li>`)}
                </ul>`
              : nothing
          }
          <dl>
            ${typeof o.total === 'number' ? html`<dt>${t.total}</dt><dd>${money(o.total, locale)}</dd>` : nothing}
            ${
              o.deliveredAt
                ? html`<dt>${t.delivered}</dt><dd>${date(o.deliveredAt, locale)}</dd>`
                : o.estimatedDelivery
                  ? html`<dt>${t.estimated}</dt><dd>${date(o.estimatedDelivery, locale)}</dd>`
                  : nothing
            }
            ${
              o.tracking
                ? html`<dt>${t.tracking}</dt>
                    <dd>
                      ${o.tracking.carrier}
                      ${
                        href
                          ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${o.tracking.code}</a>`
                          : o.tracking.code
                      }
                    </dd>`
                : nothing
            }
          </dl>
        </article>`;
      }
      case 'offer': {
        const o = card.offer;
        return html`<article class="card offer" aria-label="${t.offer}: ${o.title}">
          <h3><span>${o.title}</span>${o.discount?.label ? html`<span class="badge">${o.discount.label}</span>` : nothing}</h3>
          ${o.description ? html`<p>${o.description}</p>` : nothing}
          <dl>
            ${o.code ? html`<dt>${t.code}</dt><dd class="code">${o.code}</dd>` : nothing}
            ${o.validUntil ? html`<dt>${t.validUntil}</dt><dd>${date(o.validUntil, locale)}</dd>` : nothing}
          </dl>
        </article>`;
      }
      case 'handoff':
        return html`<div class="card handoff">
          <p>${t.handoffHint}</p>
          <button
            type="button"
            class="action"
            ?disabled=${this.#busy || this.#handoffBusy || this.#held}
            @click=${() => void this.#requestHandoff(card.reason)}
          >
            ${t.handoff}
          </button>
        </div>`;
      case 'sign_in':
        return this.#api.session?.user
          ? nothing
          : html`<div class="card">
              <p>${t.signInRequired}</p>
              <button type="button" class="action" @click=${this.#openSignIn}>${t.signIn}</button>
            </div>`;
      case 'info':
        return html`<div class="card info"><p>${t[card.text] as string}</p></div>`;
    }
  }
}

/** What the shopper is told when a message is refused: by its code, never by the wording of its message. */
function messageFor(error: ApiError, t: Strings): string {
  const code = error.code as ApiErrorCode;
  if (code === 'text_too_long') return t.tooLong(MAX_MESSAGE_CHARS);
  // The shop's page is not among the orchestrator's allowed origins: theirs to fix, not the shopper's connection.
  if (code === 'origin_not_allowed') return t.originRefused(location.origin);
  return t.genericError;
}

/** What the shopper is told about a change of the handoff. */
export function handoffText(h: HandoffEventData, t: Strings): string {
  switch (h.state) {
    case 'requested':
      return t.handoffRequested;
    case 'queued':
      return t.handoffQueued(h.position, h.estimatedWaitSec);
    case 'assigned':
      return t.handoffAssigned(firstName(h.operator?.name ?? t.operator));
    case 'resolved':
      return t.handoffResolved;
    case 'returned_to_bot':
      return t.handoffReturned;
    case 'offline':
      return t.handoffOffline(h.offlineReason);
    case 'abandoned':
      return t.handoffAbandoned;
    default:
      return t.handoffFailed;
  }
}

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] || name;
}

function money(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    style: 'currency',
    currency: 'BRL',
  }).format(value);
}

function date(iso: string, locale: Locale): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    day: '2-digit',
    month: 'short',
    timeZone: 'America/Sao_Paulo',
  }).format(d);
}

function safeStorage(name: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[name];
  } catch {
    return undefined;
  }
}

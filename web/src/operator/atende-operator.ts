import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type {
  CannedReply,
  DeskConversation,
  OfflineTicket,
  OperatorStatus,
} from '../../../agents/desk/protocol.js';
import type { HandoffEventData } from '../../../orchestrator/chat/contract.js';
import {
  type ApiFetch,
  type ConsoleLocale,
  type ConsoleSection,
  DEFAULT_TIME_ZONE,
  formatDateTime,
  formatTime,
  intlLocale,
  type StaffIdentity,
} from '../console/section.js';
import { followEvents } from '../widget/follow.js';
import { readEvents } from '../widget/sse.js';
import { ApiError, DeskApi, type DeskDetail, type DeskList, type ShopperContext } from './desk-api.js';
import { type DeskStrings, deskStrings, formatWait } from './i18n.js';
import { operatorStyles } from './styles.js';
import { Thread, type ThreadItem } from './thread.js';

type Tab = DeskList | 'tickets';

/** How long "typing…" stays after the last typing event. */
const TYPING_SHOWN_MS = 4_000;
/** At most one typing call in this long. */
const TYPING_EVERY_MS = 3_000;

/** The open conversation: the desk's detail, its live thread and what is known about the shopper. */
interface Open {
  id: string;
  detail: DeskDetail;
  thread: Thread;
  context?: ShopperContext;
  stop: AbortController;
}

/**
 * `<atende-operator>`: the human desk's inbox, a section of the console (it signs nobody in: the console gives it
 * `.api`, `.locale`, `.timeZone` and `.staff`). Sets the operator online, lists the queue, their conversations,
 * every conversation (admins) and the messages left out of hours, and handles one conversation at a time: claim,
 * reply (canned replies, internal notes), transfer, give back to the bot, resolve.
 */
export class AtendeOperator extends LitElement implements ConsoleSection {
  static override styles = operatorStyles;
  static override properties = {
    api: { attribute: false },
    locale: { attribute: false },
    timeZone: { attribute: false },
    staff: { attribute: false },
  };

  declare api: ApiFetch;
  declare locale: ConsoleLocale;
  declare timeZone: string;
  declare staff: StaffIdentity;
  #desk: DeskApi | undefined;
  #started = false;
  #tab: Tab = 'waiting';
  #lists: Record<DeskList, DeskConversation[]> = { waiting: [], mine: [], all: [] };
  #tickets: OfflineTicket[] = [];
  #presence: 'online' | 'away' = 'away';
  #open: Open | undefined;
  #operators: OperatorStatus[] = [];
  #canned: CannedReply[] = [];
  #cannedQuery = '';
  #internal = false;
  #shopperTypingUntil = 0;
  #lastTypingSent = 0;
  #busy = false;
  #error = '';
  #queue: AbortController | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** The thread shows its end: it stays there when its box shrinks (the reply box grows, a note is switched off). */
  #atEnd = true;
  #threadBox: Element | undefined;
  #threadResized = new ResizeObserver(() => {
    if (this.#atEnd) this.#scrollToEnd();
  });

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = DEFAULT_TIME_ZONE;
  }

  get #t(): DeskStrings {
    return deskStrings(this.locale);
  }

  /** The desk client; only read once the console has given the element its `.api`. */
  get #api(): DeskApi {
    this.#desk ??= new DeskApi((path, init) => this.api(path, init));
    return this.#desk;
  }

  override connectedCallback() {
    super.connectedCallback();
    // Waits grow by the second; the list says so every 15 s.
    this.#ticker = setInterval(() => this.requestUpdate(), 15_000);
    if (typeof this.api === 'function' && this.staff) void this.#start();
  }

  override willUpdate() {
    if (this.isConnected && typeof this.api === 'function' && this.staff && !this.#started)
      void this.#start();
  }

  override updated() {
    const box = this.renderRoot.querySelector('.scroll') ?? undefined;
    if (box === this.#threadBox) return;
    if (this.#threadBox) this.#threadResized.unobserve(this.#threadBox);
    this.#threadBox = box;
    if (box) this.#threadResized.observe(box);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#threadResized.disconnect();
    this.#threadBox = undefined;
    clearInterval(this.#ticker);
    this.#stopAll();
    this.#started = false;
  }

  /** Before the console signs out: away at the desk, nothing followed any more. */
  async signOut(): Promise<void> {
    this.#stopAll();
    this.#started = false;
    await this.#api.presence('away').catch(() => undefined);
    this.#lists = { waiting: [], mine: [], all: [] };
  }

  #stopAll() {
    this.#queue?.abort();
    this.#queue = undefined;
    this.#open?.stop.abort();
    this.#open = undefined;
  }

  /** Signed in: online, the lists, and the live queue. */
  async #start() {
    if (this.#started) return;
    this.#started = true;
    this.#error = '';
    await this.#setPresence('online');
    void this.#refresh();
    this.#followQueue();
  }

  async #run<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.#error = this.#messageFor(error);
      this.requestUpdate();
      return undefined;
    }
  }

  #messageFor(error: unknown): string {
    const t = this.#t;
    if (!(error instanceof ApiError)) return t.genericError;
    switch (error.code) {
      case 'network':
        return t.networkError;
      case 'already_claimed':
        return t.alreadyClaimed;
      case 'not_yours':
        return t.notYours;
      case 'conversation_ended':
        return t.conversationEnded;
      case 'desk_unavailable':
        return t.deskUnavailable;
      case 'unauthorized':
        return t.sessionExpired;
      default:
        return t.genericError;
    }
  }

  async #setPresence(status: 'online' | 'away') {
    const done = await this.#run(() => this.#api.presence(status).then(() => true));
    if (done) this.#presence = status;
    this.requestUpdate();
  }

  /** Reloads the list of the current tab (the live queue keeps "waiting" and "mine" fresh). */
  async #refresh() {
    const tab = this.#tab;
    if (tab === 'tickets') {
      const tickets = await this.#run(() => this.#api.tickets());
      if (tickets) this.#tickets = tickets;
    } else {
      const list = await this.#run(() => this.#api.list(tab));
      if (list) this.#lists = { ...this.#lists, [tab]: list };
    }
    this.requestUpdate();
  }

  /** Follows `GET /api/desk/events` until signed out, reopening it after a drop with a growing wait. */
  #followQueue() {
    this.#queue?.abort();
    const stop = new AbortController();
    this.#queue = stop;
    void (async () => {
      let failures = 0;
      while (!stop.signal.aborted && this.#started) {
        try {
          const body = await this.#api.openQueue(stop.signal);
          for await (const event of readEvents(body)) {
            failures = 0;
            if (event.event !== 'queue') continue;
            const { conversations } = event.data as { conversations?: DeskConversation[] };
            if (!Array.isArray(conversations)) continue;
            this.#lists = {
              ...this.#lists,
              waiting: conversations.filter((c) => c.state === 'queued'),
              mine: conversations.filter((c) => c.state !== 'queued'),
            };
            this.#syncOpen(conversations);
            this.requestUpdate();
          }
        } catch (error) {
          if (stop.signal.aborted) return;
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
        }
        failures += 1;
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** failures, 15_000)));
      }
    })();
  }

  /** The open conversation as the queue last listed it (who holds it now). */
  #syncOpen(conversations: DeskConversation[]) {
    const open = this.#open;
    const listed = open && conversations.find((c) => c.conversationId === open.id);
    if (open && listed) open.detail = { ...open.detail, conversation: listed };
  }

  #selectTab(tab: Tab) {
    this.#tab = tab;
    this.requestUpdate();
    void this.#refresh();
  }

  #onTabKeydown(event: KeyboardEvent, tabs: Tab[]) {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const at = tabs.indexOf(this.#tab);
    const next = tabs[(at + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length] as Tab;
    this.#selectTab(next);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${next}`)?.focus());
  }

  /** Opens a conversation: its detail, then its live events and the shopper's context. */
  async #openConversation(id: string) {
    this.#open?.stop.abort();
    this.#open = undefined;
    this.#error = '';
    this.#canned = [];
    this.#cannedQuery = '';
    this.#internal = false;
    const detail = await this.#run(() => this.#api.detail(id));
    if (!detail) return;
    const open: Open = { id, detail, thread: new Thread(detail), stop: new AbortController() };
    this.#open = open;
    this.requestUpdate();
    void this.updateComplete.then(() => {
      this.renderRoot.querySelector<HTMLElement>('.conversation h2')?.focus();
      this.#scrollToEnd();
    });
    void this.#followConversation(open);
    void this.#api.context(id).then(
      (context) => {
        open.context = context;
        this.requestUpdate();
      },
      () => undefined,
    );
    void this.#api.operators().then(
      (operators) => {
        this.#operators = operators;
        this.requestUpdate();
      },
      () => undefined,
    );
  }

  async #followConversation(open: Open) {
    try {
      for await (const event of followEvents({
        connect: (after, signal) => this.#api.openConversation(open.id, after, signal),
        after: 0,
        signal: open.stop.signal,
        network: window,
      })) {
        const change = open.thread.apply(event);
        if (change.shopperTyping) {
          this.#shopperTypingUntil = Date.now() + TYPING_SHOWN_MS;
          setTimeout(() => this.requestUpdate(), TYPING_SHOWN_MS + 50);
        }
        if (change.handoff) this.#onHandoff(open, change.handoff);
        if (change.changed || change.shopperTyping) {
          if (change.changed && event.kind === 'message' && event.data.role === 'shopper') {
            this.#shopperTypingUntil = 0;
          }
          this.requestUpdate();
          void this.updateComplete.then(() => this.#scrollToEnd());
        }
      }
    } catch {
      // The conversation went away: the detail shown stays.
    }
  }

  #onHandoff(open: Open, handoff: HandoffEventData) {
    const c = open.detail.conversation;
    const state = handoff.state === 'requested' || handoff.state === 'failed' ? c.state : handoff.state;
    open.detail = {
      ...open.detail,
      conversation: {
        ...c,
        state,
        ...(handoff.operator ? { operator: handoff.operator } : {}),
        ...(handoff.position ? { position: handoff.position } : {}),
      },
    };
  }

  #scrollToEnd() {
    const scroll = this.renderRoot.querySelector('.scroll');
    if (scroll) scroll.scrollTop = scroll.scrollHeight;
    this.#atEnd = true;
  }

  #onThreadScroll(event: Event) {
    const scroll = event.target as HTMLElement;
    this.#atEnd = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 8;
  }

  #closeConversation() {
    const id = this.#open?.id;
    this.#open?.stop.abort();
    this.#open = undefined;
    this.requestUpdate();
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`[data-conversation="${id}"]`)?.focus(),
    );
  }

  async #act(work: (id: string) => Promise<unknown>) {
    const open = this.#open;
    if (!open || this.#busy) return;
    this.#busy = true;
    this.#error = '';
    this.requestUpdate();
    const done = await this.#run(() => work(open.id).then(() => true));
    this.#busy = false;
    if (done && this.#open === open) {
      const detail = await this.#run(() => this.#api.detail(open.id));
      if (detail) {
        open.detail = { ...detail };
        open.thread.addNotes(detail.notes);
        // What the action added (a note, a state line) is shown, not left below the fold: asked to draw first, so
        // that `updateComplete` is the drawing that holds it.
        this.requestUpdate();
        void this.updateComplete.then(() => this.#scrollToEnd());
      }
    }
    void this.#refresh();
    this.requestUpdate();
  }

  #claim() {
    void this.#act((id) => this.#api.claim(id));
  }

  #transfer(event: SubmitEvent) {
    event.preventDefault();
    const operatorId = String(new FormData(event.target as HTMLFormElement).get('operator') ?? '');
    if (operatorId) void this.#act((id) => this.#api.transfer(id, operatorId));
  }

  #returnToBot() {
    void this.#act((id) => this.#api.returnToBot(id));
  }

  #resolve() {
    void this.#act((id) => this.#api.resolve(id));
  }

  #onReplyInput() {
    const open = this.#open;
    if (!open || this.#internal || !this.#isMine(open.detail.conversation)) return;
    if (Date.now() - this.#lastTypingSent < TYPING_EVERY_MS) return;
    this.#lastTypingSent = Date.now();
    void this.#api.typing(open.id).catch(() => undefined);
  }

  #onReplyKeydown(event: KeyboardEvent) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  }

  async #send(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const box = form.querySelector('textarea');
    const text = box?.value.trim() ?? '';
    if (!text || !box) return;
    const internal = this.#internal;
    await this.#act(async (id) => {
      await this.#api.send(id, text, internal);
      box.value = '';
    });
    box.focus();
  }

  async #searchCanned(event: Event) {
    const query = (event.target as HTMLInputElement).value;
    this.#cannedQuery = query;
    if (!query.trim()) {
      this.#canned = [];
      this.requestUpdate();
      return;
    }
    const replies = await this.#api.cannedReplies(query).catch(() => undefined);
    if (replies && this.#cannedQuery === query) this.#canned = replies.slice(0, 8);
    this.requestUpdate();
  }

  #insert(reply: CannedReply) {
    const box = this.renderRoot.querySelector<HTMLTextAreaElement>('form.reply textarea');
    if (!box) return;
    const at = box.selectionStart ?? box.value.length;
    box.value = `${box.value.slice(0, at)}${reply.text}${box.value.slice(box.selectionEnd ?? at)}`;
    this.#canned = [];
    this.#cannedQuery = '';
    this.requestUpdate();
    box.focus();
  }

  #isMine(c: DeskConversation): boolean {
    return c.state === 'assigned' && c.operator?.id === this.staff?.subject;
  }

  // --- rendering ------------------------------------------------------------------------------------------------

  override render() {
    const t = this.#t;
    if (!this.staff) return nothing;
    return html`
      <header class="top">
        <h1>${t.pageTitle}</h1>
        <button
          type="button"
          class="presence ${this.#presence}"
          aria-label="${t.presence}: ${this.#presence === 'online' ? t.online : t.away}"
          @click=${() => void this.#setPresence(this.#presence === 'online' ? 'away' : 'online')}
        >
          ${this.#presence === 'online' ? t.online : t.away}
        </button>
      </header>
      ${this.#renderDesk(t)}
    `;
  }

  #renderDesk(t: DeskStrings) {
    const tabs: Tab[] = [
      'waiting',
      'mine',
      ...(this.staff?.role === 'admin' ? (['all'] as const) : []),
      'tickets',
    ];
    return html`<main class="layout ${this.#open ? 'open' : ''}">
      <nav class="lists" aria-label=${t.lists}>
        <div role="tablist" aria-label=${t.lists} @keydown=${(e: KeyboardEvent) => this.#onTabKeydown(e, tabs)}>
          ${tabs.map(
            (tab) => html`<button
              type="button"
              role="tab"
              id="tab-${tab}"
              aria-selected=${this.#tab === tab ? 'true' : 'false'}
              aria-controls="panel-list"
              tabindex=${this.#tab === tab ? '0' : '-1'}
              @click=${() => this.#selectTab(tab)}
            >
              ${t[tab]}${tab === 'tickets' ? nothing : html`<span class="count">${this.#lists[tab].length}</span>`}
            </button>`,
          )}
        </div>
        <div id="panel-list" role="tabpanel" aria-labelledby="tab-${this.#tab}">
          ${this.#tab === 'tickets' ? this.#renderTickets(t) : this.#renderList(t, this.#lists[this.#tab], this.#tab)}
        </div>
      </nav>
      ${this.#open ? this.#renderOpen(t, this.#open) : html`<section class="conversation none"><p class="placeholder">${t.selectConversation}</p></section>`}
      ${this.#open ? this.#renderContext(t, this.#open) : nothing}
    </main>`;
  }

  #renderList(t: DeskStrings, list: DeskConversation[], tab: DeskList) {
    if (!list.length) {
      const empty = tab === 'waiting' ? t.emptyWaiting : tab === 'mine' ? t.emptyMine : t.emptyAll;
      return html`<p class="empty">${empty}</p>`;
    }
    return html`<ul class="items">
      ${list.map((c) => {
        const waited = c.state === 'queued' ? (Date.now() - Date.parse(c.queuedAt)) / 1000 : c.waitSec;
        return html`<li>
          <button
            type="button"
            class="item"
            data-conversation=${c.conversationId}
            aria-current=${this.#open?.id === c.conversationId ? 'true' : 'false'}
            @click=${() => void this.#openConversation(c.conversationId)}
          >
            <span class="line">
              <strong>${c.shopper.name ?? (c.shopper.role === 'guest' ? t.guest : t.shopper)}</strong>
              <span class="wait">
                ${c.state === 'queued' ? t.waited(formatWait(Number.isFinite(waited) ? waited : c.waitSec)) : c.operator ? t.claimed(c.operator.name) : t.states[c.state]}
              </span>
            </span>
            <span class="tags">
              <span class="tag">${t.reasons[c.reason]}</span>
              ${c.topic ? html`<span class="tag">${c.topic}</span>` : nothing}
              <span class="tag">${c.language}</span>
              ${c.sentiment ? html`<span class="tag ${c.sentiment.label}">${t.sentiments[c.sentiment.label]}</span>` : nothing}
              ${c.position ? html`<span class="tag">${t.position(c.position)}</span>` : nothing}
            </span>
            ${c.lastMessage ? html`<span class="preview">${c.lastMessage.text}</span>` : nothing}
          </button>
        </li>`;
      })}
    </ul>`;
  }

  #renderTickets(t: DeskStrings) {
    if (!this.#tickets.length) return html`<p class="empty">${t.emptyTickets}</p>`;
    return html`<ul class="items">
      ${this.#tickets.map(
        (k) => html`<li class="ticket">
          <strong>${t.ticketFrom(k.email)}</strong>
          <span class="muted when">${formatDateTime(k.createdAt, this.locale, this.timeZone)} · ${k.language}${k.notifiedAt ? ` · ${t.notified}` : ''}</span>
          <p>${k.text}</p>
        </li>`,
      )}
    </ul>`;
  }

  #renderOpen(t: DeskStrings, open: Open) {
    const c = open.detail.conversation;
    const mine = this.#isMine(c);
    const ended = !['queued', 'assigned'].includes(c.state);
    const others = this.#operators.filter((o) => o.id !== this.staff?.subject && o.status !== 'offline');
    const typing = Date.now() < this.#shopperTypingUntil;
    const name = c.shopper.name ?? (c.shopper.role === 'guest' ? t.guest : t.shopper);
    return html`<section class="conversation" aria-labelledby="conversation-title">
      <header>
        <button type="button" class="secondary back" aria-label=${t.back} @click=${this.#closeConversation}>← ${t.listsShort}</button>
        <h2 id="conversation-title" tabindex="-1">
          ${name} · <span class="muted">${t.states[c.state]}${c.operator ? ` · ${c.operator.name}` : ''}</span>
        </h2>
        <div class="actions">
          ${c.state === 'queued' ? html`<button type="button" @click=${this.#claim} ?disabled=${this.#busy}>${t.claim}</button>` : nothing}
          ${
            mine
              ? html`<form class="actions" @submit=${this.#transfer}>
                    <label class="sr-only" for="transfer-to">${t.transferTo}</label>
                    <select id="transfer-to" name="operator" required>
                      <option value="">${t.pickOperator}</option>
                      ${others.map((o) => html`<option value=${o.id}>${o.name} (${o.status === 'online' ? t.online : t.away}, ${o.activeChats}/${o.maxChats})</option>`)}
                    </select>
                    <button type="submit" class="secondary" ?disabled=${this.#busy}>${t.transfer}</button>
                  </form>
                  <button type="button" class="secondary" @click=${this.#returnToBot} ?disabled=${this.#busy}>${t.returnToBot}</button>
                  <button type="button" @click=${this.#resolve} ?disabled=${this.#busy}>${t.resolve}</button>`
              : nothing
          }
        </div>
      </header>
      ${this.#error ? html`<p class="banner" role="alert">${this.#error}</p>` : nothing}
      <div class="scroll" @scroll=${this.#onThreadScroll}>
        <details class="bot" ?open=${open.detail.transcript.length <= 6}>
          <summary>${t.botTranscript} (${open.detail.transcript.length})</summary>
          ${
            open.detail.transcript.length
              ? html`<ol class="lines">
                  ${open.detail.transcript.map((l, i) =>
                    this.#renderLine(t, {
                      key: `t${i}`,
                      kind: l.author === 'system' ? 'state' : l.author,
                      text: l.text,
                      at: l.at,
                    }),
                  )}
                </ol>`
              : html`<p class="muted">${t.noTranscript}</p>`
          }
        </details>
        <ol class="lines live" aria-label=${t.liveConversation} role="log" aria-live="polite">
          ${open.thread.items.map((item) => this.#renderLine(t, item))}
        </ol>
      </div>
      <p class="typing" aria-live="polite">${typing ? t.shopperTyping : ''}</p>
      ${
        ended
          ? html`<p class="muted typing">${t.ended}</p>`
          : !mine && !this.#internal && c.state === 'queued'
            ? html`<p class="muted typing">${t.notMine}</p>`
            : nothing
      }
      ${ended ? nothing : this.#renderReply(t, mine)}
    </section>`;
  }

  #renderLine(t: DeskStrings, item: ThreadItem): TemplateResult {
    if (item.kind === 'state') {
      const h = item.handoff;
      const text = h
        ? `${t.states[h.state]}${h.operator && h.state === 'assigned' ? ` · ${h.operator.name}` : ''}${h.position ? ` · ${t.position(h.position)}` : ''}`
        : item.text;
      return html`<li class="state">— ${text} · ${formatTime(item.at, this.locale, this.timeZone)} —</li>`;
    }
    const from =
      item.kind === 'shopper'
        ? t.shopper
        : item.kind === 'agent'
          ? t.bot
          : item.kind === 'note'
            ? `${t.note} · ${item.operatorName ?? ''}`
            : (item.operatorName ?? t.system);
    return html`<li class=${item.kind}>
      <div class="from">${from} · ${formatTime(item.at, this.locale, this.timeZone)}</div>
      <div class="text">${item.text}</div>
    </li>`;
  }

  #renderReply(t: DeskStrings, mine: boolean) {
    const internal = this.#internal;
    const canWrite = mine || internal;
    return html`<form class="reply ${internal ? 'internal' : ''}" @submit=${this.#send}>
      <div class="canned">
        <label>${t.canned}
          <input
            type="search"
            .value=${this.#cannedQuery}
            placeholder=${t.cannedSearch}
            aria-label=${t.cannedSearch}
            @input=${this.#searchCanned}
          />
        </label>
        ${
          this.#cannedQuery.trim()
            ? this.#canned.length
              ? html`<ul aria-label=${t.canned}>
                  ${this.#canned.map(
                    (r) => html`<li>
                      <button type="button" @click=${() => this.#insert(r)} aria-label="${t.insert}: ${r.title}">
                        ${r.title}<span>${r.text}</span>
                      </button>
                    </li>`,
                  )}
                </ul>`
              : html`<p class="muted">${t.cannedNone}</p>`
            : nothing
        }
      </div>
      <label class="sr-only" for="reply-text">${internal ? t.note : t.reply}</label>
      <textarea
        id="reply-text"
        maxlength="4000"
        placeholder=${internal ? t.notePlaceholder : t.replyPlaceholder}
        @input=${this.#onReplyInput}
        @keydown=${this.#onReplyKeydown}
      ></textarea>
      <div class="row">
        <label class="check">
          <input
            type="checkbox"
            .checked=${internal}
            @change=${(e: Event) => {
              this.#internal = (e.target as HTMLInputElement).checked;
              this.requestUpdate();
            }}
          />
          ${t.internal}
        </label>
        <button type="submit" ?disabled=${this.#busy || !canWrite}>${internal ? t.addNote : t.send}</button>
      </div>
    </form>`;
  }

  #renderContext(t: DeskStrings, open: Open) {
    const c = open.detail.conversation;
    const context = open.context;
    const role = (context?.shopper.role ?? c.shopper.role) as keyof DeskStrings['roles'];
    return html`<aside class="context" aria-labelledby="context-title">
      <h2 id="context-title">${t.context}</h2>
      <dl>
        <dt>${t.role}</dt><dd>${t.roles[role] ?? role}</dd>
        <dt>${t.languageLabel}</dt><dd>${c.language}</dd>
        <dt>${t.reason}</dt><dd>${t.reasons[c.reason]}</dd>
        ${c.topic ? html`<dt>${t.topic}</dt><dd>${c.topic}</dd>` : nothing}
        ${c.sentiment ? html`<dt>${t.sentimentLabel}</dt><dd>${t.sentiments[c.sentiment.label]}</dd>` : nothing}
      </dl>
      <h3>${t.orders}</h3>
      ${
        !context
          ? nothing
          : context.orders === null
            ? html`<p class="muted">${t.ordersGuest}</p>`
            : context.orders.length === 0
              ? html`<p class="muted">${t.noOrders}</p>`
              : context.orders.map(
                  (o) => html`<div class="order">
                    <strong>#${o.number}</strong> · ${o.statusLabel ?? o.status}
                    ${typeof o.total === 'number' ? html`<div class="muted">${money(o.total, this.locale)}</div>` : nothing}
                  </div>`,
                )
      }
    </aside>`;
  }
}

function money(value: number, locale: ConsoleLocale): string {
  return new Intl.NumberFormat(intlLocale(locale), { style: 'currency', currency: 'BRL' }).format(value);
}

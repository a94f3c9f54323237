import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type {
  ConversationPage,
  ConversationRow,
  Transcript,
} from '../../../orchestrator/metrics/conversations.js';
import { type DashboardApi, readJson } from './api.js';
import { type DashboardLocale, dateTime, duration } from './format.js';
import { textsFor } from './i18n.js';
import { baseStyles, listStyles } from './styles.js';

type Choice = '' | 'true' | 'false';

/**
 * The conversations of the dashboard's range: filters (language, handed off, rated, abandoned), a page at a time,
 * and the transcript of the one opened. Properties as `<atende-dashboard>`'s, plus the range.
 */
export class AtendeDashboardConversations extends LitElement {
  static override properties = {
    api: { attribute: false },
    locale: { attribute: false },
    timeZone: { attribute: false },
    range: { attribute: false },
    locales: { attribute: false },
  };
  static override styles = [baseStyles, listStyles];

  // Declared, not initialised: a class field would shadow Lit's reactive accessors.
  declare api: DashboardApi | undefined;
  declare locale: DashboardLocale;
  declare timeZone: string;
  /** The range the list shows; `from`/`to` ISO 8601. */
  declare range: { from: string; to: string } | undefined;
  /** The languages to offer in the filter. */
  declare locales: string[];

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = 'America/Sao_Paulo';
    this.locales = [];
  }

  #filters: { locale: string; handedOff: Choice; rated: Choice; abandoned: Choice } = {
    locale: '',
    handedOff: '',
    rated: '',
    abandoned: '',
  };
  #rows: ConversationRow[] = [];
  #next: ConversationPage['next'] = null;
  #loading = false;
  #error = '';
  #transcript?: Transcript;
  #generation = 0;

  protected override willUpdate(changed: PropertyValues<this>) {
    if ((changed.has('range') || changed.has('api')) && this.api && this.range) void this.#load(false);
  }

  #query(more: boolean): string {
    const params = new URLSearchParams({
      from: this.range?.from ?? '',
      to: this.range?.to ?? '',
      limit: '20',
    });
    const { locale, handedOff, rated, abandoned } = this.#filters;
    if (locale) params.set('locale', locale);
    if (handedOff) params.set('handedOff', handedOff);
    if (rated) params.set('rated', rated);
    if (abandoned) params.set('abandoned', abandoned);
    if (more && this.#next) {
      params.set('before', this.#next.createdAt);
      params.set('beforeId', this.#next.id);
    }
    return params.toString();
  }

  async #load(more: boolean) {
    if (!this.api) return;
    const generation = ++this.#generation;
    this.#loading = true;
    this.#error = '';
    if (!more) this.#transcript = undefined;
    this.requestUpdate();
    try {
      const page = await readJson<ConversationPage>(
        await this.api(`/api/metrics/conversations?${this.#query(more)}`),
      );
      if (generation !== this.#generation) return;
      this.#rows = more ? [...this.#rows, ...page.conversations] : page.conversations;
      this.#next = page.next;
    } catch {
      if (generation === this.#generation) this.#error = textsFor(this.locale).failed;
    } finally {
      if (generation === this.#generation) this.#loading = false;
      this.requestUpdate();
    }
  }

  async #open(id: string) {
    if (!this.api) return;
    try {
      this.#transcript = await readJson<Transcript>(await this.api(`/api/metrics/conversations/${id}`));
      this.requestUpdate();
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('.transcript h3')?.focus();
    } catch {
      this.#error = textsFor(this.locale).failed;
      this.requestUpdate();
    }
  }

  #filter(name: 'locale' | 'handedOff' | 'rated' | 'abandoned', value: string) {
    this.#filters = { ...this.#filters, [name]: value };
    void this.#load(false);
  }

  /** The filters' current values (for the tests and the console's deep links). */
  get filters() {
    return { ...this.#filters };
  }

  #choice(name: 'handedOff' | 'rated' | 'abandoned', label: string) {
    const t = textsFor(this.locale);
    return html`<label
      >${label}
      <select
        name=${name}
        @change=${(e: Event) => this.#filter(name, (e.target as HTMLSelectElement).value)}
      >
        <option value="" ?selected=${this.#filters[name] === ''}>${t.any}</option>
        <option value="true" ?selected=${this.#filters[name] === 'true'}>${t.yes}</option>
        <option value="false" ?selected=${this.#filters[name] === 'false'}>${t.no}</option>
      </select></label
    >`;
  }

  #tags(row: ConversationRow) {
    const t = textsFor(this.locale);
    return html`${row.abandoned ? html`<span class="tag bad">${t.abandoned}</span>` : nothing}
    ${row.handedOff ? html`<span class="tag">${t.reasons[row.handoffReason as keyof typeof t.reasons] ?? t.handedOff}</span>` : nothing}
    ${row.notFound > 0 ? html`<span class="tag warn">${t.lowConfidence} ×${row.notFound}</span>` : nothing}
    ${row.leftBy ? html`<span class="tag">${t.left[row.leftBy]}</span>` : nothing}`;
  }

  #renderTranscript(transcript: Transcript) {
    const t = textsFor(this.locale);
    const c = transcript.conversation;
    return html`<section class="transcript" aria-labelledby="transcript-title">
      <header>
        <h3 id="transcript-title" tabindex="-1">
          ${t.transcript} · ${dateTime(c.createdAt, this.locale, this.timeZone)} · ${c.locale}
        </h3>
        <button class="secondary" @click=${() => {
          this.#transcript = undefined;
          this.requestUpdate();
        }}>${t.close}</button>
      </header>
      <p class="muted">
        ${this.#tags(c)} ${c.rating !== null ? html`<span class="tag">${t.rating}: ${c.rating}/5</span>` : nothing}
        ${c.firstResponseMs !== null ? html`<span class="tag">${t.firstResponse}: ${duration(c.firstResponseMs, this.locale)}</span>` : nothing}
      </p>
      <ol>
        ${transcript.messages.map(
          (m) => html`<li class=${m.author}>
            <div class="meta">
              ${m.author === 'operator' ? (m.agents[0] ?? t.authors.operator) : t.authors[m.author]} ·
              ${dateTime(m.createdAt, this.locale, this.timeZone)}
              ${m.confidence === 'low' ? html`<span class="tag warn">${t.lowConfidence}</span>` : nothing}
              ${m.status === 'failed' ? html`<span class="tag bad">${t.failedReply}</span>` : nothing}
              ${m.sentiment ? html`<span class="tag">${t.sentiments[m.sentiment as keyof typeof t.sentiments] ?? m.sentiment}</span>` : nothing}
            </div>
            <p class="text">${m.text}</p>
            ${
              m.citations.length > 0
                ? html`<div class="meta">${t.sources}: ${m.citations.map((c) => c.title).join(', ')}</div>`
                : nothing
            }
          </li>`,
        )}
      </ol>
      ${
        transcript.handoff.length > 0
          ? html`<p class="muted">
            ${t.handoffState}: ${transcript.handoff.map((h) => `${h.state} (${dateTime(h.at, this.locale, this.timeZone)})`).join(' → ')}
          </p>`
          : nothing
      }
    </section>`;
  }

  override render() {
    const t = textsFor(this.locale);
    return html`<div class="card">
      <h2 id="list-title">${t.list}</h2>
      <div class="filters" role="group" aria-labelledby="list-title">
        <label
          >${t.language}
          <select name="locale" @change=${(e: Event) => this.#filter('locale', (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this.#filters.locale === ''}>${t.any}</option>
            ${this.locales.map((l) => html`<option value=${l} ?selected=${this.#filters.locale === l}>${l}</option>`)}
          </select></label
        >
        ${this.#choice('handedOff', t.handedOff)} ${this.#choice('rated', t.rated)}
        ${this.#choice('abandoned', t.abandoned)}
      </div>
      ${this.#error ? html`<p class="error" role="alert">${this.#error}</p>` : nothing}
      ${
        this.#rows.length === 0 && !this.#loading
          ? html`<p class="muted">${t.empty}</p>`
          : html`<table>
            <thead>
              <tr>
                <th>${t.started}</th>
                <th>${t.language}</th>
                <th>${t.messages}</th>
                <th>${t.firstResponse}</th>
                <th>${t.status}</th>
                <th>${t.rating}</th>
                <th><span class="muted">${t.open}</span></th>
              </tr>
            </thead>
            <tbody>
              ${this.#rows.map(
                (row) => html`<tr class=${this.#transcript?.conversation.id === row.id ? 'selected' : ''}>
                  <td data-label=${t.started}>${dateTime(row.createdAt, this.locale, this.timeZone)}</td>
                  <td data-label=${t.language}>${row.locale}</td>
                  <td class="num" data-label=${t.messages}>${row.shopperMessages}</td>
                  <td class="num" data-label=${t.firstResponse}>${duration(row.firstResponseMs, this.locale)}</td>
                  <td data-label=${t.status}><span class="tags">${this.#tags(row)}</span></td>
                  <td class="num" data-label=${t.rating}>${row.rating ?? '–'}</td>
                  <td data-label=${t.open}>
                    <button class="secondary" @click=${() => this.#open(row.id)}>${t.open}</button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
      ${
        this.#next
          ? html`<button class="secondary more" ?disabled=${this.#loading} @click=${() => this.#load(true)}>
            ${t.more}
          </button>`
          : nothing
      }
      ${this.#transcript ? this.#renderTranscript(this.#transcript) : nothing}
    </div>`;
  }
}

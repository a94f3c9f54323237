import { css, html, LitElement, nothing } from 'lit';
import type { CannedReply, DeskSettings } from '../../../agents/desk/protocol.js';
import { type ConsoleStrings, consoleStrings } from './i18n.js';
import {
  type ApiFetch,
  type ConsoleLocale,
  type ConsoleSection,
  DEFAULT_TIME_ZONE,
  type StaffIdentity,
} from './section.js';
import { baseStyles } from './styles.js';

/** One scope of `GET /api/settings/scope-policy`. */
interface ScopeRow {
  scope: string;
  roles: string[];
}

/** Days of a range in words: consecutive days as `seg–sex`, others listed. */
export function dayRange(days: number[], names: string[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  const consecutive = sorted.every((d, i) => i === 0 || d === (sorted[i - 1] as number) + 1);
  if (sorted.length > 2 && consecutive) {
    return `${names[sorted[0] as number]}–${names[sorted[sorted.length - 1] as number]}`;
  }
  return sorted.map((d) => names[d]).join(', ');
}

/** A refusal's message from an error body `{ code, message }`, if any. */
async function messageOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `<atende-settings>`: the shop's configuration: the desk's business hours, time zone and assignment
 * (`GET /api/desk/settings`; admins change the hours and time zone with `PUT`), the canned replies
 * (`GET /api/desk/canned-replies`; admins add and delete their own) and the scope policy
 * (`GET /api/settings/scope-policy`, read-only).
 */
export class AtendeSettings extends LitElement implements ConsoleSection {
  static override styles = [
    baseStyles,
    css`
      form.edit {
        display: grid;
        gap: 6px;
        margin-top: 12px;
        max-width: 560px;
      }
      form.edit label {
        display: grid;
        gap: 2px;
        font-size: 14px;
      }
      form.edit textarea {
        font: inherit;
        border: 1px solid #bcccdc;
        border-radius: 8px;
        padding: 7px 8px;
        min-height: 64px;
      }
      form.edit button {
        justify-self: start;
      }
      .ok {
        color: #1a7f37;
      }
    `,
  ];
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
  #desk: DeskSettings | 'unavailable' | undefined;
  #replies: CannedReply[] | undefined;
  #query = '';
  #scopes: ScopeRow[] | 'error' | undefined;
  #hoursDraft = '';
  #zoneDraft = '';
  #deskNotice: { ok: boolean; text: string } | undefined;
  #cannedNotice: { ok: boolean; text: string } | undefined;
  #busy = false;

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = DEFAULT_TIME_ZONE;
  }

  override connectedCallback() {
    super.connectedCallback();
    void this.#load();
  }

  async #json<T>(path: string): Promise<T | undefined> {
    try {
      const response = await this.api(path);
      return response.ok ? ((await response.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  }

  async #load() {
    if (!this.api) return;
    const [desk, scopes] = await Promise.all([
      this.#json<{ settings: DeskSettings }>('/api/desk/settings'),
      this.#json<{ scopes: ScopeRow[] }>('/api/settings/scope-policy'),
    ]);
    this.#desk = desk?.settings ?? 'unavailable';
    if (desk) this.#draftFrom(desk.settings);
    this.#scopes = scopes?.scopes ?? 'error';
    this.requestUpdate();
    await this.#search('');
  }

  async #search(query: string) {
    this.#query = query;
    const found = await this.#json<{ replies: CannedReply[] }>(
      `/api/desk/canned-replies?q=${encodeURIComponent(query)}`,
    );
    if (this.#query === query) this.#replies = found?.replies ?? [];
    this.requestUpdate();
  }

  #draftFrom(settings: DeskSettings) {
    this.#hoursDraft = settings.hoursSpec;
    this.#zoneDraft = settings.timeZone;
  }

  get #admin() {
    return this.staff?.role === 'admin';
  }

  /** Sends a change; answers the response when it succeeded, else shows the server's message through `fail`. */
  async #send(path: string, init: RequestInit, fail: (message: string) => void) {
    const t = consoleStrings(this.locale);
    this.#busy = true;
    this.requestUpdate();
    try {
      const response = await this.api(path, {
        ...init,
        headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
      if (response.ok) return response;
      fail((await messageOf(response)) ?? t.genericError);
    } catch {
      fail(t.networkError);
    } finally {
      this.#busy = false;
      this.requestUpdate();
    }
    return undefined;
  }

  async #saveHours(e: Event) {
    e.preventDefault();
    const t = consoleStrings(this.locale);
    const response = await this.#send(
      '/api/desk/settings',
      { method: 'PUT', body: JSON.stringify({ hours: this.#hoursDraft, timeZone: this.#zoneDraft }) },
      (text) => {
        this.#deskNotice = { ok: false, text };
      },
    );
    if (!response) return;
    const { settings } = (await response.json()) as { settings: DeskSettings };
    this.#desk = settings;
    this.#draftFrom(settings);
    this.#deskNotice = { ok: true, text: t.settingsSaved };
    this.requestUpdate();
  }

  async #addReply(e: Event) {
    e.preventDefault();
    const t = consoleStrings(this.locale);
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const response = await this.#send(
      '/api/desk/canned-replies',
      { method: 'POST', body: JSON.stringify({ title: data.get('title'), text: data.get('text') }) },
      (text) => {
        this.#cannedNotice = { ok: false, text };
      },
    );
    if (!response) return;
    form.reset();
    this.#cannedNotice = { ok: true, text: t.cannedAdded };
    await this.#search(this.#query);
  }

  async #deleteReply(reply: CannedReply) {
    const response = await this.#send(
      `/api/desk/canned-replies/${encodeURIComponent(reply.id)}`,
      { method: 'DELETE' },
      (text) => {
        this.#cannedNotice = { ok: false, text };
      },
    );
    if (!response) return;
    this.#cannedNotice = undefined;
    await this.#search(this.#query);
  }

  #notice(notice: { ok: boolean; text: string } | undefined) {
    if (!notice) return nothing;
    return notice.ok
      ? html`<p class="ok" role="status">${notice.text}</p>`
      : html`<p class="error" role="alert">${notice.text}</p>`;
  }

  override render() {
    const t = consoleStrings(this.locale);
    return html`<div class="page">
      <h2>${t.settingsTitle}</h2>
      <p class="muted">${t.settingsHint}</p>
      ${this.#renderDesk(t)} ${this.#renderCanned(t)} ${this.#renderScopes(t)}
    </div>`;
  }

  #renderDesk(t: ConsoleStrings) {
    const desk = this.#desk;
    return html`<section class="card" aria-labelledby="desk-title">
      <h3 id="desk-title">${t.deskTitle}</h3>
      ${
        desk === 'unavailable'
          ? html`<p class="error" role="alert">${t.deskUnavailable}</p>`
          : desk
            ? html`<div class="table"><table>
                <tbody>
                  <tr><th scope="row">${t.hours}</th><td>
                    ${
                      desk.hours.always
                        ? t.alwaysOpen
                        : desk.hours.ranges.map(
                            (r) => html`<div>${dayRange(r.days, t.days)} ${r.from}–${r.to}</div>`,
                          )
                    }
                    <span class="state ${desk.openNow ? 'open' : 'closed'}">${desk.openNow ? t.openNow : t.closedNow}</span>
                    ${desk.overridden ? html`<span class="tag">${t.overridden}</span>` : nothing}
                  </td></tr>
                  <tr><th scope="row">${t.timeZone}</th><td><code>${desk.timeZone}</code></td></tr>
                  <tr><th scope="row">${t.assignment}</th><td>${t.assignments[desk.assignment] ?? desk.assignment}</td></tr>
                  <tr><th scope="row">${t.maxChats}</th><td>${desk.maxChatsPerOperator}</td></tr>
                </tbody>
              </table></div>
              ${this.#admin ? this.#renderHoursForm(t) : nothing}`
            : nothing
      }
    </section>`;
  }

  #renderHoursForm(t: ConsoleStrings) {
    return html`<form class="edit" aria-label=${t.hoursEdit} @submit=${(e: Event) => void this.#saveHours(e)}>
      <label>${t.hoursEdit}
        <input name="hours" required .value=${this.#hoursDraft} aria-describedby="hours-grammar"
          @input=${(e: Event) => {
            this.#hoursDraft = (e.target as HTMLInputElement).value;
          }} />
      </label>
      <span class="muted" id="hours-grammar">${t.hoursGrammar}</span>
      <label>${t.timeZoneEdit}
        <input name="timeZone" required .value=${this.#zoneDraft}
          @input=${(e: Event) => {
            this.#zoneDraft = (e.target as HTMLInputElement).value;
          }} />
      </label>
      <button type="submit" ?disabled=${this.#busy}>${t.saveSettings}</button>
      ${this.#notice(this.#deskNotice)}
    </form>`;
  }

  #renderCanned(t: ConsoleStrings) {
    const replies = this.#replies;
    return html`<section class="card" aria-labelledby="canned-title">
      <h3 id="canned-title">${t.cannedTitle}</h3>
      <p class="muted">${t.cannedHint}</p>
      <input
        type="search"
        aria-label=${t.cannedSearch}
        placeholder=${t.cannedSearch}
        .value=${this.#query}
        @input=${(e: Event) => void this.#search((e.target as HTMLInputElement).value)}
      />
      ${
        replies && !replies.length
          ? html`<p>${t.cannedNone}</p>`
          : replies
            ? html`<div class="table"><table class="canned">
                <tbody>
                  ${replies.map(
                    (r) => html`<tr>
                      <th scope="row">${r.title}</th>
                      <td>${r.text}</td>
                      <td><span class="tag">${r.custom ? t.cannedCustom : t.cannedFaq}</span></td>
                      <td>${
                        r.custom && this.#admin
                          ? html`<button type="button" class="secondary" ?disabled=${this.#busy}
                              aria-label=${`${t.cannedDelete}: ${r.title}`}
                              @click=${() => void this.#deleteReply(r)}>${t.cannedDelete}</button>`
                          : nothing
                      }</td>
                    </tr>`,
                  )}
                </tbody>
              </table></div>`
            : nothing
      }
      ${
        this.#admin
          ? html`<form class="edit" aria-label=${t.cannedAdd} @submit=${(e: Event) => void this.#addReply(e)}>
              <label>${t.cannedAddTitle}<input name="title" required maxlength="200" /></label>
              <label>${t.cannedAddText}<textarea name="text" required maxlength="2000"></textarea></label>
              <button type="submit" ?disabled=${this.#busy}>${t.cannedAdd}</button>
              ${this.#notice(this.#cannedNotice)}
            </form>`
          : nothing
      }
    </section>`;
  }

  #renderScopes(t: ConsoleStrings) {
    const scopes = this.#scopes;
    return html`<section class="card" aria-labelledby="scope-title">
      <h3 id="scope-title">${t.scopeTitle}</h3>
      <p class="muted">${t.scopeHint}</p>
      ${
        scopes === 'error'
          ? html`<p class="error" role="alert">${t.genericError}</p>`
          : scopes
            ? html`<div class="table"><table class="scopes">
                <thead><tr><th>${t.scope}</th><th>${t.scopeRoles}</th></tr></thead>
                <tbody>
                  ${scopes.map(
                    (s) => html`<tr>
                      <td><code>${s.scope}</code></td>
                      <td>${s.roles.length ? s.roles.map((r) => html`<span class="tag">${t.roleNames[r] ?? r}</span>`) : t.nobody}</td>
                    </tr>`,
                  )}
                </tbody>
              </table></div>`
            : nothing
      }
    </section>`;
  }
}

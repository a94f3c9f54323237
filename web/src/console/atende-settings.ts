import { html, LitElement, nothing } from 'lit';
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

/**
 * `<atende-settings>`: what an admin may check of the shop's configuration, read-only: the desk's business hours,
 * time zone and assignment (`GET /api/desk/settings`), the canned replies (`GET /api/desk/canned-replies`) and
 * the scope policy (`GET /api/settings/scope-policy`).
 */
export class AtendeSettings extends LitElement implements ConsoleSection {
  static override styles = baseStyles;
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
                  </td></tr>
                  <tr><th scope="row">${t.timeZone}</th><td><code>${desk.timeZone}</code></td></tr>
                  <tr><th scope="row">${t.assignment}</th><td>${t.assignments[desk.assignment] ?? desk.assignment}</td></tr>
                  <tr><th scope="row">${t.maxChats}</th><td>${desk.maxChatsPerOperator}</td></tr>
                </tbody>
              </table></div>`
            : nothing
      }
    </section>`;
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
                  ${replies.map((r) => html`<tr><th scope="row">${r.title}</th><td>${r.text}</td></tr>`)}
                </tbody>
              </table></div>`
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

import { html, LitElement, nothing } from 'lit';
import { consoleStrings } from './i18n.js';
import {
  type ApiFetch,
  type ConsoleLocale,
  type ConsoleSection,
  DEFAULT_TIME_ZONE,
  formatDateTime,
  type StaffIdentity,
} from './section.js';
import { baseStyles } from './styles.js';

/** One agent as `GET /api/agents` lists it. */
interface AgentRow {
  url: string;
  state: string;
  name: string | null;
  lastCheckedAt: string | null;
  error: string | null;
  /** The card-signing key whose signature verified the card (null when signatures are not required). */
  signedBy?: string | null;
  skills: Array<{ id: string; name: string; tags: string[] }>;
}

/** `<atende-agents>`: the console's list of the mesh's agents (`GET /api/agents`), each a link to the inspector. */
export class AtendeAgents extends LitElement implements ConsoleSection {
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
  #agents: AgentRow[] | undefined;
  /** Why the list could not be loaded (the orchestrator's message, else the HTTP status); empty when it loaded. */
  #error = '';

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = DEFAULT_TIME_ZONE;
  }

  override connectedCallback() {
    super.connectedCallback();
    void this.#load();
  }

  async #load() {
    if (!this.api) return;
    try {
      const response = await this.api('/api/agents');
      const body = (await response.json().catch(() => ({}))) as { agents?: AgentRow[]; message?: string };
      if (!response.ok || !Array.isArray(body.agents)) {
        this.#error = body.message ?? `HTTP ${response.status}`;
      } else {
        this.#agents = body.agents;
        this.#error = '';
      }
    } catch (error) {
      this.#error = (error as Error).message || 'network error';
    }
    this.requestUpdate();
  }

  override render() {
    const t = consoleStrings(this.locale);
    const agents = this.#agents;
    return html`<div class="page">
      <section class="card" aria-labelledby="agents-title">
        <h2 id="agents-title">${t.agentsTitle}</h2>
        <p class="muted">${t.agentsHint}</p>
        <button type="button" class="secondary" @click=${() => void this.#load()}>${t.reload}</button>
        ${this.#error ? html`<p class="error" role="alert">${t.genericError} (${this.#error})</p>` : nothing}
        ${
          agents && !agents.length
            ? html`<p>${t.noAgents}</p>`
            : agents
              ? html`<div class="table"><table>
                  <thead><tr>
                    <th>${t.agentName}</th><th>${t.agentState}</th><th>${t.agentSkills}</th><th>${t.agentChecked}</th><th></th>
                  </tr></thead>
                  <tbody>
                    ${agents.map(
                      (a) => html`<tr>
                        <td><strong>${a.name ?? '—'}</strong><br /><code>${a.url}</code>
                          ${a.error ? html`<div class="error">${t.agentError}: ${a.error}</div>` : nothing}
                          ${a.signedBy ? html`<div class="muted">✔ ${a.signedBy}</div>` : nothing}</td>
                        <td><span class="state ${a.state}">${t.states[a.state] ?? a.state}</span></td>
                        <td>${a.skills.map((s) => html`<span class="tag" title=${s.id}>${s.name}</span>`)}</td>
                        <td>${a.lastCheckedAt ? formatDateTime(a.lastCheckedAt, this.locale, this.timeZone) : '—'}</td>
                        <td><a href="#/inspector?url=${encodeURIComponent(a.url)}">${t.inspect}</a></td>
                      </tr>`,
                    )}
                  </tbody>
                </table></div>`
              : nothing
        }
      </section>
    </div>`;
  }
}

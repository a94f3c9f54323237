import { css, html, LitElement, nothing } from 'lit';
// The orchestrator's types of what it sends (type-only imports: nothing of the orchestrator is bundled).
import type {
  CardSummary,
  InspectionReport,
  TestMessageEvent,
} from '../../../orchestrator/inspector/index.js';
import {
  type ApiFetch,
  type ConsoleLocale,
  type ConsoleSection,
  DEFAULT_TIME_ZONE,
  type StaffIdentity,
} from '../console/section.js';
import { readEvents } from '../widget/sse.js';
import { type InspectorStrings, inspectorStrings } from './i18n.js';

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** One line about a JSON-RPC stream event: its kind, task state, and any text or data it carries. */
export function describeEvent(data: unknown): string {
  const rpc = (data ?? {}) as {
    result?: Record<string, unknown>;
    error?: { code?: number; message?: string };
  };
  if (rpc.error) return `JSON-RPC error ${rpc.error.code ?? ''}: ${rpc.error.message ?? ''}`;
  const [kind, value] = Object.entries(rpc.result ?? {})[0] ?? [];
  if (!kind) return typeof data === 'string' ? data.slice(0, 200) : '';
  const v = (value ?? {}) as {
    status?: { state?: string };
    artifact?: { parts?: Array<{ text?: string; data?: unknown }> };
    parts?: Array<{ text?: string; data?: unknown }>;
  };
  const parts = v.artifact?.parts ?? v.parts ?? [];
  const content = parts
    .map((p) =>
      p.text !== undefined ? JSON.stringify(p.text) : p.data !== undefined ? JSON.stringify(p.data) : '',
    )
    .join(' ');
  const state = v.status?.state ? ` ${v.status.state}` : '';
  return `${kind}${state}${content ? ` ${content.length > 160 ? `${content.slice(0, 160)}…` : content}` : ''}`;
}

/**
 * `<atende-inspector>`: a section of the console (given `.api`, `.locale`, `.timeZone`, `.staff`): inspects agent
 * cards through the orchestrator and sends them test messages. A `#/inspector?url=…` location fills the URL in.
 */
export class AtendeInspector extends LitElement implements ConsoleSection {
  static override properties = {
    api: { attribute: false },
    locale: { attribute: false },
    timeZone: { attribute: false },
    staff: { attribute: false },
  };
  static override styles = css`
    :host {
      display: block;
      font-size: 15px;
      line-height: 1.45;
      max-width: 1100px;
      margin: 0 auto;
      padding: 20px;
    }
    @media (max-width: 720px) {
      :host {
        padding: 12px;
      }
    }
    * {
      box-sizing: border-box;
    }
    :focus-visible {
      outline: 3px solid #f4b400;
      outline-offset: 2px;
    }
    section {
      background: #fff;
      border-radius: 12px;
      padding: 16px 18px;
      margin-bottom: 16px;
      box-shadow: 0 1px 3px rgb(0 0 0 / 0.08);
    }
    h2 {
      font-size: 17px;
      margin: 0 0 10px;
    }
    h3 {
      font-size: 15px;
      margin: 14px 0 6px;
    }
    label {
      display: flex;
      flex-direction: column;
      gap: 3px;
      font-size: 13px;
      color: #486581;
    }
    input,
    select,
    textarea,
    button {
      font: inherit;
    }
    input,
    select,
    textarea {
      border: 1px solid #bcccdc;
      border-radius: 8px;
      padding: 8px;
      color: #1c2430;
    }
    button {
      background: #0b6e4f;
      color: #fff;
      border: none;
      border-radius: 8px;
      padding: 8px 14px;
      cursor: pointer;
    }
    button.secondary {
      background: #fff;
      color: #0b6e4f;
      border: 1px solid #0b6e4f;
    }
    button:disabled {
      opacity: 0.6;
    }
    .row {
      display: flex;
      gap: 10px;
      align-items: flex-end;
      flex-wrap: wrap;
    }
    .row label {
      flex: 1;
      min-width: 240px;
    }
    .row label.narrow {
      flex: 0 0 auto;
      min-width: 110px;
    }
    .error {
      color: #b42318;
    }
    .warn {
      color: #8d2b0b;
      background: #fff8e6;
      border-radius: 8px;
      padding: 6px 10px;
    }
    .verdict {
      display: inline-block;
      font-weight: 700;
      border-radius: 999px;
      padding: 2px 12px;
    }
    .verdict.valid {
      background: #e3f9e5;
      color: #0e5c2f;
    }
    .verdict.invalid {
      background: #fdecea;
      color: #b42318;
    }
    .muted {
      color: #627d98;
      font-size: 13px;
    }
    ul.findings {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    ul.findings li {
      padding: 6px 10px;
      border-left: 4px solid;
      margin-bottom: 6px;
      background: #fafbfc;
    }
    ul.findings li.error {
      border-color: #b42318;
    }
    ul.findings li.warning {
      border-color: #f0b429;
    }
    code,
    pre {
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      font-size: 13px;
    }
    pre {
      background: #0f1720;
      color: #e6edf3;
      padding: 10px;
      border-radius: 8px;
      overflow: auto;
      max-height: 360px;
      margin: 4px 0 8px;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      text-align: left;
      padding: 4px 8px;
      border-bottom: 1px solid #e4e7eb;
      vertical-align: top;
      font-size: 14px;
    }
    .skills {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
      gap: 10px;
    }
    .skill {
      border: 1px solid #d9e2ec;
      border-radius: 10px;
      padding: 10px;
    }
    .skill p {
      margin: 4px 0;
    }
    .tag {
      display: inline-block;
      background: #f0f4f8;
      border-radius: 999px;
      padding: 0 8px;
      margin: 2px 2px 0 0;
      font-size: 12px;
    }
    .sig.valid {
      color: #0e5c2f;
    }
    .sig.invalid {
      color: #b42318;
    }
    ol.trace {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    ol.trace li {
      border-left: 3px solid #9fb3c8;
      padding-left: 10px;
      margin-bottom: 6px;
    }
    .ms {
      font-weight: 700;
      color: #334e68;
      display: inline-block;
      min-width: 64px;
    }
    .what {
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      font-size: 13px;
      overflow-wrap: anywhere;
    }
    ol.trace details {
      margin-left: 64px;
    }
    ol.trace summary {
      font-size: 12px;
      color: #627d98;
      cursor: pointer;
    }
  `;

  declare api: ApiFetch;
  declare locale: ConsoleLocale;
  declare timeZone: string;
  declare staff: StaffIdentity;
  #busy = false;
  #loaded = false;
  #agents: string[] = [];
  #report: InspectionReport | undefined;
  #inspectError = '';
  #trace: TestMessageEvent[] = [];
  #sending = false;
  #sendError = '';

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = DEFAULT_TIME_ZONE;
  }

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#onHash);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHash);
  }

  override willUpdate() {
    if (!this.#loaded && typeof this.api === 'function') {
      this.#loaded = true;
      void this.#loadAgents();
    }
  }

  /** The agent a `#/inspector?url=…` location names, if any. */
  #wanted(): string | undefined {
    const query = location.hash.split('?')[1];
    return query ? (new URLSearchParams(query).get('url') ?? undefined) : undefined;
  }

  readonly #onHash = () => {
    const url = this.#wanted();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name="url"]');
    if (url && input) input.value = url;
  };

  async #loadAgents() {
    try {
      const response = await this.api('/api/agents');
      const body = (await response.json()) as { agents: Array<{ url: string }> };
      this.#agents = body.agents.map((a) => a.url);
      this.requestUpdate();
    } catch {
      // the list is only a convenience
    }
  }

  async #api(path: string, body: unknown): Promise<Response> {
    // The console's fetch renews the token, and signs out when it cannot.
    return this.api(`/api/inspector${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async #inspect(event: SubmitEvent) {
    event.preventDefault();
    const url = String(new FormData(event.target as HTMLFormElement).get('url') ?? '');
    this.#busy = true;
    this.#inspectError = '';
    this.#report = undefined;
    this.#trace = [];
    this.requestUpdate();
    try {
      const response = await this.#api('/inspect', { url });
      const body = (await response.json()) as InspectionReport & { message?: string };
      if (!response.ok) this.#inspectError = body.message ?? `HTTP ${response.status}`;
      else this.#report = body;
    } catch {
      this.#inspectError = this.#t.unreachable;
    } finally {
      this.#busy = false;
      this.requestUpdate();
    }
  }

  async #send(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    if (!this.#report) return;
    this.#sending = true;
    this.#sendError = '';
    this.#trace = [];
    this.requestUpdate();
    try {
      const response = await this.#api('/send', {
        url: this.#report.url,
        skill: data.get('skill'),
        text: data.get('text'),
        locale: data.get('locale'),
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { message?: string };
        this.#sendError = body.message ?? `HTTP ${response.status}`;
        return;
      }
      for await (const e of readEvents(response.body)) {
        this.#trace = [...this.#trace, e.data as TestMessageEvent];
        this.requestUpdate();
      }
    } catch {
      this.#sendError = this.#t.streamBroke;
    } finally {
      this.#sending = false;
      this.requestUpdate();
    }
  }

  get #t(): InspectorStrings {
    return inspectorStrings(this.locale);
  }

  override render() {
    const t = this.#t;
    return html`
      <section aria-labelledby="inspect-title">
        <h2 id="inspect-title">${t.inspectTitle}</h2>
        <form class="row" @submit=${this.#inspect}>
          <label
            >${t.url}
            <input
              name="url"
              type="url"
              required
              list="known-agents"
              placeholder="https://localhost:9101"
              value=${this.#wanted() ?? this.#agents[0] ?? ''}
            />
          </label>
          <datalist id="known-agents">${this.#agents.map((a) => html`<option value=${a}></option>`)}</datalist>
          <button type="submit" ?disabled=${this.#busy}>${this.#busy ? t.inspecting : t.inspect}</button>
        </form>
        <p class="muted">${t.fetchedHow}</p>
        ${this.#inspectError ? html`<p class="error" role="alert">${this.#inspectError}</p>` : nothing}
      </section>
      ${this.#report ? this.#renderReport(this.#report) : nothing}
    `;
  }

  #renderReport(r: InspectionReport) {
    const t = this.#t;
    const errors = r.findings.filter((f) => f.severity === 'error');
    const warnings = r.findings.filter((f) => f.severity === 'warning');
    const s = r.summary;
    return html`
      <section aria-labelledby="result-title" aria-live="polite">
        <h2 id="result-title">
          <span class="verdict ${r.valid ? 'valid' : 'invalid'}">${r.valid ? t.valid : t.invalid}</span>
        </h2>
        <p class="muted"><code>${r.url}</code> · ${t.fetchedIn(r.ms)}</p>
        ${
          r.findings.length
            ? html`<h3>${t.problems(errors.length, warnings.length)}</h3>
                <ul class="findings">
                  ${r.findings.map(
                    (f) => html`<li class=${f.severity}>
                      <strong>${f.severity === 'error' ? t.error : t.warning}</strong> ${t.at} <code>${f.path}</code>: ${f.message}
                    </li>`,
                  )}
                </ul>`
            : html`<p>${t.noProblems}</p>`
        }
        ${s ? this.#renderSummary(s) : nothing}
        <h3>${t.signatures}</h3>
        ${
          r.signatures.status === 'absent'
            ? html`<p class="muted">${t.noSignatures}</p>`
            : html`<p class="sig ${r.signatures.status}">${t.overall}: ${r.signatures.status}</p>
                <ul>
                  ${r.signatures.results.map(
                    (x) => html`<li class="sig ${x.status}">
                      #${x.index} ${x.alg ?? '?'} kid=${x.kid ?? '–'}: <strong>${x.status}</strong> — ${x.message}
                    </li>`,
                  )}
                </ul>`
        }
        ${r.card ? html`<details><summary>${t.rawCard}</summary><pre>${pretty(r.card)}</pre></details>` : nothing}
      </section>
      ${s?.skills.length ? this.#renderSend(s) : nothing}
    `;
  }

  #renderSummary(s: CardSummary) {
    const t = this.#t;
    return html`
      <h3>${s.name || t.noName} <span class="muted">v${s.version}</span></h3>
      <p>${s.description}</p>
      ${s.provider ? html`<p class="muted">${t.provider}: ${s.provider}</p>` : nothing}
      <h3>${t.interfaces}</h3>
      <table>
        <thead><tr><th>URL</th><th>${t.binding}</th><th>${t.protocol}</th></tr></thead>
        <tbody>
          ${s.interfaces.map(
            (i) =>
              html`<tr><td><code>${i.url}</code></td><td>${i.protocolBinding}</td><td>${i.protocolVersion}</td></tr>`,
          )}
        </tbody>
      </table>
      <p class="muted">
        ${t.capabilities}:
        ${
          Object.entries(s.capabilities)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join(', ') || t.none
        }
      </p>
      <h3>${t.security}</h3>
      <table>
        <thead><tr><th>${t.scheme}</th><th>${t.type}</th><th>${t.details}</th></tr></thead>
        <tbody>
          ${s.securitySchemes.map((x) => html`<tr><td><code>${x.name}</code></td><td>${x.type}</td><td>${x.detail}</td></tr>`)}
        </tbody>
      </table>
      <p>${t.cardRequires}: ${s.security.length ? s.security.join(t.or) : html`<em>${t.nothing}</em>`}</p>
      <h3>${t.skills(s.skills.length)}</h3>
      <div class="skills">
        ${s.skills.map(
          (k) => html`<div class="skill">
            <strong>${k.name}</strong> <code>${k.id}</code>
            <p>${k.description}</p>
            <div>${k.tags.map((t) => html`<span class="tag">${t}</span>`)}</div>
            ${k.examples.length ? html`<p class="muted">${t.eg} “${k.examples.slice(0, 3).join('”, “')}”</p>` : nothing}
            <p class="muted">${t.requires}: ${k.security.join(t.or) || t.nothing}</p>
          </div>`,
        )}
      </div>
    `;
  }

  #renderSend(s: CardSummary) {
    const t = this.#t;
    const request = this.#trace.find((e) => e.type === 'request');
    return html`<section aria-labelledby="send-title">
      <h2 id="send-title">${t.sendTitle}</h2>
      <form class="row" @submit=${this.#send}>
        <label>${t.skill}
          <select name="skill">${s.skills.map((k) => html`<option value=${k.id}>${k.name} (${k.id})</option>`)}</select>
        </label>
        <label>${t.message} <input name="text" required value=${s.skills[0]?.examples[0] ?? 'Olá'} /></label>
        <label class="narrow">${t.locale}
          <select name="locale"><option value="pt-BR">pt-BR</option><option value="en">en</option></select>
        </label>
        <button type="submit" ?disabled=${this.#sending}>${this.#sending ? t.streaming : t.send}</button>
      </form>
      ${this.#sendError ? html`<p class="error" role="alert">${this.#sendError}</p>` : nothing}
      ${
        request
          ? html`<h3>${t.rawRequest}</h3>
              <pre class="request">POST ${request.url}
${Object.entries(request.headers)
  .map(([k, v]) => `${k}: ${v}`)
  .join('\n')}

${pretty(request.body)}</pre>
              ${
                request.withheldScopes.length
                  ? html`<p class="warn">${t.withheld(request.withheldScopes.join(', '))}</p>`
                  : nothing
              }
              <details><summary>${t.tokenClaims}</summary><pre>${pretty(request.token)}</pre></details>`
          : nothing
      }
      ${
        this.#trace.length > 1
          ? html`<h3>${t.events}</h3>
              <ol class="trace" aria-live="polite">
                ${this.#trace
                  .filter((e) => e.type !== 'request')
                  .map(
                    (e) => html`<li class="trace-${e.type}">
                      <span class="ms">+${e.ms} ms</span> ${e.type}${e.type === 'event' ? ` (${e.event})` : ''}
                      ${e.type === 'response' ? html` HTTP ${e.status} ${e.contentType}` : nothing}
                      ${e.type === 'error' ? html` <span class="error">${e.message}</span>` : nothing}
                      ${e.type === 'end' ? html` ${t.after(e.events)}` : nothing}
                      ${
                        e.type === 'event'
                          ? html`<span class="what">${describeEvent(e.data)}</span>
                              <details><summary>${t.rawJson}</summary><pre>${pretty(e.data)}</pre></details>`
                          : nothing
                      }
                    </li>`,
                  )}
              </ol>`
          : nothing
      }
    </section>`;
  }
}

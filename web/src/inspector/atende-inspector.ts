import { css, html, LitElement, nothing } from 'lit';
// The orchestrator's types of what it sends (type-only imports: nothing of the orchestrator is bundled).
import type {
  CardSummary,
  InspectionReport,
  TaskCallResult,
  TestBinding,
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
import { type AssembledAnswer, assembleAnswer } from './assemble.js';
import { type InspectorStrings, inspectorStrings } from './i18n.js';

/** One agent as `GET /api/agents` lists it. */
interface AgentRow {
  url: string;
  state: string;
  name: string | null;
  error: string | null;
  /** The card-signing key whose signature verified the card, when signatures are required. */
  signedBy: string | null;
}

/** One turn of an inspector chat: what was sent, the raw trace, and the answer assembled from it. */
interface Turn {
  text: string;
  skill: string;
  binding: TestBinding;
  trace: TestMessageEvent[];
  answer?: AssembledAnswer;
  error?: string;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** One line about a stream event (JSON-RPC or HTTP+JSON): its kind, task state, and any text or data it carries. */
export function describeEvent(data: unknown): string {
  const rpc = (data ?? {}) as {
    result?: Record<string, unknown>;
    error?: { code?: number; message?: string };
  };
  if (rpc.error) return `JSON-RPC error ${rpc.error.code ?? ''}: ${rpc.error.message ?? ''}`;
  // HTTP+JSON stream responses are the `result` of JSON-RPC's, without the envelope.
  const bare = ['task', 'message', 'statusUpdate', 'artifactUpdate'].some((k) => k in (data as object));
  const result = rpc.result ?? (bare ? (data as Record<string, unknown>) : {});
  const [kind, value] = Object.entries(result)[0] ?? [];
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
    .agents {
      list-style: none;
      padding: 0;
      margin: 0 0 8px;
      display: grid;
      gap: 6px;
    }
    .agents li {
      display: flex;
      gap: 10px;
      align-items: center;
      flex-wrap: wrap;
      border: 1px solid #d9e2ec;
      border-radius: 10px;
      padding: 6px 10px;
    }
    .agents li .name {
      font-weight: 700;
      min-width: 140px;
    }
    .agents li button {
      margin-left: auto;
      padding: 4px 12px;
    }
    .sig-badge {
      display: inline-block;
      font-weight: 700;
      border-radius: 8px;
      padding: 4px 10px;
    }
    .sig-badge.deployment {
      background: #e3f9e5;
      color: #0e5c2f;
    }
    .sig-badge.valid {
      background: #eaf4ff;
      color: #0b4f8a;
    }
    .sig-badge.invalid,
    .sig-badge.unverifiable {
      background: #fdecea;
      color: #b42318;
    }
    .sig-badge.absent {
      background: #f0f4f8;
      color: #486581;
    }
    .turn {
      display: grid;
      grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
      gap: 14px;
      border-top: 1px solid #e4e7eb;
      padding-top: 10px;
      margin-top: 10px;
    }
    @media (max-width: 860px) {
      .turn {
        grid-template-columns: minmax(0, 1fr);
      }
    }
    .bubble {
      border-radius: 10px;
      padding: 8px 12px;
      margin: 4px 0;
      white-space: pre-wrap;
    }
    .bubble.user {
      background: #eaf4ff;
    }
    .bubble.agent {
      background: #f0faf4;
    }
    .who {
      font-size: 12px;
      color: #627d98;
    }
    textarea {
      width: 100%;
      min-height: 64px;
    }
    .conversation {
      margin: 8px 0;
    }
  `;

  declare api: ApiFetch;
  declare locale: ConsoleLocale;
  declare timeZone: string;
  declare staff: StaffIdentity;
  #busy = false;
  #loaded = false;
  #agents: AgentRow[] | undefined;
  #agentsError = '';
  #report: InspectionReport | undefined;
  #inspectError = '';
  #turns: Turn[] = [];
  #sending = false;
  #sendError = '';
  /** The conversation the next turn continues, from the agent's last answer. */
  #contextId: string | undefined;
  #task: TaskCallResult | undefined;
  #taskError = '';

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

  /** The mesh's agents, through the console's signed-in fetch; a refusal is shown, not hidden. */
  async #loadAgents() {
    this.#agentsError = '';
    try {
      const response = await this.api('/api/agents');
      const body = (await response.json().catch(() => ({}))) as { agents?: AgentRow[]; message?: string };
      if (!response.ok || !Array.isArray(body.agents)) {
        this.#agentsError = this.#t.agentsFailed(body.message ?? `HTTP ${response.status}`);
      } else {
        this.#agents = body.agents;
      }
    } catch {
      this.#agentsError = this.#t.agentsFailed(this.#t.unreachable);
    }
    this.requestUpdate();
  }

  async #post(path: string, body: unknown): Promise<Response> {
    // The console's fetch renews the token, and signs out when it cannot.
    return this.api(`/api/inspector${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  #onInspect(event: SubmitEvent) {
    event.preventDefault();
    void this.#inspect(String(new FormData(event.target as HTMLFormElement).get('url') ?? ''));
  }

  async #inspect(url: string) {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name="url"]');
    if (input) input.value = url;
    this.#busy = true;
    this.#inspectError = '';
    this.#report = undefined;
    this.#newConversation();
    try {
      const response = await this.#post('/inspect', { url });
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

  #newConversation() {
    this.#turns = [];
    this.#contextId = undefined;
    this.#task = undefined;
    this.#taskError = '';
    this.#sendError = '';
    this.requestUpdate();
  }

  /** The extra headers typed one `Name: value` a line; the orchestrator checks what may be sent. */
  #headers(form: HTMLFormElement): Record<string, string> | string {
    const text = String(new FormData(form).get('headers') ?? '');
    const headers: Record<string, string> = {};
    for (const line of text.split('\n').map((l) => l.trim())) {
      if (!line) continue;
      const colon = line.indexOf(':');
      if (colon < 1) return this.#t.headerLine(line);
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    return headers;
  }

  async #send(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    if (!this.#report) return;
    const headers = this.#headers(form);
    if (typeof headers === 'string') {
      this.#sendError = headers;
      this.requestUpdate();
      return;
    }
    const last = this.#turns.at(-1)?.answer;
    const turn: Turn = {
      text: String(data.get('text') ?? ''),
      skill: String(data.get('skill') ?? ''),
      binding: data.get('binding') === 'HTTP+JSON' ? 'HTTP+JSON' : 'JSONRPC',
      trace: [],
    };
    this.#sending = true;
    this.#sendError = '';
    this.#turns = [...this.#turns, turn];
    this.requestUpdate();
    try {
      const response = await this.#post('/send', {
        url: this.#report.url,
        skill: turn.skill,
        text: turn.text,
        locale: data.get('locale'),
        binding: turn.binding,
        ...(this.#contextId ? { contextId: this.#contextId } : {}),
        // A task the agent left waiting for input is continued; a finished one is not.
        ...(last?.state === 'TASK_STATE_INPUT_REQUIRED' && last.taskId ? { taskId: last.taskId } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { message?: string };
        turn.error = body.message ?? `HTTP ${response.status}`;
        this.#sendError = turn.error;
        return;
      }
      for await (const e of readEvents(response.body)) {
        turn.trace = [...turn.trace, e.data as TestMessageEvent];
        turn.answer = assembleAnswer(turn.trace.flatMap((x) => (x.type === 'event' ? [x.data] : [])));
        this.requestUpdate();
      }
      if (turn.answer?.contextId) this.#contextId = turn.answer.contextId;
    } catch {
      turn.error = this.#t.streamBroke;
      this.#sendError = turn.error;
    } finally {
      this.#sending = false;
      this.#turns = [...this.#turns];
      this.requestUpdate();
    }
  }

  /** The last task of the conversation, the skill it was started with and the binding it was sent over. */
  #lastTask(): { taskId: string; skill: string; binding: TestBinding } | undefined {
    for (const turn of [...this.#turns].reverse()) {
      if (turn.answer?.taskId)
        return { taskId: turn.answer.taskId, skill: turn.skill, binding: turn.binding };
    }
    return undefined;
  }

  async #callTask(method: 'GetTask' | 'CancelTask') {
    const task = this.#lastTask();
    const form = this.renderRoot.querySelector<HTMLFormElement>('form.send');
    if (!task || !this.#report || !form) return;
    const headers = this.#headers(form);
    this.#task = undefined;
    this.#taskError = '';
    if (typeof headers === 'string') {
      this.#taskError = headers;
      this.requestUpdate();
      return;
    }
    this.requestUpdate();
    try {
      const response = await this.#post('/task', {
        url: this.#report.url,
        skill: task.skill,
        taskId: task.taskId,
        method,
        binding: task.binding,
        ...(Object.keys(headers).length ? { headers } : {}),
      });
      const body = (await response.json()) as TaskCallResult & { message?: string };
      if (!response.ok) this.#taskError = body.message ?? `HTTP ${response.status}`;
      else this.#task = body;
    } catch {
      this.#taskError = this.#t.unreachable;
    }
    this.requestUpdate();
  }

  get #t(): InspectorStrings {
    return inspectorStrings(this.locale);
  }

  override render() {
    const t = this.#t;
    const own = location.origin;
    return html`
      <section aria-labelledby="agents-title">
        <h2 id="agents-title">${t.agentsTitle}</h2>
        ${this.#agentsError ? html`<p class="error" role="alert">${this.#agentsError}</p>` : nothing}
        ${this.#agents && !this.#agents.length ? html`<p class="muted">${t.noAgents}</p>` : nothing}
        <ul class="agents" aria-label=${t.agentsTitle}>
          ${(this.#agents ?? []).map(
            (a) => html`<li class="agent">
              <span class="name">${a.name ?? '—'}</span>
              <code>${a.url}</code>
              <span class="tag">${a.state}</span>
              ${a.signedBy ? html`<span class="tag" title=${t.signedByHint}>${t.signedKid(a.signedBy)}</span>` : nothing}
              <button type="button" class="secondary" @click=${() => void this.#inspect(a.url)}>${t.viewCard}</button>
            </li>`,
          )}
          <li class="agent own">
            <span class="name">${t.ownCard}</span>
            <code>${own}</code>
            <button type="button" class="secondary" @click=${() => void this.#inspect(own)}>${t.viewCard}</button>
          </li>
        </ul>
      </section>
      <section aria-labelledby="inspect-title">
        <h2 id="inspect-title">${t.inspectTitle}</h2>
        <form class="row" @submit=${this.#onInspect}>
          <label
            >${t.url}
            <input
              name="url"
              type="url"
              required
              list="known-agents"
              placeholder="https://localhost:9101"
              value=${this.#wanted() ?? this.#agents?.[0]?.url ?? ''}
            />
          </label>
          <datalist id="known-agents">
            ${(this.#agents ?? []).map((a) => html`<option value=${a.url}></option>`)}
            <option value=${own}></option>
          </datalist>
          <button type="submit" ?disabled=${this.#busy}>${this.#busy ? t.inspecting : t.inspect}</button>
        </form>
        <p class="muted">${t.fetchedHow}</p>
        ${this.#inspectError ? html`<p class="error" role="alert">${this.#inspectError}</p>` : nothing}
      </section>
      ${this.#report ? this.#renderReport(this.#report) : nothing}
    `;
  }

  #renderSignatures(r: InspectionReport) {
    const t = this.#t;
    const sig = r.signatures;
    const ours = sig.results.find((x) => x.deployment && x.status === 'valid');
    const [badge, text] =
      sig.status === 'absent'
        ? ['absent', t.noSignatures]
        : ours
          ? ['deployment', t.signedByDeployment(ours.kid ?? '?')]
          : sig.status === 'valid'
            ? ['valid', t.signedByOther]
            : sig.status === 'invalid'
              ? ['invalid', t.signatureInvalid]
              : ['unverifiable', t.signatureUnverifiable];
    return html`<h3>${t.signatures}</h3>
      <p><span class="sig-badge ${badge}" data-status=${badge}>${text}</span></p>
      ${
        sig.results.length
          ? html`<ul>
              ${sig.results.map(
                (x) => html`<li class="sig ${x.status}">
                  #${x.index} ${x.alg ?? '?'} kid=${x.kid ?? '–'}${x.jku ? html` jku=<code>${x.jku}</code>` : nothing}:
                  <strong>${x.status}</strong> — ${x.message}
                </li>`,
              )}
            </ul>`
          : nothing
      }`;
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
        ${this.#renderSignatures(r)}
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
    const lastTask = this.#lastTask();
    // The bindings the card declares that the inspector can call.
    const bindings = (['JSONRPC', 'HTTP+JSON'] as const).filter((b) =>
      s.interfaces.some((i) => i.protocolBinding === b),
    );
    return html`<section aria-labelledby="send-title">
      <h2 id="send-title">${t.sendTitle}</h2>
      <form class="send" @submit=${this.#send}>
        <div class="row">
          <label>${t.skill}
            <select name="skill">${s.skills.map((k) => html`<option value=${k.id}>${k.name} (${k.id})</option>`)}</select>
          </label>
          <label class="narrow">${t.locale}
            <select name="locale"><option value="pt-BR">pt-BR</option><option value="en">en</option></select>
          </label>
          <label class="narrow">${t.binding}
            <select name="binding">
              ${bindings.map((b) => html`<option value=${b}>${b === 'JSONRPC' ? 'JSON-RPC' : b}</option>`)}
            </select>
          </label>
        </div>
        <details>
          <summary>${t.extraHeaders}</summary>
          <label>${t.extraHeadersHint}
            <textarea name="headers" spellcheck="false" placeholder="X-Debug: 1"></textarea>
          </label>
        </details>
        <div class="row">
          <label>${t.message} <input name="text" required value=${s.skills[0]?.examples[0] ?? 'Olá'} /></label>
          <button type="submit" ?disabled=${this.#sending}>${this.#sending ? t.streaming : t.send}</button>
          <button type="button" class="secondary" @click=${() => this.#newConversation()} ?disabled=${this.#sending}>
            ${t.newConversation}
          </button>
        </div>
      </form>
      <p class="muted conversation">
        ${this.#contextId ? html`${t.contextId}: <code class="context-id">${this.#contextId}</code>` : t.noContext}
      </p>
      ${this.#sendError ? html`<p class="error" role="alert">${this.#sendError}</p>` : nothing}
      ${this.#turns.map((turn, i) => this.#renderTurn(turn, i))}
      ${
        lastTask
          ? html`<h3>${t.lastTask} <code>${lastTask.taskId}</code></h3>
              <div class="row">
                <button type="button" class="secondary" @click=${() => void this.#callTask('GetTask')}>GetTask</button>
                <button type="button" class="secondary" @click=${() => void this.#callTask('CancelTask')}>CancelTask</button>
              </div>
              ${this.#taskError ? html`<p class="error" role="alert">${this.#taskError}</p>` : nothing}
              ${
                this.#task
                  ? html`<div class="task-result">
                      <p class="muted">${this.#task.request.method} <code>${this.#task.request.url}</code>
                        → HTTP ${this.#task.response.status} · ${this.#task.response.ms} ms</p>
                      <pre class="task-response">${pretty(this.#task.response.body)}</pre>
                      <details><summary>${t.rawRequest}</summary><pre>${this.#task.request.method} ${this.#task.request.url}
${Object.entries(this.#task.request.headers)
  .map(([k, v]) => `${k}: ${v}`)
  .join('\n')}

${this.#task.request.body === undefined ? '' : pretty(this.#task.request.body)}</pre></details>
                    </div>`
                  : nothing
              }`
          : nothing
      }
    </section>`;
  }

  #renderTurn(turn: Turn, index: number) {
    const t = this.#t;
    const request = turn.trace.find((e) => e.type === 'request');
    const a = turn.answer;
    return html`<div class="turn" data-turn=${index + 1}>
      <div class="assembled">
        <div class="who">${t.you} · ${turn.skill} · ${turn.binding}</div>
        <div class="bubble user">${turn.text}</div>
        <div class="who">${t.agent}${a?.state ? html` · <code>${a.state}</code>` : nothing}</div>
        <div class="bubble agent answer">${a?.text || a?.statusText || (turn.error ? '' : '…')}</div>
        ${turn.error ? html`<p class="error">${turn.error}</p>` : nothing}
        ${a?.statusText && a.text ? html`<p class="muted">${t.statusMessage}: ${a.statusText}</p>` : nothing}
        ${a?.errors.length ? html`<p class="error">${a.errors.join('; ')}</p>` : nothing}
        ${
          a?.annotations.length
            ? html`<div class="who">${t.annotations(a.annotations.length)}</div>
                <ul class="annotations">
                  ${a.annotations.map((x) => html`<li><code>${x.artifact}</code> <span class="what">${JSON.stringify(x.data)}</span></li>`)}
                </ul>`
            : nothing
        }
        ${a?.taskId ? html`<p class="muted">task <code>${a.taskId}</code></p>` : nothing}
      </div>
      <div class="raw">
        ${
          request
            ? html`<details><summary>${t.rawRequest}</summary>
                <pre class="request">POST ${request.url}
${Object.entries(request.headers)
  .map(([k, v]) => `${k}: ${v}`)
  .join('\n')}

${pretty(request.body)}</pre>
                <details><summary>${t.tokenClaims}</summary><pre>${pretty(request.token)}</pre></details>
              </details>
              ${
                request.withheldScopes.length
                  ? html`<p class="warn">${t.withheld(request.withheldScopes.join(', '))}</p>`
                  : nothing
              }`
            : nothing
        }
        <div class="who">${t.events}</div>
        <ol class="trace" aria-live="polite">
          ${turn.trace
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
        </ol>
      </div>
    </div>`;
  }
}

import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type uPlot from 'uplot';
import { HANDOFF_REASONS } from '../../../orchestrator/metrics/definitions.js';
import type { QuestionCluster } from '../../../orchestrator/metrics/questions.js';
import type { MetricsSummary } from '../../../orchestrator/metrics/summary.js';
import { type DashboardApi, DashboardApiError, type DashboardStaff, readJson } from './api.js';
import { type LineSeries, lineChart } from './charts.js';
import { faqDraft } from './faq-draft.js';
import {
  type DashboardLocale,
  dateTime,
  dayOf,
  duration,
  integer,
  percent,
  type RangePreset,
  rangeOf,
} from './format.js';
import { textsFor } from './i18n.js';
import { baseStyles, chartLibraryStyles, dashboardStyles } from './styles.js';

const PRESETS: RangePreset[] = ['today', '7d', '30d', 'custom'];
// About hourly for a day, six-hourly for a week, daily for a month.
const BUCKETS: Record<RangePreset, number> = { today: 24, '7d': 28, '30d': 30, custom: 48 };

type ChartName = 'firstResponse' | 'volume' | 'sentiment' | 'abandonment';

/**
 * `<atende-dashboard>`: the shop manager's dashboard over `GET /api/metrics/*` — first response, answers (found, not
 * found, unanswered), abandonment with its definition, resolution by bot and by person, handoffs, time to a person,
 * CSAT, sentiment, volume by topic and language, the unanswered questions as FAQ drafts, the conversations and the
 * CSV export of a range. The console's shell MUST set `api` (an authorized fetch); `locale`, `timeZone` and `staff`
 * as it knows them. Nothing is fetched before `api` is set.
 */
export class AtendeDashboard extends LitElement {
  static override properties = {
    api: { attribute: false },
    locale: { attribute: false },
    timeZone: { attribute: false },
    staff: { attribute: false },
  };
  static override styles = [chartLibraryStyles, baseStyles, dashboardStyles];

  // Declared, not initialised: a class field would shadow Lit's reactive accessors.
  declare api: DashboardApi | undefined;
  declare locale: DashboardLocale;
  declare timeZone: string;
  declare staff: DashboardStaff | undefined;
  /** The clock ranges are taken against (tests may replace it). */
  now: () => Date = () => new Date();

  #preset: RangePreset = 'today';
  #custom = { firstDay: '', lastDay: '' };
  #range?: { from: string; to: string };
  #summary?: MetricsSummary;
  #state: 'idle' | 'loading' | 'error' | 'forbidden' = 'idle';
  #exporting = false;
  #copied = new Map<string, 'copied' | 'failed'>();
  #charts = new Map<ChartName, uPlot>();
  #chartKey = '';
  #resize?: ResizeObserver;
  #generation = 0;

  constructor() {
    super();
    this.locale = 'pt-BR';
    this.timeZone = 'America/Sao_Paulo';
  }

  override connectedCallback() {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => this.#drawCharts());
    this.#resize.observe(this);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    for (const chart of this.#charts.values()) chart.destroy();
    this.#charts.clear();
    this.#chartKey = '';
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('api') && this.api && !this.#range) void this.#load();
  }

  protected override updated() {
    this.#drawCharts();
  }

  /** Reloads the figures of the current range. */
  async refresh(): Promise<void> {
    await this.#load();
  }

  async #load() {
    if (!this.api) return;
    if (this.staff && this.staff.role !== 'admin') {
      this.#state = 'forbidden';
      this.requestUpdate();
      return;
    }
    const today = dayOf(this.now(), this.timeZone);
    const custom = {
      firstDay: this.#custom.firstDay || today,
      lastDay: this.#custom.lastDay || this.#custom.firstDay || today,
    };
    const { from, to } = rangeOf(this.#preset, { now: this.now(), timeZone: this.timeZone, ...custom });
    this.#range = { from: from.toISOString(), to: to.toISOString() };
    const generation = ++this.#generation;
    this.#state = 'loading';
    this.requestUpdate();
    const query = new URLSearchParams({ ...this.#range, buckets: String(BUCKETS[this.#preset]) });
    try {
      const summary = await readJson<MetricsSummary>(await this.api(`/api/metrics/summary?${query}`));
      if (generation !== this.#generation) return;
      this.#summary = summary;
      this.#copied.clear();
      this.#state = 'idle';
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#state = error instanceof DashboardApiError && error.status === 403 ? 'forbidden' : 'error';
    }
    this.requestUpdate();
  }

  #pick(preset: RangePreset) {
    this.#preset = preset;
    if (preset === 'custom') {
      const today = dayOf(this.now(), this.timeZone);
      this.#custom = { firstDay: this.#custom.firstDay || today, lastDay: this.#custom.lastDay || today };
      this.requestUpdate();
      return;
    }
    void this.#load();
  }

  async #exportCsv() {
    if (!this.api || !this.#range) return;
    this.#exporting = true;
    this.requestUpdate();
    try {
      const query = new URLSearchParams({ from: this.#range.from, to: this.#range.to });
      const response = await this.api(`/api/metrics/export.csv?${query}`);
      if (!response.ok) throw new DashboardApiError(response.status, 'export_failed');
      const name =
        /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'atende.csv';
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.hidden = true;
      this.renderRoot.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      this.#state = 'error';
    } finally {
      this.#exporting = false;
      this.requestUpdate();
    }
  }

  async #copyDraft(cluster: QuestionCluster) {
    const text = JSON.stringify(faqDraft(cluster), null, 2);
    try {
      await navigator.clipboard.writeText(text);
      this.#copied.set(cluster.key, 'copied');
    } catch {
      this.#copied.set(cluster.key, 'failed');
    }
    this.requestUpdate();
  }

  /** Draws the time charts again when the data, the language, the zone or the width changed. */
  #drawCharts() {
    const summary = this.#summary;
    if (!summary) return;
    const hosts = [...this.renderRoot.querySelectorAll<HTMLElement>('[data-chart]')];
    const width = Math.floor(hosts[0]?.clientWidth ?? 0);
    if (width === 0) return;
    const key = `${summary.range.generatedAt}|${this.locale}|${this.timeZone}|${width}`;
    if (key === this.#chartKey && hosts.every((h) => h.querySelector('.uplot'))) return;
    this.#chartKey = key;
    for (const chart of this.#charts.values()) chart.destroy();
    this.#charts.clear();
    const t = textsFor(this.locale);
    const times = summary.series.map((p) => Date.parse(p.start));
    const ms = (v: number) => duration(v, this.locale);
    const count = (v: number) => integer(Math.round(v), this.locale);
    const charts: Record<
      ChartName,
      { series: LineSeries[]; format: (v: number) => string; integers?: boolean }
    > = {
      firstResponse: {
        format: ms,
        series: [
          { label: t.seriesMessageP50, values: summary.series.map((p) => p.p50) },
          { label: t.seriesMessageP95, values: summary.series.map((p) => p.p95) },
          { label: t.seriesConversationP50, values: summary.series.map((p) => p.conversationP50) },
        ],
      },
      volume: {
        format: count,
        integers: true,
        series: [
          { label: t.answered, values: summary.series.map((p) => p.answered - p.notFound) },
          { label: t.notFound, values: summary.series.map((p) => p.notFound), colour: '#b36b00' },
          {
            label: t.unanswered,
            values: summary.series.map((p) => p.messages - p.answered),
            colour: '#c5242a',
          },
        ],
      },
      sentiment: {
        format: count,
        integers: true,
        series: [
          {
            label: t.sentiments.negative,
            values: summary.series.map((p) => p.sentiment.negative),
            colour: '#c5242a',
          },
          {
            label: t.sentiments.neutral,
            values: summary.series.map((p) => p.sentiment.neutral),
            colour: '#2457c5',
          },
          {
            label: t.sentiments.positive,
            values: summary.series.map((p) => p.sentiment.positive),
            colour: '#0b6e4f',
          },
        ],
      },
      abandonment: {
        format: (v) => percent(v / 100, this.locale),
        series: [
          {
            label: t.seriesAbandonment,
            values: summary.series.map((p) => (p.abandonmentRate === null ? null : p.abandonmentRate * 100)),
          },
        ],
      },
    };
    for (const host of hosts) {
      const name = host.dataset.chart as ChartName;
      const spec = charts[name];
      if (!spec) continue;
      host.replaceChildren();
      this.#charts.set(
        name,
        lineChart(host, {
          times,
          ...spec,
          locale: this.locale,
          timeZone: this.timeZone,
          width: Math.floor(host.clientWidth) || width,
        }),
      );
    }
  }

  #renderBar() {
    const t = textsFor(this.locale);
    const status =
      this.#state === 'loading'
        ? t.loading
        : this.#state === 'error'
          ? t.failed
          : this.#summary
            ? t.updated(dateTime(this.#summary.range.generatedAt, this.locale, this.timeZone))
            : '';
    return html`<div class="bar">
      <h1>${t.title}</h1>
      <fieldset class="presets">
        <legend>${t.range}</legend>
        ${PRESETS.map(
          (p) => html`<button
            type="button"
            data-preset=${p}
            aria-pressed=${this.#preset === p ? 'true' : 'false'}
            @click=${() => this.#pick(p)}
          >
            ${t.presets[p]}
          </button>`,
        )}
      </fieldset>
      ${
        this.#preset === 'custom'
          ? html`<form
            class="custom"
            @submit=${(e: Event) => {
              e.preventDefault();
              void this.#load();
            }}
          >
            <label
              >${t.firstDay}
              <input
                type="date"
                name="firstDay"
                .value=${this.#custom.firstDay}
                @change=${(e: Event) => {
                  this.#custom.firstDay = (e.target as HTMLInputElement).value;
                }}
            /></label>
            <label
              >${t.lastDay}
              <input
                type="date"
                name="lastDay"
                .value=${this.#custom.lastDay}
                @change=${(e: Event) => {
                  this.#custom.lastDay = (e.target as HTMLInputElement).value;
                }}
            /></label>
            <button type="submit">${t.apply}</button>
          </form>`
          : nothing
      }
      <button class="secondary" type="button" data-action="refresh" @click=${() => this.#load()}>
        ${t.refresh}
      </button>
      <button
        type="button"
        data-action="export"
        ?disabled=${!this.#summary || this.#exporting}
        @click=${() => this.#exportCsv()}
      >
        ${this.#exporting ? t.exporting : t.exportCsv}
      </button>
      <p class="status muted ${this.#state === 'error' ? 'error' : ''}" role="status">${status}</p>
    </div>`;
  }

  #renderTiles(s: MetricsSummary) {
    const t = textsFor(this.locale);
    const L = this.locale;
    const idle = duration(s.range.idleMs, L);
    const found = s.messages.answered - s.messages.notFound;
    const maxReason = Math.max(1, ...HANDOFF_REASONS.map((r) => s.desk.byReason[r]));
    return html`<section class="tiles" aria-label=${t.title}>
      <div class="card" data-figure="conversations">
        <h3>${t.conversations}</h3>
        <p class="big" data-value>${integer(s.conversations.total, L)}</p>
        <p class="muted">${t.conversationsHint(s.conversations.withShopperMessage)}</p>
      </div>
      <div class="card" data-figure="first-response">
        <h3>${t.firstResponse}</h3>
        <p class="big" data-value>${duration(s.messages.firstResponseMs.p50, L)}</p>
        <dl class="pair">
          <dt>${t.perMessage}, ${t.median}</dt>
          <dd data-field="message-p50">${duration(s.messages.firstResponseMs.p50, L)}</dd>
          <dt>${t.perMessage}, ${t.p95}</dt>
          <dd data-field="message-p95">${duration(s.messages.firstResponseMs.p95, L)}</dd>
          <dt>${t.perConversation}, ${t.median}</dt>
          <dd data-field="conversation-p50">${duration(s.conversations.firstResponseMs.p50, L)}</dd>
          <dt>${t.perConversation}, ${t.p95}</dt>
          <dd data-field="conversation-p95">${duration(s.conversations.firstResponseMs.p95, L)}</dd>
        </dl>
      </div>
      <div class="card" data-figure="answers">
        <h3>${t.answers}</h3>
        <dl class="pair">
          <dt>${t.answered}</dt>
          <dd data-field="found">${integer(found, L)}</dd>
          <dt>${t.notFound}</dt>
          <dd data-field="not-found">${integer(s.messages.notFound, L)}</dd>
          <dt>${t.unanswered}</dt>
          <dd data-field="unanswered">${integer(s.messages.unanswered, L)}</dd>
        </dl>
        <p class="muted">${t.ofMessages(s.messages.shopper)}</p>
      </div>
      <div class="card" data-figure="abandonment">
        <h3>${t.abandonment}</h3>
        <p class="big" data-value>${percent(s.conversations.abandonmentRate, L)}</p>
        <p class="muted" data-field="of">${t.abandonmentOf(s.conversations.abandoned, s.conversations.ended)}</p>
        <p class="muted" data-field="idle">
          ${t.idleTime(idle)} · ${t.active(s.conversations.active)}
        </p>
        <details>
          <summary>${t.definition}</summary>
          <p>${t.abandonmentDefinition(idle)}</p>
        </details>
      </div>
      <div class="card" data-figure="resolution">
        <h3>${t.resolution}</h3>
        <dl class="pair">
          <dt>${t.byBot}</dt>
          <dd data-field="bot">
            ${percent(s.desk.botResolution.rate, L)}
            <span class="muted">(${t.resolutionOf(s.desk.botResolution.count, s.desk.botResolution.of)})</span>
          </dd>
          <dt>${t.byHuman}</dt>
          <dd data-field="human">
            ${percent(s.desk.humanResolution.rate, L)}
            <span class="muted">(${t.resolutionOf(s.desk.humanResolution.count, s.desk.humanResolution.of)})</span>
          </dd>
        </dl>
      </div>
      <div class="card" data-figure="handoffs">
        <h3>${t.handoffs}</h3>
        <p class="big" data-value>${integer(s.desk.handoffs, L)}</p>
        <p class="muted">${t.handoffsOf(s.desk.handoffs, percent(s.desk.handoffRate, L))}</p>
        <ul class="bars" data-field="reasons">
          ${HANDOFF_REASONS.map(
            (r) => html`<li>
              <span class="name">${t.reasons[r]}</span><span class="count">${s.desk.byReason[r]}</span>
              <meter min="0" max=${maxReason} value=${s.desk.byReason[r]} aria-label=${t.reasons[r]}></meter>
            </li>`,
          )}
        </ul>
      </div>
      <div class="card" data-figure="time-to-human">
        <h3>${t.timeToHuman}</h3>
        <p class="big" data-value>${duration(s.desk.queueWaitMs.p50, L)}</p>
        <dl class="pair">
          <dt>${t.median}</dt>
          <dd>${duration(s.desk.queueWaitMs.p50, L)}</dd>
          <dt>${t.p95}</dt>
          <dd>${duration(s.desk.queueWaitMs.p95, L)}</dd>
        </dl>
        <p class="muted">${t.waitingNow(s.desk.waiting)}</p>
      </div>
      <div class="card" data-figure="csat">
        <h3>${t.csat}</h3>
        <p class="big" data-value>${s.desk.csat.average === null ? '–' : s.desk.csat.average.toLocaleString(L)}</p>
        <dl class="pair">
          <dt>${t.byBot}</dt>
          <dd>${s.desk.csat.byResolvedBy.bot.average?.toLocaleString(L) ?? '–'} (${s.desk.csat.byResolvedBy.bot.count})</dd>
          <dt>${t.byHuman}</dt>
          <dd>${s.desk.csat.byResolvedBy.human.average?.toLocaleString(L) ?? '–'} (${s.desk.csat.byResolvedBy.human.count})</dd>
        </dl>
        <p class="muted">${t.csatOf(s.desk.csat.count)}</p>
      </div>
    </section>`;
  }

  #renderCharts() {
    const t = textsFor(this.locale);
    const titles: Record<ChartName, string> = {
      firstResponse: t.chartFirstResponse,
      volume: t.chartVolume,
      sentiment: t.chartSentiment,
      abandonment: t.chartAbandonment,
    };
    return html`<section class="grid">
      ${(Object.keys(titles) as ChartName[]).map(
        (name) => html`<figure class="card" aria-label=${titles[name]}>
          <h2>${titles[name]}</h2>
          <div class="chart" data-chart=${name}></div>
        </figure>`,
      )}
    </section>`;
  }

  #renderVolumes(s: MetricsSummary) {
    const t = textsFor(this.locale);
    const topicMax = Math.max(1, s.topics.uncited, ...s.topics.entries.map((e) => e.count));
    const localeMax = Math.max(1, ...s.conversations.byLocale.map((l) => l.count));
    return html`<section class="grid">
      <div class="card" data-figure="topics">
        <h2>${t.topics}</h2>
        <ul class="bars">
          ${s.topics.entries.map(
            (e) => html`<li>
              <span class="name">${e.title}</span><span class="count">${e.count}</span>
              <meter min="0" max=${topicMax} value=${e.count} aria-label=${e.title}></meter>
            </li>`,
          )}
          <li>
            <span class="name muted">${t.uncited}</span><span class="count">${s.topics.uncited}</span>
            <meter min="0" max=${topicMax} value=${s.topics.uncited} aria-label=${t.uncited}></meter>
          </li>
        </ul>
      </div>
      <div class="card" data-figure="languages">
        <h2>${t.languages}</h2>
        ${
          s.conversations.byLocale.length === 0
            ? html`<p class="muted">${t.noData}</p>`
            : html`<ul class="bars">
              ${s.conversations.byLocale.map(
                (l) => html`<li>
                  <span class="name">${l.locale}</span><span class="count">${l.count}</span>
                  <meter min="0" max=${localeMax} value=${l.count} aria-label=${l.locale}></meter>
                </li>`,
              )}
            </ul>`
        }
      </div>
    </section>`;
  }

  #renderQuestions(s: MetricsSummary) {
    const t = textsFor(this.locale);
    return html`<section class="card" data-figure="questions" aria-labelledby="questions-title">
      <h2 id="questions-title">${t.questions}</h2>
      <p class="muted">${t.questionsHint}</p>
      ${
        s.unansweredQuestions.length === 0
          ? html`<p class="muted">${t.noQuestions}</p>`
          : html`<ol class="questions">
            ${s.unansweredQuestions.map((q) => {
              const copied = this.#copied.get(q.key);
              return html`<li data-key=${q.key}>
                <span class="q">${q.question}</span>
                <span class="count">${t.times(q.count)}</span>
                ${
                  q.paraphrases.length > 1
                    ? html`<details>
                      <summary>${t.wordings(q.paraphrases.length)}</summary>
                      <ul>
                        ${q.paraphrases.map((p) => html`<li>${p}</li>`)}
                      </ul>
                    </details>`
                    : nothing
                }
                <button class="secondary" type="button" @click=${() => this.#copyDraft(q)}>${t.copyDraft}</button>
                ${copied === 'copied' ? html`<p class="muted" role="status">${t.copied}</p>` : nothing}
                ${
                  copied === 'failed'
                    ? html`<p class="error" role="status">${t.copyFailed}</p>
                      <textarea
                        class="draft"
                        readonly
                        aria-label=${t.copyDraft}
                        .value=${JSON.stringify(faqDraft(q), null, 2)}
                      ></textarea>`
                    : nothing
                }
              </li>`;
            })}
          </ol>`
      }
    </section>`;
  }

  override render() {
    const t = textsFor(this.locale);
    if (this.#state === 'forbidden') return html`<p class="error" role="alert">${t.forbidden}</p>`;
    const s = this.#summary;
    return html`${this.#renderBar()}
    ${
      s
        ? html`${this.#renderTiles(s)} ${this.#renderCharts()} ${this.#renderVolumes(s)} ${this.#renderQuestions(s)}
          <atende-dashboard-conversations
            .api=${this.api}
            .locale=${this.locale}
            .timeZone=${this.timeZone}
            .range=${this.#range}
            .locales=${s.conversations.byLocale.map((l) => l.locale)}
          ></atende-dashboard-conversations>`
        : nothing
    }`;
  }
}

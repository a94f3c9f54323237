// The admin dashboard: signs in as an admin (token kept in sessionStorage), then draws the chat-log figures of
// GET /api/metrics/summary and the agents' state from GET /healthz with uPlot. No inline script or style: the
// page runs under `script-src 'self'; style-src 'self'`, and uPlot sizes its elements through the CSSOM.
import uPlot from '/dashboard/vendor/uPlot.esm.js';

const TOKEN_KEY = 'atende.dashboard.token';
const $ = (id) => document.getElementById(id);
const charts = new Map();

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  $('board').hidden = !signedIn;
  $('controls').hidden = !signedIn;
}

function ms(value) {
  if (value === null || value === undefined) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function percent(value) {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)} %`;
}

async function signIn(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: $('email').value, password: $('password').value }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    $('login-error').textContent = body.message ?? 'sign-in failed';
    return;
  }
  if (body.user?.role !== 'admin') {
    $('login-error').textContent = 'this account is not an admin';
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, body.accessToken);
  show(true);
  await refresh();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  show(false);
}

async function refresh(event) {
  event?.preventDefault();
  const hours = Number($('range').value);
  const to = new Date();
  const from = new Date(to.getTime() - hours * 3_600_000);
  const params = new URLSearchParams({
    from: from.toISOString(),
    to: to.toISOString(),
    idleMinutes: String(Number($('idle').value) || 5),
  });
  $('status').textContent = 'Loading…';
  const [summaryResponse, health] = await Promise.all([
    fetch(`/api/metrics/summary?${params}`, { headers: { authorization: `Bearer ${token()}` } }),
    fetch('/healthz')
      .then((r) => r.json())
      .catch(() => ({ agents: [] })),
  ]);
  if (summaryResponse.status === 401 || summaryResponse.status === 403) {
    signOut();
    $('login-error').textContent = 'please sign in again as an admin';
    return;
  }
  const summary = await summaryResponse.json();
  if (!summaryResponse.ok) {
    $('status').textContent = summary.message ?? 'could not load the metrics';
    return;
  }
  render(summary, health);
  const { bucketMs, idleMs } = summary.range;
  const shown = (iso) => new Date(iso).toLocaleString();
  $('status').textContent = `${shown(summary.range.from)} – ${shown(summary.range.to)} · buckets of ${
    bucketMs >= 60_000 ? `${bucketMs / 60_000} min` : `${bucketMs / 1000} s`
  } · idle after ${idleMs / 60_000} min`;
}

function render(summary, health) {
  const m = summary.messages;
  const c = summary.conversations;
  $('t-p50').textContent = ms(m.firstResponseMs.p50);
  $('t-p95').textContent = ms(m.firstResponseMs.p95);
  $('t-p99').textContent = ms(m.firstResponseMs.p99);
  const share = document.createElement('small');
  share.textContent = `(${c.abandoned}/${c.ended})`;
  $('t-abandon').replaceChildren(`${percent(c.abandonmentRate)} `, share);
  $('t-conv').textContent = String(c.total);
  $('t-msg').textContent = `${m.answered}/${m.shopper}`;
  $('t-handoffs').textContent = String(summary.handoffOffers);
  renderDesk(summary.desk);

  const times = summary.series.map((p) => Date.parse(p.start) / 1000);
  draw('chart-latency', {
    series: [{}, line('p50', '#2457c5'), line('p95', '#c5242a')],
    data: [times, summary.series.map((p) => p.p50), summary.series.map((p) => p.p95)],
  });
  draw('chart-abandonment', {
    series: [{}, line('abandonment %', '#b36b00')],
    data: [
      times,
      summary.series.map((p) =>
        p.abandonmentRate === null ? null : Math.round(p.abandonmentRate * 1000) / 10,
      ),
    ],
  });
  const bins = summary.histogram;
  draw('chart-histogram', {
    ...categories(bins.map(binLabel)),
    series: [{ value: (_u, i) => binLabel(bins[i]) }, bars('messages', '#2457c5')],
    // An empty bin has no bar (a zero-height bar would draw a stray line on the axis).
    data: [bins.map((_b, i) => i), bins.map((b) => b.count || null)],
  });
  const agents = summary.agents;
  draw('chart-agents', {
    ...categories(agents.map((a) => a.agent)),
    // p50 and p95 side by side at each agent, not drawn over each other.
    series: [
      { value: (_u, i) => agents[i]?.agent ?? '' },
      bars('p50', '#2457c5', -1),
      bars('p95', '#c5242a', 1),
    ],
    data: [agents.map((_a, i) => i), agents.map((a) => a.latencyMs.p50), agents.map((a) => a.latencyMs.p95)],
  });

  const rows = agents.map((a) => {
    const tr = document.createElement('tr');
    for (const value of [
      a.agent,
      a.tasks,
      ms(a.latencyMs.p50),
      ms(a.latencyMs.p95),
      a.failures,
      a.timeouts,
    ]) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  $('agents').replaceChildren(...rows);
  const items = (health.agents ?? []).map((a) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = a.name ?? a.url;
    const state = document.createElement('span');
    state.className = `state state-${a.state === 'up' ? 'up' : a.state === 'down' ? 'down' : 'unknown'}`;
    state.textContent = a.state;
    li.append(name, state);
    return li;
  });
  $('health').replaceChildren(...items);
}

const REASONS = {
  asked_for_human: 'asked for a person',
  low_confidence: 'low confidence',
  negative_sentiment: 'negative sentiment',
  agent_failed: 'an agent failed',
  other: 'other',
};

// A figure followed by a smaller note, e.g. "25.0 % (1/4)".
function withNote(id, main, note) {
  const small = document.createElement('small');
  small.textContent = note;
  $(id).replaceChildren(`${main} `, small);
}

function pair(q) {
  return q.p50 === null ? '–' : `${ms(q.p50)} / ${ms(q.p95)}`;
}

function score(csat) {
  return csat.average === null ? '–' : csat.average.toFixed(2);
}

function renderDesk(desk) {
  withNote('t-desk-handoffs', String(desk.handoffs), `(${percent(desk.handoffRate)})`);
  $('t-desk-wait').textContent = pair(desk.queueWaitMs);
  $('t-desk-waiting').textContent = String(desk.waiting);
  $('t-desk-first').textContent = pair(desk.humanFirstResponseMs);
  const gaveUp = desk.abandonedWaiting;
  withNote('t-desk-abandoned', percent(gaveUp.rate), `(${gaveUp.count}/${gaveUp.of})`);
  const bot = desk.botResolution;
  withNote('t-desk-bot', percent(bot.rate), `(${bot.count}/${bot.of})`);
  const { csat } = desk;
  withNote(
    't-desk-csat',
    score(csat),
    `(${csat.count}; bot ${score(csat.byResolvedBy.bot)}, human ${score(csat.byResolvedBy.human)})`,
  );
  const rows = Object.entries(desk.byReason).map(([reason, n]) => {
    const tr = document.createElement('tr');
    for (const value of [REASONS[reason] ?? reason, n]) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  $('desk-reasons').replaceChildren(...rows);
}

function binLabel(bin) {
  if (!bin) return '';
  return bin.toMs === null
    ? `≥${bin.fromMs / 1000}s`
    : bin.toMs >= 1000
      ? `<${bin.toMs / 1000}s`
      : `<${bin.toMs}`;
}

// A line between buckets with data; a bucket with data between empty ones still shows, as a point.
function line(label, stroke) {
  return { label, stroke, width: 2, spanGaps: false, points: { show: true, size: 6, fill: stroke } };
}

// Bars centred on their category, or (align -1 / 1) beside another series' bars.
function bars(label, fill, align = 0) {
  return {
    label,
    fill,
    stroke: fill,
    paths: uPlot.paths.bars({ size: align ? [0.35, 40] : [0.6, 60], align }),
    points: { show: false },
  };
}

// An x axis of named categories 0…n-1: one tick per category, half a step of room on either side so the first
// and last bars are not cut in half, and labels thinned out when they would not fit.
function categories(labels) {
  const n = labels.length;
  return {
    scales: { x: { time: false, range: () => [-0.5, Math.max(n, 1) - 0.5] } },
    axes: [
      {
        splits: () => labels.map((_l, i) => i),
        values: (u, ticks) => {
          const room = u.bbox.width / devicePixelRatio / Math.max(n, 1);
          const every = Math.max(1, Math.ceil(56 / room));
          return ticks.map((i) => (i % every === 0 ? labels[i] : ''));
        },
        grid: { show: false },
      },
      {},
    ],
  };
}

const CHART_HEIGHT = 240;

function chartWidth(el) {
  return Math.max(200, el.clientWidth || 600);
}

function draw(id, options) {
  const el = $(id);
  charts.get(id)?.destroy();
  const { data, scales, ...rest } = options;
  // Every y axis starts at zero: a bar or a latency is read against nothing, not against the smallest value.
  const y = { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] };
  const chart = new uPlot(
    { width: chartWidth(el), height: CHART_HEIGHT, scales: { ...scales, y }, ...rest },
    data,
    el,
  );
  charts.set(id, chart);
}

// Charts follow their card's width (window resized, phone turned).
const resized = new ResizeObserver(() => {
  for (const [id, chart] of charts) {
    const width = chartWidth($(id));
    if (Math.abs(width - chart.width) > 1) chart.setSize({ width, height: CHART_HEIGHT });
  }
});
for (const id of ['chart-latency', 'chart-histogram', 'chart-abandonment', 'chart-agents'])
  resized.observe($(id));

$('login').addEventListener('submit', (e) => void signIn(e));
$('controls').addEventListener('submit', (e) => void refresh(e));
$('signout').addEventListener('click', signOut);
show(Boolean(token()));
if (token()) void refresh();

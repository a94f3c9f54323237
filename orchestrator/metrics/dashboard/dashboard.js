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
  $('t-abandon').textContent = `${percent(c.abandonmentRate)} (${c.abandoned}/${c.ended})`;
  $('t-conv').textContent = String(c.total);
  $('t-msg').textContent = `${m.answered}/${m.shopper}`;
  $('t-handoffs').textContent = summary.handoffs === null ? 'n/a' : String(summary.handoffs);

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
    scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => binLabel(bins[i])) }, {}],
    series: [{}, bars('messages', '#2457c5')],
    data: [bins.map((_b, i) => i), bins.map((b) => b.count)],
  });
  const agents = summary.agents;
  draw('chart-agents', {
    scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => agents[i]?.agent ?? '') }, {}],
    series: [{}, bars('p50', '#2457c5'), bars('p95', '#c5242a')],
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

function binLabel(bin) {
  if (!bin) return '';
  return bin.toMs === null
    ? `≥${bin.fromMs / 1000}s`
    : bin.toMs >= 1000
      ? `<${bin.toMs / 1000}s`
      : `<${bin.toMs}`;
}

function line(label, stroke) {
  return { label, stroke, width: 2, spanGaps: false };
}

function bars(label, fill) {
  return { label, fill, stroke: fill, paths: uPlot.paths.bars({ size: [0.6, 60] }), points: { show: false } };
}

function draw(id, options) {
  const el = $(id);
  charts.get(id)?.destroy();
  const width = Math.max(320, el.clientWidth || 600);
  const { data, ...rest } = options;
  const chart = new uPlot({ width, height: 240, ...rest }, data, el);
  charts.set(id, chart);
}

$('login').addEventListener('submit', (e) => void signIn(e));
$('controls').addEventListener('submit', (e) => void refresh(e));
$('signout').addEventListener('click', signOut);
show(Boolean(token()));
if (token()) void refresh();

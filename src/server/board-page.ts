// GET /: the Andon board — one self-contained page (inline CSS, SVG and script, no external
// assets) that polls /status and /health-score and shows the lights per pillar, the overall
// score, the circuit, the queue and the worker loads, with small charts; made for a wall screen.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const STYLE = `
:root { color-scheme: dark; --green: #1fbf5b; --yellow: #f2c230; --red: #ef3b3b; --none: #555; --fg: #e8e8e8; --muted: #9aa0a6; --panel: #1b1f24; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; background: #0e1114; color: var(--fg); }
header { display: flex; align-items: center; gap: 1.2rem; padding: 1rem 1.5rem; border-bottom: 1px solid #2a2f36; }
header h1 { font-size: clamp(1.2rem, 2.2vw, 2rem); margin: 0; font-weight: 600; }
#overall-light { width: 2.2rem; height: 2.2rem; border-radius: 50%; }
#score { font-size: clamp(1.6rem, 4vw, 3.4rem); font-weight: 700; margin-left: auto; }
#score small { font-size: .4em; color: var(--muted); display: block; text-align: right; font-weight: 400; }
main { display: grid; gap: 1rem; padding: 1rem 1.5rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
section { background: var(--panel); border-radius: .6rem; padding: 1rem; }
section h2 { margin: 0 0 .6rem; font-size: .95rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
#lights { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(4, 1fr); gap: 1rem; }
.pillar { text-align: center; padding: 1rem .5rem; border-radius: .6rem; background: var(--panel); }
.lamp { width: clamp(4rem, 10vw, 9rem); height: clamp(4rem, 10vw, 9rem); border-radius: 50%; margin: 0 auto .6rem; background: var(--none); box-shadow: 0 0 0 .3rem #0006 inset; transition: background .3s; }
.pillar .name { font-size: clamp(1rem, 2vw, 1.6rem); font-weight: 600; text-transform: capitalize; }
.pillar .state { color: var(--muted); }
[data-light="GREEN"] { background: var(--green); } [data-light="YELLOW"] { background: var(--yellow); } [data-light="RED"] { background: var(--red); }
.big { font-size: clamp(1.6rem, 3.5vw, 2.8rem); font-weight: 700; }
.bar { height: .7rem; background: #2a2f36; border-radius: .35rem; overflow: hidden; margin: .3rem 0 .6rem; }
.bar > div { height: 100%; background: var(--green); width: 0; transition: width .3s; }
.worker { display: grid; grid-template-columns: 6rem 1fr 2rem; gap: .5rem; align-items: center; }
.worker.down { color: var(--red); }
svg.chart { width: 100%; height: 4rem; display: block; }
svg.chart polyline { fill: none; stroke: var(--yellow); stroke-width: 2; vector-effect: non-scaling-stroke; }
ul { margin: 0; padding-left: 1.1rem; } .muted { color: var(--muted); }
footer { padding: .5rem 1.5rem; color: var(--muted); font-size: .85rem; } footer a { color: inherit; }
#stale[hidden] { display: none; } #stale { color: var(--red); font-weight: 600; }
`;

const SCRIPT = `
const every = Math.max(250, Number(new URLSearchParams(location.search).get('interval')) || 1000);
const history = { p99: [], depth: [], rate: [] };
const $ = (id) => document.getElementById(id);
const text = (id, value) => { $(id).textContent = value; };
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x)) ? '—' : Number(x).toFixed(d);
function spark(id, values) {
  const svg = $(id); const max = Math.max(1e-9, ...values); const n = values.length;
  const points = values.map((v, i) => (n === 1 ? 50 : (i * 100) / (n - 1)).toFixed(1) + ',' + (38 - (v / max) * 36).toFixed(1)).join(' ');
  svg.querySelector('polyline').setAttribute('points', points);
  svg.setAttribute('aria-label', svg.dataset.label + ': latest ' + fmt(values[n - 1]) + ', max ' + fmt(max));
}
function push(list, v) { list.push(v ?? 0); if (list.length > 120) list.shift(); }
function render(s) {
  for (const pillar of ['jidoka', 'kanban', 'heijunka', 'andon']) $('lamp-' + pillar).dataset.light = s.andon.lights[pillar];
  for (const pillar of ['jidoka', 'kanban', 'heijunka', 'andon']) text('state-' + pillar, s.andon.lights[pillar]);
  $('overall-light').dataset.light = s.andon.lights.overall;
  document.body.dataset.overall = s.andon.lights.overall;
  text('circuit', s.jidoka.circuit_breaker);
  text('circuit-detail', s.jidoka.failures + ' failures, ' + s.jidoka.rejections + ' rejected, ' + s.jidoka.circuit_opens + ' openings');
  text('queue', s.kanban.queue_current_depth + ' / ' + s.kanban.queue_max_size);
  const sat = s.kanban.queue_saturation; const bar = $('queue-bar');
  bar.style.width = Math.min(100, sat * 100).toFixed(1) + '%';
  bar.style.background = sat > 0.95 ? 'var(--red)' : sat > 0.8 ? 'var(--yellow)' : 'var(--green)';
  text('rate', fmt(s.kanban.processing_rate) + ' tasks/s');
  text('p99', fmt(s.kaizen.percentile_p99) + ' ms');
  text('p50', 'p50 ' + fmt(s.kaizen.percentile_p50) + ' ms · p90 ' + fmt(s.kaizen.percentile_p90) + ' ms · ' + s.kaizen.samples + ' in ' + s.window_seconds + ' s');
  const workers = $('workers'); workers.replaceChildren();
  const maxLoad = Math.max(1, ...s.heijunka.workers.map((w) => w.load));
  for (const w of s.heijunka.workers) {
    const row = document.createElement('div'); row.className = 'worker' + (w.alive ? '' : ' down'); row.dataset.worker = w.name;
    const name = document.createElement('span'); name.textContent = w.name + (w.lane === 'slow' ? ' (slow)' : '');
    const bar = document.createElement('div'); bar.className = 'bar'; const fill = document.createElement('div');
    fill.style.width = (w.alive ? (100 * w.load) / maxLoad : 0) + '%'; bar.append(fill);
    const load = document.createElement('span'); load.textContent = w.alive ? String(w.load) : 'down';
    row.append(name, bar, load); workers.append(row);
  }
  text('imbalance', 'imbalance ' + fmt(s.heijunka.imbalance_factor, 2) + ' · ' + s.heijunka.rebalance_attempts + ' rebalances');
  const alerts = $('alerts'); alerts.replaceChildren();
  for (const a of s.andon.active_alerts) { const li = document.createElement('li'); li.textContent = a.name + ' (' + a.severity + ') since ' + a.fired_at.slice(11, 19) + 'Z'; alerts.append(li); }
  for (const c of s.andon.chaos) { const li = document.createElement('li'); li.textContent = 'chaos: ' + c.kind + ' since ' + c.since.slice(11, 19) + 'Z'; alerts.append(li); }
  if (alerts.children.length === 0) { const li = document.createElement('li'); li.className = 'muted'; li.textContent = 'none'; alerts.append(li); }
  push(history.p99, s.kaizen.percentile_p99); push(history.depth, s.kanban.queue_current_depth); push(history.rate, s.kanban.processing_rate);
  spark('chart-p99', history.p99); spark('chart-depth', history.depth); spark('chart-rate', history.rate);
  text('updated', 'updated ' + s.timestamp.slice(11, 19) + 'Z');
}
function renderScore(h) {
  if (h.overall.status === 'ok') { text('score-value', fmt(h.overall.score)); text('score-band', h.overall.band + ' · health of ' + h.window.label); }
  else { text('score-value', '—'); text('score-band', 'no closed hours yet · ' + h.window.label); }
  $('score').dataset.band = h.overall.band || 'none';
}
async function poll() {
  try {
    const res = await fetch('status', { cache: 'no-store' });
    render(await res.json());
    $('stale').hidden = true;
  } catch { $('stale').hidden = false; }
  setTimeout(poll, every);
}
async function pollScore() {
  try { renderScore(await (await fetch('health-score', { cache: 'no-store' })).json()); } catch {}
  setTimeout(pollScore, 15000);
}
poll(); pollScore();
`;

function chart(id: string, label: string): string {
  return `<svg class="chart" id="${id}" data-label="${label}" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="${label}"><polyline points="" /></svg>`;
}

function pillar(name: string): string {
  return `<div class="pillar"><div class="lamp" id="lamp-${name}" data-pillar="${name}" data-light="NONE"></div><div class="name">${name}</div><div class="state" id="state-${name}">…</div></div>`;
}

/** The page, with a nonce for its one style and one script (the Content-Security-Policy allows nothing else). */
export function boardPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kaizen Andon board</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-overall="NONE">
<header><div id="overall-light" class="lamp" data-light="NONE" role="img" aria-label="overall light"></div><h1>kaizen · Andon board</h1><span id="stale" hidden>connection lost</span>
<div id="score" data-band="none"><span id="score-value">—</span><small id="score-band">health score</small></div></header>
<main>
<div id="lights">${['jidoka', 'kanban', 'heijunka', 'andon'].map(pillar).join('')}</div>
<section><h2>Circuit breaker</h2><div class="big" id="circuit">…</div><div class="muted" id="circuit-detail"></div></section>
<section><h2>Queue depth</h2><div class="big" id="queue">…</div><div class="bar"><div id="queue-bar"></div></div>${chart('chart-depth', 'queue depth')}</section>
<section><h2>Latency p99</h2><div class="big" id="p99">…</div><div class="muted" id="p50"></div>${chart('chart-p99', 'p99 latency in ms')}</section>
<section><h2>Throughput</h2><div class="big" id="rate">…</div>${chart('chart-rate', 'completed tasks per second')}</section>
<section><h2>Workers</h2><div id="workers"></div><div class="muted" id="imbalance"></div></section>
<section><h2>Alerts and chaos</h2><ul id="alerts"><li class="muted">none</li></ul></section>
</main>
<footer><span id="updated">connecting…</span> · <a href="openapi.json">API</a> · <a href="reports/weekly">weekly review</a></footer>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

export function registerBoardRoute(app: FastifyInstance): void {
  app.get('/', { schema: { summary: 'The Andon board (HTML; polls /status every second, ?interval=ms)', tags: ['pipeline'] } }, async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:`)
      .header('cache-control', 'no-store')
      .send(boardPage(nonce));
  });
}

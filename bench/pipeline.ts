// Benchmarks of the pipeline, the analyzer and the weekly review, each against a baseline measured
// in the same run: `node --expose-gc dist/bench/pipeline.js [--days 7] [--rate 1] [--only-pipeline]`.
//   1. the pipeline with a no-op evidence sink (simulation only) against the same run journaled
//      with each hour rolled up (kaizen run), on the default week;
//   2. the full analysis of that week from its rollups (SPARQL) against a hand-written scan of the
//      same rollups in the same store;
//   3. the 5-Whys of the outage's first circuit opening;
//   4. `kaizen review` of the week in a fresh process: wall time and peak RSS.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, simulateInto } from '../src/cli/run.js';
import { HOUR_MS, isoWeekOf } from '../src/evidence/time.js';
import { V } from '../src/evidence/vocabulary.js';
import { simulate } from '../src/pipeline/simulate.js';
import { analyzeWindow } from '../src/query/analyze.js';
import { loadSlos } from '../src/query/slo-files.js';
import { whyOfReceipt } from '../src/query/why.js';
import { openEmbeddedStore } from '../src/store/embedded-store.js';
import { CLI, gc, ROOT } from './util.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const days = Number(arg('days', '7'));
const rate = Number(arg('rate', '1'));
const startMs = Date.parse('2026-11-02T00:00:00Z');
const durationMs = days * 24 * HOUR_MS;
const scenario = loadScenario('default-week', ROOT);
const dir = join(ROOT, 'bench/results/work-pipeline');
rmSync(dir, { recursive: true, force: true });
const out: Record<string, unknown> = { days, rate, node: process.version };
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

// 1. Simulation alone, then journaled with hourly rollups.
gc();
let t0 = performance.now();
let events = 0;
const bare = simulate({ scenario, seed: 7, startMs, durationMs, rate, sink: () => void events++ });
const bareMs = performance.now() - t0;
console.log(`pipeline, no-op sink:   ${bare.signals} signals, ${events} events in ${s(bareMs)} = ${Math.round(bare.signals / (bareMs / 1000))} signals/s`);
gc();
const store = openEmbeddedStore({ dataDir: dir });
t0 = performance.now();
const run = await simulateInto(store, {
  scenario,
  seed: 7,
  startMs,
  durationMs,
  rate,
  env: {},
  onHour: (h, total) => {
    if (h % 24 === 0) console.log(`  … ${h}/${total} h journaled and rolled up, ${s(performance.now() - t0)}`);
  },
});
const runMs = performance.now() - t0;
await store.close();
const rss = process.resourceUsage().maxRSS * 1024;
console.log(
  `pipeline, journaled:    ${run.summary.signals} signals, ${run.receipts} receipts, ${run.rollups} rollups in ${s(runMs)} = ${Math.round(run.summary.signals / (runMs / 1000))} signals/s (${((bareMs / runMs) * 100).toFixed(0)} % of the no-op run's rate); peak RSS ${(rss / 2 ** 30).toFixed(2)} GiB`,
);
Object.assign(out, { signals: run.summary.signals, receipts: run.receipts, bareMs, runMs, peakRssBytes: rss });
if (process.argv.includes('--only-pipeline')) {
  // Part 1 alone: while tuning the write path, the analysis and the review are not wanted.
  console.log(JSON.stringify(out));
  process.exit(0);
}

// 2. Full analysis from the rollups, against a hand-written scan of the same rollup quads.
const week = { fromMs: startMs, toMs: startMs + durationMs };
const reader = openEmbeddedStore({ dataDir: dir, readOnly: true });
const slos = loadSlos();
await reader.load({ range: week, rollups: true });
t0 = performance.now();
const analysis = await analyzeWindow(reader, week, slos);
const analysisMs = performance.now() - t0;
t0 = performance.now();
let completed = 0;
for (const q of reader.match(null, V.eventType, null, null)) {
  if (!q.object.value.endsWith('#TaskCompleted')) continue;
  // Histogram rows name the event type too; only stats rows count receipts.
  if (reader.match(q.subject, V.type, V.StatsRow, q.graph).length === 0) continue;
  const count = reader.match(q.subject, V.count, null, q.graph)[0];
  completed += Number(count?.object.value ?? 0);
}
const scanMs = performance.now() - t0;
const got = analysis.facts.total.counts.get('TaskCompleted') ?? 0;
console.log(
  `full analysis (health, ${slos.length} SLOs, ${analysis.trends.size} trends): ${s(analysisMs)}; hand-written scan of the same rollups ${scanMs.toFixed(0)} ms (${(analysisMs / scanMs).toFixed(1)}×); completed ${got} vs scan ${completed} ${got === completed ? 'agree' : 'DISAGREE'}`,
);
Object.assign(out, { analysisMs, scanMs });

// 3. 5-Whys of the first circuit opening.
const opened = reader.match(null, V.type, null, null).length; // keeps the store warm; the search below loads raw hours
void opened;
const outageDay = isoWeekOf(startMs).range.fromMs + 24 * HOUR_MS; // Tuesday
await reader.load({ range: { fromMs: outageDay + 10 * HOUR_MS, toMs: outageDay + 11 * HOUR_MS }, raw: true });
const first = reader
  .match(null, V.type, null, null)
  .filter((q) => q.object.value.endsWith('#CircuitOpened'))
  .map((q) => q.subject.value)[0];
if (first !== undefined) {
  t0 = performance.now();
  const { chain } = await whyOfReceipt(reader, first);
  const whyMs = performance.now() - t0;
  console.log(`5-Whys of ${first}: ${chain.steps.length} steps in ${s(whyMs)}; ${chain.conclusion}`);
  Object.assign(out, { whyMs });
}
await reader.close();

// 4. kaizen review in a fresh process.
t0 = performance.now();
const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--max-semi-space-size=64', CLI, '--data', dir, 'review', '--week', '2026-W45', '--out', join(dir, 'review.md')], {
  encoding: 'utf8',
});
const reviewMs = performance.now() - t0;
const reviewRss = Number(r.stderr.trim().split('\n').pop()) * 1024;
console.log(`kaizen review (fresh process): ${s(reviewMs)}, peak RSS ${(reviewRss / 2 ** 30).toFixed(2)} GiB, exit ${r.status}`);
Object.assign(out, { reviewMs, reviewRssBytes: reviewRss, reviewHead: readFileSync(join(dir, 'review.md'), 'utf8').split('\n').slice(0, 8) });
console.log(JSON.stringify(out));

// Benchmarks of the pipeline, the analyzer and the weekly review, each against a baseline measured
// in the same run: `node --expose-gc dist/bench/pipeline.js [--days 7] [--rate 1] [--only-pipeline]`.
//   1. the pipeline with a no-op evidence sink (simulation only) against the same run journaled
//      with each hour rolled up (kaizen run), on the default week, and the floor the disk sets:
//      the journal's bytes written and fsynced alone, and the receipts sealed alone;
//   2. the full analysis of that week from its rollups (SPARQL) against a hand-written scan of the
//      same rollups computing the same figures, end to end from a fresh reader;
//   3. the 5-Whys of the outage's first circuit opening;
//   4. `kaizen review` of the week in a fresh process: wall time and peak RSS;
//   5. the same cold: the rollups rebuilt from raw by `kaizen rollup`, then the review (--no-cold skips it).

import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadScenario, simulateInto } from '../src/cli/run.js';
import type { KaizenEvent } from '../src/evidence/event.js';
import { ReceiptBytes } from '../src/evidence/receipt-bytes.js';
import { HOUR_MS, isoWeekOf } from '../src/evidence/time.js';
import { V } from '../src/evidence/vocabulary.js';
import { simulate } from '../src/pipeline/simulate.js';
import { analyzeFacts, analyzeWindow } from '../src/query/analyze.js';
import { loadSlos } from '../src/query/slo-files.js';
import { whyOfReceipt } from '../src/query/why.js';
import { ChainHead } from '../src/store/chain-head.js';
import { openEmbeddedStore } from '../src/store/embedded-store.js';
import { scanWindowFacts } from './scan-facts.js';
import { CLI, gc, median, ROOT } from './util.js';

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
/** Receipts per append in kaizen run (journal-slices.ts), which the disk floor and the sealing alone copy. */
const COMMIT_RECEIPTS = 5000;
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
const cpuBefore = process.cpuUsage();
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
// Every thread of the process: the journal's, the simulation worker's and the file system's.
const runCpu = process.cpuUsage(cpuBefore);
await store.close();
const rss = process.resourceUsage().maxRSS * 1024;
console.log(
  `pipeline, journaled:    ${run.summary.signals} signals, ${run.receipts} receipts, ${run.rollups} rollups in ${s(runMs)} = ${Math.round(run.summary.signals / (runMs / 1000))} signals/s (${((bareMs / runMs) * 100).toFixed(0)} % of the no-op run's rate); peak RSS ${(rss / 2 ** 30).toFixed(2)} GiB; CPU ${s(runCpu.user / 1000)} user + ${s(runCpu.system / 1000)} kernel over its threads`,
);
Object.assign(out, { signals: run.summary.signals, receipts: run.receipts, bareMs, runMs, peakRssBytes: rss, runUserMs: runCpu.user / 1000, runKernelMs: runCpu.system / 1000 });

// 1b. The floor the disk sets: the journal's bytes written and fsynced alone, in commits of the
// size kaizen run makes (COMMIT_RECEIPTS), with no receipt built. What the journaled run cannot go below.
const floor = (() => {
  const journalBytes = readdirSync(join(dir, 'journal')).reduce((n, f) => n + statSync(join(dir, 'journal', f)).size, 0);
  const commits = Math.ceil(run.receipts / COMMIT_RECEIPTS);
  const chunk = Buffer.alloc(Math.ceil(journalBytes / commits), 0x61);
  const path = join(dir, 'disk-floor.bin');
  const before = process.cpuUsage();
  const fd = openSync(path, 'w');
  t0 = performance.now();
  for (let i = 0; i < commits; i++) {
    writeSync(fd, chunk);
    fdatasyncSync(fd);
  }
  const floorMs = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  const cpu = process.cpuUsage(before);
  console.log(
    `disk floor:             ${(journalBytes / 2 ** 30).toFixed(2)} GiB of journal written and fsynced alone in ${commits} commits: ${s(floorMs)} (${(cpu.system / 1e6).toFixed(1)} s of it kernel CPU); the no-op run's time plus that floor = ${(((bareMs + floorMs) / runMs) * 100).toFixed(0)} % of the journaled run's`,
  );
  Object.assign(out, { journalBytes, floorMs, floorKernelMs: cpu.system / 1000 });
  return { ms: floorMs, kernelMs: cpu.system / 1000 };
})();

// 1c. The CPU the receipts take to seal alone (rendered into journal bytes and hashed into the
// chain, as kaizen run's journal thread does), the same week simulated again on this thread but
// timed around the sealing only, with nothing written. With the simulation's time and the disk
// floor's kernel CPU, the work the journaled run must do somewhere on this machine's cores: the
// best it could do as it is sealed, if that work were split evenly over them with nothing
// spent handing events from one thread to the other.
{
  gc();
  const chain = new ChainHead('local');
  const bytes = new ReceiptBytes();
  let pending: KaizenEvent[] = [];
  let sealMs = 0;
  const seal = (): void => {
    const t = performance.now();
    chain.sealEventsInto(pending, bytes);
    sealMs += performance.now() - t;
    bytes.reset();
    pending = [];
  };
  simulate({
    scenario,
    seed: 7,
    startMs,
    durationMs,
    rate,
    sink: (e) => {
      pending.push(e);
      if (pending.length === COMMIT_RECEIPTS) seal();
    },
  });
  seal();
  const cores = availableParallelism();
  const bestMs = Math.max(bareMs, sealMs, floor.ms, (bareMs + sealMs + floor.kernelMs) / cores);
  console.log(
    `sealing alone:          ${chain.seq} receipts sealed into journal bytes in ${s(sealMs)} of this thread; no-op run ${s(bareMs)} + sealing + the disk floor's kernel CPU ${s(floor.kernelMs)}, over ${cores} cores: at best ${s(bestMs)} = ${((bareMs / bestMs) * 100).toFixed(0)} % of the no-op run's rate`,
  );
  Object.assign(out, { sealMs, bestJournaledMs: bestMs });
}
if (process.argv.includes('--only-pipeline')) {
  // Part 1 alone: while tuning the write path, the analysis and the review are not wanted.
  console.log(JSON.stringify(out));
  process.exit(0);
}

// 2. Full analysis from the rollups, end to end (a fresh reader: load the week's rollups, then
// every figure), through SPARQL against the hand-written scan of the same rollups (the same rows,
// by pattern matches, then the same folding), alternating in 5 rounds. The first SPARQL round also
// loads the query engine, so it is reported apart.
const week = { fromMs: startMs, toMs: startMs + durationMs };
const slos = loadSlos();
const rounds: { sparqlMs: number; queryMs: number; loadMs: number; scanMs: number }[] = [];
let analysis: Awaited<ReturnType<typeof analyzeWindow>> | undefined;
for (let round = 0; round < 5; round++) {
  const entry = { sparqlMs: 0, queryMs: 0, loadMs: 0, scanMs: 0 };
  for (const path of round % 2 === 0 ? ['sparql', 'scan'] : ['scan', 'sparql']) {
    gc();
    const reader = openEmbeddedStore({ dataDir: dir, readOnly: true });
    const query = reader.query.bind(reader);
    reader.query = async (text, options) => {
      const q0 = performance.now();
      const r = await query(text, options);
      entry.queryMs += performance.now() - q0;
      return r;
    };
    t0 = performance.now();
    if (path === 'sparql') {
      analysis = await analyzeWindow(reader, week, slos);
      entry.sparqlMs = performance.now() - t0;
    } else {
      await reader.load({ range: week, rollups: true });
      entry.loadMs = performance.now() - t0;
      const scanned = analyzeFacts(week, scanWindowFacts(reader, week), [], slos);
      entry.scanMs = performance.now() - t0;
      if (analysis !== undefined && JSON.stringify(scanned.health) !== JSON.stringify(analysis.health)) throw new Error('the scan and SPARQL disagree');
    }
    await reader.close();
  }
  rounds.push(entry);
}
const warm = rounds.slice(1);
const sparqlWarm = median(warm.map((r) => r.sparqlMs));
const scanWarm = median(warm.map((r) => r.scanMs));
const queryWarm = median(warm.map((r) => r.queryMs));
const loadWarm = median(warm.map((r) => r.loadMs));
console.log(
  `full analysis (health, ${slos.length} SLOs, ${analysis!.trends.size} trends) of ${run.receipts} receipts' rollups, end to end, median of 4: SPARQL ${sparqlWarm.toFixed(0)} ms (rollup-rows ${queryWarm.toFixed(0)} ms = ${((queryWarm / sparqlWarm) * 100).toFixed(0)} %) vs. hand-written scan ${scanWarm.toFixed(0)} ms (loading the rollups ${loadWarm.toFixed(0)} ms of it) = ${(sparqlWarm / scanWarm).toFixed(2)}×; first SPARQL run, loading the engine: ${rounds[0]!.sparqlMs.toFixed(0)} ms = ${(rounds[0]!.sparqlMs / scanWarm).toFixed(2)}×`,
);
Object.assign(out, { analysisRounds: rounds, analysisMs: sparqlWarm, analysisColdMs: rounds[0]!.sparqlMs, scanMs: scanWarm, queryMs: queryWarm });

// 3. 5-Whys of the first circuit opening (the engine loaded), from a fresh reader.
const reader = openEmbeddedStore({ dataDir: dir, readOnly: true });
await reader.query('SELECT * WHERE { ?s ?p ?o } LIMIT 1');
const outageDay = isoWeekOf(startMs).range.fromMs + 24 * HOUR_MS; // Tuesday
await reader.load({ range: { fromMs: outageDay + 10 * HOUR_MS, toMs: outageDay + 11 * HOUR_MS }, drill: true });
const first = reader
  .match(null, V.type, null, null)
  .filter((q) => q.object.value.endsWith('#CircuitOpened'))
  .map((q) => q.subject.value)[0];
reader.release({ range: week, raw: true });
if (first !== undefined) {
  t0 = performance.now();
  const { chain } = await whyOfReceipt(reader, first);
  const whyMs = performance.now() - t0;
  console.log(`5-Whys of ${first}: ${chain.steps.length} steps in ${s(whyMs)}; ${chain.conclusion}`);
  Object.assign(out, { whyMs });
}
await reader.close();

// 4. kaizen review in a fresh process, the rollups present.
const review = (dataDir: string, file: string): { ms: number; rss: number; status: number | null } => {
  const r0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--max-semi-space-size=64', '--always-sparkplug', CLI, '--data', dataDir, 'review', '--week', isoWeekOf(startMs).label, '--out', file], {
    encoding: 'utf8',
  });
  return { ms: performance.now() - r0, rss: Number(r.stderr.trim().split('\n').pop()) * 1024, status: r.status };
};
const reviews = [review(dir, join(dir, 'review.md')), review(dir, join(dir, 'review.md')), review(dir, join(dir, 'review.md'))];
const reviewMs = median(reviews.map((r) => r.ms));
const reviewRss = Math.max(...reviews.map((r) => r.rss));
console.log(`kaizen review (fresh process, rollups present), median of 3: ${s(reviewMs)}, peak RSS ${(reviewRss / 2 ** 30).toFixed(2)} GiB, exit ${reviews.map((r) => r.status).join(' ')}`);
Object.assign(out, { reviewMs, reviewRssBytes: reviewRss, reviewHead: readFileSync(join(dir, 'review.md'), 'utf8').split('\n').slice(0, 8) });

// 5. Cold: the same week without its rollups (a copy of the raw journal and its day index),
// rolled up from raw through SPARQL by kaizen rollup, then reviewed.
if (!process.argv.includes('--no-cold')) {
  const cold = join(ROOT, 'bench/results/work-pipeline-cold');
  rmSync(cold, { recursive: true, force: true });
  mkdirSync(join(cold, 'journal'), { recursive: true });
  for (const f of readdirSync(join(dir, 'journal'))) if (!f.includes('.rollup.')) copyFileSync(join(dir, 'journal', f), join(cold, 'journal', f));
  mkdirSync(join(cold, 'index'));
  for (const f of readdirSync(join(dir, 'index'))) copyFileSync(join(dir, 'index', f), join(cold, 'index', f));
  t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--max-semi-space-size=64', '--always-sparkplug', CLI, '--data', cold, 'rollup', '--week', isoWeekOf(startMs).label], { encoding: 'utf8' });
  const rollupMs = performance.now() - t0;
  const rollupRss = Number(r.stderr.trim().split('\n').pop()) * 1024;
  const after = review(cold, join(cold, 'review.md'));
  const same = readFileSync(join(cold, 'review.md'), 'utf8').replace(/Generated [^\n]*/, '') === readFileSync(join(dir, 'review.md'), 'utf8').replace(/Generated [^\n]*/, '');
  console.log(
    `kaizen review cold (kaizen rollup from raw, exit ${r.status}, ${s(rollupMs)}, peak RSS ${(rollupRss / 2 ** 30).toFixed(2)} GiB; then the review ${s(after.ms)}): ${s(rollupMs + after.ms)} in all; the review ${same ? 'equals' : 'DIFFERS FROM'} the one from the rollups kaizen run wrote`,
  );
  Object.assign(out, { coldRollupMs: rollupMs, coldRollupRssBytes: rollupRss, coldReviewMs: after.ms, coldSame: same });
  rmSync(cold, { recursive: true, force: true });
}
console.log(JSON.stringify(out));

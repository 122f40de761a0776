// The SPARQL store on Virtuoso against the embedded store, in one run: append throughput, the
// rollups of a week (folded as kaizen run folds them), and the latency of the shipped queries
// and of the whole analysis on each. Starts its own Virtuoso (Debian's virtuoso-opensource).
//
// With --bulk the server gets the week through its bulk loader (the load files of the sealed
// chain, src/store/sparql/load-file.ts) instead of INSERT DATA, which takes thousands of triples
// a second and so hours for a million receipts; --extra N receipts are then appended through
// INSERT DATA to the loaded server, for its append rate at that size. The raw week is then
// queried on both: on the server, and by the embedded store in a child process under heap caps.
//
//   node dist/bench/sparql-store.js [--events 1000000] [--reps 3] [--bulk] [--extra 1000]
//        [--caps 4096,16384 (heap caps in MB; 0 for none)] [--out bench/results/sparql-1000000.json]

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataFactory } from 'n3';
import type { KaizenEvent } from '../src/evidence/event.js';
import { HourFolds } from '../src/evidence/hour-folds.js';
import type { EvidenceStore } from '../src/evidence/store.js';
import { hourGraphIri } from '../src/evidence/vocabulary.js';
import { analyzeWindow } from '../src/query/analyze.js';
import { loadCatalogue } from '../src/query/catalogue.js';
import { ensureRollups } from '../src/query/rollups.js';
import { loadSlos } from '../src/query/slo-files.js';
import { ChainHead } from '../src/store/chain-head.js';
import { openEmbeddedStore } from '../src/store/embedded-store.js';
import { DEFAULT_GRAPH_PREFIX, InstanceLayout } from '../src/store/sparql/layout.js';
import { LoadFiles } from '../src/store/sparql/load-file.js';
import { outgoingReceipt } from '../src/store/sparql/spool.js';
import { openSparqlStore } from '../src/store/sparql-store.js';
import { busiestHourOfWeek, generateWeekByHour, HOUR_MS, HOURS_PER_WEEK, weekStartOf } from './generate.js';
import { fmtInt, fmtMs, median, ROOT } from './util.js';
import { startVirtuoso, type Virtuoso } from './virtuoso.js';

const { namedNode, literal } = DataFactory;
const BATCH = 1000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Appends the generated week hour by hour, in batches, gathering the rollup rows as kaizen run does. */
async function appendWeek(store: EvidenceStore, events: number): Promise<{ ms: number; folds: HourFolds }> {
  const folds = new HourFolds();
  const t0 = performance.now();
  for (const hour of generateWeekByHour({ events })) {
    for (let i = 0; i < hour.events.length; i += BATCH) folds.add((await store.appendEvents(hour.events.slice(i, i + BATCH))).receipts);
  }
  return { ms: performance.now() - t0, folds };
}

/** Seals the week on a chain of its own, writes its load files and has the server's loader load them. */
async function bulkLoadWeek(virtuoso: Virtuoso, dir: string, events: number): Promise<{ writeMs: number; loadMs: number; quads: number; folds: HourFolds }> {
  const folds = new HourFolds();
  const layout = new InstanceLayout('local', DEFAULT_GRAPH_PREFIX);
  const chain = new ChainHead('local');
  const files = new LoadFiles(dir, layout, DEFAULT_GRAPH_PREFIX);
  const t0 = performance.now();
  for (const hour of generateWeekByHour({ events })) {
    const receipts = chain.sealEvents(hour.events);
    folds.add(receipts);
    files.add(receipts.map((r) => outgoingReceipt(r, 'raw', layout.serverGraph(r.graph))));
  }
  files.close();
  const t1 = performance.now();
  await virtuoso.bulkLoad(dir);
  const loadMs = performance.now() - t1;
  rmSync(dir, { recursive: true, force: true });
  return { writeMs: t1 - t0, loadMs, quads: files.quads, folds };
}

/** Appends `n` more receipts, an hour after the week (outside what the analysis reads). */
async function appendAfter(store: EvidenceStore, weekEndMs: number, n: number): Promise<number> {
  const later: KaizenEvent[] = [];
  for (const hour of generateWeekByHour({ events: n * 4, weekStartMs: weekEndMs + HOUR_MS * 24 * 7 })) {
    later.push(...hour.events.slice(0, n - later.length));
    if (later.length >= n) break;
  }
  const t0 = performance.now();
  for (let i = 0; i < later.length; i += BATCH) await store.appendEvents(later.slice(i, i + BATCH));
  return ((performance.now() - t0) / later.length) * 1000;
}

/** The raw-week query by the embedded store in a child process whose heap is capped at `capMb`. */
async function embeddedRawWeek(dataDir: string, week: { fromMs: number; toMs: number }, capMb: number): Promise<Record<string, number | string>> {
  const script = resolve(ROOT, 'dist/bench/open-store.js');
  const args = [`--max-old-space-size=${capMb}`, script, dataDir, String(week.fromMs), String(week.toMs), 'raw', 'raw-counts-by-type'];
  args.push(`from=${new Date(week.fromMs).toISOString()}`, `to=${new Date(week.toMs).toISOString()}`);
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const ms = performance.now() - t0;
      if (error !== null) {
        const why = /heap out of memory|Allocation failed/.test(stderr) ? 'out of memory' : (stderr.trim().split('\n').pop() ?? String(error));
        done({ capMb, ms, failed: why });
      } else done({ capMb, ms, ...(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>) });
    });
  });
}

async function timed<T>(reps: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result: result as T };
}

/** Rows of a result, for a count that both stores must agree on. */
function size(result: Awaited<ReturnType<EvidenceStore['query']>>): number {
  return result.kind === 'bindings' ? result.rows.length : result.kind === 'quads' ? result.quads.length : 1;
}

async function main(): Promise<void> {
  const events = Number(arg('events', '1000000'));
  const reps = Number(arg('reps', '3'));
  const bulk = process.argv.includes('--bulk');
  const extra = Number(arg('extra', bulk ? '1000' : '0'));
  const caps = arg('caps', '4096,16384').split(',').map(Number).filter((n) => n > 0);
  const out = resolve(ROOT, arg('out', `bench/results/sparql-${events}${bulk ? '-bulk' : ''}.json`));
  const work = mkdtempSync(join(tmpdir(), 'kz-bench-sparql-'));
  const loadDir = join(work, 'load');
  // Memory for the pages of the week (about 5 GiB of buffers) and rows for a week of rollup rows.
  const virtuoso = await startVirtuoso({ buffers: 680_000, maxRows: 5_000_000, loadDirs: [loadDir] });
  const weekStart = weekStartOf({ events });
  const week = { fromMs: weekStart, toMs: weekStart + HOURS_PER_WEEK * HOUR_MS };
  const busiest = new Date(weekStart + busiestHourOfWeek() * HOUR_MS).toISOString().slice(0, 13);
  const results: Record<string, Record<string, number>> = {};
  const rawWeek: Record<string, unknown> = {};
  try {
    const catalogue = loadCatalogue();
    const slos = loadSlos();
    for (const name of ['embedded', 'virtuoso'] as const) {
      const r: Record<string, number> = {};
      results[name] = r;
      let store: EvidenceStore;
      let folds: HourFolds;
      if (name === 'virtuoso' && bulk) {
        const loaded = await bulkLoadWeek(virtuoso, loadDir, events);
        r.loadFilesMs = loaded.writeMs;
        r.bulkLoadMs = loaded.loadMs;
        r.bulkQuadsPerSecond = (loaded.quads / loaded.loadMs) * 1000;
        folds = loaded.folds;
        store = await openSparqlStore({ endpoint: virtuoso.endpoint, dataDir: join(work, 'sparql') });
        console.log(`virtuoso: ${fmtInt(events)} receipts (${fmtInt(loaded.quads)} quads) in load files in ${fmtMs(loaded.writeMs)}, bulk-loaded in ${fmtMs(loaded.loadMs)} (${fmtInt(r.bulkQuadsPerSecond)} quads/s)`);
      } else {
        store = name === 'embedded' ? openEmbeddedStore({ dataDir: join(work, 'embedded') }) : await openSparqlStore({ endpoint: virtuoso.endpoint, dataDir: join(work, 'sparql') });
        const appended = await appendWeek(store, events);
        r.appendMs = appended.ms;
        r.receiptsPerSecond = (events / appended.ms) * 1000;
        folds = appended.folds;
        console.log(`${name}: appended ${fmtInt(events)} receipts in ${fmtMs(appended.ms)} (${fmtInt(r.receiptsPerSecond)}/s)`);
      }
      if (extra > 0) {
        r.extraAppendUsPerReceipt = await appendAfter(store, week.toMs, extra);
        console.log(`${name}: ${fmtInt(extra)} more receipts appended at ${fmtInt(1e6 / r.extraAppendUsPerReceipt)}/s`);
      }
      const t0 = performance.now();
      await ensureRollups(store, week, { nowMs: week.toMs, folds });
      r.rollupMs = performance.now() - t0;
      console.log(`${name}: the week's rollups in ${fmtMs(r.rollupMs)}`);
      await store.load({ range: week, rollups: true });
      for (const q of catalogue.values()) {
        if (q.reads !== 'rollups') continue;
        const bindings = { from: literal(String(week.fromMs), namedNode('http://www.w3.org/2001/XMLSchema#integer')), to: literal(String(week.toMs), namedNode('http://www.w3.org/2001/XMLSchema#integer')) };
        const used = Object.fromEntries(Object.entries(bindings).filter(([k]) => q.params.some((p) => p.name === k)));
        const m = await timed(reps, () => store.query(q.text, { bindings: used }));
        r[`query:${q.name}`] = m.ms;
        r[`rows:${q.name}`] = size(m.result);
      }
      const hour = { fromMs: Date.parse(`${busiest}:00:00Z`), toMs: Date.parse(`${busiest}:00:00Z`) + HOUR_MS };
      await store.load({ range: hour, raw: true });
      const latencies = catalogue.get('hour-latencies')!;
      const m = await timed(reps, () => store.query(latencies.text, { bindings: { g: namedNode(hourGraphIri(busiest)) } }));
      r['query:hour-latencies'] = m.ms;
      r['rows:hour-latencies'] = size(m.result);
      store.release({ range: hour, raw: true });
      r.analysisMs = (await timed(reps, () => analyzeWindow(store, week, slos))).ms;
      if (name === 'virtuoso' && bulk) {
        // The raw week, every receipt of it, on the server.
        const q = catalogue.get('raw-counts-by-type')!;
        await store.load({ range: week, raw: true });
        const integer = namedNode('http://www.w3.org/2001/XMLSchema#integer');
        const rw = await timed(1, () => store.query(q.text, { bindings: { from: literal(String(week.fromMs), integer), to: literal(String(week.toMs), integer) } }));
        r['query:raw-counts-by-type (raw week)'] = rw.ms;
        r['rows:raw-counts-by-type (raw week)'] = size(rw.result);
      }
      await store.close();
      for (const [k, v] of Object.entries(r)) if (k.startsWith('query:') || k === 'analysisMs') console.log(`  ${k.padEnd(40)} ${fmtMs(v)} (${r[`rows:${k.slice(6)}`] ?? ''} rows)`);
      if (name === 'embedded' && bulk) {
        // The raw week loaded whole by the embedded store, under each heap cap.
        for (const cap of caps) {
          const o = await embeddedRawWeek(join(work, 'embedded'), week, cap);
          rawWeek[`embedded-${cap}MB`] = o;
          console.log(`embedded, raw week under a ${fmtInt(cap)} MB heap: ${o.failed === undefined ? `loaded ${fmtInt(Number(o.quads))} quads in ${fmtMs(Number(o.loadMs))}, query ${fmtMs(Number(o.queryMs))}, peak RSS ${(Number(o.maxRssBytes) / 2 ** 30).toFixed(2)} GiB` : `failed (${o.failed}) after ${fmtMs(Number(o.ms))}`}`);
        }
      }
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ events, reps, bulk, extra, results, rawWeek }, null, 2)}\n`);
    console.log(`\n| measure | embedded | Virtuoso |\n| --- | --- | --- |`);
    const keys = [...new Set([...Object.keys(results.embedded ?? {}), ...Object.keys(results.virtuoso ?? {})])];
    for (const k of keys) {
      if (k.startsWith('rows:')) continue;
      const fmt = (v: number | undefined) =>
        v === undefined ? '–' : k.endsWith('PerSecond') ? `${fmtInt(v)}/s` : k.endsWith('UsPerReceipt') ? `${fmtInt(1e6 / v)}/s` : fmtMs(v);
      console.log(`| ${k} | ${fmt(results.embedded?.[k])} | ${fmt(results.virtuoso?.[k])} |`);
    }
  } finally {
    await virtuoso.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

// The SPARQL store on Virtuoso against the embedded store, in one run: append throughput, the
// rollups of a week (folded as kaizen run folds them), and the latency of the shipped queries
// and of the whole analysis on each. Starts its own Virtuoso (Debian's virtuoso-opensource).
//
//   node dist/bench/sparql-store.js [--events 1000000] [--reps 3] [--out bench/results/sparql.json]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataFactory } from 'n3';
import { HourFolds } from '../src/evidence/hour-folds.js';
import type { EvidenceStore } from '../src/evidence/store.js';
import { hourGraphIri } from '../src/evidence/vocabulary.js';
import { analyzeWindow } from '../src/query/analyze.js';
import { loadCatalogue } from '../src/query/catalogue.js';
import { ensureRollups } from '../src/query/rollups.js';
import { loadSlos } from '../src/query/slo-files.js';
import { openEmbeddedStore } from '../src/store/embedded-store.js';
import { openSparqlStore } from '../src/store/sparql-store.js';
import { busiestHourOfWeek, generateWeekByHour, HOUR_MS, HOURS_PER_WEEK, weekStartOf } from './generate.js';
import { fmtInt, fmtMs, median, ROOT } from './util.js';
import { startVirtuoso } from './virtuoso.js';

const { namedNode, literal } = DataFactory;
const BATCH = 1000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface Side {
  readonly name: string;
  readonly store: EvidenceStore;
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
  const out = resolve(ROOT, arg('out', `bench/results/sparql-${events}.json`));
  const work = mkdtempSync(join(tmpdir(), 'kz-bench-sparql-'));
  // Memory for the pages of the week (about 5 GiB of buffers) and rows for a week of rollup rows.
  const virtuoso = await startVirtuoso({ buffers: 680_000, maxRows: 5_000_000 });
  const weekStart = weekStartOf({ events });
  const week = { fromMs: weekStart, toMs: weekStart + HOURS_PER_WEEK * HOUR_MS };
  const busiest = new Date(weekStart + busiestHourOfWeek() * HOUR_MS).toISOString().slice(0, 13);
  const results: Record<string, Record<string, number>> = {};
  try {
    const sides: Side[] = [
      { name: 'embedded', store: openEmbeddedStore({ dataDir: join(work, 'embedded') }) },
      { name: 'virtuoso', store: await openSparqlStore({ endpoint: virtuoso.endpoint, dataDir: join(work, 'sparql') }) },
    ];
    const catalogue = loadCatalogue();
    const slos = loadSlos();
    for (const side of sides) {
      const r: Record<string, number> = {};
      results[side.name] = r;
      const appended = await appendWeek(side.store, events);
      r.appendMs = appended.ms;
      r.receiptsPerSecond = (events / appended.ms) * 1000;
      const t0 = performance.now();
      await ensureRollups(side.store, week, { nowMs: week.toMs, folds: appended.folds });
      r.rollupMs = performance.now() - t0;
      console.log(`${side.name}: appended ${fmtInt(events)} receipts in ${fmtMs(appended.ms)} (${fmtInt(r.receiptsPerSecond)}/s), rolled up in ${fmtMs(r.rollupMs)}`);
      await side.store.load({ range: week, rollups: true });
      for (const q of catalogue.values()) {
        if (q.reads !== 'rollups') continue;
        const bindings = { from: literal(String(week.fromMs), namedNode('http://www.w3.org/2001/XMLSchema#integer')), to: literal(String(week.toMs), namedNode('http://www.w3.org/2001/XMLSchema#integer')) };
        const used = Object.fromEntries(Object.entries(bindings).filter(([k]) => q.params.some((p) => p.name === k)));
        const m = await timed(reps, () => side.store.query(q.text, { bindings: used }));
        r[`query:${q.name}`] = m.ms;
        r[`rows:${q.name}`] = size(m.result);
      }
      const hour = { fromMs: Date.parse(`${busiest}:00:00Z`), toMs: Date.parse(`${busiest}:00:00Z`) + HOUR_MS };
      await side.store.load({ range: hour, raw: true });
      const latencies = catalogue.get('hour-latencies')!;
      const m = await timed(reps, () => side.store.query(latencies.text, { bindings: { g: namedNode(hourGraphIri(busiest)) } }));
      r['query:hour-latencies'] = m.ms;
      r['rows:hour-latencies'] = size(m.result);
      side.store.release({ range: hour, raw: true });
      r.analysisMs = (await timed(reps, () => analyzeWindow(side.store, week, slos))).ms;
      await side.store.close();
      for (const [k, v] of Object.entries(r)) if (k.startsWith('query:') || k === 'analysisMs') console.log(`  ${k.padEnd(32)} ${fmtMs(v)} (${r[`rows:${k.slice(6)}`] ?? ''} rows)`);
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ events, reps, results }, null, 2)}\n`);
    console.log(`\n| measure | embedded | Virtuoso |\n| --- | --- | --- |`);
    for (const k of Object.keys(results.embedded ?? {})) {
      if (k.startsWith('rows:')) continue;
      const fmt = (v: number | undefined) => (v === undefined ? '–' : k === 'receiptsPerSecond' ? `${fmtInt(v)}/s` : fmtMs(v));
      console.log(`| ${k} | ${fmt(results.embedded?.[k])} | ${fmt(results.virtuoso?.[k])} |`);
    }
  } finally {
    await virtuoso.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

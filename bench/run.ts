// The benchmarks of the evidence store (`npm run bench`): for each week size, journaled append
// against the bare in-memory store, opening for rollups and for a raw day, an hour-window query,
// rolling up an hour, every shipped query against a hand-written scan, peak RSS per CLI command
// and `kaizen --help`. Prints a table per size, a markdown table and writes the JSON results.
//
//   node --expose-gc dist/bench/run.js [--sizes 100000,1000000] [--out bench/results/x.json] [--keep]
//   node dist/bench/run.js --table bench/results/a.json bench/results/b.json   (merge into one table)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type * as RDF from '@rdfjs/types';
import { DataFactory, type Quad, Store } from 'n3';
import { GENESIS_DIGEST, toReceipt } from '../src/evidence/receipt.js';
import type { EvidenceStore, QueryResult } from '../src/evidence/store.js';
import { hourGraphIri, V } from '../src/evidence/vocabulary.js';
import { loadCatalogue, type NamedQuery } from '../src/query/catalogue.js';
import { ensureRollups } from '../src/query/rollups.js';
import { type EmbeddedStore, openEmbeddedStore } from '../src/store/embedded-store.js';
import { busiestHourOfWeek, DEFAULT_SEED, DEFAULT_WEEK_START, generateWeekByHour, HOUR_MS, HOURS_PER_WEEK, type WeekOptions, writeWeekJsonl } from './generate.js';
import { compareAnswers, type Row, SCANS, termValue } from './scans.js';
import { BENCH_DIST, type ChildRun, CLI, fmtBytes, fmtInt, fmtMs, gc, MiB, median, ROOT, runNode, sizeLabel, timeReps } from './util.js';

const { namedNode, literal } = DataFactory;
const DAY_MS = 24 * HOUR_MS;
const BATCH = 1000;

/** One measured figure. `value` is in `unit`; `met` is set where the issue gives a target. */
interface Measure {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly unit: 'ms' | 'bytes' | 'receipts/s' | 'ratio' | 'count';
  readonly text: string;
  readonly target?: string;
  readonly met?: boolean;
  readonly detail?: string;
}

interface QueryMeasure {
  readonly name: string;
  readonly reads: string;
  readonly partitions: string;
  readonly rows: number;
  readonly sparqlMs: number;
  readonly scanMs: number | undefined;
  readonly ratio: number | undefined;
  readonly agree: boolean | undefined;
  readonly mismatch?: string;
  readonly reps: number;
  readonly target?: string;
  readonly met?: boolean;
}

interface SizeReport {
  readonly size: number;
  readonly receipts: number;
  readonly busyHour: string;
  readonly busyHourReceipts: number;
  readonly measures: Measure[];
  readonly queries: QueryMeasure[];
  readonly problems: string[];
  /** 1-minute load average of the machine at the start and the end (others share it). */
  readonly loadAvg: { readonly start: number; readonly end: number };
  readonly elapsedMs: number;
}

interface Options {
  readonly sizes: number[];
  readonly out: string;
  readonly keep: boolean;
  readonly seed: number;
  readonly weekStartMs: number;
  /** Above this size, `kaizen import` is measured on one day of the week, not the whole week. */
  readonly cliImportFullMax: number;
  /** Above this size, the raw queries are run over one raw hour only, not also over a raw day. */
  readonly rawDayQueriesMax: number;
  /** Up to this size, (a) also runs the live pipeline (open day loaded, hourly rollups). */
  readonly liveMax: number;
}

function parseArgs(argv: readonly string[]): Options | { table: string[] } {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--table')) return { table: argv.slice(argv.indexOf('--table') + 1) };
  const sizes = (get('--sizes') ?? '100000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error(`--sizes: expected comma-separated integers >= 1000, got ${get('--sizes')}`);
  const weekStart = get('--week-start') ?? DEFAULT_WEEK_START;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return {
    sizes,
    out: resolve(get('--out') ?? join(ROOT, 'bench/results', `bench-${sizes.map(sizeLabel).join('-')}-${stamp}.json`)),
    keep: argv.includes('--keep'),
    seed: Number(get('--seed') ?? DEFAULT_SEED),
    weekStartMs: Date.parse(`${weekStart}T00:00:00Z`),
    cliImportFullMax: Number(get('--cli-import-full-max') ?? '200000'),
    rawDayQueriesMax: Number(get('--raw-day-queries-max') ?? '200000'),
    liveMax: Number(get('--live-max') ?? '200000'),
  };
}

class Reporter {
  readonly measures: Measure[] = [];
  readonly problems: string[] = [];
  constructor(readonly size: number) {}

  add(m: Measure): void {
    this.measures.push(m);
    const status = m.met === undefined ? '' : m.met ? '  ✓ target ' : '  ✗ MISSED target ';
    const target = m.target === undefined ? '' : `${status}${m.target}`;
    const detail = m.detail === undefined ? '' : `  (${m.detail})`;
    log(`[${sizeLabel(this.size)}] ${m.label}: ${m.text}${target}${detail}`);
  }

  problem(text: string): void {
    this.problems.push(text);
    log(`\n!!!!! [${sizeLabel(this.size)}] ${text}\n`);
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function memNow(): { heapUsed: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

// ---------------------------------------------------------------------------------------------
// a. Journaled append against the bare in-memory store

/**
 * a. Appends the week hour by hour three ways on the same events, interleaved so that the
 * machine's load falls on all of them alike: the bare in-memory baseline; journaled appends
 * with nothing loaded (the brief's setup, into `dataDir`, which becomes the data set); and,
 * when `liveDir` is given, the live pipeline as `kaizen run` drives one store: load the hour,
 * append, roll the hour up when it closes, release it.
 */
async function benchAppend(rep: Reporter, week: WeekOptions, dataDir: string, liveDir: string | undefined): Promise<{ hourCounts: Map<string, number> }> {
  const cold = openEmbeddedStore({ dataDir });
  const live = liveDir === undefined ? undefined : openEmbeddedStore({ dataDir: liveDir });
  const t = { bare: 0, cold: 0, live: 0, rollup: 0 };
  let receipts = 0;
  const hourRatios: number[] = [];
  const rollupMs: number[] = [];
  const hourCounts = new Map<string, number>();
  const bare = { seq: 0, digest: GENESIS_DIGEST };
  const byEventId = new Map<string, string>(); // the writer remembers event ids across appends too
  const heapByDay: number[] = [];
  let maxRss = 0;
  for (const hour of generateWeekByHour(week)) {
    const events = hour.events;
    hourCounts.set(hour.hour, events.length);
    const range = { fromMs: hour.startMs, toMs: hour.startMs + HOUR_MS };
    const dayStart = Math.floor(hour.startMs / DAY_MS) * DAY_MS;
    const dayRange = { fromMs: dayStart, toMs: dayStart + DAY_MS };
    // The bare baseline: the same receipts built and added to an N3 Store replaced every hour.
    gc();
    const b0 = performance.now();
    let memory = new Store();
    for (let i = 0; i < events.length; i += BATCH) {
      for (const e of events.slice(i, i + BATCH)) {
        const seq = ++bare.seq;
        const informedBy = e.causedBy === undefined ? undefined : byEventId.get(e.causedBy);
        const r = toReceipt(e, { seq, prevDigest: bare.digest, instance: 'local' }, informedBy);
        bare.digest = r.digest;
        if (e.id !== undefined) byEventId.set(e.id, r.iri);
        memory.addQuads(r.quads as Quad[]);
      }
    }
    const b1 = performance.now();
    memory = new Store();
    gc();
    // Journaled, nothing loaded: appendEvents in batches of 1000 (each resolves after its fsync).
    const c0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await cold.appendEvents(events.slice(i, i + BATCH));
    cold.release({ range, raw: true });
    const c1 = performance.now();
    let l0 = c1;
    let l1 = c1;
    let l2 = c1;
    if (live !== undefined) {
      gc();
      // The live pipeline as `kaizen run` drives the store: load the hour, append its events,
      // roll it up once it has closed, release it.
      l0 = performance.now();
      await live.load({ range, raw: true });
      for (let i = 0; i < events.length; i += BATCH) await live.appendEvents(events.slice(i, i + BATCH));
      l1 = performance.now();
      const report = await ensureRollups(live, range, { nowMs: range.toMs });
      live.release({ range, raw: true });
      l2 = performance.now();
      if (report.built.length !== (events.length > 0 ? 1 : 0)) rep.problem(`a. the live rollup of ${hour.hour} built ${report.built.length} hours, expected 1`);
      rollupMs.push(l2 - l1);
      if (range.toMs === dayRange.toMs) live.release({ range: { fromMs: dayStart - DAY_MS, toMs: dayRange.toMs }, rollups: true });
    }
    t.bare += b1 - b0;
    t.cold += c1 - c0;
    t.live += l1 - l0;
    t.rollup += l2 - l1;
    receipts += events.length;
    if (events.length > 0) hourRatios.push((b1 - b0) / (c1 - c0));
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    if (range.toMs === dayRange.toMs) {
      gc();
      heapByDay.push(memNow().heapUsed);
      const liveText = live === undefined ? '' : `, live ${fmtMs(t.live)} + hourly rollups ${fmtMs(t.rollup)}`;
      log(`[${sizeLabel(rep.size)}]    … day ${heapByDay.length}/7 appended (${fmtInt(receipts)} receipts so far; bare ${fmtMs(t.bare)}, journaled ${fmtMs(t.cold)}${liveText})`);
    }
  }
  await cold.close();
  await live?.close();
  if (liveDir !== undefined) rmSync(liveDir, { recursive: true, force: true });
  const rate = (ms: number): number => receipts / (ms / 1000);
  const bareRate = rate(t.bare);
  const coldRate = rate(t.cold);
  rep.add({ key: 'append.bare', label: 'a. bare in-memory store (toReceipt + N3 addQuads, store replaced hourly)', value: bareRate, unit: 'receipts/s', text: `${fmtInt(bareRate)} receipts/s`, detail: `${fmtInt(receipts)} receipts in ${fmtMs(t.bare)}` });
  rep.add({ key: 'append.journaled', label: 'a. journaled append, nothing loaded (appendEvents, batches of 1000, fsync each)', value: coldRate, unit: 'receipts/s', text: `${fmtInt(coldRate)} receipts/s`, detail: `${fmtInt(receipts)} receipts in ${fmtMs(t.cold)}` });
  rep.add({
    key: 'append.ratio',
    label: 'a. journaled (nothing loaded) / bare append rate',
    value: coldRate / bareRate,
    unit: 'ratio',
    text: `${((coldRate / bareRate) * 100).toFixed(0)} % (median of the hourly ratios ${(median(hourRatios) * 100).toFixed(0)} %)`,
    target: '≥ 50 %',
    met: coldRate / bareRate >= 0.5,
  });
  if (live !== undefined) {
    const liveRate = rate(t.live);
    rep.add({ key: 'append.live', label: 'a. live pipeline (as kaizen run): load the hour + journaled append', value: liveRate, unit: 'receipts/s', text: `${fmtInt(liveRate)} receipts/s = ${((liveRate / bareRate) * 100).toFixed(0)} % of bare`, detail: fmtMs(t.live) });
    rep.add({ key: 'rollup.live', label: 'a. live pipeline (as kaizen run): roll up each hour as it closes + release', value: median(rollupMs), unit: 'ms', text: `median ${fmtMs(median(rollupMs))}, max ${fmtMs(Math.max(...rollupMs))} per hour`, detail: `${fmtMs(t.rollup)} for the week's 168 hours` });
  }
  rep.add({
    key: 'append.heap',
    label: 'a. heap used after gc at the end of each day: first → last (memory stays bounded)',
    value: heapByDay[heapByDay.length - 1] ?? Number.NaN,
    unit: 'bytes',
    text: `${fmtBytes(heapByDay[0])} → ${fmtBytes(heapByDay[heapByDay.length - 1])}`,
    detail: `process peak RSS during the append ${fmtBytes(maxRss)}`,
  });
  return { hourCounts };
}

/**
 * The EvidenceStore that ensureRollups sees when building the week's rollups for the data set:
 * reads through a read-only store (which never commits, so its parsed day stays cached for all
 * 24 hours of the day) and appends through the writer. Through one store, every hour's commit
 * drops the parsed day and the next hour parses its whole day journal again (measured in d).
 */
function readerWriter(reader: EmbeddedStore, writer: EmbeddedStore): EvidenceStore {
  const toWriter = new Set<PropertyKey>(['appendEvents', 'appendReceipts', 'stats', 'verify', 'head']);
  return new Proxy(reader, {
    get(target, prop) {
      if (prop === 'readOnly') return false;
      const from = toWriter.has(prop) ? writer : target;
      const value: unknown = Reflect.get(from, prop, from);
      return typeof value === 'function' ? value.bind(from) : value;
    },
  }) as EvidenceStore;
}

// ---------------------------------------------------------------------------------------------
// b. Opening the store in a fresh process

interface OpenRun {
  cpuMs: number;
  importMs: number;
  openMs: number;
  loadMs: number;
  totalMs: number;
  quads: number;
  maxRssBytes: number;
}

async function benchOpen(rep: Reporter, dataDir: string, range: { fromMs: number; toMs: number }, what: 'rollups' | 'raw', label: string, key: string, target?: { ms: number; rss: number }): Promise<void> {
  const runs: (OpenRun & { wallMs: number })[] = [];
  let nodeArgs: string[] = [];
  let spent = 0;
  for (let i = 0; i < 3 && spent < 60_000; i++) {
    const run = await runNode(join(BENCH_DIST, 'open-store.js'), [dataDir, String(range.fromMs), String(range.toMs), what], { probe: false, nodeArgs });
    if (run.code !== 0) {
      rep.problem(`${label}: the child process failed (exit ${run.code}${nodeArgs.length > 0 ? `, with ${nodeArgs.join(' ')}` : ', default heap'}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      if (nodeArgs.length > 0) return;
      nodeArgs = ['--max-old-space-size=12000'];
      continue;
    }
    const parsed = JSON.parse(run.stdout.trim().split('\n').pop()!) as OpenRun;
    runs.push({ ...parsed, wallMs: run.wallMs });
    spent += run.wallMs;
  }
  if (runs.length === 0) return;
  const wall = median(runs.map((r) => r.wallMs));
  const inside = median(runs.map((r) => r.totalMs));
  const rss = median(runs.map((r) => r.maxRssBytes));
  const load = median(runs.map((r) => r.loadMs));
  const cpu = median(runs.map((r) => r.cpuMs));
  const heap = nodeArgs.length > 0 ? `; needed ${nodeArgs.join(' ')}` : '';
  rep.add({
    key: `${key}.time`,
    label: `b. ${label}: time (process wall; inside: import+open+load)`,
    value: wall,
    unit: 'ms',
    text: `${fmtMs(wall)} (inside ${fmtMs(inside)}, of which load ${fmtMs(load)})`,
    detail: `${fmtInt(runs[0]!.quads)} quads loaded, CPU ${fmtMs(cpu)}, median of ${runs.length}${heap}`,
    ...(target !== undefined && { target: `< ${fmtMs(target.ms)}`, met: wall < target.ms }),
  });
  rep.add({
    key: `${key}.rss`,
    label: `b. ${label}: peak RSS`,
    value: rss,
    unit: 'bytes',
    text: fmtBytes(rss),
    ...(target !== undefined && { target: `< ${fmtBytes(target.rss)}`, met: rss < target.rss }),
  });
}

// ---------------------------------------------------------------------------------------------
// c + e. Queries through Comunica against hand-written scans

function rowsOf(result: QueryResult): { rows: Row[]; variables: readonly string[] } {
  if (result.kind !== 'bindings') return { rows: [], variables: [] };
  return { rows: result.rows.map((b) => Object.fromEntries(result.variables.map((v) => [v, termValue(b[v])]))), variables: result.variables };
}

interface QueryContext {
  readonly week: { fromMs: number; toMs: number };
  readonly window: { fromMs: number; toMs: number };
  readonly hour: string;
  readonly receipt: RDF.NamedNode | undefined;
}

/** The bindings of a query's parameters for a context, or what cannot be bound. */
function paramsFor(q: NamedQuery, ctx: QueryContext): { bindings: Record<string, RDF.Term> } | { missing: string } {
  const out: Record<string, RDF.Term> = {};
  const range = q.reads === 'rollups' ? ctx.week : ctx.window;
  for (const p of q.params) {
    if (p.name === 'from' && p.type === 'kz:epochMs') out.from = literal(String(range.fromMs), V.xsdInteger);
    else if (p.name === 'to' && p.type === 'kz:epochMs') out.to = literal(String(range.toMs), V.xsdInteger);
    else if (p.type === 'kz:hourGraph') out[p.name] = namedNode(hourGraphIri(ctx.hour));
    else if (p.name === 'receipt' && ctx.receipt !== undefined) out.receipt = ctx.receipt;
    else if (p.default !== undefined && p.type === 'xsd:integer') out[p.name] = literal(p.default, V.xsdInteger);
    else return { missing: `${p.name} (${p.type})` };
  }
  return { bindings: out };
}

async function benchQuery(rep: Reporter, store: EmbeddedStore, q: NamedQuery, ctx: QueryContext, partitions: string): Promise<QueryMeasure | undefined> {
  const bound = paramsFor(q, ctx);
  if ('missing' in bound) {
    rep.problem(`e. ${q.name}: the bench cannot bind its parameter ${bound.missing}; not measured`);
    return undefined;
  }
  const { bindings } = bound;
  const sparql = await timeReps(5, 30_000, () => store.query(q.text, { bindings }));
  const answer = rowsOf(sparql.result);
  const scan = SCANS.get(q.name);
  let scanMs: number | undefined;
  let mismatch: string | undefined;
  if (scan === undefined) {
    rep.problem(`e. ${q.name}: no hand-written scan in bench/scans.ts; its answer is not checked`);
  } else {
    const s = await timeReps(sparql.times.length, 30_000, () => scan(store.memory, bindings, q.text));
    scanMs = median(s.times);
    mismatch = compareAnswers(answer.rows, s.result, answer.variables);
    if (mismatch !== undefined) rep.problem(`e. ${q.name} over ${partitions}: Comunica and the scan DISAGREE: ${mismatch}`);
  }
  const sparqlMs = median(sparql.times);
  const ratio = scanMs === undefined ? undefined : sparqlMs / Math.max(scanMs, 0.01);
  const onRollups = q.reads === 'rollups';
  const m: QueryMeasure = {
    name: q.name,
    reads: q.reads,
    partitions,
    rows: answer.rows.length,
    sparqlMs,
    scanMs,
    ratio,
    agree: scan === undefined ? undefined : mismatch === undefined,
    ...(mismatch !== undefined && { mismatch }),
    reps: sparql.times.length,
    ...(onRollups && ratio !== undefined && { target: '≤ 5× scan', met: ratio <= 5 }),
  };
  const ratioText = ratio === undefined ? 'no scan' : `${ratio.toFixed(1)}× the scan (${fmtMs(scanMs!)})`;
  const status = m.met === undefined ? '' : m.met ? '  ✓ target ≤ 5×' : '  ✗ MISSED target ≤ 5×';
  const agree = m.agree === undefined ? '' : m.agree ? ', answers agree' : ', ANSWERS DIFFER';
  log(`[${sizeLabel(rep.size)}] e. ${q.name.padEnd(20)} on ${partitions}: Comunica ${fmtMs(sparqlMs)}, ${ratioText}, ${answer.rows.length} rows${agree}${status}`);
  return m;
}

/** The circuit opening at :35 of the busy hour (the generator puts one there), to look back from. */
function receiptToLookBackFrom(store: EmbeddedStore, hour: string): RDF.NamedNode | undefined {
  const g = namedNode(hourGraphIri(hour));
  const found = store.match(null, V.type, namedNode('https://w3id.org/kaizen/ns#CircuitOpened'), g);
  const start = Date.parse(`${hour}:00:00Z`);
  let best: { r: RDF.NamedNode; t: number } | undefined;
  for (const q of found) {
    const t = Number(store.match(q.subject, V.epochMs, null, g)[0]?.object.value);
    if (t >= start + 10 * 60_000 && (best === undefined || t < best.t)) best = { r: q.subject as RDF.NamedNode, t };
  }
  return best?.r;
}

async function benchQueries(rep: Reporter, dataDir: string, ctx: { week: { fromMs: number; toMs: number }; hour: string; day: string; size: number; rawDayQueriesMax: number }): Promise<QueryMeasure[]> {
  const out: QueryMeasure[] = [];
  const catalogue = [...loadCatalogue().values()];
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    const hourRange = { fromMs: Date.parse(`${ctx.hour}:00:00Z`), toMs: Date.parse(`${ctx.hour}:00:00Z`) + HOUR_MS };
    const dayRange = { fromMs: Date.parse(`${ctx.day}T00:00:00Z`), toMs: Date.parse(`${ctx.day}T00:00:00Z`) + DAY_MS };
    // c. The hour-window query: load the raw hour, start the engine, then the median of 5.
    const l0 = performance.now();
    await store.load({ range: hourRange, raw: true });
    const loadHourMs = performance.now() - l0;
    const hourQuads = store.memory.size;
    rep.add({ key: 'load.rawHour', label: 'c. load one raw hour in-process', value: loadHourMs, unit: 'ms', text: fmtMs(loadHourMs), detail: `${fmtInt(hourQuads)} quads of ${ctx.hour}` });
    const hl = loadCatalogue().get('hour-latencies');
    if (hl === undefined) rep.problem('c. queries/hour-latencies.rq is missing');
    else {
      const bindings = { g: namedNode(hourGraphIri(ctx.hour)) };
      // The first query of a process pays for importing Comunica and starting its engine: measured
      // in a fresh child (this process started the engine already, for the rollups).
      const child = await runNode(join(BENCH_DIST, 'open-store.js'), [dataDir, String(hourRange.fromMs), String(hourRange.toMs), 'raw', 'hour-latencies', `g=${ctx.hour}`], { probe: false, nodeArgs: ['--max-old-space-size=12000'] });
      if (child.code !== 0) rep.problem(`c. the first-query child failed (exit ${child.code}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      else {
        const got = JSON.parse(child.stdout.trim().split('\n').pop()!) as { queryMs: number; loadMs: number };
        rep.add({ key: 'query.first', label: 'c. first query of a fresh process (Comunica import + engine start + hour-latencies)', value: got.queryMs, unit: 'ms', text: fmtMs(got.queryMs), detail: `after loading the raw hour in ${fmtMs(got.loadMs)}; whole process ${fmtMs(child.wallMs)}` });
      }
      await store.query(hl.text, { bindings }); // warm: the median below is of a started engine
      const reps = await timeReps(5, 60_000, () => store.query(hl.text, { bindings }));
      const ms = median(reps.times);
      const rows = reps.result.kind === 'bindings' ? reps.result.rows.length : 0;
      rep.add({ key: 'query.hourWindow', label: 'c. hour-window query (hour-latencies, GRAPH = the busy hour)', value: ms, unit: 'ms', text: fmtMs(ms), detail: `${fmtInt(rows)} rows, median of ${reps.times.length}`, target: '≤ 150 ms', met: ms <= 150 });
    }
    // e. Every shipped query on the partitions it reads.
    const receipt = receiptToLookBackFrom(store, ctx.hour);
    if (receipt === undefined) rep.problem(`e. no circuit opening after ${ctx.hour}:10 to look back from; events-before not measured`);
    const onRaw = catalogue.filter((q) => q.reads !== 'rollups');
    const onRollups = catalogue.filter((q) => q.reads !== 'raw');
    for (const q of onRaw) {
      if (q.reads === 'both') continue;
      const m = await benchQuery(rep, store, q, { week: ctx.week, window: hourRange, hour: ctx.hour, receipt }, `raw hour ${ctx.hour}`);
      if (m !== undefined) out.push(m);
    }
    store.release({ range: hourRange, raw: true });
    const r0 = performance.now();
    await store.load({ range: ctx.week, rollups: true });
    const loadRollupsMs = performance.now() - r0;
    rep.add({ key: 'load.rollupsInProcess', label: 'e. load the week of rollups in-process', value: loadRollupsMs, unit: 'ms', text: fmtMs(loadRollupsMs), detail: `${fmtInt(store.memory.size)} quads` });
    for (const q of onRollups) {
      if (q.reads === 'both') continue;
      const m = await benchQuery(rep, store, q, { week: ctx.week, window: ctx.week, hour: ctx.hour, receipt }, 'week rollups');
      if (m !== undefined) out.push(m);
    }
    const both = catalogue.filter((q) => q.reads === 'both');
    if (both.length > 0) {
      await store.load({ range: hourRange, raw: true });
      for (const q of both) {
        const m = await benchQuery(rep, store, q, { week: ctx.week, window: hourRange, hour: ctx.hour, receipt }, `week rollups + raw hour ${ctx.hour}`);
        if (m !== undefined) out.push(m);
      }
    }
    store.release({ range: ctx.week, rollups: true, raw: true });
    gc();
    if (ctx.size > ctx.rawDayQueriesMax) {
      log(`[${sizeLabel(rep.size)}] e. (the shipped raw queries over a whole raw day are run only up to ${sizeLabel(ctx.rawDayQueriesMax)} receipts per week; --raw-day-queries-max N)`);
      return out;
    }
    // Raw queries over a whole raw day (what drilling into an incident day costs).
    const d0 = performance.now();
    await store.load({ range: dayRange, raw: true });
    const loadDayMs = performance.now() - d0;
    rep.add({ key: 'load.rawDayInProcess', label: 'e. load one raw day in-process', value: loadDayMs, unit: 'ms', text: fmtMs(loadDayMs), detail: `${fmtInt(store.memory.size)} quads of ${ctx.day}` });
    for (const q of onRaw) {
      if (q.reads === 'both') continue;
      const m = await benchQuery(rep, store, q, { week: ctx.week, window: dayRange, hour: ctx.hour, receipt }, `raw day ${ctx.day}`);
      if (m !== undefined) out.push(m);
    }
  } finally {
    await store.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// f + g. The CLI in child processes

async function cli(rep: Reporter, label: string, key: string, args: readonly string[]): Promise<ChildRun | undefined> {
  let run = await runNode(CLI, args);
  let note = '';
  if (run.code !== 0) {
    rep.problem(`f. kaizen ${args.join(' ')} exited ${run.code} (peak RSS ${fmtBytes(run.maxRssBytes)}, ${fmtMs(run.wallMs)}): ${run.stderr.trim().split('\n').slice(-4).join(' | ')}`);
    if (!/heap out of memory|Allocation failed/i.test(run.stderr)) return undefined;
    run = await runNode(CLI, args, { nodeArgs: ['--max-old-space-size=12000'] });
    if (run.code !== 0) return undefined;
    note = ' (only with --max-old-space-size=12000: the default heap ran out)';
  }
  rep.add({ key: `cli.${key}`, label: `f. kaizen ${label}`, value: run.maxRssBytes ?? Number.NaN, unit: 'bytes', text: `${fmtBytes(run.maxRssBytes)} peak RSS, ${fmtMs(run.wallMs)}${note}`, detail: `CPU ${fmtMs(run.cpuMs ?? Number.NaN)}` });
  return run;
}


async function benchHelp(rep: Reporter): Promise<void> {
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < 10; i++) {
    bare.push((await runNode('-e', ['0'], { probe: false })).wallMs);
    const h = await runNode(CLI, ['--help'], { probe: false });
    if (h.code !== 0) rep.problem(`g. kaizen --help exited ${h.code}`);
    help.push(h.wallMs);
  }
  const b = median(bare);
  const h = median(help);
  rep.add({ key: 'help.node', label: 'g. node -e 0 (baseline, median of 10)', value: b, unit: 'ms', text: fmtMs(b) });
  rep.add({ key: 'help.kaizen', label: 'g. kaizen --help (median of 10)', value: h, unit: 'ms', text: `${fmtMs(h)} (node start-up + ${fmtMs(h - b)})`, target: '< 300 ms', met: h < 300 });
}

// ---------------------------------------------------------------------------------------------

async function benchSize(size: number, options: Options): Promise<SizeReport> {
  const rep = new Reporter(size);
  const started = { ms: performance.now(), load: loadavg()[0]! };
  const work = join(ROOT, 'bench/results', `work-${sizeLabel(size)}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dataDir = join(work, 'data');
  const week: WeekOptions = { events: size, seed: options.seed, weekStartMs: options.weekStartMs };
  const weekRange = { fromMs: options.weekStartMs, toMs: options.weekStartMs + HOURS_PER_WEEK * HOUR_MS };
  const busyStart = options.weekStartMs + busiestHourOfWeek() * HOUR_MS;
  const busyHour = new Date(busyStart).toISOString().slice(0, 13);
  const busyDay = busyHour.slice(0, 10);
  const busyDayRange = { fromMs: Date.parse(`${busyDay}T00:00:00Z`), toMs: Date.parse(`${busyDay}T00:00:00Z`) + DAY_MS };
  const busyHourRange = { fromMs: busyStart, toMs: busyStart + HOUR_MS };
  log(`\n=== ${sizeLabel(size)} receipts per week (${fmtInt(size)}), week from ${new Date(options.weekStartMs).toISOString().slice(0, 10)}, busy hour ${busyHour}, work dir ${work}`);

  // a. Append (this also builds the data set the rest reads), then its week of rollups.
  const { hourCounts } = await benchAppend(rep, week, dataDir, size <= options.liveMax ? join(work, 'live') : undefined);
  {
    const writer = openEmbeddedStore({ dataDir });
    const reader = openEmbeddedStore({ dataDir, readOnly: true });
    const pair = readerWriter(reader, writer);
    let lastLog = performance.now();
    const r0 = performance.now();
    const report = await ensureRollups(pair, weekRange, {
      nowMs: Date.now(),
      onProgress: (done, total) => {
        if (performance.now() - lastLog < 60_000) return;
        lastLog = performance.now();
        log(`[${sizeLabel(size)}]    … rolled up ${done}/${total} hours (${fmtMs(performance.now() - r0)})`);
      },
    });
    const ms = performance.now() - r0;
    await reader.close();
    await writer.close();
    rep.add({ key: 'rollup.week', label: 'a. ensureRollups for the week (reads through a read-only store: each day parsed once)', value: ms, unit: 'ms', text: fmtMs(ms), detail: `${report.built.length} hours built, ${fmtMs(ms / Math.max(1, report.built.length))} per hour` });
    if (report.built.length !== HOURS_PER_WEEK) rep.problem(`ensureRollups for the week built ${report.built.length} hours, expected ${HOURS_PER_WEEK}`);
  }
  {
    const store = openEmbeddedStore({ dataDir });
    const r0 = performance.now();
    const report = await ensureRollups(store, weekRange, { nowMs: Date.now() });
    const ms = performance.now() - r0;
    await store.close();
    rep.add({ key: 'rollup.checkWeek', label: 'a. ensureRollups for the week again (all fresh: checks only)', value: ms, unit: 'ms', text: fmtMs(ms), detail: `${report.fresh} fresh, ${report.built.length} built` });
    if (report.fresh !== HOURS_PER_WEEK) rep.problem(`ensureRollups for the week found ${report.fresh} hours fresh, expected ${HOURS_PER_WEEK} (built ${report.built.length})`);
  }
  const journalBytes = dirBytes(join(dataDir, 'journal'));
  rep.add({ key: 'journal.bytes', label: 'a. journal size on disk', value: journalBytes, unit: 'bytes', text: fmtBytes(journalBytes), detail: `${(journalBytes / size).toFixed(0)} bytes per receipt` });
  gc();

  // b. Opening for a command in a fresh process.
  await benchOpen(rep, dataDir, weekRange, 'rollups', 'open the week of rollups', 'open.rollups', { ms: 2000, rss: 1024 * MiB });
  await benchOpen(rep, dataDir, busyDayRange, 'raw', `open one raw day (${busyDay})`, 'open.rawDay');

  // c + e. Queries.
  const queries = await benchQueries(rep, dataDir, { week: weekRange, hour: busyHour, day: busyDay, size, rawDayQueriesMax: options.rawDayQueriesMax });
  gc();

  // d. Rolling up one hour (rebuild), in a freshly opened writer each time.
  const d = await timeReps(3, 90_000, async () => {
    const w = openEmbeddedStore({ dataDir });
    try {
      return await ensureRollups(w, busyHourRange, { nowMs: Date.now(), rebuild: true });
    } finally {
      await w.close();
    }
  });
  const dMs = median(d.times);
  if (d.result.built.length !== 1) rep.problem(`d. ensureRollups of ${busyHour} built ${d.result.built.length} hours, expected 1`);
  rep.add({ key: 'rollup.hour', label: `d. roll up one hour (ensureRollups rebuild of ${busyHour}, fresh writer)`, value: dMs, unit: 'ms', text: fmtMs(dMs), detail: `${fmtInt(hourCounts.get(busyHour) ?? 0)} receipts, median of ${d.times.length}`, target: '≤ 1 s', met: dMs <= 1000 });
  const perHour = [...hourCounts.values()].reduce((a, b) => a + b, 0) / HOURS_PER_WEEK;
  const weekEstimate = dMs * HOURS_PER_WEEK * (perHour / Math.max(1, hourCounts.get(busyHour) ?? 1));
  rep.add({ key: 'rollup.weekColdEstimate', label: 'd. cold rebuild of the whole week, estimated (168 × d, scaled to the mean hour)', value: weekEstimate, unit: 'ms', text: fmtMs(weekEstimate), detail: 'how long `kaizen rollup --rebuild` of a week would take at this rate' });
  gc();

  // f. Peak RSS per CLI command.
  const importFull = size <= options.cliImportFullMax;
  const jsonl = join(work, importFull ? 'week.jsonl' : `${busyDay}.jsonl`);
  const lines = writeWeekJsonl(week, jsonl, importFull ? undefined : busyDayRange);
  const importDir = join(work, 'cli-import');
  const what = importFull ? `the week, ${fmtInt(lines)} events` : `one day, ${fmtInt(lines)} events`;
  await cli(rep, `import (${what}, --no-rollup)`, 'import', ['--data', importDir, 'import', jsonl, '--no-rollup']);
  rmSync(importDir, { recursive: true, force: true });
  await cli(rep, 'stats', 'stats', ['--data', dataDir, 'stats']);
  await cli(rep, 'verify', 'verify', ['--data', dataDir, 'verify']);
  const iso = (ms: number): string => new Date(ms).toISOString();
  await cli(rep, 'query counts-by-type (week rollups)', 'query.rollups', ['--data', dataDir, 'query', 'counts-by-type', '--param', `from=${iso(weekRange.fromMs)}`, '--param', `to=${iso(weekRange.toMs)}`, '--format', 'json']);
  await cli(rep, `query hour-latencies (raw hour)`, 'query.rawHour', ['--data', dataDir, 'query', 'hour-latencies', '--param', `g=${busyHour}`, '--format', 'json']);
  await cli(rep, `query raw-counts-by-type (raw day)`, 'query.rawDay', ['--data', dataDir, 'query', 'raw-counts-by-type', '--param', `from=${busyDay}`, '--param', `to=${iso(busyDayRange.toMs)}`, '--format', 'json', '--timeout', '3600000']);
  await cli(rep, 'rollup (the week, all fresh: checks only)', 'rollup.fresh', ['--data', dataDir, 'rollup', '--from', iso(weekRange.fromMs), '--to', iso(weekRange.toMs)]);
  await cli(rep, 'rollup --rebuild (one hour)', 'rollup.rebuildHour', ['--data', dataDir, 'rollup', '--rebuild', '--from', iso(busyHourRange.fromMs), '--to', iso(busyHourRange.toMs)]);

  // g. kaizen --help.
  await benchHelp(rep);

  if (!options.keep) rmSync(work, { recursive: true, force: true });
  const loadAvg = { start: started.load, end: loadavg()[0]! };
  return { size, receipts: size, busyHour, busyHourReceipts: hourCounts.get(busyHour) ?? 0, measures: rep.measures, queries, problems: rep.problems, loadAvg, elapsedMs: performance.now() - started.ms };
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n')) if (name !== '') n += statSync(join(dir, name)).size;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** The rows of the README table: measure key → label and target. */
const TABLE_ROWS: readonly { key: string; label: string; target?: string }[] = [
  { key: 'append.bare', label: 'Bare in-memory store (toReceipt + N3 addQuads)' },
  { key: 'append.journaled', label: 'Journaled append, nothing loaded (batches of 1000, fsync each)' },
  { key: 'append.ratio', label: 'Journaled / bare', target: '≥ 50 %' },
  { key: 'append.live', label: 'Live pipeline (as `kaizen run`): load hour + append' },
  { key: 'rollup.live', label: 'Live pipeline: roll up each hour as it closes' },
  { key: 'rollup.week', label: 'Roll up the week (reader + writer: each day parsed once)' },
  { key: 'rollup.checkWeek', label: 'ensureRollups for the week (all fresh)' },
  { key: 'journal.bytes', label: 'Journal on disk' },
  { key: 'open.rollups.time', label: 'Open the week of rollups (fresh process)', target: '< 2 s' },
  { key: 'open.rollups.rss', label: '… peak RSS', target: '< 1 GiB' },
  { key: 'open.rawDay.time', label: 'Open one raw day (fresh process)' },
  { key: 'open.rawDay.rss', label: '… peak RSS' },
  { key: 'load.rawHour', label: 'Load one raw hour (in-process)' },
  { key: 'query.first', label: 'First query of a fresh process (engine start-up included)' },
  { key: 'query.hourWindow', label: 'Hour-window query (hour-latencies, busy hour)', target: '≤ 150 ms' },
  { key: 'rollup.hour', label: 'Roll up one hour (rebuild, fresh writer)', target: '≤ 1 s' },
  { key: 'rollup.weekColdEstimate', label: 'Cold rebuild of the week (estimate)' },
  { key: 'cli.import', label: '`kaizen import`' },
  { key: 'cli.stats', label: '`kaizen stats`' },
  { key: 'cli.verify', label: '`kaizen verify`' },
  { key: 'cli.query.rollups', label: '`kaizen query counts-by-type` (week of rollups)' },
  { key: 'cli.query.rawHour', label: '`kaizen query hour-latencies` (raw hour)' },
  { key: 'cli.query.rawDay', label: '`kaizen query raw-counts-by-type` (raw day)' },
  { key: 'cli.rollup.fresh', label: '`kaizen rollup` (week, all fresh)' },
  { key: 'cli.rollup.rebuildHour', label: '`kaizen rollup --rebuild` (one hour)' },
  { key: 'help.node', label: '`node -e 0` (baseline)' },
  { key: 'help.kaizen', label: '`kaizen --help`', target: '< 300 ms' },
];

function cell(m: Measure | undefined): string {
  if (m === undefined) return '–';
  const mark = m.met === undefined ? '' : m.met ? ' ✓' : ' ✗';
  return `${m.text.replace(/\|/g, '\\|')}${mark}`;
}

export function markdownTables(reports: readonly SizeReport[]): string {
  const head = reports.map((r) => `${sizeLabel(r.size)} receipts/week`);
  const lines = [`| Measure | Target | ${head.join(' | ')} |`, `|---|---|${reports.map(() => '---').join('|')}|`];
  for (const row of TABLE_ROWS) {
    const cells = reports.map((r) => cell(r.measures.find((m) => m.key === row.key)));
    if (cells.every((c) => c === '–')) continue;
    lines.push(`| ${row.label} | ${row.target ?? ''} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(`| Query | Reads | Partitions | ${reports.map((r) => `${sizeLabel(r.size)}: Comunica / scan (ratio) · rows`).join(' | ')} |`);
  lines.push(`|---|---|---|${reports.map(() => '---').join('|')}|`);
  const keys = new Map<string, QueryMeasure>();
  for (const r of reports) for (const q of r.queries) keys.set(`${q.name}\u0000${q.partitions.replace(/ \S+$/, '')}`, q);
  for (const [key, q] of keys) {
    const [name, parts] = key.split('\u0000') as [string, string];
    const cells = reports.map((r) => {
      const m = r.queries.find((x) => x.name === name && x.partitions.replace(/ \S+$/, '') === parts);
      if (m === undefined) return '–';
      const ratio = m.ratio === undefined ? 'no scan' : `${m.ratio.toFixed(1)}×`;
      const mark = m.met === undefined ? '' : m.met ? ' ✓' : ' ✗';
      const agree = m.agree === false ? ' **DIFFER**' : '';
      return `${fmtMs(m.sparqlMs)} / ${m.scanMs === undefined ? '–' : fmtMs(m.scanMs)} (${ratio}${mark}) · ${fmtInt(m.rows)}${agree}`;
    });
    lines.push(`| ${name} | ${q.reads} | ${parts} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function plainTable(r: SizeReport): string {
  const lines = [
    `Results at ${sizeLabel(r.size)} receipts per week (busy hour ${r.busyHour}: ${fmtInt(r.busyHourReceipts)} receipts); ${fmtMs(r.elapsedMs)}; load average ${r.loadAvg.start.toFixed(1)} → ${r.loadAvg.end.toFixed(1)} on ${cpus().length} CPUs`,
  ];
  const w = Math.max(...r.measures.map((m) => m.label.length));
  for (const m of r.measures) {
    const t = m.target === undefined ? '' : `  [target ${m.target}: ${m.met ? 'met' : 'MISSED'}]`;
    lines.push(`  ${sizeLabel(r.size).padStart(4)}  ${m.label.padEnd(w)}  ${m.text}${t}`);
  }
  for (const q of r.queries) {
    const ratio = q.ratio === undefined ? 'no scan' : `${q.ratio.toFixed(1)}×`;
    const t = q.target === undefined ? '' : `  [target ${q.target}: ${q.met ? 'met' : 'MISSED'}]`;
    lines.push(`  ${sizeLabel(r.size).padStart(4)}  query ${q.name.padEnd(20)} ${q.partitions.padEnd(26)} Comunica ${fmtMs(q.sparqlMs).padStart(8)}  scan ${(q.scanMs === undefined ? '–' : fmtMs(q.scanMs)).padStart(8)}  ${ratio.padStart(7)}  ${String(q.rows).padStart(6)} rows  ${q.agree === false ? 'DIFFER' : q.agree ? 'agree' : ''}${t}`);
  }
  if (r.problems.length > 0) lines.push('  problems:', ...r.problems.map((p) => `    - ${p}`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if ('table' in options) {
    const reports = options.table.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { reports: SizeReport[] }).reports);
    process.stdout.write(markdownTables(reports.sort((a, b) => a.size - b.size)));
    return;
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) log('note: run with node --expose-gc (npm run bench does) so that memory is collected between phases');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  if (!existsSync(CLI) || !existsSync(join(BENCH_DIST, 'open-store.js'))) throw new Error('build first: npm run build');
  const meta = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    totalMemBytes: totalmem(),
    sizes: options.sizes,
    seed: options.seed,
    weekStart: new Date(options.weekStartMs).toISOString().slice(0, 10),
    gitHead: gitHead(),
  };
  log(`kaizen bench: sizes ${options.sizes.map(sizeLabel).join(', ')}; node ${meta.node}; ${meta.cpus} CPUs; git ${meta.gitHead}`);
  const reports: SizeReport[] = [];
  for (const size of options.sizes) {
    reports.push(await benchSize(size, options));
    writeFileSync(options.out, `${JSON.stringify({ meta, reports }, null, 2)}\n`);
  }
  log('');
  for (const r of reports) log(`${plainTable(r)}\n`);
  log('Markdown (README performance section):\n');
  log(markdownTables(reports));
  const problems = reports.flatMap((r) => r.problems.map((p) => `[${sizeLabel(r.size)}] ${p}`));
  if (problems.length > 0) log(`PROBLEMS (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  log(`results written to ${options.out}`);
  const disagree = reports.some((r) => r.queries.some((q) => q.agree === false));
  if (disagree) process.exitCode = 1;
}

function gitHead(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'queries'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src/queries modified)` : head;
  } catch {
    return 'unknown';
  }
}

await main();

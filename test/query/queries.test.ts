// Every shipped query, run through the CLI on the fixture week, against figures worked out by hand
// (fixtures/week-2026-W47.expected.json) or counted here from the fixture's JSON lines.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/evidence/event-types.js';
import { type Histogram, mergeHistograms, parseHistogram, quantile, RELATIVE_ERROR } from '../../src/evidence/histogram.js';
import { loadCatalogue } from '../../src/query/catalogue.js';
import { type CliRun, kaizen, rowsOf, type SparqlJson } from '../cli/run-cli.js';
import { EXPECTED, FIXTURE_PATH, fixtureJson, QUERY_DIR } from '../store/support.js';

const KZ = 'https://w3id.org/kaizen/ns#';
const TYPE_OF_CLASS = new Map(Object.entries(EVENT_TYPES).map(([type, info]) => [`${KZ}${info.className}`, type]));
const catalogue = loadCatalogue(QUERY_DIR);
const fixture = fixtureJson() as { type: string; time: string; component: string; value?: number; worker?: string }[];
const ms = (iso: string): number => Date.parse(iso);
const hourOf = (iso: string): string => new Date(ms(iso)).toISOString().slice(0, 13);

// The queries only read, so the fixture is imported once for the file (importing and rolling up
// the week takes seconds); the directory is removed after the last test.
let dataDir = '';
let openedReceipt = '';
const runs = new Map<string, Promise<CliRun>>();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-'));
  const run = await kaizen(dataDir, ['import', FIXTURE_PATH]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const timeline = rowsOf(await kaizen(dataDir, ['query', 'circuit-timeline', ...params('circuit-timeline'), '--format', 'json']));
  openedReceipt = timeline.find((r) => r.type === `${KZ}CircuitOpened` && r.component === 'payments')!.r!;
}, 60_000);

afterAll(() => {
  if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The --param arguments of a query, taken from the parameters its header declares. */
function params(name: string): string[] {
  const values: Record<string, string | undefined> = {
    from: '2026-11-16',
    to: '2026-11-23',
    g: '2026-11-17T10',
    receipt: openedReceipt,
  };
  const out: string[] = [];
  for (const p of catalogue.get(name)!.params) {
    if (values[p.name] !== undefined) out.push('--param', `${p.name}=${values[p.name]}`);
    else if (p.default === undefined) throw new Error(`this test has no value for ${name}'s parameter ${p.name}`);
  }
  return out;
}

function run(name: string): Promise<CliRun> {
  let r = runs.get(name);
  if (r === undefined) runs.set(name, (r = kaizen(dataDir, ['query', name, ...params(name), '--format', 'json'])));
  return r;
}

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const KZ_NS = 'https://w3id.org/kaizen/ns#';
const rows = async (name: string): Promise<Record<string, string>[]> => rowsOf(await run(name));

/** type → count of a counts query, with JSON type names. */
async function countsByType(name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await rows(name)) {
    const type = TYPE_OF_CLASS.get(r.type!) ?? r.type!;
    out[type] = (out[type] ?? 0) + Number(r.count);
  }
  return out;
}

const nonZero = (counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** Every query with the check of its rows; a query shipped without one fails the first test. */
const checks: Record<string, () => Promise<void>> = {
  'counts-by-type': async () => {
    expect(await countsByType('counts-by-type')).toEqual(nonZero(EXPECTED.countByType));
    const byPillar: Record<string, number> = {};
    for (const r of await rows('counts-by-type')) {
      const pillar = r.pillar!.slice(KZ.length).toLowerCase();
      byPillar[pillar] = (byPillar[pillar] ?? 0) + Number(r.count);
    }
    expect(byPillar).toEqual(nonZero(EXPECTED.countByPillar));
  },
  'raw-counts-by-type': async () => {
    const key = (r: Record<string, string>): string => `${r.type} ${r.pillar} ${r.count}`;
    expect((await rows('raw-counts-by-type')).map(key).sort()).toEqual((await rows('counts-by-type')).map(key).sort());
    expect(await countsByType('raw-counts-by-type')).toEqual(nonZero(EXPECTED.countByType));
  },
  'hour-latencies': async () => {
    const got = await rows('hour-latencies');
    expect(got).toHaveLength(EXPECTED.taskCompletedInHour['2026-11-17T10']!);
    const expected = fixture.filter((e) => e.type === 'task.completed' && hourOf(e.time) === '2026-11-17T10').map((e) => e.value);
    expect(got.map((r) => Number(r.latency)).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a! - b!));
  },
  'circuit-open-seconds': async () => {
    const sums: Record<string, number> = {};
    for (const r of await rows('circuit-open-seconds')) sums[r.component!] = (sums[r.component!] ?? 0) + Number(r.openSeconds);
    expect(sums).toEqual(EXPECTED.circuitOpenSecondsByComponent);
  },
  'alert-episodes': async () => {
    // An episode that spans an hour boundary appears once per hour it touches: dedupe by start.
    const episodes = new Map<string, Record<string, string>>();
    for (const r of await rows('alert-episodes')) {
      const key = `${r.alert} ${r.component} ${r.start}`;
      if (!episodes.has(key) || r.end !== undefined) episodes.set(key, r);
    }
    expect(episodes.size).toBe(EXPECTED.alertEpisodes);
    expect([...episodes.values()].map((e) => [e.alert, e.component, e.severity, Number(e.start), Number(e.end)])).toEqual(
      EXPECTED.alertEpisodeList.map((e) => [e.alert, e.component, e.severity, ms(e.fired), ms(e.cleared)]),
    );
  },
  'latency-histogram': async () => {
    const merged = { overall: new Map() as Histogram, checkout: new Map() as Histogram };
    let n = 0;
    for (const r of await rows('latency-histogram')) {
      if (r.type !== `${KZ}TaskCompleted`) continue;
      n += Number(r.n);
      mergeHistograms(merged.overall, parseHistogram(r.histogram!));
      if (r.component === 'checkout') mergeHistograms(merged.checkout, parseHistogram(r.histogram!));
    }
    expect(n).toBe(EXPECTED.taskCompletedLatencyMs.overall.n);
    for (const scope of ['overall', 'checkout'] as const) {
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.95, 'p95'],
        [0.99, 'p99'],
      ] as const) {
        const exact = EXPECTED.taskCompletedLatencyMs[scope][key];
        const got = quantile(merged[scope], q)!;
        expect(Math.abs(got - exact) / exact, `${scope} ${key}: ${got} vs ${exact}`).toBeLessThanOrEqual(RELATIVE_ERROR);
      }
    }
  },
  'circuit-timeline': async () => {
    const expected = fixture
      .filter((e) => e.type.startsWith('circuit.'))
      .sort((a, b) => ms(a.time) - ms(b.time))
      .map((e) => [e.type, e.component, ms(e.time)]);
    expect(expected).toHaveLength(6);
    const got = (await rows('circuit-timeline')).map((r) => [TYPE_OF_CLASS.get(r.type!), r.component, ms(r.time!)]);
    expect(got).toEqual(expected);
    expect(EXPECTED.circuitOpenings.map((o) => ms(o.opened))).toEqual(got.filter((g) => g[0] === 'circuit.opened').map((g) => g[2]));
  },
  'events-before': async () => {
    const t0 = ms('2026-11-17T10:02:00.000Z');
    const inSpan = (t: number): boolean => t <= t0 && t >= t0 - 600_000;
    const got = await rows('events-before');
    expect(got).toHaveLength(fixture.filter((e) => inSpan(ms(e.time))).length - 1); // all but itself
    expect(got.every((r) => inSpan(Number(r.t)) && r.r !== openedReceipt)).toBe(true);
    const times = got.map((r) => Number(r.t));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const failures = got.filter((r) => r.type === `${KZ}FailureRecorded`);
    expect(failures.length).toBe(fixture.filter((e) => e.type === 'failure.recorded' && inSpan(ms(e.time))).length);
    expect(failures.length).toBeGreaterThan(0);
  },
  'events-between': async () => {
    // Everything but the routine traffic: signals received/accepted, tasks started/completed,
    // load samples and SLO evaluations.
    const routine = ['signal.received', 'signal.accepted', 'task.started', 'task.completed', 'worker.load', 'slo.evaluated'];
    const expected = fixture
      .filter((e) => !routine.includes(e.type))
      .sort((a, b) => ms(a.time) - ms(b.time))
      .map((e) => [e.type, e.component, ms(e.time)]);
    const got = (await rows('events-between')).map((r) => [TYPE_OF_CLASS.get(r.type!), r.component, Number(r.t)]);
    expect(got.map((g) => g[2])).toEqual(expected.map((e) => e[2]));
    expect([...got].sort()).toEqual([...expected].sort());
  },
  'why-columns': async () => {
    const got = await rows('why-columns');
    const of = (p: string): Record<string, string>[] => got.filter((r) => r.p === p);
    expect(of(RDF_TYPE)).toHaveLength(fixture.length);
    expect(of(`${KZ_NS}epochMs`).map((r) => Number(r.o)).sort((a, b) => a - b)).toEqual(fixture.map((e) => ms(e.time)).sort((a, b) => a - b));
    expect(of(`${KZ_NS}component`).map((r) => r.o).sort()).toEqual(fixture.map((e) => e.component).sort());
    expect(of(`${KZ_NS}value`)).toHaveLength(fixture.filter((e) => e.value !== undefined).length);
    expect(new Set(got.map((r) => r.p)).size).toBeLessThanOrEqual(8);
  },
  'hourly-stats': async () => {
    const counts: Record<string, number> = {};
    let depthSum = 0;
    for (const r of await rows('hourly-stats')) {
      const type = TYPE_OF_CLASS.get(r.type!)!;
      counts[type] = (counts[type] ?? 0) + Number(r.count);
      if (type === 'queue.depth') depthSum += Number(r.sum);
    }
    expect(counts).toEqual(nonZero(EXPECTED.countByType));
    expect(depthSum).toBe(fixture.filter((e) => e.type === 'queue.depth').reduce((n, e) => n + e.value!, 0));
  },
  'receipt-detail': async () => {
    const opened = fixture.find((e) => e.type === 'circuit.opened' && e.component === 'payments') as unknown as Record<string, string>;
    const got = await rows('receipt-detail');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      type: `${KZ}CircuitOpened`,
      t: String(ms(opened.time!)),
      component: 'payments',
      reason: opened.reason,
      eventId: opened.id,
      causedBy: opened.caused_by,
    });
  },
  'alert-timeline': async () => {
    const expected = fixture
      .filter((e) => e.type.startsWith('alert.'))
      .sort((a, b) => ms(a.time) - ms(b.time))
      .map((e) => [e.type, e.component, ms(e.time)]);
    expect(expected).toHaveLength(EXPECTED.countByType['alert.fired']! + EXPECTED.countByType['alert.cleared']!);
    expect((await rows('alert-timeline')).map((r) => [TYPE_OF_CLASS.get(r.type!), r.component, ms(r.time!)])).toEqual(expected);
  },
  'queue-depth-series': async () => {
    const byKey = new Map<string, number[]>();
    for (const e of fixture.filter((x) => x.type === 'queue.depth')) {
      const key = `${hourOf(e.time)} ${e.component}`;
      byKey.set(key, [...(byKey.get(key) ?? []), e.value!]);
    }
    const got = await rows('queue-depth-series');
    expect(got.map((r) => `${r.hour} ${r.component}`)).toEqual([...byKey.keys()].sort());
    for (const r of got) {
      const values = byKey.get(`${r.hour} ${r.component}`)!;
      expect(Number(r.samples)).toBe(values.length);
      expect(Number(r.mean)).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
      expect(Number(r.min)).toBe(Math.min(...values));
      expect(Number(r.max)).toBe(Math.max(...values));
    }
    expect(got.reduce((n, r) => n + Number(r.samples), 0)).toBe(EXPECTED.countByType['queue.depth']);
  },
  'worker-loads': async () => {
    const tasks: Record<string, number> = {};
    for (const e of fixture) {
      if ((e.type === 'task.completed' || e.type === 'task.failed') && e.worker !== undefined) tasks[e.worker] = (tasks[e.worker] ?? 0) + 1;
    }
    const got = Object.fromEntries((await rows('worker-loads')).map((r) => [r.worker, Number(r.tasks)]));
    expect(got).toEqual(tasks);
  },
  'rollup-columns': async () => {
    // Per receipt of the hour: its class, pillar and component, and worker, value and bucket where it has them.
    const inHour = fixture.filter((e) => hourOf(e.time) === '2026-11-17T10');
    const expected: Record<string, number> = {
      [`${RDF_TYPE}`]: inHour.length,
      [`${KZ_NS}pillar`]: inHour.length,
      [`${KZ_NS}component`]: inHour.length,
      [`${KZ_NS}worker`]: inHour.filter((e) => e.worker !== undefined).length,
      [`${KZ_NS}value`]: inHour.filter((e) => e.value !== undefined).length,
      [`${KZ_NS}bucket`]: inHour.filter((e) => e.type === 'task.completed' || e.type === 'task.failed').length,
    };
    const got: Record<string, number> = {};
    const receipts = new Set<string>();
    for (const r of await rows('rollup-columns')) {
      got[r.p!] = (got[r.p!] ?? 0) + 1;
      receipts.add(r.r!);
    }
    expect(got).toEqual(expected);
    expect(receipts.size).toBe(inHour.length);
  },
  'rollup-rows': async () => {
    // The rows of every rollup: one per rolled-up hour with its source count, and stats rows whose
    // counts add up to every event of the week.
    const bySubject = new Map<string, Map<string, string>>();
    for (const r of await rows('rollup-rows')) {
      const props = bySubject.get(r.s!) ?? new Map<string, string>();
      props.set(r.p!, r.o!);
      bySubject.set(r.s!, props);
    }
    const rollups = [...bySubject.values()].filter((p) => p.has(`${KZ_NS}sourceCount`));
    const hours = new Set(fixture.map((e) => hourOf(e.time)));
    expect(rollups).toHaveLength(hours.size);
    expect(rollups.reduce((n, p) => n + Number(p.get(`${KZ_NS}sourceCount`)), 0)).toBe(fixture.length);
    const statsRows = [...bySubject.values()].filter((p) => p.get(RDF_TYPE) === `${KZ_NS}StatsRow`);
    expect(statsRows.reduce((n, p) => n + Number(p.get(`${KZ_NS}count`)), 0)).toBe(fixture.length);
  },
  'rollup-transitions': async () => {
    const expected = fixture
      .filter((e) => /^(circuit|alert)\./.test(e.type) && hourOf(e.time) === '2026-11-17T10')
      .sort((a, b) => ms(a.time) - ms(b.time))
      .map((e) => [e.type, ms(e.time)]);
    expect((await rows('rollup-transitions')).map((r) => [TYPE_OF_CLASS.get(r.type!), Number(r.t)])).toEqual(expected);
  },
};

describe('shipped queries on the fixture week', () => {
  it('each have a check of their rows in this test', () => {
    expect([...catalogue.keys()].sort()).toEqual(Object.keys(checks).sort());
  });

  it.each([...catalogue.keys()])('%s runs and answers the columns its header names', async (name) => {
    const r = await run(name);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as SparqlJson;
    expect(json.head.vars).toEqual(catalogue.get(name)!.columns);
    expect(json.results.bindings.length).toBeGreaterThan(0);
  });

  it.each(Object.keys(checks))('%s returns the expected rows', async (name) => {
    await checks[name]!();
  });
});

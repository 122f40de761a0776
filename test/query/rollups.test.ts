// Rollups of the fixture week against the same figures computed here from the raw receipts, and
// rollups that go stale when their hour gets another receipt.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as RDF from '@rdfjs/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Histogram, mergeHistograms, parseHistogram, quantile, RELATIVE_ERROR } from '../../src/evidence/histogram.js';
import { HourFolds } from '../../src/evidence/hour-folds.js';
import { V } from '../../src/evidence/vocabulary.js';
import { ensureRollups } from '../../src/query/rollups.js';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded-store.js';
import { AFTER_THE_WEEK } from '../cli/run-cli.js';
import { EXPECTED, event, fixtureEvents, fixtureJson, journalFile, splitJournal, useTempDirs, WEEK_RANGE } from '../store/support.js';

const KZ = 'https://w3id.org/kaizen/ns#';
const tempDir = useTempDirs();
const hourOf = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

// Rolling up the week runs three SPARQL queries per hour: it is done once, and every test works
// on its own copy of the result.
let pristine = '';
let firstReport: Awaited<ReturnType<typeof ensureRollups>>;

beforeAll(async () => {
  pristine = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-'));
  const store = openEmbeddedStore({ dataDir: pristine });
  await store.appendEvents(fixtureEvents());
  firstReport = await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK });
  await store.close();
}, 60_000);

afterAll(() => {
  if (pristine !== '') fs.rmSync(pristine, { recursive: true, force: true });
});

/** A copy of the rolled-up week, opened. */
function copyOfWeek(readOnly = true): { dataDir: string; store: EmbeddedStore } {
  const dataDir = tempDir();
  fs.cpSync(pristine, dataDir, { recursive: true });
  return { dataDir, store: openEmbeddedStore({ dataDir, readOnly }) };
}

const objectOf = (store: EmbeddedStore, s: RDF.Term, p: RDF.Term): string | undefined => store.match(s, p, null, null)[0]?.object.value;
const inRollups = (q: RDF.Quad): boolean => q.graph.value.startsWith('urn:kaizen:rollup:');
const inHours = (q: RDF.Quad): boolean => q.graph.value.startsWith('urn:kaizen:hour:');
const local = (iri: string): string => iri.slice(KZ.length);

/** The parts of a kind (kz:StatsRow, …) of every loaded rollup. */
function rollupParts(store: EmbeddedStore, kind: RDF.NamedNode): RDF.Term[] {
  return store.match(null, V.type, kind, null).filter(inRollups).map((q) => q.subject);
}

/** Raw receipts loaded: class local name, component, time and value of each. */
function rawReceipts(store: EmbeddedStore): { cls: string; component: string; timeMs: number; value?: number }[] {
  return store
    .match(null, V.type, null, null)
    .filter(inHours)
    .map((q) => {
      const value = objectOf(store, q.subject, V.value);
      return {
        cls: local(q.object.value),
        component: objectOf(store, q.subject, V.component)!,
        timeMs: Number(objectOf(store, q.subject, V.epochMs)),
        ...(value !== undefined && { value: Number(value) }),
      };
    });
}

function countBy<T>(items: readonly T[], key: (t: T) => string, n: (t: T) => number = () => 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + n(t);
  return out;
}

function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

describe('rollups of the fixture week', () => {
  it('are built for every closed hour that has receipts', () => {
    const hours = [...new Set(fixtureJson().map((e) => hourOf(Date.parse(e.time as string))))].sort();
    expect([...firstReport.built].sort()).toEqual(hours);
    expect(firstReport.open).toBe(0);
  });

  it('count receipts per type and component exactly as the raw receipts do', async () => {
    const { store } = copyOfWeek();
    await store.load({ range: WEEK_RANGE, raw: true, rollups: true });
    const fromRollups = countBy(
      rollupParts(store, V.StatsRow),
      (p) => `${local(objectOf(store, p, V.eventType)!)} ${objectOf(store, p, V.component)}`,
      (p) => Number(objectOf(store, p, V.count)),
    );
    const raw = rawReceipts(store);
    expect(raw).toHaveLength(EXPECTED.totalEvents);
    expect(fromRollups).toEqual(countBy(raw, (r) => `${r.cls} ${r.component}`));
    const taskCompleted = Object.entries(fromRollups).filter(([k]) => k.startsWith('TaskCompleted '));
    expect(Object.fromEntries(taskCompleted.map(([k, n]) => [k.slice('TaskCompleted '.length), n]))).toEqual(EXPECTED.taskCompletedByComponent);
    await store.close();
  });

  it('give week percentiles from hourly histograms within the stated bound of the raw values', async () => {
    const { store } = copyOfWeek();
    await store.load({ range: WEEK_RANGE, raw: true, rollups: true });
    const raw = rawReceipts(store).filter((r) => r.cls === 'TaskCompleted');
    for (const scope of ['overall', 'checkout'] as const) {
      const values = raw.filter((r) => scope === 'overall' || r.component === scope).map((r) => r.value!);
      const merged: Histogram = new Map();
      for (const p of rollupParts(store, V.HistogramRow)) {
        if (objectOf(store, p, V.eventType) !== `${KZ}TaskCompleted`) continue;
        if (scope === 'checkout' && objectOf(store, p, V.component) !== 'checkout') continue;
        mergeHistograms(merged, parseHistogram(objectOf(store, p, V.histogram)!));
      }
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.95, 'p95'],
        [0.99, 'p99'],
      ] as const) {
        const exact = exactQuantile(values, q);
        expect(exact, `${scope} ${key} from the raw receipts`).toBe(EXPECTED.taskCompletedLatencyMs[scope][key]);
        const approx = quantile(merged, q)!;
        expect(Math.abs(approx - exact) / exact, `${scope} ${key}: ${approx} vs ${exact}`).toBeLessThanOrEqual(RELATIVE_ERROR);
      }
    }
    await store.close();
  });

  it('give the seconds each circuit was open as the raw transitions do', async () => {
    const { store } = copyOfWeek();
    await store.load({ range: WEEK_RANGE, raw: true, rollups: true });
    const transitions = rawReceipts(store)
      .filter((r) => r.cls.startsWith('Circuit'))
      .sort((a, b) => a.timeMs - b.timeMs);
    const fromRaw: Record<string, number> = {};
    const openedAt = new Map<string, number>();
    for (const t of transitions) {
      if (t.cls === 'CircuitOpened') openedAt.set(t.component, t.timeMs);
      else if (openedAt.has(t.component)) {
        fromRaw[t.component] = (fromRaw[t.component] ?? 0) + (t.timeMs - openedAt.get(t.component)!) / 1000;
        openedAt.delete(t.component);
      }
    }
    const fromRollups = countBy(
      rollupParts(store, V.CircuitRow),
      (p) => objectOf(store, p, V.component)!,
      (p) => Number(objectOf(store, p, V.openSeconds)),
    );
    expect(fromRollups).toEqual(fromRaw);
    expect(fromRollups).toEqual(EXPECTED.circuitOpenSecondsByComponent);
    await store.close();
  });

  it('give the alert episodes the raw firings and clearings make', async () => {
    const { store } = copyOfWeek();
    await store.load({ range: WEEK_RANGE, raw: true, rollups: true });
    const episodes = new Set(
      rollupParts(store, V.AlertEpisode).map(
        (p) => `${objectOf(store, p, V.alert)} ${objectOf(store, p, V.component)} ${objectOf(store, p, V.start)} ${objectOf(store, p, V.end)}`,
      ),
    );
    const raw = store
      .match(null, V.alert, null, null)
      .filter(inHours)
      .map((q) => ({
        cls: local(objectOf(store, q.subject, V.type)!),
        alert: q.object.value,
        component: objectOf(store, q.subject, V.component)!,
        t: Number(objectOf(store, q.subject, V.epochMs)),
      }))
      .sort((a, b) => a.t - b.t);
    const fromRaw = new Set<string>();
    const firing = new Map<string, number>();
    for (const a of raw) {
      const key = `${a.alert} ${a.component}`;
      if (a.cls === 'AlertFired' && !firing.has(key)) firing.set(key, a.t);
      if (a.cls === 'AlertCleared' && firing.has(key)) {
        fromRaw.add(`${key} ${firing.get(key)} ${a.t}`);
        firing.delete(key);
      }
    }
    expect(episodes).toEqual(fromRaw);
    expect(episodes.size).toBe(EXPECTED.alertEpisodes);
    await store.close();
  });

  it('give queue-depth sum, min and max per hour as the raw samples do', async () => {
    const { store } = copyOfWeek();
    await store.load({ range: WEEK_RANGE, raw: true, rollups: true });
    const samples = rawReceipts(store).filter((r) => r.cls === 'QueueDepthSampled');
    const byHour = new Map<string, number[]>();
    for (const s of samples) byHour.set(`${hourOf(s.timeMs)} ${s.component}`, [...(byHour.get(`${hourOf(s.timeMs)} ${s.component}`) ?? []), s.value!]);
    const rows = rollupParts(store, V.StatsRow).filter((p) => objectOf(store, p, V.eventType) === `${KZ}QueueDepthSampled`);
    const fromRollups = new Map(
      rows.map((p) => {
        const rollup = store.match(null, V.part, p, null)[0]!.subject;
        const key = `${objectOf(store, rollup, V.hour)} ${objectOf(store, p, V.component)}`;
        return [key, [objectOf(store, p, V.count), objectOf(store, p, V.sum), objectOf(store, p, V.min), objectOf(store, p, V.max)].map(Number)];
      }),
    );
    expect(fromRollups).toEqual(
      new Map([...byHour].map(([k, v]) => [k, [v.length, v.reduce((a, b) => a + b, 0), Math.min(...v), Math.max(...v)]])),
    );
    await store.close();
  });
});

describe('rollups', () => {
  describe('when an hour that was rolled up gets another receipt', () => {
    it('detect the changed source, rebuild that hour only, and the later rollup supersedes the earlier', async () => {
      const { dataDir, store } = copyOfWeek(false);
      const hour = '2026-11-17T10';
      const before = fixtureJson().filter((e) => e.type === 'task.completed' && e.component === 'checkout' && hourOf(Date.parse(e.time as string)) === hour).length;
      const inHour = fixtureJson().filter((e) => hourOf(Date.parse(e.time as string)) === hour).length;
      await store.appendEvents([event({ type: 'task.completed', time: '2026-11-17T10:30:00.000Z', component: 'checkout', value: 1234, worker: 'w-9' })]);
      const report = await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK });
      expect(report.built).toEqual([hour]);
      expect(report.fresh).toBe(firstReport.built.length - 1);
      await store.close();

      const { receipts } = splitJournal(fs.readFileSync(journalFile(dataDir, '2026-11-17.rollup.nq'), 'utf8'));
      const ofHour = receipts.filter((r) => r.lines.some((l) => l.includes(`<urn:kaizen:rollup:${hour}> .`) && l.includes(`<${KZ}digest>`)));
      expect(ofHour).toHaveLength(2);

      const reader = openEmbeddedStore({ dataDir, readOnly: true });
      await reader.load({ range: WEEK_RANGE, rollups: true });
      const g = `urn:kaizen:rollup:${hour}`;
      const rollups = reader.match(null, V.type, V.HourRollup, null).filter((q) => q.graph.value === g);
      expect(rollups).toHaveLength(1);
      expect(objectOf(reader, rollups[0]!.subject, V.sourceCount)).toBe(String(inHour + 1));
      const completed = rollupParts(reader, V.StatsRow)
        .filter((p) => reader.match(p, null, null, null)[0]!.graph.value === g)
        .filter((p) => objectOf(reader, p, V.eventType) === `${KZ}TaskCompleted` && objectOf(reader, p, V.component) === 'checkout')
        .reduce((n, p) => n + Number(objectOf(reader, p, V.count)), 0);
      expect(completed).toBe(before + 1);
      const weekCompleted = rollupParts(reader, V.StatsRow)
        .filter((p) => objectOf(reader, p, V.eventType) === `${KZ}TaskCompleted`)
        .reduce((n, p) => n + Number(objectOf(reader, p, V.count)), 0);
      expect(weekCompleted).toBe(EXPECTED.countByType['task.completed']! + 1);
      await reader.close();
    });
  });

  describe('when the writer gathered the rows as it appended', () => {
    /** Every rollup journal file of a data directory, in day order, concatenated. */
    const rollupFile = (dataDir: string): string => {
      const names = fs.readdirSync(path.join(dataDir, 'journal')).filter((n) => n.endsWith('.rollup.nq'));
      expect(names.length).toBeGreaterThan(0);
      return names
        .sort()
        .map((n) => fs.readFileSync(journalFile(dataDir, n), 'utf8'))
        .join('');
    };

    it('write the same rollups, byte for byte, as the SPARQL route', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const folds = new HourFolds();
      folds.add((await store.appendEvents(fixtureEvents())).receipts);
      const report = await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK, folds });
      await store.close();
      expect(report.built).toEqual(firstReport.built);
      expect(report.folded).toBe(firstReport.built.length);
      expect(rollupFile(dataDir)).toBe(rollupFile(pristine));
    });

    it('go through SPARQL for an hour whose receipts it did not all see', async () => {
      const dataDir = tempDir();
      const events = fixtureEvents();
      const cut = events.findIndex((e) => hourOf(e.timeMs) === firstReport.built[1]) + 1;
      const first = openEmbeddedStore({ dataDir });
      await first.appendEvents(events.slice(0, cut));
      await first.close();
      const store = openEmbeddedStore({ dataDir });
      const folds = new HourFolds();
      folds.add((await store.appendEvents(events.slice(cut))).receipts);
      const report = await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK, folds });
      await store.close();
      // The first two hours were partly appended by the first writer: their folds do not match.
      expect(report.folded).toBe(firstReport.built.length - 2);
      expect(rollupFile(dataDir)).toBe(rollupFile(pristine));
    });
  });

  describe('when nothing changed', () => {
    it('build nothing, and rebuild every closed hour when asked to', async () => {
      const { store } = copyOfWeek(false);
      const again = await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK });
      expect(again).toEqual({ built: [], folded: 0, fresh: firstReport.built.length, open: 0, workers: 0 });
      const rebuilt = await ensureRollups(store, { fromMs: Date.UTC(2026, 10, 17), toMs: Date.UTC(2026, 10, 18) }, { nowMs: AFTER_THE_WEEK, rebuild: true });
      expect(rebuilt.built).toEqual(firstReport.built.filter((h) => h.startsWith('2026-11-17')));
      await store.close();
    });
  });

  describe('when an hour has not closed yet', () => {
    it('leave it open', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents([event({ time: '2026-11-17T10:05:00.000Z' }), event({ time: '2026-11-17T11:05:00.000Z' })]);
      const report = await ensureRollups(store, WEEK_RANGE, { nowMs: Date.UTC(2026, 10, 17, 11, 30) });
      expect(report).toEqual({ built: ['2026-11-17T10'], folded: 0, fresh: 0, open: 1, workers: 0 });
      await store.close();
    });
  });

  describe('when a circuit stays open across an hour boundary', () => {
    it('count its open time in both hours', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents([
        event({ type: 'circuit.opened', time: '2026-11-17T10:50:00.000Z', component: 'payments' }),
        event({ type: 'circuit.closed', time: '2026-11-17T11:10:00.000Z', component: 'payments' }),
      ]);
      await ensureRollups(store, WEEK_RANGE, { nowMs: AFTER_THE_WEEK });
      await store.load({ range: WEEK_RANGE, rollups: true });
      const perHour = Object.fromEntries(
        rollupParts(store, V.CircuitRow).map((p) => [
          objectOf(store, store.match(null, V.part, p, null)[0]!.subject, V.hour),
          [Number(objectOf(store, p, V.openSeconds)), objectOf(store, p, V.stateAtEnd)],
        ]),
      );
      expect(perHour).toEqual({ '2026-11-17T10': [600, 'open'], '2026-11-17T11': [600, 'closed'] });
      await store.close();
    });
  });
});

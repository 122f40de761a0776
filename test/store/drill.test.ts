// Drill partitions: the day index records where an hour's non-bulk receipts lie, a drill load
// reads exactly those, and a full load, a release and an append stay consistent with it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { BULK_CLASSES, EVENT_TYPES } from '../../src/evidence/event-types.js';
import type { Receipt } from '../../src/evidence/receipt.js';
import { V } from '../../src/evidence/vocabulary.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { type DayIndex, isDrillReceipt } from '../../src/store/hour-index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kz-drill-'));
  dirs.push(d);
  return d;
};

const T0 = Date.parse('2026-11-23T10:00:00Z');
const HOUR = { fromMs: T0, toMs: T0 + 3_600_000 };

/** An hour of traffic: completions and rejections around a circuit opening, an alert and a fault. */
function hourOfEvents(): KaizenEvent[] {
  const out: KaizenEvent[] = [];
  let t = T0;
  const push = (e: Omit<KaizenEvent, 'timeMs'>): void => void out.push({ ...e, timeMs: (t += 1_000) } as KaizenEvent);
  for (let i = 0; i < 20; i++) push({ type: 'task.completed', component: 'payments', pillar: 'kanban', value: 12 + i, unit: 'ms', signalId: `s${i}` });
  push({ type: 'chaos.injected', component: 'chaos', pillar: 'kaizen', reason: 'downstream-down', id: 'e-chaos' });
  for (let i = 0; i < 5; i++) push({ type: 'task.failed', component: 'payments', pillar: 'jidoka', value: 30, unit: 'ms', reason: 'downstream', causedBy: 'e-chaos' });
  push({ type: 'circuit.opened', component: 'payments', pillar: 'jidoka', id: 'e-open' });
  push({ type: 'alert.fired', component: 'payments', pillar: 'andon', alert: 'circuit_open', severity: 'critical', causedBy: 'e-open' });
  for (let i = 0; i < 10; i++) push({ type: 'signal.rejected', component: 'payments', pillar: 'jidoka', reason: 'circuit-open', signalId: `r${i}` });
  push({ type: 'worker.load', component: 'worker-pool', pillar: 'heijunka', worker: 'worker-1', value: 3, unit: 'tasks' });
  for (let i = 0; i < 10; i++) push({ type: 'task.completed', component: 'payments', pillar: 'kanban', value: 15, unit: 'ms' });
  push({ type: 'circuit.closed', component: 'payments', pillar: 'jidoka' });
  return out;
}

/** A data directory holding hourOfEvents(), written and closed; the receipts it wrote. */
async function writtenHour(): Promise<{ dataDir: string; events: KaizenEvent[]; receipts: Receipt[] }> {
  const dataDir = tempDir();
  const writer = openEmbeddedStore({ dataDir });
  const events = hourOfEvents();
  const { receipts } = await writer.appendEvents(events);
  await writer.close();
  return { dataDir, events, receipts: [...receipts] };
}

const classOf = (type: string): string => EVENT_TYPES[type as keyof typeof EVENT_TYPES].className;
/** The receipts of the loaded hour, by class. */
function loadedClasses(store: ReturnType<typeof openEmbeddedStore>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const q of store.match(null, V.type, null, null)) {
    const c = q.object.value.split('#')[1]!;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

describe('the day index', () => {
  it('records the byte ranges of the non-bulk receipts, the same whether kept by the writer or scanned from the journal', async () => {
    const { dataDir } = await writtenHour();
    const path = join(dataDir, 'index', '2026-11-23.json');
    const kept = JSON.parse(readFileSync(path, 'utf8')) as DayIndex;
    const entry = kept.hours['2026-11-23T10']!;
    // Two runs of non-bulk receipts, each one range: the fault, 5 failures, the opening and its alert; the closing.
    expect(entry.drill).toHaveLength(2);
    const journal = readFileSync(join(dataDir, 'journal', '2026-11-23.nq'), 'latin1');
    const drilled = entry.drill!.map(([a, b]) => journal.slice(a, b)).join('');
    const subjects = new Set(drilled.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(' '))));
    expect(subjects.size).toBe(1 + 5 + 1 + 1 + 1);
    expect(drilled).not.toContain('#TaskCompleted>');
    expect(drilled).not.toContain('#SignalRejected>');
    // A reader that finds no cached index scans the journal and finds the same ranges.
    rmSync(path);
    const reader = openEmbeddedStore({ dataDir, readOnly: true });
    // The whole entry: the quads the writer counted from its receipts without their lines included.
    expect(reader.dayIndex('2026-11-23').hours['2026-11-23T10']).toEqual(entry);
    await reader.close();
  });

  it('is rebuilt when it was made with other bulk classes, and when it has no drill ranges', async () => {
    const { dataDir } = await writtenHour();
    const path = join(dataDir, 'index', '2026-11-23.json');
    const good = JSON.parse(readFileSync(path, 'utf8')) as DayIndex;
    const hourOf = good.hours['2026-11-23T10']!;
    const stale: DayIndex[] = [
      { ...good, bulk: 'TaskCompleted', hours: { '2026-11-23T10': { ...hourOf, drill: [[0, 1]] } } },
      { ...good, hours: { '2026-11-23T10': { ...hourOf, drill: undefined } } },
    ];
    for (const index of stale) {
      writeFileSync(path, JSON.stringify(index));
      const reader = openEmbeddedStore({ dataDir, readOnly: true });
      expect(reader.dayIndex('2026-11-23').hours['2026-11-23T10']!.drill).toEqual(hourOf.drill);
      await reader.close();
    }
  });

  it('tells drill receipts from bulk ones by their rdf:type line, whatever its place', () => {
    const line = (c: string) => `<urn:kaizen:receipt:local:1> <${V.type.value}> <https://w3id.org/kaizen/ns#${c}> <urn:kaizen:hour:2026-11-23T10> .\n`;
    const other = '<urn:kaizen:receipt:local:1> <https://w3id.org/kaizen/ns#component> "payments" <urn:kaizen:hour:2026-11-23T10> .\n';
    for (const c of BULK_CLASSES) expect(isDrillReceipt([other, line(c)]), c).toBe(false);
    expect(isDrillReceipt([line('CircuitOpened'), other])).toBe(true);
    expect(isDrillReceipt([other])).toBe(true);
  });
});

describe('loading a drill partition', () => {
  it('brings in exactly the non-bulk receipts of the hour; a full load then adds the rest once', async () => {
    const { dataDir, events } = await writtenHour();
    const expected = (drillOnly: boolean): Map<string, number> => {
      const m = new Map<string, number>();
      for (const e of events) {
        const c = classOf(e.type);
        if (drillOnly && BULK_CLASSES.has(c)) continue;
        m.set(c, (m.get(c) ?? 0) + 1);
      }
      return m;
    };
    const store = openEmbeddedStore({ dataDir, readOnly: true });
    await store.load({ range: HOUR, drill: true });
    expect(loadedClasses(store)).toEqual(expected(true));
    const drillQuads = store.match(null, null, null, null).length;
    await store.load({ range: HOUR, drill: true }); // loaded already: nothing added
    expect(store.match(null, null, null, null).length).toBe(drillQuads);
    await store.load({ range: HOUR, raw: true });
    expect(loadedClasses(store)).toEqual(expected(false));
    const all = store.match(null, null, null, null);
    expect(new Set(all.map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.value}`)).size).toBe(all.length);
    await store.load({ range: HOUR, drill: true }); // the whole hour is loaded: a drill adds nothing
    expect(store.match(null, null, null, null).length).toBe(all.length);
    store.release({ range: HOUR, drill: true });
    expect(store.match(null, null, null, null)).toHaveLength(0);
    await store.load({ range: HOUR, drill: true });
    store.release({ range: HOUR, raw: true }); // releasing raw releases the drill partition too
    expect(store.match(null, null, null, null)).toHaveLength(0);
    await store.close();
  });

  it('keeps receipts appended to a drilled hour in memory when they are not of a bulk class', async () => {
    const store = openEmbeddedStore({ dataDir: tempDir() });
    await store.load({ range: HOUR, drill: true });
    await store.appendEvents([
      { type: 'task.completed', timeMs: T0 + 5_000, component: 'payments', pillar: 'kanban', value: 10, unit: 'ms' },
      { type: 'circuit.opened', timeMs: T0 + 6_000, component: 'payments', pillar: 'jidoka' },
    ]);
    expect(loadedClasses(store)).toEqual(new Map([['CircuitOpened', 1]]));
    await store.close();
  });

  it('finds a bulk receipt by its IRI through the whole hour, a drill receipt through its drill partition', async () => {
    const { dataDir, receipts } = await writtenHour();
    const opened = receipts.find((r) => r.lines[0]!.includes('#CircuitOpened>'))!;
    const completed = receipts.find((r) => r.lines[0]!.includes('#TaskCompleted>'))!;
    const store = openEmbeddedStore({ dataDir, readOnly: true });
    expect(await store.locateReceipt(opened.iri)).toBe('2026-11-23T10');
    expect(loadedClasses(store).has('TaskCompleted')).toBe(false);
    expect(await store.locateReceipt(completed.iri)).toBe('2026-11-23T10');
    expect(loadedClasses(store).get('TaskCompleted')).toBe(30);
    expect(await store.locateReceipt('urn:kaizen:receipt:local:999')).toBeUndefined();
    await store.close();
  });
});

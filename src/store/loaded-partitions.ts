// The partitions an embedded store holds in memory: which hours (whole, or their drill receipts)
// and which days' rollups are loaded into its quad index, loaded from the journal by the byte
// ranges of the day indexes where they have them, and dropped again on release.

import type { Quad } from 'n3';
import type { PartitionRequest } from '../evidence/store.js';
import { dayKey, daysIn, type TimeRange } from '../evidence/time.js';
import { hourGraphIri, rollupGraphIri, V } from '../evidence/vocabulary.js';
import type { DayIndexes } from './day-indexes.js';
import { listJournalFiles } from './journal.js';
import type { QuadIndex } from './quad-index.js';
import { replayFile, replaySegments } from './replay.js';

const MAX_WALKED_DAYS = 1_000;
const FIRST_DAY_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_DAY_END_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The days to visit for a range: each of its days (loading an empty day marks its hours loaded,
 * so that receipts appended later are kept in memory), except for a range of more than
 * MAX_WALKED_DAYS days, which is walked through the days the journal holds a file for: a window
 * from year 1 to 9999 is 3.6 million days.
 */
export function daysHeld(dataDir: string, range: TimeRange): string[] {
  if (range.toMs - range.fromMs <= MAX_WALKED_DAYS * 86_400_000) return daysIn(range);
  // Day names compare as text within years 0000–9999, the years a journal file can be named by.
  const from = range.fromMs <= FIRST_DAY_MS ? '0000-01-01' : dayKey(range.fromMs);
  const to = range.toMs > LAST_DAY_END_MS ? '9999-12-31' : dayKey(range.toMs - 1);
  const days = new Set(listJournalFiles(dataDir).map((f) => f.day));
  return [...days].filter((d) => d >= from && d <= to).sort();
}

export class LoadedPartitions {
  readonly #dataDir: string;
  readonly #index: QuadIndex;
  readonly #days: DayIndexes;
  /** The committed size of each journal file, by path. */
  readonly #ends: ReadonlyMap<string, number>;
  /** `raw:HOUR`, `drill:HOUR` and `rollup:DAY` for what is in the index. */
  readonly #loaded = new Set<string>();
  /** The one day whose raw quads were parsed last, grouped by hour, for hour-by-hour loading. */
  #dayCache: { day: string; byHour: Map<string, Quad[]> } | undefined;

  constructor(dataDir: string, index: QuadIndex, days: DayIndexes, ends: ReadonlyMap<string, number>) {
    this.#dataDir = dataDir;
    this.#index = index;
    this.#days = days;
    this.#ends = ends;
  }

  /** True when the hour's receipts are loaded whole, or (`drill`) at least its drill receipts. */
  holdsHour(hour: string, drill: boolean): boolean {
    return this.#loaded.has(`raw:${hour}`) || (drill && this.#loaded.has(`drill:${hour}`));
  }

  /** True when the day's rollups are loaded. */
  holdsRollups(day: string): boolean {
    return this.#loaded.has(`rollup:${day}`);
  }

  /** A commit changed the journal: a day parsed before it is parsed again. */
  journalChanged(): void {
    this.#dayCache = undefined;
  }


  load(request: PartitionRequest): void {
    for (const day of daysHeld(this.#dataDir, request.range)) {
      if (request.raw === true) this.#loadRawHours(day, request.range);
      else if (request.drill === true) this.#loadDrillHours(day, request.range);
      if (request.rollups === true) this.#loadRollups(day);
    }
  }

  /** Drops partitions from memory (the journal keeps them). */
  release(request: PartitionRequest): void {
    for (const day of daysIn(request.range)) {
      if (request.rollups === true && this.#loaded.delete(`rollup:${day}`)) {
        for (let h = 0; h < 24; h++) this.#index.dropGraph(rollupGraphIri(`${day}T${String(h).padStart(2, '0')}`));
      }
      if (request.raw === true || request.drill === true) {
        for (let h = 0; h < 24; h++) {
          const hour = `${day}T${String(h).padStart(2, '0')}`;
          const start = Date.parse(`${hour}:00:00Z`);
          // Only the hours the range overlaps: the other hours of the day stay loaded.
          if (start + 3_600_000 <= request.range.fromMs || start >= request.range.toMs) continue;
          const raw = this.#loaded.delete(`raw:${hour}`);
          if (this.#loaded.delete(`drill:${hour}`) || raw) this.#index.dropGraph(hourGraphIri(hour));
        }
      }
    }
  }

  #parseRawDay(day: string): Map<string, Quad[]> {
    if (this.#dayCache?.day === day) return this.#dayCache.byHour;
    const byHour = new Map<string, Quad[]>();
    const file = this.#days.file(day, 'raw');
    if (file !== undefined) {
      replayFile(file.path, this.#ends.get(file.path), (quads) => {
        for (const q of quads) {
          const hour = q.graph.value.slice(-13);
          let list = byHour.get(hour);
          if (list === undefined) byHour.set(hour, (list = []));
          list.push(q);
        }
      });
    }
    this.#dayCache = { day, byHour };
    return byHour;
  }

  /** The hours of a day that overlap a range and are not loaded whole. */
  #hoursToLoad(day: string, range: TimeRange): string[] {
    const wanted: string[] = [];
    for (let h = 0; h < 24; h++) {
      const hour = `${day}T${String(h).padStart(2, '0')}`;
      const start = Date.parse(`${hour}:00:00Z`);
      if (start + 3_600_000 > range.fromMs && start < range.toMs && !this.#loaded.has(`raw:${hour}`)) wanted.push(hour);
    }
    return wanted;
  }

  /**
   * Loads the drill partitions of a day's hours: the receipts the index records as not of the
   * bulk classes, read by their byte ranges. Without those ranges in the index, the whole hours are loaded.
   */
  #loadDrillHours(day: string, range: TimeRange): void {
    const wanted = this.#hoursToLoad(day, range).filter((hour) => !this.#loaded.has(`drill:${hour}`));
    if (wanted.length === 0) return;
    const index = this.#days.of(day);
    const file = this.#days.file(day, 'raw');
    if (!wanted.every((h) => index.hours[h] === undefined || index.hours[h]!.drill !== undefined)) {
      this.#loadRawHours(day, range);
      return;
    }
    for (const hour of wanted) {
      const ranges = index.hours[hour]?.drill ?? [];
      if (ranges.length > 0 && file !== undefined) this.#index.addQuads(replaySegments(file.path, ranges));
      this.#loaded.add(`drill:${hour}`);
    }
  }

  #loadRawHours(day: string, range: TimeRange): void {
    const wanted = this.#hoursToLoad(day, range);
    if (wanted.length === 0) return;
    // A drill partition is part of its hour: dropped, then loaded again with the rest.
    for (const hour of wanted) if (this.#loaded.delete(`drill:${hour}`)) this.#index.dropGraph(hourGraphIri(hour));
    // Hours the index knows to be empty need no parsing (a live writer loads its hour first).
    const index = this.#days.of(day);
    if (wanted.every((hour) => index.hours[hour] === undefined)) {
      for (const hour of wanted) this.#loaded.add(`raw:${hour}`);
      return;
    }
    // The index knows where each hour's receipts are in the day file: read just those bytes.
    const file = this.#days.file(day, 'raw');
    if (file !== undefined && this.#dayCache?.day !== day && wanted.every((h) => index.hours[h] === undefined || index.hours[h]!.segments !== undefined)) {
      for (const hour of wanted) {
        const ranges = index.hours[hour]?.segments ?? [];
        if (ranges.length > 0) this.#index.addQuads(replaySegments(file.path, ranges));
        this.#loaded.add(`raw:${hour}`);
      }
      return;
    }
    const byHour = this.#parseRawDay(day);
    for (const hour of wanted) {
      const quads = byHour.get(hour);
      if (quads !== undefined) this.#index.addQuads(quads);
      this.#loaded.add(`raw:${hour}`);
    }
  }

  #loadRollups(day: string): void {
    const key = `rollup:${day}`;
    if (this.#loaded.has(key)) return;
    this.#loaded.add(key);
    const file = this.#days.file(day, 'rollup');
    if (file === undefined) return;
    // A later rollup of an hour supersedes an earlier one: keep the last receipt per hour graph.
    const latest = new Map<string, Quad[]>();
    let current: { graph: string; quads: Quad[] } | undefined;
    replayFile(file.path, this.#ends.get(file.path), (quads) => {
      for (const q of quads) {
        const g = q.graph.value;
        if (current === undefined || current.graph !== g) current = { graph: g, quads: [] };
        current.quads.push(q);
        if (q.predicate.equals(V.digest) && !q.subject.value.includes('#')) {
          latest.set(g, current.quads);
          current = undefined;
        }
      }
    });
    for (const [g, quads] of latest) {
      this.#index.dropGraph(g);
      this.#index.addQuads(quads);
    }
  }
}

// The day indexes an embedded store works from: read (or scanned) once per day, kept up to date by
// a writer as it commits, and written back beside the journal when the writer closes.

import type { Receipt } from '../evidence/receipt.js';
import { addRange, BULK_SIGNATURE, type DayIndex, readDayIndex, receiptIsDrill, writeDayIndex } from './hour-index.js';
import { type JournalFile, type JournalKind, listJournalFiles } from './journal.js';
import type { Placement } from './journal-writer.js';

export class DayIndexes {
  readonly #dataDir: string;
  readonly #readOnly: boolean;
  /** The committed size of each journal file, by path (the store's; a torn tail lies past it). */
  readonly #ends: ReadonlyMap<string, number>;
  readonly #indexes = new Map<string, DayIndex>();
  /** Days a writer appended to since it opened, whose index is written back on close. */
  readonly #dirty = new Set<string>();

  constructor(dataDir: string, readOnly: boolean, ends: ReadonlyMap<string, number>) {
    this.#dataDir = dataDir;
    this.#readOnly = readOnly;
    this.#ends = ends;
  }

  /** The journal file of a day and kind, when there is one. */
  file(day: string, kind: JournalKind): JournalFile | undefined {
    return listJournalFiles(this.#dataDir).find((f) => f.day === day && f.kind === kind);
  }

  /** Per hour of a day: raw receipt count, last digest and byte ranges (derived from the journal, cached). */
  of(day: string): DayIndex {
    const cached = this.#indexes.get(day);
    if (cached !== undefined) return cached;
    const file = this.file(day, 'raw');
    if (file === undefined) {
      const empty: DayIndex = { size: 0, bulk: BULK_SIGNATURE, hours: {} };
      if (!this.#readOnly) this.#indexes.set(day, empty);
      return empty;
    }
    const { index, fresh } = readDayIndex(this.#dataDir, file, this.#ends.get(file.path));
    this.#indexes.set(day, index);
    // A writer keeps a fresh scan for the next command; a reader changes nothing on disk.
    if (fresh && !this.#readOnly) writeDayIndex(this.#dataDir, day, index);
    return index;
  }

  /**
   * Records a committed raw receipt in its day's index, with the bytes it took in the file; true
   * when it is a receipt a drill-down reads. The day's index must have been read (`of`) before
   * the commit, as it stood then.
   */
  note(r: Receipt, at: Placement): boolean {
    const day = r.graph.slice(-13, -3);
    const index = this.of(day);
    this.#dirty.add(day);
    const hour = r.graph.slice(-13);
    const e = (index.hours[hour] ??= { count: 0, quads: 0, firstSeq: r.seq, lastSeq: 0, lastDigest: '', segments: [], drill: [] });
    e.count++;
    e.quads += r.lineCount ?? r.lines.length;
    e.lastSeq = r.seq;
    e.lastDigest = r.digest;
    addRange((e.segments ??= []), at.start, at.end);
    const drill = receiptIsDrill(r);
    if (drill) addRange((e.drill ??= []), at.start, at.end);
    index.size = at.end;
    return drill;
  }

  /** Writes back the index of every day appended to (each kept up to date, byte ranges included). */
  flush(): void {
    for (const day of this.#dirty) {
      const index = this.#indexes.get(day);
      if (index !== undefined) writeDayIndex(this.#dataDir, day, index);
    }
    this.#dirty.clear();
  }
}

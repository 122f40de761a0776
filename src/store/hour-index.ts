// The hour index: per UTC hour, how many raw receipts it has and the digest of its last one —
// derived from the journal, cached beside it, and rebuilt whenever the journal file changed size.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGraphIri } from '../evidence/vocabulary.js';
import { fileSize, type JournalFile, scanReceipts } from './journal.js';

export interface HourEntry {
  count: number;
  quads: number;
  firstSeq: number;
  lastSeq: number;
  lastDigest: string;
  /** Byte ranges [start, end) of the day file that hold the hour's receipts, in file order. */
  segments?: [number, number][];
}

/** What the index knows of one day's raw journal file. */
export interface DayIndex {
  /** Size of the journal file the index was computed from. */
  size: number;
  hours: Record<string, HourEntry>;
}

function indexPath(dataDir: string, day: string): string {
  return join(dataDir, 'index', `${day}.json`);
}

/** Computes a day's index by scanning its raw journal (no RDF parsing: receipts by their lines). */
export function scanDayIndex(file: JournalFile, end?: number): DayIndex {
  const hours: Record<string, HourEntry> = {};
  // latin1 makes character offsets byte offsets; the ASCII parts read here are the same.
  for (const r of scanReceipts(file.path, end, 'latin1')) {
    const graphStart = r.digestLine.lastIndexOf('<');
    const graph = r.digestLine.slice(graphStart + 1, r.digestLine.lastIndexOf('>'));
    const hour = parseGraphIri(graph)?.hour;
    if (hour === undefined || r.digest === undefined) continue;
    const e = (hours[hour] ??= { count: 0, quads: 0, firstSeq: r.seq, lastSeq: 0, lastDigest: '' });
    e.firstSeq = Math.min(e.firstSeq, r.seq);
    e.count++;
    e.quads += r.bodyLines.length + 1;
    const segments = (e.segments ??= []);
    const lastSegment = segments[segments.length - 1];
    if (lastSegment !== undefined && lastSegment[1] === r.startByte) lastSegment[1] = r.endByte;
    else segments.push([r.startByte, r.endByte]);
    if (r.seq > e.lastSeq) {
      e.lastSeq = r.seq;
      e.lastDigest = r.digest;
    }
  }
  return { size: end ?? fileSize(file.path), hours };
}

/** The index of a day: the cached one when it matches the journal's size, else a fresh scan. */
export function readDayIndex(dataDir: string, file: JournalFile, end?: number): { index: DayIndex; fresh: boolean } {
  const size = end ?? fileSize(file.path);
  const path = indexPath(dataDir, file.day);
  if (existsSync(path)) {
    try {
      const cached = JSON.parse(readFileSync(path, 'utf8')) as DayIndex;
      const complete = Object.values(cached.hours ?? {}).every((e) => typeof e.firstSeq === 'number' && Array.isArray(e.segments));
      if (cached.size === size && typeof cached.hours === 'object' && complete) return { index: cached, fresh: false };
    } catch {
      // a damaged cache is rebuilt below
    }
  }
  return { index: scanDayIndex(file, end), fresh: true };
}

/** Writes a day's index atomically (temp file + rename); it is a cache, so failures are harmless. */
export function writeDayIndex(dataDir: string, day: string, index: DayIndex): void {
  try {
    mkdirSync(join(dataDir, 'index'), { recursive: true });
    const path = indexPath(dataDir, day);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(index));
    renameSync(tmp, path);
  } catch {
    // the index is derived; the next open rebuilds it
  }
}

// The hour index: per UTC hour, how many raw receipts it has, the digest of its last one and where
// its receipts lie in the day file (all of them, and those a drill-down reads) — derived from the
// journal, cached beside it, and rebuilt whenever the journal file changed size.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BULK_CLASSES, eventTypeInfo } from '../evidence/event-types.js';
import type { Receipt } from '../evidence/receipt.js';
import { KZ, parseGraphIri, V } from '../evidence/vocabulary.js';
import { fileSize, type JournalFile, scanReceipts } from './journal.js';

export interface HourEntry {
  count: number;
  quads: number;
  firstSeq: number;
  lastSeq: number;
  lastDigest: string;
  /** Byte ranges [start, end) of the day file that hold the hour's receipts, in file order. */
  segments?: [number, number][];
  /**
   * Byte ranges of the hour's receipts that are not of the bulk classes (BULK_CLASSES): the state
   * changes, failures, alerts and faults a drill-down into an incident reads, in file order.
   */
  drill?: [number, number][];
}

const TYPE_TEXT = ` <${V.type.value}> <`;
const BULK_TYPES: ReadonlySet<string> = new Set([...BULK_CLASSES].map((c) => `${KZ}${c}`));
/** BULK_CLASSES as an index records them. */
export const BULK_SIGNATURE = [...BULK_CLASSES].sort().join(' ');

/**
 * True when a receipt (its body lines as written) is one a drill-down reads: any receipt whose
 * class is not a bulk class, and any receipt without an rdf:type line.
 */
export function isDrillReceipt(lines: readonly string[]): boolean {
  // An event receipt's first line is its type; the others are searched for safety.
  for (const line of lines) {
    const at = line.indexOf(TYPE_TEXT);
    if (at < 0) continue;
    const from = at + TYPE_TEXT.length;
    return !BULK_TYPES.has(line.slice(from, line.indexOf('>', from)));
  }
  return true;
}

/** isDrillReceipt of a sealed receipt: from the class of the event it records when it has one, without its lines. */
export function receiptIsDrill(r: Receipt): boolean {
  return r.event === undefined ? isDrillReceipt(r.lines) : !BULK_CLASSES.has(eventTypeInfo(r.event.type).className);
}

/** Appends the byte range [start, end) to a list of ranges, joining it to the last when they touch. */
export function addRange(ranges: [number, number][], start: number, end: number): void {
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last[1] === start) last[1] = end;
  else ranges.push([start, end]);
}

/** What the index knows of one day's raw journal file. */
export interface DayIndex {
  /** Size of the journal file the index was computed from. */
  size: number;
  /** The bulk classes the drill ranges leave out (an index made with others is rebuilt). */
  bulk?: string;
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
    const e = (hours[hour] ??= { count: 0, quads: 0, firstSeq: r.seq, lastSeq: 0, lastDigest: '', segments: [], drill: [] });
    e.firstSeq = Math.min(e.firstSeq, r.seq);
    e.count++;
    e.quads += r.bodyLines.length + 1;
    addRange((e.segments ??= []), r.startByte, r.endByte);
    if (isDrillReceipt(r.bodyLines)) addRange((e.drill ??= []), r.startByte, r.endByte);
    if (r.seq > e.lastSeq) {
      e.lastSeq = r.seq;
      e.lastDigest = r.digest;
    }
  }
  return { size: end ?? fileSize(file.path), bulk: BULK_SIGNATURE, hours };
}

/** The index of a day: the cached one when it matches the journal's size, else a fresh scan. */
export function readDayIndex(dataDir: string, file: JournalFile, end?: number): { index: DayIndex; fresh: boolean } {
  const size = end ?? fileSize(file.path);
  const path = indexPath(dataDir, file.day);
  if (existsSync(path)) {
    try {
      const cached = JSON.parse(readFileSync(path, 'utf8')) as DayIndex;
      const complete = Object.values(cached.hours ?? {}).every((e) => typeof e.firstSeq === 'number' && Array.isArray(e.segments) && Array.isArray(e.drill));
      if (cached.size === size && cached.bulk === BULK_SIGNATURE && typeof cached.hours === 'object' && complete) return { index: cached, fresh: false };
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

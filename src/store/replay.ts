// Replaying a journal file into quads with N3's N-Quads parser; a broken line is refused with
// its file and line number.

import { closeSync, openSync, readSync } from 'node:fs';
import { Parser, type Quad } from 'n3';
import { KaizenError } from '../errors.js';
import { readLineChunks } from './journal.js';

/**
 * Parses a journal file up to `end` (the end of its last whole receipt) and hands the quads
 * over chunk by chunk.
 */
export function replayFile(path: string, end: number | undefined, onQuads: (quads: Quad[]) => void): number {
  let total = 0;
  for (const chunk of readLineChunks(path, end)) {
    let quads: Quad[];
    try {
      quads = new Parser({ format: 'N-Quads' }).parse(chunk.text);
    } catch (error) {
      const ctx = (error as { context?: { line?: number; token?: { value?: string } } }).context;
      const line = chunk.firstLine + (ctx?.line ?? 1) - 1;
      const text = chunk.text.split('\n')[(ctx?.line ?? 1) - 1] ?? '';
      throw new KaizenError(
        'KZN_JOURNAL_CORRUPT',
        `${path} line ${line}: expected an N-Quads statement, found ${JSON.stringify(text.slice(0, 80))}`,
        {
          cause: error,
          hint: 'The journal was changed by something other than kaizen. Nothing was rewritten; run kaizen verify and restore the file from a backup.',
        },
      );
    }
    total += quads.length;
    onQuads(quads);
  }
  return total;
}

/**
 * Parses the receipts in byte ranges of a journal file (ranges the hour index recorded), reading
 * ranges that lie close together in one go.
 */
export function replaySegments(path: string, ranges: readonly (readonly [number, number])[], predicates?: ReadonlySet<string>): Quad[] {
  const out: Quad[] = [];
  const fd = openSync(path, 'r');
  try {
    for (let i = 0; i < ranges.length; ) {
      // One read covers the ranges that follow within 64 KiB of each other (up to 16 MiB).
      let j = i + 1;
      while (j < ranges.length && ranges[j]![0] - ranges[j - 1]![1] <= 65_536 && ranges[j]![1] - ranges[i]![0] <= 16 * 2 ** 20) j++;
      const from = ranges[i]![0];
      const buf = Buffer.allocUnsafe(ranges[j - 1]![1] - from);
      readSync(fd, buf, 0, buf.length, from);
      for (let k = i; k < j; k++) {
        const [start, end] = ranges[k]!;
        const text = buf.toString('utf8', start - from, end - from);
        let quads: Quad[];
        try {
          quads = new Parser({ format: 'N-Quads' }).parse(predicates === undefined ? text : linesOf(text, predicates));
        } catch {
          quads = parseRange(fd, path, start, text); // parsed whole, to name the broken line as it stands in the file
        }
        for (const q of quads) out.push(q);
      }
      i = j;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of journal text whose predicate (`<IRI>`, the second term) is one of `predicates`:
 * what a query that reads only those needs, without parsing the rest.
 */
function linesOf(text: string, predicates: ReadonlySet<string>): string {
  const kept: string[] = [];
  for (let from = 0; from < text.length; ) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length - 1;
    const sp = text.indexOf(' ', from);
    if (sp >= 0 && sp < nl && predicates.has(text.slice(sp + 1, text.indexOf(' ', sp + 1)))) kept.push(text.slice(from, nl + 1));
    from = nl + 1;
  }
  return kept.join('');
}

/** Parses the text of whole receipts that start at byte `start` of a file, naming the line of a broken one. */
function parseRange(fd: number, path: string, start: number, text: string): Quad[] {
  try {
    return new Parser({ format: 'N-Quads' }).parse(text);
  } catch (error) {
    // Name the line as a person counts it: the lines before the range, then within it.
    const within = (error as { context?: { line?: number } }).context?.line ?? 1;
    const before = Buffer.alloc(start);
    readSync(fd, before, 0, start, 0);
    let lines = 0;
    for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) lines++;
    const found = text.split('\n')[within - 1] ?? '';
    throw new KaizenError('KZN_JOURNAL_CORRUPT', `${path} line ${lines + within}: expected an N-Quads statement, found ${JSON.stringify(found.slice(0, 80))}`, {
      cause: error,
      hint: 'The journal was changed by something other than kaizen. Nothing was rewritten; run kaizen verify and restore the file from a backup.',
    });
  }
}

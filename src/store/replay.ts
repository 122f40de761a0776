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

/** Parses the receipts in a byte range of a journal file (a range the hour index recorded). */
export function replaySegment(path: string, start: number, end: number): Quad[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    readSync(fd, buf, 0, buf.length, start);
    try {
      return new Parser({ format: 'N-Quads' }).parse(buf.toString('utf8'));
    } catch (error) {
      // Name the line as a person counts it: the lines before the range, then within it.
      const within = (error as { context?: { line?: number } }).context?.line ?? 1;
      const before = Buffer.alloc(start);
      readSync(fd, before, 0, start, 0);
      let lines = 0;
      for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) lines++;
      const text = buf.toString('utf8').split('\n')[within - 1] ?? '';
      throw new KaizenError('KZN_JOURNAL_CORRUPT', `${path} line ${lines + within}: expected an N-Quads statement, found ${JSON.stringify(text.slice(0, 80))}`, {
        cause: error,
        hint: 'The journal was changed by something other than kaizen. Nothing was rewritten; run kaizen verify and restore the file from a backup.',
      });
    }
  } finally {
    closeSync(fd);
  }
}

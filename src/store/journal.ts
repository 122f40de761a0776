// The append-only N-Quads journal: one file per UTC day (raw receipts) plus one per day for
// rollups, read back in whole lines with torn tails detected (journal-writer.ts appends).

import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KaizenError, quoteInput } from '../errors.js';
import { KZ } from '../evidence/vocabulary.js';

/** The first line of every journal file; a file with another first line is refused. */
export const JOURNAL_HEADER = '# kaizen journal v1\n';
const HEADER_PREFIX = '# kaizen journal ';

export type JournalKind = 'raw' | 'rollup';

export interface JournalFile {
  readonly day: string;
  readonly kind: JournalKind;
  readonly path: string;
  readonly name: string;
}

const FILE_NAME = /^(\d{4}-\d{2}-\d{2})(\.rollup)?\.nq$/;
const DIGEST_PREDICATE = `<${KZ}digest>`;

export function journalDir(dataDir: string): string {
  return join(dataDir, 'journal');
}

export function journalFileName(day: string, kind: JournalKind): string {
  return kind === 'raw' ? `${day}.nq` : `${day}.rollup.nq`;
}

/** The journal files of a data directory, by day then kind (raw before rollup). */
export function listJournalFiles(dataDir: string): JournalFile[] {
  const dir = journalDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: JournalFile[] = [];
  for (const name of readdirSync(dir)) {
    const m = FILE_NAME.exec(name);
    if (m === null) continue;
    out.push({ day: m[1]!, kind: m[2] === undefined ? 'raw' : 'rollup', path: join(dir, name), name });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The state of a file's end: where its last whole receipt ends and what follows it. */
export interface TailState {
  readonly size: number;
  /** Byte offset just past the last whole receipt (its digest line); the file's size when intact. */
  readonly endOfLastReceipt: number;
  readonly tornBytes: number;
  readonly lastSeq: number;
  readonly lastDigest: string | undefined;
}

/** Checks the journal header of an open file and throws KZN_JOURNAL_FORMAT when it is not v1. */
function checkHeader(fd: number, path: string): void {
  const buf = Buffer.alloc(JOURNAL_HEADER.length);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const head = buf.subarray(0, n).toString('utf8');
  if (head === JOURNAL_HEADER) return;
  if (n === 0) return; // an empty file: created, header not yet written
  const found = head.split('\n')[0] ?? '';
  const known = found.startsWith(HEADER_PREFIX);
  throw new KaizenError(
    'KZN_JOURNAL_FORMAT',
    `${path} line 1: expected the header "${JOURNAL_HEADER.trim()}", found ${quoteInput(found)}`,
    {
      hint: known
        ? 'This journal was written by another version of kaizen; export it with that version and import the export.'
        : 'This file is not a kaizen journal; move it out of the journal folder.',
    },
  );
}

/** Parses the seq at the end of a receipt IRI (`<urn:kaizen:receipt:local:42>`). */
export function seqOfSubject(subjectToken: string): number {
  const end = subjectToken.indexOf('#') >= 0 ? subjectToken.indexOf('#') : subjectToken.length - 1;
  const colon = subjectToken.lastIndexOf(':', end);
  return Number(subjectToken.slice(colon + 1, end));
}

function digestOfLine(line: string): string | undefined {
  const m = /"([0-9a-f]{64})"/.exec(line);
  return m?.[1];
}

/**
 * Reads the end of a journal file to find its last whole receipt. A file cut in the middle of a
 * line, or ending in lines of a receipt that has no digest line yet, has a torn tail.
 */
export function readTail(path: string): TailState {
  const fd = openSync(path, 'r');
  try {
    checkHeader(fd, path);
    const size = fstatSync(fd).size;
    let window = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('latin1');
      // Find the last digest line that ends with a newline.
      let idx = text.length;
      for (;;) {
        const at = text.lastIndexOf(DIGEST_PREDICATE, idx);
        if (at < 0) break;
        const lineStart = text.lastIndexOf('\n', at) + 1;
        const lineEnd = text.indexOf('\n', at);
        const atPredicate = text.indexOf(' ', lineStart) + 1 === at;
        if (lineEnd >= 0 && atPredicate && (lineStart > 0 || start === 0)) {
          const line = text.slice(lineStart, lineEnd);
          const subject = line.slice(0, line.indexOf(' '));
          const end = start + lineEnd + 1;
          return {
            size,
            endOfLastReceipt: end,
            tornBytes: size - end,
            lastSeq: seqOfSubject(subject),
            lastDigest: digestOfLine(line),
          };
        }
        idx = at - 1;
        if (idx < 0) break;
      }
      if (start === 0) {
        const headerEnd = size >= JOURNAL_HEADER.length ? JOURNAL_HEADER.length : 0;
        return { size, endOfLastReceipt: headerEnd, tornBytes: size - headerEnd, lastSeq: 0, lastDigest: undefined };
      }
      window *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** A run of whole lines of a journal file. */
export interface LineChunk {
  readonly text: string;
  /** 1-based line number of the chunk's first line. */
  readonly firstLine: number;
  /** Byte offset of the chunk's first character (exact for latin1 decoding only). */
  readonly firstByte: number;
}

/**
 * Reads a journal file in chunks of whole lines, up to `end` bytes (the end of the last whole
 * receipt), after checking its header.
 */
export function* readLineChunks(
  path: string,
  end?: number,
  chunkBytes = 8 * 1024 * 1024,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Generator<LineChunk> {
  const fd = openSync(path, 'r');
  try {
    checkHeader(fd, path);
    const limit = end ?? fstatSync(fd).size;
    let pos = 0;
    let line = 1;
    let byte = 0;
    let carry = '';
    const buf = Buffer.alloc(chunkBytes);
    while (pos < limit) {
      const n = readSync(fd, buf, 0, Math.min(chunkBytes, limit - pos), pos);
      if (n === 0) break;
      pos += n;
      const text = carry + buf.toString(encoding, 0, n);
      const cut = pos >= limit ? text.length : text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      const whole = text.slice(0, cut);
      if (whole.length > 0) {
        yield { text: whole, firstLine: line, firstByte: byte };
        let count = 0;
        for (let i = whole.indexOf('\n'); i >= 0; i = whole.indexOf('\n', i + 1)) count++;
        line += count;
        byte += whole.length;
      }
    }
    if (carry.length > 0) yield { text: carry, firstLine: line, firstByte: byte };
  } finally {
    closeSync(fd);
  }
}

/** One receipt as it stands in a journal file: its lines exactly as written. */
export interface JournalReceipt {
  readonly subject: string;
  readonly seq: number;
  readonly digest: string | undefined;
  readonly bodyLines: string[];
  readonly digestLine: string;
  /** 1-based line of the receipt's first line. */
  readonly line: number;
  readonly file: string;
  /** Byte range of the receipt's lines in the file (exact when scanned as latin1). */
  readonly startByte: number;
  readonly endByte: number;
}

/**
 * Streams the receipts of a journal file without an RDF parser: lines are grouped by subject
 * (fragments belong to their receipt) and a receipt ends at its digest line. Lines of a receipt
 * with no digest line at the end of the file are not yielded (a torn tail).
 */
export function* scanReceipts(path: string, end?: number, encoding: 'utf8' | 'latin1' = 'utf8'): Generator<JournalReceipt> {
  let current: { subject: string; lines: string[]; line: number; startByte: number } | undefined;
  for (const chunk of readLineChunks(path, end, undefined, encoding)) {
    let lineNo = chunk.firstLine;
    let from = 0;
    const text = chunk.text;
    while (from < text.length) {
      let nl = text.indexOf('\n', from);
      if (nl < 0) nl = text.length;
      const line = text.slice(from, nl + 1);
      const lineStart = chunk.firstByte + from;
      from = nl + 1;
      const thisLine = lineNo++;
      if (line.startsWith('#') || line.trim() === '') continue;
      const sp = line.indexOf(' ');
      const token = sp > 0 ? line.slice(0, sp) : line;
      const hash = token.indexOf('#');
      const subject = hash >= 0 ? `${token.slice(0, hash)}>` : token;
      if (current === undefined || current.subject !== subject) {
        if (current !== undefined) {
          throw new KaizenError(
            'KZN_JOURNAL_CORRUPT',
            `${path} line ${thisLine}: expected the next line or the digest line of receipt ${current.subject} (begun on line ${current.line}), found ${quoteInput(line)}`,
            { hint: 'The journal was changed by something other than kaizen. Nothing was rewritten; run kaizen verify and restore the file from a backup.' },
          );
        }
        current = { subject, lines: [], line: thisLine, startByte: lineStart };
      }
      if (token === subject && line.startsWith(`${subject} ${DIGEST_PREDICATE} `) && line.endsWith('\n')) {
        yield {
          subject,
          seq: seqOfSubject(subject),
          digest: digestOfLine(line),
          bodyLines: current.lines,
          digestLine: line,
          line: current.line,
          file: path,
          startByte: current.startByte,
          endByte: lineStart + line.length,
        };
        current = undefined;
      } else {
        current.lines.push(line);
      }
    }
  }
}

/** Size of a file, or 0 when it does not exist. */
export function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

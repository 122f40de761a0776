// `kaizen import FILE`: events (JSON Lines) or receipts (N-Quads, TriG) into the store, all or
// nothing unless --skip-invalid, then the rollups of the hours it touched.

import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Parser, type Quad } from 'n3';
import { KaizenError, quoteInput } from '../errors.js';
import { eventIdentity, type KaizenEvent, parseEventLine } from '../evidence/event.js';
import { receiptToEvent } from '../evidence/receipt.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, hourKey, hourStartMs } from '../evidence/time.js';
import { ensureRollups } from '../query/rollups.js';
import { type CliDeps, type GlobalOptions, openStore, progressPrinter } from './context.js';

const BATCH = 5000;
const MAX_REPORTED = 20;

interface ImportOptions {
  format?: string;
  skipInvalid?: boolean;
  rollup?: boolean;
}

type InputFormat = 'jsonl' | 'nquads' | 'trig';

function formatOf(file: string, given: string | undefined): InputFormat {
  const f = given ?? ({ '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl', '.nq': 'nquads', '.trig': 'trig' } as Record<string, string>)[extname(file).toLowerCase()];
  if (f === 'jsonl' || f === 'nquads' || f === 'trig') return f;
  throw new KaizenError('KZN_USAGE', `cannot tell the format of ${file}: expected .jsonl, .nq or .trig, or --format jsonl|nquads|trig`);
}

/** A file's bytes as text; bytes that are not UTF-8 are refused with the line they are on (they would become U+FFFD). */
function decodeUtf8(bytes: Buffer, path: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl === -1 ? bytes.length : nl;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      start = end + 1;
    }
    throw new KaizenError('KZN_INPUT_FILE', `${path} line ${line}: expected UTF-8 text, found bytes that are not UTF-8; nothing was imported`);
  }
}

function readInput(path: string): string {
  try {
    if (statSync(path).isDirectory()) throw new KaizenError('KZN_INPUT_FILE', `${path} is a folder, expected a file`);
    return decodeUtf8(readFileSync(path), path);
  } catch (error) {
    if (error instanceof KaizenError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new KaizenError('KZN_INPUT_FILE', `cannot read ${path}: ${why}`, { cause: error });
  }
}

/** Validates every line of a JSON Lines file; collects the bad ones instead of stopping at the first. */
function parseJsonl(text: string): { events: KaizenEvent[]; errors: KaizenError[] } {
  const events: KaizenEvent[] = [];
  const errors: KaizenError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      events.push(parseEventLine(line, i + 1));
    } catch (error) {
      if (!(error instanceof KaizenError)) throw error;
      errors.push(error);
    }
  }
  return { events, errors };
}

/** Reads receipts (N-Quads or TriG) back into the events they record; rollups are rebuilt, not imported. */
function parseReceipts(text: string, format: InputFormat, file: string): { events: KaizenEvent[]; skipped: number } {
  let quads: Quad[];
  try {
    quads = new Parser({ format: format === 'trig' ? 'TriG' : 'N-Quads' }).parse(text);
  } catch (error) {
    const line = (error as { context?: { line?: number } }).context?.line;
    throw new KaizenError(
      'KZN_RDF_SYNTAX',
      `${file}${line === undefined ? '' : ` line ${line}`}: ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  }
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const s = q.subject.value.split('#')[0]!;
    let list = bySubject.get(s);
    if (list === undefined) bySubject.set(s, (list = []));
    list.push(q);
  }
  const events: KaizenEvent[] = [];
  let skipped = 0;
  for (const [subject, list] of bySubject) {
    const e = receiptToEvent(list);
    if (e === undefined) {
      if (!list.some((q) => q.object.value.endsWith('#HourRollup'))) {
        throw new KaizenError('KZN_RDF_SYNTAX', `${file}: ${quoteInput(subject)} is not a kaizen event receipt (no known event type, time or component)`);
      }
      skipped++;
    } else events.push(e);
  }
  events.sort((a, b) => a.timeMs - b.timeMs);
  return { events, skipped };
}

/**
 * The events of a file that the store does not hold yet. Identity is eventIdentity (the event's
 * id, else the digest of its canonical JSON), counted as a multiset: a file that holds an event
 * twice imports it twice, and a second import of it adds nothing. Only the hours of the file that
 * already hold raw receipts are read back, so a first import reads nothing.
 */
async function newEvents(store: EvidenceStore, events: readonly KaizenEvent[]): Promise<KaizenEvent[]> {
  if (events.length === 0) return [];
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    fromMs = Math.min(fromMs, e.timeMs);
    toMs = Math.max(toMs, e.timeMs + 1);
  }
  const stored = [...(await store.hourSummaries({ fromMs, toMs })).keys()];
  if (stored.length === 0) return [...events];
  const hours = new Set(stored);
  const inFile = new Map<string, number>();
  const identities = events.map((e) => {
    const id = eventIdentity(e);
    inFile.set(id, (inFile.get(id) ?? 0) + 1);
    return id;
  });
  const present = new Map<string, number>();
  const range = { fromMs: hourStartMs(stored[0]!), toMs: hourStartMs(stored[stored.length - 1]!) + HOUR_MS };
  for await (const r of store.exportReceipts(range)) {
    if (!hours.has(hourKey(r.timeMs))) continue;
    const e = receiptToEvent(r.quads);
    const id = e === undefined ? undefined : eventIdentity(e);
    if (id !== undefined && inFile.has(id)) present.set(id, (present.get(id) ?? 0) + 1);
  }
  if (present.size === 0) return [...events];
  // The first occurrences are the ones already there: an import killed part-way wrote a prefix.
  return events.filter((_, i) => {
    const id = identities[i]!;
    const left = present.get(id) ?? 0;
    if (left === 0) return true;
    present.set(id, left - 1);
    return false;
  });
}

/** Runs the command (its options are defined in commands.ts). */
export async function runImport(deps: CliDeps, file: string, opts: ImportOptions, cmd: Command): Promise<void> {
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const path = resolve(deps.cwd, file);
  const format = formatOf(path, opts.format);
  const text = readInput(path);
  let events: KaizenEvent[];
  let skippedRollups = 0;
  if (format === 'jsonl') {
    const parsed = parseJsonl(text);
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors.slice(0, MAX_REPORTED)) deps.stderr(`${file}: ${e.message}\n`);
      if (parsed.errors.length > MAX_REPORTED) deps.stderr(`${file}: … and ${parsed.errors.length - MAX_REPORTED} more invalid lines\n`);
      if (opts.skipInvalid !== true) {
        throw new KaizenError('KZN_EVENT_INVALID', `${file}: ${parsed.errors.length} invalid line(s); nothing was imported`, {
          hint: 'Fix the lines above, or pass --skip-invalid to import the valid ones.',
        });
      }
      deps.stderr(`${file}: skipping ${parsed.errors.length} invalid line(s)\n`);
    }
    events = parsed.events;
  } else {
    ({ events, skipped: skippedRollups } = parseReceipts(text, format, file));
  }
  const store = await openStore(deps, global, 'write');
  try {
    const fresh = await newEvents(store, events);
    const already = events.length - fresh.length;
    const first = store.head().seq + 1;
    const progress = progressPrinter(deps, 'importing');
    for (let i = 0; i < fresh.length; i += BATCH) {
      await store.appendEvents(fresh.slice(i, i + BATCH));
      progress(Math.min(i + BATCH, fresh.length), fresh.length);
    }
    const last = store.head().seq;
    const there = already === 0 ? '' : `; ${already} were already in the store`;
    const skipped = skippedRollups > 0 ? ` (${skippedRollups} rollup receipts skipped; rollups are rebuilt)` : '';
    deps.stdout(
      events.length === 0
        ? `imported nothing: ${file} holds no events\n`
        : fresh.length === 0
          ? `imported nothing new: all ${events.length} events of ${file} are already in the store${skipped}\n`
          : `imported ${fresh.length} new event${fresh.length === 1 ? '' : 's'} from ${file} as receipts ${first}–${last}${there}${skipped}\n`,
    );
    if (opts.rollup !== false && events.length > 0) {
      let fromMs = Number.POSITIVE_INFINITY;
      let toMs = Number.NEGATIVE_INFINITY;
      for (const e of events) {
        fromMs = Math.min(fromMs, e.timeMs);
        toMs = Math.max(toMs, e.timeMs + 1);
      }
      const range = { fromMs, toMs };
      const report = await ensureRollups(store, range, { nowMs: deps.now(), onProgress: progressPrinter(deps, 'rolling up') });
      deps.stdout(`rolled up ${report.built.length} closed hours${report.open > 0 ? ` (${report.open} still open)` : ''}\n`);
    }
  } finally {
    await store.close();
  }
}

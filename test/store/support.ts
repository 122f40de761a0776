// Shared helpers of the evidence, store, query and CLI tests: temp dirs, the fixture week, events.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { type KaizenEvent, parseEvent } from '../../src/evidence/event.js';

/** The repository root (two levels above this file). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_PATH = path.join(ROOT, 'fixtures', 'week-2026-W47.jsonl');
export const EXPECTED_PATH = path.join(ROOT, 'fixtures', 'week-2026-W47.expected.json');
export const QUERY_DIR = path.join(ROOT, 'queries');

/** The hand-worked figures of the fixture week (fixtures/README.md explains every key). */
export interface ExpectedWeek {
  week: string;
  range: { from: string; to: string };
  totalEvents: number;
  countByType: Record<string, number>;
  countByPillar: Record<string, number>;
  taskCompletedByComponent: Record<string, number>;
  countByDay: Record<string, number>;
  circuitOpenSecondsByComponent: Record<string, number>;
  circuitOpenings: { component: string; opened: string; until: string; seconds: number }[];
  alertEpisodes: number;
  alertEpisodeList: { alert: string; component: string; severity: string; fired: string; cleared: string; seconds: number }[];
  taskCompletedLatencyMs: Record<
    'overall' | 'checkout',
    { n: number; min: number; max: number; p50: number; p95: number; p99: number }
  >;
  taskCompletedInHour: Record<string, number>;
  signalRejectedCircuitOpen: number;
  signalRejectedByReason: Record<string, number>;
}

export const EXPECTED: ExpectedWeek = JSON.parse(fs.readFileSync(EXPECTED_PATH, 'utf8')) as ExpectedWeek;

/** The fixture week's range in epoch ms. */
export const WEEK_RANGE = { fromMs: Date.parse(EXPECTED.range.from), toMs: Date.parse(EXPECTED.range.to) };

/** Every range a test could need: the whole of 2026 (loading a range visits each of its days). */
export const ALL_TIME = { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2027, 0, 1) };

/** The raw JSON objects of the fixture week, one per line. */
export function fixtureJson(): Record<string, unknown>[] {
  return fs
    .readFileSync(FIXTURE_PATH, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The fixture week as validated events. */
export function fixtureEvents(): KaizenEvent[] {
  return fixtureJson().map((j, i) => parseEvent(j, `fixture line ${i + 1}`));
}

/** A fresh temp dir, removed after the test that made it. Call in a test (or beforeEach). */
export function useTempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-'));
    made.push(dir);
    return dir;
  };
}

/** A validated event from a few JSON fields; `time` defaults to 2026-11-17T10:00:00.000Z. */
export function event(fields: Record<string, unknown>): KaizenEvent {
  return parseEvent({ time: '2026-11-17T10:00:00.000Z', component: 'checkout', type: 'task.started', ...fields }, 'test event');
}

/** A run of simple events, one second apart from `startIso`, alternating types. */
export function someEvents(n: number, startIso = '2026-11-17T10:00:00.000Z'): KaizenEvent[] {
  const start = Date.parse(startIso);
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? event({ type: 'signal.received', time: new Date(start + i * 1000).toISOString(), signal_id: `sig-${i}` })
      : event({ type: 'task.completed', time: new Date(start + i * 1000).toISOString(), value: 50 + i, signal_id: `sig-${i - 1}` }),
  );
}

export function journalDirOf(dataDir: string): string {
  return path.join(dataDir, 'journal');
}

/** The path of one journal file (`2026-11-17.nq`, `2026-11-17.rollup.nq`). */
export function journalFile(dataDir: string, name: string): string {
  return path.join(dataDir, 'journal', name);
}

/** Every file under a directory with its bytes, keyed by relative path (to compare before/after). */
export function snapshotFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

export const DIGEST_IRI = 'https://w3id.org/kaizen/ns#digest';

/** One receipt of a journal file as the test reads it: its lines, split by hand (no src/ code). */
export interface FileReceipt {
  seq: number;
  lines: string[];
}

/**
 * Splits a journal file's text into its header and its receipts, independently of src/: a
 * receipt is the run of lines up to and including the line whose predicate is kz:digest.
 */
export function splitJournal(text: string): { header: string; receipts: FileReceipt[]; rest: string } {
  const nl = text.indexOf('\n');
  const header = text.slice(0, nl + 1);
  const lines = text.slice(nl + 1).split(/(?<=\n)/);
  const receipts: FileReceipt[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    current.push(line);
    const [, predicate] = line.split(' ');
    if (predicate === `<${DIGEST_IRI}>` && line.endsWith('\n')) {
      const subject = line.slice(0, line.indexOf(' '));
      receipts.push({ seq: Number(/:(\d+)>$/.exec(subject)?.[1]), lines: current });
      current = [];
    }
  }
  return { header, receipts, rest: current.join('') };
}

export function joinJournal(header: string, receipts: readonly FileReceipt[], rest = ''): string {
  return header + receipts.map((r) => r.lines.join('')).join('') + rest;
}

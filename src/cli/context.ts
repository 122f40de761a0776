// What every command gets: its output streams, environment and clock, the data directory, and
// the shared parsing of window options.

import { resolve } from 'node:path';
import { KaizenError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { parseTimeBound, parseWeek, type TimeRange } from '../evidence/time.js';
import { trailingWindow } from '../query/analyze.js';
import { openEmbeddedStore } from '../store/embedded-store.js';
import type { CliDeps } from './deps.js';
import { storeChoice } from './store-choice.js';

export type { CliDeps } from './deps.js';

export interface GlobalOptions {
  data?: string;
  verbose?: boolean;
  store?: string;
  endpoint?: string;
  updateEndpoint?: string;
  graphPrefix?: string;
  instance?: string;
}

/** A store as commands use it: the port, and the chain position the next receipt takes. */
export type CommandStore = EvidenceStore & { head(): { seq: number; digest: string } };

/** The data directory: --data, else KAIZEN_DATA, else ./.kaizen. */
export function dataDirOf(deps: CliDeps, opts: GlobalOptions): string {
  return resolve(deps.cwd, opts.data ?? deps.env.KAIZEN_DATA ?? '.kaizen');
}

/**
 * Opens the store the global options choose: the embedded one under the data directory, or a
 * SPARQL server (`--store sparql --endpoint URL`), whose module loads only when it is chosen.
 */
export async function openStore(deps: CliDeps, opts: GlobalOptions, mode: 'read' | 'write'): Promise<CommandStore> {
  const choice = storeChoice(deps.env, opts);
  const common = {
    dataDir: dataDirOf(deps, opts),
    readOnly: mode === 'read',
    instance: choice.instance,
    onNotice: (m: string) => deps.stderr(`notice: ${m}\n`),
  };
  if (choice.kind === 'embedded') return openEmbeddedStore(common);
  const { openSparqlStore } = await import('../store/sparql-store.js');
  return openSparqlStore({ ...common, ...choice.sparql });
}

export interface WindowOptions {
  from?: string;
  to?: string;
  week?: string;
}

/** The window named by --from/--to or --week, or undefined when none was given. */
export function windowOf(deps: CliDeps, opts: WindowOptions): (TimeRange & { label?: string }) | undefined {
  if (opts.week !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined) {
      throw new KaizenError('KZN_USAGE', '--week cannot be combined with --from/--to');
    }
    const w = parseWeek(opts.week, deps.now());
    return { ...w.range, label: w.label };
  }
  if (opts.from === undefined && opts.to === undefined) return undefined;
  const fromMs = opts.from === undefined ? 0 : parseTimeBound(opts.from, '--from');
  const toMs = opts.to === undefined ? deps.now() + 1 : parseTimeBound(opts.to, '--to');
  if (toMs <= fromMs) throw new KaizenError('KZN_TIME_INVALID', `--to must be after --from (got ${opts.from} → ${opts.to})`);
  return { fromMs, toMs };
}

/** The whole span of a store's days, for commands given no window. */
export function everything(days: readonly string[]): TimeRange {
  if (days.length === 0) return { fromMs: 0, toMs: 0 };
  return { fromMs: Date.parse(`${days[0]}T00:00:00Z`), toMs: Date.parse(`${days[days.length - 1]}T00:00:00Z`) + 86_400_000 };
}

/** Prints progress on stderr when it is a terminal, at most every 250 ms. */
export function progressPrinter(deps: CliDeps, label: string): (done: number, total?: number) => void {
  let last = 0;
  return (done, total) => {
    const t = deps.now();
    if (t - last < 250 && done !== total) return;
    last = t;
    const of = total === undefined ? '' : ` / ${total}`;
    if (deps.isTTY === true) deps.stderr(`\r${label}: ${done}${of}   `);
    if (done === total && deps.isTTY === true) deps.stderr('\n');
  };
}

/** The window of an analysis command: --week W, else --window DURATION ending now (default 24h). */
export function analysisWindow(
  deps: CliDeps,
  opts: { window?: string; week?: string },
  fallback = '24h',
): TimeRange & { label: string } {
  if (opts.week !== undefined) {
    if (opts.window !== undefined) throw new KaizenError('KZN_USAGE', '--week cannot be combined with --window');
    const w = parseWeek(opts.week, deps.now());
    return { ...w.range, label: w.label };
  }
  return trailingWindow(opts.window ?? fallback, deps.now());
}

/** "2026-11-17 10:02Z" for a person. */
export function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

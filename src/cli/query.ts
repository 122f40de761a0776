// `kaizen query`: run a named query of the catalogue, a .rq file or a query text over the
// partitions it needs, and print the result as a table, SPARQL JSON, CSV or TSV.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import type { TimeRange } from '../evidence/time.js';
import { bindParams, loadCatalogue, type NamedQuery, parseParamPairs, parseQueryFile } from '../query/catalogue.js';
import { formatResult } from '../query/result-formats.js';
import { type CliDeps, everything, type GlobalOptions, openStore, type WindowOptions, windowOf } from './context.js';
import { RESULT_FORMATS, type ResultFormat } from './formats.js';

interface QueryOptions extends WindowOptions {
  text?: string;
  param: string[];
  format: string;
  list?: boolean;
  timeout?: string;
}

function listQueries(deps: CliDeps): void {
  for (const q of loadCatalogue().values()) {
    const params = q.params.map((p) => `${p.name}:${p.type}${p.default === undefined ? '' : `=${p.default}`}`).join(' ');
    deps.stdout(`${q.name.padEnd(22)} ${q.summary}\n${''.padEnd(22)} reads ${q.reads}; params: ${params || 'none'}; columns: ${q.columns.join(' ')}\n`);
  }
}

function resolveQuery(deps: CliDeps, name: string | undefined, text: string | undefined): NamedQuery {
  if (text !== undefined) {
    if (name !== undefined) throw new KaizenError('KZN_USAGE', 'give a query name or file, or --text, not both');
    return { name: 'text', summary: '', reads: 'both', params: [], columns: [], text, file: '--text' };
  }
  if (name === undefined) throw new KaizenError('KZN_USAGE', 'expected a query name, a .rq file or --text (see kaizen query --list)');
  if (name.endsWith('.rq')) {
    const path = resolve(deps.cwd, name);
    let body: string;
    try {
      body = readFileSync(path, 'utf8');
    } catch (error) {
      throw new KaizenError('KZN_INPUT_FILE', `cannot read ${name}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
    }
    return /^#\s*name:/m.test(body) ? parseQueryFile(body, path) : { name, summary: '', reads: 'both', params: [], columns: [], text: body, file: path };
  }
  const q = loadCatalogue().get(name);
  if (q === undefined) {
    throw new KaizenError('KZN_QUERY_UNKNOWN', `no query named ${quoteInput(name)}`, { hint: 'kaizen query --list shows the catalogue.' });
  }
  return q;
}

/** The window a query reads: --week/--from/--to, else its from/to or hour parameters, else all. */
function rangeFor(query: NamedQuery, given: Record<string, string>, window: TimeRange | undefined, days: readonly string[]): TimeRange {
  if (window !== undefined) return window;
  const bindings = bindParams(query, given);
  const from = query.params.find((p) => p.name === 'from' && p.type === 'kz:epochMs');
  const to = query.params.find((p) => p.name === 'to' && p.type === 'kz:epochMs');
  if (from !== undefined && to !== undefined) return { fromMs: Number(bindings.from!.value), toMs: Number(bindings.to!.value) };
  const hour = query.params.find((p) => p.type === 'kz:hourGraph');
  if (hour !== undefined) {
    const start = Date.parse(`${bindings[hour.name]!.value.slice(-13)}:00:00Z`);
    return { fromMs: start, toMs: start + 3_600_000 };
  }
  return everything(days);
}

/** Runs the command (its options are defined in commands.ts). */
export async function runQuery(deps: CliDeps, name: string | undefined, opts: QueryOptions, cmd: Command): Promise<void> {
  if (opts.list === true) return listQueries(deps);
  if (!(RESULT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new KaizenError('KZN_USAGE', `--format: expected one of ${RESULT_FORMATS.join(', ')}, got ${quoteInput(opts.format)}`);
  }
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new KaizenError('KZN_USAGE', `--timeout: expected milliseconds, got ${quoteInput(String(opts.timeout))}`);
  const query = resolveQuery(deps, name, opts.text);
  const given = parseParamPairs(opts.param);
  const bindings = bindParams(query, given);
  const window = windowOf(deps, opts);
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const stats = await store.stats();
    const range = rangeFor(query, given, window, stats.days);
    await store.load({ range, raw: query.reads !== 'rollups', rollups: query.reads !== 'raw' });
    const result = await store.query(query.text, { bindings, timeoutMs });
    const format = (result.kind === 'quads' && opts.format === 'table' ? 'turtle' : opts.format) as ResultFormat;
    deps.stdout(formatResult(result, format));
  } finally {
    await store.close();
  }
}

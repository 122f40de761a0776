// The catalogue of named queries: queries/*.rq with a header that names their parameters, and
// the safe binding of parameter values to RDF terms.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { KaizenError, quoteInput } from '../errors.js';
import { parseTimeBound } from '../evidence/time.js';
import { hourGraphIri, V } from '../evidence/vocabulary.js';

const { literal, namedNode } = DataFactory;

export const PARAM_TYPES = [
  'xsd:integer',
  'xsd:double',
  'xsd:string',
  'xsd:dateTime',
  'kz:epochMs',
  'kz:hourGraph',
  'iri',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface QueryParam {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
  readonly default?: string;
}

/** One query of the catalogue, as its header describes it. */
export interface NamedQuery {
  readonly name: string;
  readonly summary: string;
  /** What the query reads: raw hour graphs, rollups, or both. */
  readonly reads: 'raw' | 'rollups' | 'both';
  readonly params: readonly QueryParam[];
  readonly columns: readonly string[];
  readonly text: string;
  readonly file: string;
}

/** The folder of shipped queries (next to dist/ when built, next to src/ in tests). */
export function defaultQueryDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/query → ../../queries; dist/src/query → ../../../queries
  for (const up of ['../../queries', '../../../queries']) {
    const dir = join(here, up);
    try {
      readdirSync(dir);
      return dir;
    } catch {
      // try the next layout
    }
  }
  return join(here, '../../queries');
}

const HEADER_LINE = /^#\s*(name|summary|reads|param|columns):\s*(.*)$/;
const PARAM_SPEC = /^([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)(?:\s*=\s*(\S+))?\s+(.+)$/;

/** Parses the header comment of a query file. `file` names it in errors. */
export function parseQueryFile(text: string, file: string): NamedQuery {
  let name: string | undefined;
  let summary = '';
  let reads: NamedQuery['reads'] = 'both';
  let columns: string[] = [];
  const params: QueryParam[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('#')) break;
    const m = HEADER_LINE.exec(line);
    if (m === null) continue;
    const [, key, value] = m as unknown as [string, string, string];
    const where = `${file} line ${i + 1}`;
    if (key === 'name') name = value.trim();
    else if (key === 'summary') summary = summary === '' ? value.trim() : `${summary} ${value.trim()}`;
    else if (key === 'columns') columns = value.trim().split(/\s+/);
    else if (key === 'reads') {
      const r = value.trim();
      if (r !== 'raw' && r !== 'rollups' && r !== 'both') {
        throw new KaizenError('KZN_QUERY_HEADER', `${where}: reads: expected raw, rollups or both, got ${quoteInput(r)}`);
      }
      reads = r;
    } else {
      const p = PARAM_SPEC.exec(value.trim());
      if (p === null || !(PARAM_TYPES as readonly string[]).includes(p[2]!)) {
        throw new KaizenError(
          'KZN_QUERY_HEADER',
          `${where}: param: expected "NAME TYPE [= DEFAULT] description" with TYPE one of ${PARAM_TYPES.join(', ')}, got ${quoteInput(value)}`,
        );
      }
      params.push({
        name: p[1]!,
        type: p[2] as ParamType,
        description: p[4]!,
        ...(p[3] !== undefined && { default: p[3] }),
      });
    }
  }
  if (name === undefined || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new KaizenError('KZN_QUERY_HEADER', `${file}: expected a header line "# name: some-name" (lowercase, dashes)`);
  }
  return { name, summary, reads, params, columns, text, file };
}

/** Loads every `*.rq` of a folder into a catalogue keyed by name. */
export function loadCatalogue(dir = defaultQueryDir()): Map<string, NamedQuery> {
  const out = new Map<string, NamedQuery>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.rq')).sort()) {
    const file = join(dir, f);
    const q = parseQueryFile(readFileSync(file, 'utf8'), file);
    if (out.has(q.name)) {
      throw new KaizenError('KZN_QUERY_HEADER', `${file}: the name ${q.name} is already used by ${basename(out.get(q.name)!.file)}`);
    }
    out.set(q.name, q);
  }
  return out;
}

const IRI_SAFE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|^`\\]*$/;

/** Turns one parameter value, as a person typed it, into the RDF term bound to its variable. */
export function bindParam(param: QueryParam, value: string): RDF.Term {
  const where = `--param ${param.name}`;
  const fail = (expected: string): never => {
    throw new KaizenError('KZN_QUERY_PARAM', `${where}: expected ${expected} (${param.type}), got ${quoteInput(value)}`);
  };
  switch (param.type) {
    case 'xsd:integer':
      if (!/^-?\d{1,15}$/.test(value)) fail('an integer');
      return literal(String(Number(value)), V.xsdInteger);
    case 'xsd:double':
      if (value.trim() === '' || !Number.isFinite(Number(value))) fail('a number');
      return literal(String(Number(value)), V.xsdDouble);
    case 'xsd:string':
      return literal(value);
    case 'xsd:dateTime':
      return literal(new Date(parseTimeBound(value, where)).toISOString(), V.xsdDateTime);
    case 'kz:epochMs':
      return literal(String(parseTimeBound(value, where)), V.xsdInteger);
    case 'kz:hourGraph': {
      if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(value)) return namedNode(hourGraphIri(value));
      const ms = parseTimeBound(value, where);
      return namedNode(hourGraphIri(new Date(ms).toISOString().slice(0, 13)));
    }
    case 'iri':
      if (!IRI_SAFE.test(value)) fail('an absolute IRI');
      return namedNode(value);
  }
}

/**
 * Binds `key=value` pairs to a query's parameters: unknown names and missing values without a
 * default are errors naming them.
 */
export function bindParams(query: NamedQuery, given: Readonly<Record<string, string>>): Record<string, RDF.Term> {
  const known = new Map(query.params.map((p) => [p.name, p]));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      const list = query.params.map((p) => p.name).join(', ') || 'none';
      throw new KaizenError('KZN_QUERY_PARAM', `--param ${key}: the query ${query.name} has no such parameter (it has: ${list})`);
    }
  }
  const out: Record<string, RDF.Term> = {};
  for (const p of query.params) {
    const value = Object.hasOwn(given, p.name) ? given[p.name] : p.default;
    if (value === undefined) {
      throw new KaizenError('KZN_QUERY_PARAM', `--param ${p.name}: the query ${query.name} needs it: ${p.description} (${p.type})`);
    }
    out[p.name] = bindParam(p, value);
  }
  return out;
}

/** Splits `key=value` command-line strings, refusing anything else by name. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new KaizenError('KZN_QUERY_PARAM', `--param: expected key=value, got ${quoteInput(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

// Formats SPARQL results for people (table) and machines (W3C SPARQL 1.1 JSON, CSV, TSV;
// Turtle or N-Quads for graph results).

import type * as RDF from '@rdfjs/types';
import { Writer } from 'n3';
import type { QueryResult } from '../evidence/store.js';
import { PREFIXES, XSD } from '../evidence/vocabulary.js';

/** The result formats (the CLI's --format values, the HTTP API's negotiated media types). */
export type ResultFormat = 'table' | 'json' | 'csv' | 'tsv' | 'turtle' | 'nquads';

/** A term in the SPARQL 1.1 Query Results JSON Format (W3C REC, §3.2.2). */
function jsonTerm(t: RDF.Term): Record<string, string> {
  switch (t.termType) {
    case 'NamedNode':
      return { type: 'uri', value: t.value };
    case 'BlankNode':
      return { type: 'bnode', value: t.value };
    case 'Literal': {
      const out: Record<string, string> = { type: 'literal', value: t.value };
      if (t.language !== '') out['xml:lang'] = t.language;
      else if (t.datatype.value !== `${XSD}string`) out.datatype = t.datatype.value;
      return out;
    }
    default:
      return { type: 'literal', value: t.value };
  }
}

/** A term in N-Triples syntax, as the SPARQL 1.1 TSV format writes it (§3.1). */
function ntTerm(t: RDF.Term): string {
  if (t.termType === 'NamedNode') return `<${t.value}>`;
  if (t.termType === 'BlankNode') return `_:${t.value}`;
  if (t.termType === 'Literal') {
    const v = JSON.stringify(t.value);
    if (t.language !== '') return `${v}@${t.language}`;
    if (t.datatype.value === `${XSD}string`) return v;
    if (t.datatype.value === `${XSD}integer` && /^-?\d+$/.test(t.value)) return t.value;
    return `${v}^^<${t.datatype.value}>`;
  }
  return t.value;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A short form of an IRI for tables: kz:TaskCompleted rather than the full namespace. */
function shortTerm(t: RDF.Term): string {
  if (t.termType !== 'NamedNode') return t.value;
  for (const [p, ns] of Object.entries(PREFIXES)) if (t.value.startsWith(ns)) return `${p}:${t.value.slice(ns.length)}`;
  return t.value;
}

function table(variables: readonly string[], rows: readonly Record<string, RDF.Term>[]): string {
  const cells = rows.map((r) => variables.map((v) => (r[v] === undefined ? '' : shortTerm(r[v]!).replace(/\s+/g, ' '))));
  const widths = variables.map((v, i) => Math.min(60, Math.max(v.length, ...cells.map((c) => c[i]!.length))));
  const line = (values: string[]): string =>
    values
      .map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line([...variables]), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  return `${out.join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

/** Renders a query result in a format. Graph results use turtle or nquads; others the rest. */
export function formatResult(result: QueryResult, format: ResultFormat): string {
  if (result.kind === 'quads') {
    const writer = new Writer({ format: format === 'nquads' ? 'N-Quads' : 'Turtle', prefixes: { ...PREFIXES } });
    let out = '';
    writer.addQuads(result.quads as RDF.Quad[] as never);
    writer.end((_e, text: string) => {
      out = text;
    });
    return out;
  }
  if (result.kind === 'boolean') {
    if (format === 'json') return `${JSON.stringify({ head: {}, boolean: result.value })}\n`;
    return `${result.value}\n`;
  }
  const { variables, rows } = result;
  switch (format) {
    case 'json':
      return `${JSON.stringify({
        head: { vars: variables },
        results: {
          bindings: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, jsonTerm(t)]))),
        },
      })}\n`;
    case 'csv':
      return `${[variables.join(','), ...rows.map((r) => variables.map((v) => csvCell(r[v]?.value ?? '')).join(','))].join('\r\n')}\r\n`;
    case 'tsv':
      return `${[
        variables.map((v) => `?${v}`).join('\t'),
        ...rows.map((r) => variables.map((v) => (r[v] === undefined ? '' : ntTerm(r[v]!))).join('\t')),
      ].join('\n')}\n`;
    default:
      return table(variables, rows);
  }
}

// Readies a query for a SPARQL server: finds its form (SELECT, ASK, CONSTRUCT, DESCRIBE),
// refuses updates, and binds parameter values in a VALUES block at the top of its WHERE group.

import type * as RDF from '@rdfjs/types';
import { KaizenError } from '../../errors.js';
import { sparqlIri, sparqlTerm } from './terms.js';

/** A graph no evidence is ever in. */
export const NO_GRAPH = 'urn:kaizen:no-graph';

export type QueryForm = 'SELECT' | 'ASK' | 'CONSTRUCT' | 'DESCRIBE';

/** A token of the query text that matters here: a keyword at some brace depth, or an opening brace. */
interface Mark {
  readonly kind: 'word' | 'brace';
  readonly text: string;
  readonly at: number;
  readonly depth: number;
}

/**
 * Scans the query for keywords and braces outside comments, strings and IRIs (SPARQL 1.1 §19.8):
 * enough to find the form and the WHERE group without a full parser. An IRIREF has no spaces,
 * which tells `<iri>` from the `<` of a comparison.
 */
function marks(text: string): Mark[] {
  const out: Mark[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '"' || c === "'") {
      const long = text.startsWith(c.repeat(3), i);
      const quote = long ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < text.length && !text.startsWith(quote, j)) j += text[j] === '\\' ? 2 : 1;
      i = j + quote.length;
    } else if (c === '<') {
      const m = /^<[^<>"{}|^`\\\u0000-\u0020]*>/.exec(text.slice(i, i + 4096));
      i += m === null ? 1 : m[0].length;
    } else if (c === '{') {
      out.push({ kind: 'brace', text: c, at: i, depth });
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      i++;
    } else if (/[A-Za-z]/.test(c) && (i === 0 || !/[\w:?$]/.test(text[i - 1]!))) {
      const word = /^[A-Za-z_][\w.-]*/.exec(text.slice(i))![0];
      // A prefix name (`kz:`, `kz:Thing`) is no keyword.
      if (text[i + word.length] !== ':') out.push({ kind: 'word', text: word.toUpperCase(), at: i, depth });
      i += word.length;
    } else i++;
  }
  return out;
}

const UPDATE_WORDS = new Set(['INSERT', 'DELETE', 'LOAD', 'CLEAR', 'CREATE', 'DROP', 'COPY', 'MOVE', 'ADD', 'WITH']);
const FORMS = new Set<string>(['SELECT', 'ASK', 'CONSTRUCT', 'DESCRIBE']);

export interface PreparedQuery {
  readonly form: QueryForm;
  readonly text: string;
  /** True when the text names its dataset itself (FROM / FROM NAMED). */
  readonly hasDataset: boolean;
}

/**
 * The query's form and its text with `bindings` in a VALUES block opening its WHERE group and,
 * when `dataset` is given and the query names none, that dataset as FROM and FROM NAMED clauses
 * before the WHERE group (SPARQL 1.1 §13.2): the default graph is the merge of the graphs and each
 * is a named graph, as the embedded store's queries see its loaded partitions. (The protocol's
 * default-graph-uri and named-graph-uri would do the same, but Virtuoso echoes each one back as a
 * response header, and a week's graphs overflow the client's 16 KiB of headers.)
 */
export function prepareQuery(sparql: string, bindings: Readonly<Record<string, RDF.Term>> = {}, dataset?: readonly string[]): PreparedQuery {
  const found = marks(sparql);
  const top = found.filter((m) => m.depth === 0);
  // The prologue is BASE <iri> and PREFIX name: <iri>; the scan skips the IRIs and the names.
  const first = top.find((m) => m.kind === 'word' && m.text !== 'BASE' && m.text !== 'PREFIX');
  if (first !== undefined && UPDATE_WORDS.has(first.text)) {
    throw new KaizenError('KZN_QUERY_FAILED', 'SPARQL updates are refused: evidence is append-only', {
      hint: 'Add evidence with kaizen import; corrections are new receipts.',
    });
  }
  if (first === undefined || !FORMS.has(first.text)) {
    throw new KaizenError('KZN_QUERY_SYNTAX', `the SPARQL query cannot be parsed: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found ${first === undefined ? 'nothing' : first.text}`);
  }
  const form = first.text as QueryForm;
  const hasDataset = top.some((m) => m.kind === 'word' && m.text === 'FROM');
  const where = top.find((m) => m.kind === 'word' && m.text === 'WHERE');
  const open = found.find((m) => m.kind === 'brace' && m.depth === 0 && (where === undefined || m.at > where.at) && (form !== 'CONSTRUCT' || where !== undefined));
  const names = Object.keys(bindings);
  let text = sparql;
  if (names.length > 0) {
    if (open === undefined) throw new KaizenError('KZN_QUERY_SYNTAX', 'the SPARQL query cannot be parsed: it has no WHERE group to bind parameters in');
    // Inline VALUES in the group joins with the rest of it, as initial bindings do (SPARQL 1.1 §10.2).
    const values = `\n  VALUES (${names.map((n) => `?${n}`).join(' ')}) { (${names.map((n) => sparqlTerm(bindings[n]!)).join(' ')}) }\n`;
    text = text.slice(0, open.at + 1) + values + text.slice(open.at + 1);
  }
  const at = where?.at ?? open?.at;
  if (dataset === undefined || hasDataset || at === undefined) return { form, text, hasDataset };
  // An empty dataset must still name a graph, or the server reads them all.
  const graphs = (dataset.length === 0 ? [NO_GRAPH] : dataset).map(sparqlIri);
  const clauses = `${graphs.map((g) => `FROM ${g}`).join('\n')}\n${graphs.map((g) => `FROM NAMED ${g}`).join('\n')}\n`;
  return { form, text: text.slice(0, at) + clauses + text.slice(at), hasDataset: true };
}

// Readies a query for a SPARQL server: finds its form (SELECT, ASK, CONSTRUCT, DESCRIBE),
// refuses updates, and binds parameter values in a VALUES block at the top of its WHERE group.

import type * as RDF from '@rdfjs/types';
import { KaizenError } from '../../errors.js';
import { sparqlIri, sparqlTerm } from './terms.js';

/** A graph no evidence is ever in. */
export const NO_GRAPH = 'urn:kaizen:no-graph';

export type QueryForm = 'SELECT' | 'ASK' | 'CONSTRUCT' | 'DESCRIBE';

/** A token of the query text that matters here: a keyword at some brace depth, an opening or a closing brace. */
interface Mark {
  readonly kind: 'word' | 'brace' | 'close';
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
      out.push({ kind: 'close', text: c, at: i, depth });
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

/** Up to how many graphs a `GRAPH ?g` pattern is spelt out graph by graph (see expandGraphPatterns). */
export const MAX_EXPANDED_GRAPHS = 400;

/** True when a `{ … }` group without inner groups holds one triple pattern (Virtuoso compiles each branch to SQL, and refuses a query past 10,000 lines of it). */
function singleTriplePattern(group: string): boolean {
  const bare = group
    .slice(1, -1)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>"{}|^`\\\s]*>/g, ' <> ')
    .replace(/\.\s*$/, '');
  return !/[;,]|\.\s*[^\d\s]/.test(bare) && !/\bFILTER\b|\bBIND\b/i.test(bare);
}

/**
 * Each `GRAPH ?g { basic graph pattern }` of the query over the dataset's named graphs, as a UNION
 * with one branch per graph: `{ VALUES ?g { <g1> } GRAPH <g1> { … } } UNION …`. That is the
 * pattern's own meaning (SPARQL 1.1 §18.6, Graph(var, P) is the union over the named graphs), so
 * every server gives the same rows; but with the graph a constant, a server can read the pattern
 * graph by graph instead of reading each predicate across every graph it holds and keeping the
 * dataset's. On Virtuoso with a million raw receipts the analyzer's rollup-rows takes 1 s this
 * way and 8.5 s the other. Only a pattern of one triple is spelt out (`GRAPH ?g { ?s ?p ?o }`,
 * whose predicate alone would be read across every graph): a server compiles each branch, and
 * Virtuoso refuses a query whose SQL passes 10,000 lines. One with more triples, with braces
 * inside it, or on a variable bound as a parameter, is left as it is.
 */
function expandGraphPatterns(sparql: string, found: readonly Mark[], bound: ReadonlySet<string>, dataset: readonly string[]): string {
  const cuts: { from: number; to: number; text: string }[] = [];
  const graphs = dataset.map(sparqlIri);
  for (let k = 0; k < found.length; k++) {
    const m = found[k]!;
    if (m.kind !== 'word' || m.text !== 'GRAPH') continue;
    const braces = found.slice(k + 1).filter((b) => b.kind !== 'word');
    const next = braces[0];
    const close = braces[1];
    if (next?.kind !== 'brace' || close?.kind !== 'close') continue;
    const v = /^GRAPH\s+([?$]([A-Za-z_]\w*))\s*$/i.exec(sparql.slice(m.at, next.at));
    if (v === null || bound.has(v[2]!)) continue;
    const body = sparql.slice(next.at, close.at + 1);
    if (!singleTriplePattern(body)) continue;
    const branches = graphs.map((g) => `{ VALUES ${v[1]} { ${g} } GRAPH ${g} ${body} }`);
    cuts.push({ from: m.at, to: close.at + 1, text: `{ ${branches.join('\n  UNION ')} }` });
  }
  let out = sparql;
  for (const c of cuts.reverse()) out = out.slice(0, c.from) + c.text + out.slice(c.to);
  return out;
}

const NOT_SPLIT = new Set(['DISTINCT', 'REDUCED', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'HAVING', 'COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'SAMPLE', 'GROUP_CONCAT', 'FROM', 'SERVICE', 'EXISTS', 'MINUS', 'OPTIONAL', 'FILTER', 'BIND']);

/**
 * True when the query's rows over a dataset are the rows over each part of it, put together:
 * a SELECT whose WHERE group is one `GRAPH ?g { basic graph pattern }` and VALUES blocks, with
 * no aggregate, DISTINCT, ORDER, LIMIT or OFFSET (then Graph(var, P) is a union over the named
 * graphs, and a join with VALUES distributes over it). Such a query can be sent as several
 * requests over parts of the dataset at once (a server answers them in parallel).
 */
export function unionOverGraphs(sparql: string): boolean {
  const found = marks(sparql);
  const words = found.filter((m) => m.kind === 'word');
  if (words.filter((m) => m.text === 'SELECT').length !== 1 || words.filter((m) => m.text === 'GRAPH').length !== 1) return false;
  if (words.some((m) => NOT_SPLIT.has(m.text))) return false;
  const where = words.find((m) => m.text === 'WHERE');
  const open = found.find((m) => m.kind === 'brace' && m.depth === 0 && (where === undefined || m.at > where.at));
  const end = found.find((m) => m.kind === 'close' && m.depth === 0);
  if (open === undefined || end === undefined) return false;
  // What the group holds besides its GRAPH pattern and VALUES blocks must be nothing but dots.
  let rest = sparql.slice(open.at + 1, end.at);
  const graph = /GRAPH\s+[?$][A-Za-z_]\w*\s*\{[^{}]*\}/i.exec(rest);
  if (graph === null) return false;
  rest = rest.replace(graph[0], '').replace(/VALUES\s*(\([^()]*\)|[?$][A-Za-z_]\w*)\s*\{[^{}]*\}/gi, '');
  return /^[\s.]*$/.test(rest) && sparql.slice(end.at + 1).trim() === '';
}

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
  if (dataset.length > 0 && dataset.length <= MAX_EXPANDED_GRAPHS) {
    const expanded = expandGraphPatterns(sparql, found, new Set(names), dataset);
    if (expanded !== sparql) return prepareQuery(expanded, bindings, dataset);
  }
  // An empty dataset must still name a graph, or the server reads them all.
  const graphs = (dataset.length === 0 ? [NO_GRAPH] : dataset).map(sparqlIri);
  const clauses = `${graphs.map((g) => `FROM ${g}`).join('\n')}\n${graphs.map((g) => `FROM NAMED ${g}`).join('\n')}\n`;
  return { form, text: text.slice(0, at) + clauses + text.slice(at), hasDataset: true };
}

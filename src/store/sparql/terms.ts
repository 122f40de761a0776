// RDF terms to and from a SPARQL server: terms written as SPARQL syntax, SPARQL JSON results read
// back into RDF/JS terms, and the servers' lexical quirks (Virtuoso's among them) normalised.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { KaizenError, quoteInput } from '../../errors.js';
import { XSD } from '../../evidence/vocabulary.js';

const { namedNode, literal, blankNode } = DataFactory;

const XSD_STRING = `${XSD}string`;
const FLOATING = new Set([`${XSD}double`, `${XSD}float`]);
const DATE_TIME = `${XSD}dateTime`;

/** Characters that IRIREF (SPARQL 1.1 §19.8, production 139) leaves out. */
const NOT_IN_IRI = /[\u0000-\u0020<>"{}|^`\\]/;

/** A string as a SPARQL string literal: ECHAR escapes for the characters that need them. */
export function sparqlString(value: string): string {
  return `"${value.replace(/[\\"\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`))}"`;
}

/** An IRI as an IRIREF; an IRI with a character IRIREF cannot hold is refused, not escaped away. */
export function sparqlIri(iri: string): string {
  if (NOT_IN_IRI.test(iri)) throw new KaizenError('KZN_QUERY_PARAM', `expected an IRI, got ${quoteInput(iri)}: it has a character an IRI cannot hold`);
  return `<${iri}>`;
}

/** A term as SPARQL syntax, to stand in a VALUES block. */
export function sparqlTerm(term: RDF.Term): string {
  switch (term.termType) {
    case 'NamedNode':
      return sparqlIri(term.value);
    case 'Literal': {
      const text = sparqlString(term.value);
      if (term.language !== '') return `${text}@${term.language}`;
      return term.datatype.value === XSD_STRING ? text : `${text}^^${sparqlIri(term.datatype.value)}`;
    }
    default:
      throw new KaizenError('KZN_QUERY_PARAM', `a query parameter must be an IRI or a literal, got a ${term.termType}`);
  }
}

/**
 * The lexical form kaizen writes for a literal a server may print differently. Virtuoso stores
 * doubles as numbers and prints them with 15 significant digits and a trailing ".0" ("100.0");
 * kaizen writes JavaScript's shortest form ("100"), so a double is read back through Number.
 * It also drops the zero milliseconds of a dateTime that kaizen writes ("…:00.000Z" → "…:00Z").
 */
export function normaliseLexical(value: string, datatype: string): string {
  if (datatype === DATE_TIME) {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(value)) return value;
    return new Date(value).toISOString();
  }
  if (!FLOATING.has(datatype)) return value;
  const n = Number(value);
  if (Number.isNaN(n)) return value === 'nan' ? 'NaN' : value;
  if (!Number.isFinite(n)) return n > 0 ? 'INF' : '-INF';
  return String(n);
}

/** One binding of the SPARQL 1.1 Query Results JSON Format (and Virtuoso's "typed-literal"). */
export interface JsonTerm {
  readonly type: string;
  readonly value: string;
  readonly datatype?: string;
  readonly 'xml:lang'?: string;
}

/** A JSON result term as an RDF/JS term, its lexical form normalised. */
export function termOfJson(t: JsonTerm): RDF.Term {
  if (t.type === 'uri') return namedNode(t.value);
  if (t.type === 'bnode') return blankNode(t.value);
  const lang = t['xml:lang'];
  if (lang !== undefined && lang !== '') return literal(t.value, lang);
  if (t.datatype === undefined || t.datatype === XSD_STRING) return literal(t.value);
  return literal(normaliseLexical(t.value, t.datatype), namedNode(t.datatype));
}

/** A literal or IRI as a server printed it, normalised the same way (for quads parsed from N-Triples). */
export function normaliseTerm<T extends RDF.Term>(term: T): T {
  if (term.termType !== 'Literal' || (!FLOATING.has(term.datatype.value) && term.datatype.value !== DATE_TIME)) return term;
  return literal(normaliseLexical(term.value, term.datatype.value), term.datatype) as unknown as T;
}

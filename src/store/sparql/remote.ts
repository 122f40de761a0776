// Queries and updates on a SPARQL 1.1 server: the protocol's dataset parameters, result formats
// read into the engine-independent QueryResult, and server errors named for a person.

import type * as RDF from '@rdfjs/types';
import { DataFactory, Parser } from 'n3';
import Papa from 'papaparse';
import { isKaizenError, KaizenError } from '../../errors.js';
import type { QueryResult, ValueRows } from '../../evidence/store.js';
import type { SparqlHttp } from './http.js';
import { NO_GRAPH, type PreparedQuery } from './prepare.js';
import { type JsonTerm, normaliseTerm, termOfJson } from './terms.js';

const { quad } = DataFactory;

/** Graphs a query may read: the default graph is their merge, and each is a named graph. */
export type Dataset = readonly string[];

interface JsonResults {
  readonly head: { readonly vars?: readonly string[] };
  readonly boolean?: boolean;
  readonly results?: { readonly bindings: readonly Record<string, JsonTerm>[] };
}

export class SparqlRemote {
  constructor(
    private readonly queryHttp: SparqlHttp,
    private readonly updateHttp: SparqlHttp,
  ) {}

  /**
   * Runs a prepared query on the server. A dataset the text does not name (prepareQuery puts it in
   * the text where it can) goes as the protocol's `default-graph-uri` and `named-graph-uri`
   * (SPARQL 1.1 Protocol §2.1.4); without one the query reads every graph.
   */
  async query(prepared: PreparedQuery, dataset?: Dataset, timeoutMs?: number): Promise<QueryResult> {
    const quads = prepared.form === 'CONSTRUCT' || prepared.form === 'DESCRIBE';
    const accept = quads ? 'application/n-triples, text/plain;q=0.5' : 'application/sparql-results+json';
    const body = await this.post(prepared, dataset, accept, timeoutMs);
    if (quads) {
      const parsed = new Parser({ format: 'N-Triples' }).parse(body);
      return {
        kind: 'quads',
        quads: parsed.map((q) => quad(q.subject, q.predicate, normaliseTerm(q.object as RDF.Quad_Object))),
      };
    }
    const json = JSON.parse(body) as JsonResults;
    if (prepared.form === 'ASK') return { kind: 'boolean', value: json.boolean === true };
    const variables = [...(json.head.vars ?? [])];
    const rows = (json.results?.bindings ?? []).map((b) => {
      const row: Record<string, RDF.Term> = {};
      for (const [k, t] of Object.entries(b)) row[k] = termOfJson(t);
      return row;
    });
    return { kind: 'bindings', variables, rows };
  }

  /**
   * Runs a prepared SELECT and reads its rows in the SPARQL 1.1 Query Results CSV format
   * (values only, RFC 4180 quoting, the variables in the first row).
   */
  async selectValues(prepared: PreparedQuery, dataset?: Dataset, timeoutMs?: number): Promise<ValueRows> {
    if (prepared.form !== 'SELECT') throw new KaizenError('KZN_QUERY_FAILED', `expected a SELECT query, which gives rows; this one is ${prepared.form}`);
    const body = await this.post(prepared, dataset, 'text/csv', timeoutMs);
    const parsed = Papa.parse<string[]>(body, { header: false, delimiter: ',', skipEmptyLines: true });
    const table = parsed.data;
    const width = table[0]?.length ?? 0;
    const uneven = table.findIndex((cells) => cells.length !== width);
    const bad = parsed.errors[0] ?? (uneven >= 0 ? { message: 'a row has another number of cells than the header', row: uneven } : undefined);
    if (bad !== undefined) {
      throw new KaizenError('KZN_ENDPOINT_ERROR', `the SPARQL endpoint ${this.queryHttp.url} answered with CSV that cannot be read: ${bad.message} (row ${(bad.row ?? 0) + 1})`);
    }
    const variables = table[0] ?? [];
    const rows = table.slice(1).map((cells) => {
      const row: Record<string, string> = {};
      variables.forEach((v, i) => {
        row[v] = cells[i] ?? '';
      });
      return row;
    });
    return { variables, rows };
  }

  /** Sends a query and returns the body of the answer, refusing one the server cut short. */
  private async post(prepared: PreparedQuery, dataset: Dataset | undefined, accept: string, timeoutMs?: number): Promise<string> {
    const form = new URLSearchParams({ query: prepared.text });
    if (dataset !== undefined && !prepared.hasDataset) {
      for (const g of dataset.length === 0 ? [NO_GRAPH] : dataset) {
        form.append('default-graph-uri', g);
        form.append('named-graph-uri', g);
      }
    }
    const answer = await this.queryHttp.post(form, accept, timeoutMs).catch((error: unknown) => {
      throw asQueryError(error);
    });
    // Virtuoso answers 200 with the rows it had when it hit ResultSetMaxRows, and says so in a header.
    const cap = answer.headers.get('x-sparql-maxrows');
    if (cap !== null) {
      throw new KaizenError('KZN_ENDPOINT_LIMIT', `the SPARQL endpoint ${this.queryHttp.url} cut the result at its limit of ${cap} rows`, {
        hint: 'Raise the server\'s row limit (Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini), or narrow the window.',
      });
    }
    return answer.body;
  }

  /** The rows of a SELECT the store itself sends (its own text, over every graph). */
  async select(text: string): Promise<Record<string, RDF.Term>[]> {
    const result = await this.query({ form: 'SELECT', text, hasDataset: false });
    return result.kind === 'bindings' ? [...result.rows] : [];
  }

  /** Sends an update; resolves only on the server's 2xx. */
  async update(text: string): Promise<void> {
    await this.updateHttp.post(new URLSearchParams({ update: text }), 'application/sparql-results+json, */*;q=0.5');
  }
}

/** A 400 to a query is the server's parser refusing it: a syntax error the person can fix. */
function asQueryError(error: unknown): unknown {
  if (isKaizenError(error, 'KZN_ENDPOINT_ERROR') && / HTTP 400: /.test(error.message)) {
    return new KaizenError('KZN_QUERY_SYNTAX', `the SPARQL query cannot be parsed by the server: ${error.message.split(' HTTP 400: ')[1]}`, {
      cause: error,
    });
  }
  return error;
}

// The SPARQL engine wrapper: Comunica over an RDF/JS store, loaded lazily, read-only, with
// variables bound through the parsed algebra and a timeout.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { KaizenError } from '../errors.js';
import type { QueryOptions, QueryResult } from '../evidence/store.js';
import { checkQueryScope } from './query-scope.js';

type Engine = import('@comunica/query-sparql-rdfjs-lite').QueryEngine;

let enginePromise: Promise<Engine> | undefined;
let bindingsFactoryPromise: Promise<import('@comunica/utils-bindings-factory').BindingsFactory> | undefined;

/**
 * The engine, created on first use: importing Comunica and building its actors costs about a
 * second (PERF-NOTES.md), which commands that never query must not pay.
 */
function engine(): Promise<Engine> {
  enginePromise ??= import('@comunica/query-sparql-rdfjs-lite').then((m) => new m.QueryEngine());
  return enginePromise;
}

function bindingsFactory(): Promise<import('@comunica/utils-bindings-factory').BindingsFactory> {
  bindingsFactoryPromise ??= import('@comunica/utils-bindings-factory').then(
    (m) => new m.BindingsFactory(DataFactory as never),
  );
  return bindingsFactoryPromise;
}

/**
 * Comunica builds a fresh 1,000-entry LRU cache of datatype super types for every expression
 * evaluator it creates unless the context brings one; across the many operators of a query that
 * cost seconds of allocation and GC here. The cache maps datatype IRIs (a handful) to their
 * super types, so one shared map serves every query.
 */
const SUPER_TYPE_PROVIDER = '@comunica/utils-expression-evaluator:superTypeProvider';
const superTypes = { cache: new Map<string, unknown>(), discoverer: (): string => 'term' };

const UPDATE_REFUSED = 'SPARQL updates are refused: evidence is append-only';

function classifyError(error: unknown): KaizenError {
  if (error instanceof KaizenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/read-only|readonly/i.test(message)) {
    return new KaizenError('KZN_QUERY_FAILED', UPDATE_REFUSED, {
      hint: 'Add evidence with kaizen import; corrections are new receipts.',
    });
  }
  if (/parse error|syntax|unexpected|expecting|lexical|unknown prefix/i.test(message)) {
    const first = message.split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ');
    return new KaizenError('KZN_QUERY_SYNTAX', `the SPARQL query cannot be parsed: ${first}`, { cause: error });
  }
  return new KaizenError('KZN_QUERY_FAILED', `the SPARQL query failed: ${message.split('\n')[0]}`, { cause: error });
}

/** The part of Comunica's result streams this wrapper uses. */
interface ResultStream<T> {
  on(event: 'data', listener: (item: T) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  destroy(): void;
}

async function drain<T>(stream: ResultStream<T>, timeoutMs: number | undefined): Promise<T[]> {
  const out: T[] = [];
  return new Promise<T[]>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        stream.destroy();
        reject(
          new KaizenError('KZN_QUERY_FAILED', `the SPARQL query was stopped after its timeout of ${timeoutMs} ms`, {
            hint: 'Narrow the window (fewer partitions), add a LIMIT, or raise the timeout.',
          }),
        );
      }, timeoutMs);
    }
    stream.on('data', (item: T) => out.push(item));
    stream.on('error', (error: unknown) => {
      clearTimeout(timer);
      reject(classifyError(error));
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve(out);
    });
    // A stream that ended before these listeners were attached (an empty ORDER BY) emits nothing more.
    if ((stream as { done?: boolean }).done === true) {
      clearTimeout(timer);
      resolve(out);
    }
  });
}

/**
 * Runs a query over an RDF/JS source (the embedded store's quad index). Updates are refused:
 * evidence is append-only and enters only through the store's append methods.
 */
export async function runQuery(
  source: RDF.Source | RDF.Store,
  sparql: string,
  options: QueryOptions = {},
): Promise<QueryResult> {
  checkQueryScope(sparql);
  const qe = await engine();
  const context: Record<string, unknown> = {
    sources: [source],
    unionDefaultGraph: true,
    readOnly: true,
    [SUPER_TYPE_PROVIDER]: superTypes,
  };
  if (options.bindings !== undefined && Object.keys(options.bindings).length > 0) {
    const bf = await bindingsFactory();
    context.initialBindings = bf.fromRecord(options.bindings as Record<string, RDF.Term>);
  }
  let result: Awaited<ReturnType<Engine['query']>>;
  try {
    result = await qe.query(sparql, context as never);
  } catch (error) {
    throw classifyError(error);
  }
  switch (result.resultType) {
    case 'bindings': {
      const stream = await result.execute();
      const meta = await result.metadata();
      // Comunica 5 lists `{ variable, canBeUndef }`; older typings say plain variables.
      const variables = (meta.variables as unknown as ({ variable: RDF.Variable } | RDF.Variable)[]).map((v) =>
        'variable' in v ? v.variable.value : v.value,
      );
      const rows = await drain(stream as unknown as ResultStream<Map<RDF.Variable, RDF.Term>>, options.timeoutMs);
      return {
        kind: 'bindings',
        variables,
        rows: rows.map((b) => {
          const row: Record<string, RDF.Term> = {};
          for (const [k, v] of b) row[k.value] = v;
          return row;
        }),
      };
    }
    case 'quads': {
      const stream = await result.execute();
      return { kind: 'quads', quads: await drain(stream as unknown as ResultStream<RDF.Quad>, options.timeoutMs) };
    }
    case 'boolean':
      return { kind: 'boolean', value: await result.execute() };
    default:
      throw new KaizenError('KZN_QUERY_FAILED', UPDATE_REFUSED);
  }
}

/** Starts loading the engine in the background (for a command that will surely query). */
export function warmUpEngine(): void {
  void engine();
}

// The EvidenceStore port: what every store of receipts offers, embedded or on a SPARQL server.

import type { Quad, Term } from '@rdfjs/types';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from './event.js';
import type { Receipt } from './receipt.js';
import type { TimeRange } from './time.js';

/** Which partitions a command needs in memory. */
export interface PartitionRequest {
  readonly range: TimeRange;
  /** Raw receipts of the days that overlap the range. */
  readonly raw?: boolean;
  /**
   * The raw receipts of the hours that overlap the range that a drill-down into an incident
   * reads: all but the bulk classes (BULK_CLASSES: each signal's lifecycle and the worker-load
   * samples). A store may load more (all raw receipts), never less. Releasing `raw` releases
   * these too.
   */
  readonly drill?: boolean;
  /** Rollup receipts of the days that overlap the range. */
  readonly rollups?: boolean;
}

/** The answer of a SPARQL query, in a shape independent of the engine that gave it. */
export type QueryResult =
  | { readonly kind: 'bindings'; readonly variables: readonly string[]; readonly rows: readonly Record<string, Term>[] }
  | { readonly kind: 'quads'; readonly quads: readonly Quad[] }
  | { readonly kind: 'boolean'; readonly value: boolean };

/** A SELECT's rows as plain values: an IRI or a literal's lexical form; an unbound variable is absent or ''. */
export interface ValueRows {
  readonly variables: readonly string[];
  readonly rows: readonly Record<string, string>[];
}

/** The values of a SELECT's result (kind 'bindings'). */
export function valuesOf(result: QueryResult): ValueRows {
  if (result.kind !== 'bindings') throw new KaizenError('KZN_QUERY_FAILED', `expected a SELECT query, which gives rows; this one gives ${result.kind}`);
  const rows = result.rows.map((b) => {
    const row: Record<string, string> = {};
    for (const k in b) row[k] = b[k]!.value;
    return row;
  });
  return { variables: result.variables, rows };
}

export interface QueryOptions {
  /** Values for variables of the query, bound by the engine (never pasted into the text). */
  readonly bindings?: Readonly<Record<string, Term>>;
  readonly timeoutMs?: number;
}

/** How to append events. */
export interface AppendOptions {
  /** Called with the sealed receipts, in chain order, before they are written. */
  readonly onSealed?: (receipts: readonly Receipt[]) => void;
}

/** What an append produced; resolved only once the receipts are durable. */
export interface AppendResult {
  readonly receipts: readonly Receipt[];
}

/** A receipt body to be sealed at the next chain position (used for rollups). */
export type ReceiptBuilder = (seq: number, iri: string, prevDigest: string) => Receipt;

/** Counts that describe a store without loading it. */
export interface StoreStats {
  readonly receipts: number;
  readonly rawReceipts: number;
  readonly rollupReceipts: number;
  readonly quads: number;
  readonly days: readonly string[];
  readonly journalBytes: number;
  readonly lastSeq: number;
  readonly lastDigest: string;
  readonly loadedQuads: number;
}

/** The result of walking the whole chain. */
export type VerifyReport =
  | { readonly ok: true; readonly receipts: number; readonly lastSeq: number; readonly lastDigest: string }
  | {
      readonly ok: false;
      readonly receipts: number;
      readonly problem: 'changed' | 'removed' | 'reordered' | 'duplicated' | 'inserted' | 'malformed';
      readonly seq: number;
      readonly where: string;
      readonly message: string;
    };

/** Queries running over raw hours beside the caller. */
export interface RawHourQueries {
  /** How many worker threads run the queries. */
  readonly workers: number;
  /** Each query's rows (variable → value) for one of the hours asked for. */
  rowsOf(hour: string): Promise<Record<string, string>[][]>;
  close(): Promise<void>;
}

/** Where evidence lives. Every implementation keeps evidence append-only. */
export interface EvidenceStore {
  readonly readOnly: boolean;
  /**
   * Records events as receipts; resolves after they are durable (group-committed, fsynced).
   * `onSealed` sees the receipts as soon as they are sealed, before they are durable.
   */
  appendEvents(events: readonly KaizenEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Seals and records receipts built by the caller, such as rollups. */
  appendReceipts(builders: readonly ReceiptBuilder[]): Promise<AppendResult>;
  /** Brings the partitions a command needs into reach of queries. */
  load(request: PartitionRequest): Promise<void>;
  /** Drops partitions from memory; they stay in durable storage. */
  release(request: PartitionRequest): void;
  /** Per UTC hour of the range that has raw receipts: how many, and the digest of the last. */
  hourSummaries(range: TimeRange): Promise<Map<string, { count: number; lastSeq: number; lastDigest: string }>>;
  /**
   * The UTC hour of a raw receipt, or undefined when there is none. The receipt is loaded with
   * its hour's drill partition, or with the whole hour when it is of a bulk class.
   */
  locateReceipt(iri: string): Promise<string | undefined>;
  /**
   * Optional: runs SELECT queries over raw hours, each with ?g bound to the hour's graph, in
   * worker threads beside the caller (rolling up many hours from raw). `predicates`, when given,
   * are all the queries read: the store may load only their quads. Undefined where the store
   * cannot; the caller then loads and queries each hour itself.
   */
  queryRawHoursInParallel?(hours: readonly string[], queries: readonly string[], predicates?: readonly string[]): RawHourQueries | undefined;
  /** Runs a SPARQL query over what is loaded. */
  query(sparql: string, options?: QueryOptions): Promise<QueryResult>;
  /**
   * Runs a SELECT for a caller that reads only the values of its rows, not their term types (the
   * analyzer). A store on a server fetches them in the SPARQL 1.1 CSV results format, which
   * keeps just that: about 40 % of JSON's bytes and half the server's time.
   */
  selectValues(sparql: string, options?: QueryOptions): Promise<ValueRows>;
  /** Quads of what is loaded that match the pattern (null = any). */
  match(subject: Term | null, predicate: Term | null, object: Term | null, graph: Term | null): Quad[];
  /** Streams the receipts of a time range from durable storage, oldest first, without loading them. */
  exportReceipts(range: TimeRange, options?: { rollups?: boolean }): AsyncIterable<Receipt>;
  stats(): Promise<StoreStats>;
  verify(onProgress?: (receipts: number) => void): Promise<VerifyReport>;
  close(): Promise<void>;
}

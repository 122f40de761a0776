// A worker thread that runs SELECT queries over one raw hour at a time: it parses the hour's byte
// ranges of its day file into a quad index of its own and answers with the rows' values. The
// embedded store hands it hours to roll up through SPARQL beside the main thread (hour-pool.ts).

import { parentPort } from 'node:worker_threads';
import { DataFactory } from 'n3';
import { KaizenError } from '../errors.js';
import { hourGraphIri } from '../evidence/vocabulary.js';
import { runQuery } from '../query/engine.js';
import { QuadIndex } from './quad-index.js';
import { replaySegments } from './replay.js';

/** One hour to read: where its receipts lie, and the queries to run with ?g bound to its graph. */
export interface HourJob {
  readonly id: number;
  readonly hour: string;
  readonly path: string;
  readonly ranges: readonly [number, number][];
  readonly queries: readonly string[];
  /** When given, only the quads of these predicates (IRIs) are loaded: all the queries read. */
  readonly predicates?: readonly string[];
}

/** The rows of each query (variable → value), or the error that stopped the job. */
export type HourAnswer =
  | { readonly id: number; readonly results: Record<string, string>[][] }
  | { readonly id: number; readonly error: { readonly code?: string; readonly message: string; readonly hint?: string } };

async function answer(job: HourJob): Promise<HourAnswer> {
  try {
    const index = new QuadIndex();
    const only = job.predicates === undefined ? undefined : new Set(job.predicates.map((p) => `<${p}>`));
    if (job.ranges.length > 0) index.addQuads(replaySegments(job.path, job.ranges, only));
    const bindings = { g: DataFactory.namedNode(hourGraphIri(job.hour)) };
    const results: Record<string, string>[][] = [];
    for (const text of job.queries) {
      const r = await runQuery(index, text, { bindings });
      const rows: Record<string, string>[] = [];
      if (r.kind === 'bindings') {
        for (const row of r.rows) {
          const values: Record<string, string> = {};
          for (const [k, t] of Object.entries(row)) values[k] = t.value;
          rows.push(values);
        }
      }
      results.push(rows);
    }
    return { id: job.id, results };
  } catch (error) {
    return error instanceof KaizenError
      ? { id: job.id, error: { code: error.code, message: error.message, ...(error.hint !== undefined && { hint: error.hint }) } }
      : { id: job.id, error: { message: error instanceof Error ? error.message : String(error) } };
  }
}

// One hour at a time: jobs queue behind each other, so only one hour is parsed in memory.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (job: HourJob) => {
  queue = queue.then(async () => parentPort!.postMessage(await answer(job)));
});

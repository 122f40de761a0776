// Worker threads that query raw hours beside the main thread (hour-worker.ts): rolling up a week
// from raw is parsing and querying each hour, and the hours are independent, so on a machine with
// two cores two workers roll up about twice as fast. Used from the built package only (the worker
// is started from its compiled file); elsewhere callers go on in-process.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, KaizenError } from '../errors.js';
import type { HourAnswer, HourJob } from './hour-worker.js';

const WORKER_FILE = fileURLToPath(new URL('./hour-worker.js', import.meta.url));

export class HourPool {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, { resolve: (rows: Record<string, string>[][]) => void; reject: (error: unknown) => void }>();
  #next = 0;
  #id = 0;

  private constructor(size: number) {
    this.#workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_FILE);
      w.on('message', (a: HourAnswer) => this.#settle(a));
      w.on('error', (error) => this.#failAll(error));
      return w;
    });
  }

  /** A pool of up to `size` workers (at most one per core), or undefined where the worker is not built. */
  static create(size: number): HourPool | undefined {
    const n = Math.min(size, availableParallelism());
    if (n < 1 || !existsSync(WORKER_FILE)) return undefined;
    return new HourPool(n);
  }

  /** How many worker threads the pool runs. */
  get size(): number {
    return this.#workers.length;
  }

  /** Queues an hour on the next worker in turn; resolves with each query's rows. */
  run(job: Omit<HourJob, 'id'>): Promise<Record<string, string>[][]> {
    const id = ++this.#id;
    const worker = this.#workers[this.#next++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies HourJob);
    });
  }

  #settle(a: HourAnswer): void {
    const w = this.#waiting.get(a.id);
    if (w === undefined) return;
    this.#waiting.delete(a.id);
    if ('results' in a) w.resolve(a.results);
    else if (a.error.code !== undefined) w.reject(new KaizenError(a.error.code as ErrorCode, a.error.message, a.error.hint === undefined ? {} : { hint: a.error.hint }));
    else w.reject(new KaizenError('KZN_QUERY_FAILED', `a rollup worker failed: ${a.error.message}`));
  }

  #failAll(error: unknown): void {
    for (const w of this.#waiting.values()) w.reject(new KaizenError('KZN_QUERY_FAILED', `a rollup worker stopped: ${String(error)}`, { cause: error }));
    this.#waiting.clear();
  }

  /** Stops the workers (what they had queued is dropped). */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

// The embedded EvidenceStore: an in-memory quad index of the partitions a command needs, made
// durable by the append-only journal under a data directory.

import { existsSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as RDF from '@rdfjs/types';
import { DataFactory, type Quad } from 'n3';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { GENESIS_DIGEST, type Receipt } from '../evidence/receipt.js';
import { ReceiptBytes } from '../evidence/receipt-bytes.js';
import {
  type AppendOptions,
  type AppendResult,
  type EvidenceStore,
  type PartitionRequest,
  type QueryOptions,
  type QueryResult,
  type RawHourQueries,
  type ReceiptBuilder,
  type StoreStats,
  type ValueRows,
  type VerifyReport,
  valuesOf,
} from '../evidence/store.js';
import { hourKey, type TimeRange } from '../evidence/time.js';
import { hourGraphIri } from '../evidence/vocabulary.js';
import { ChainHead } from './chain-head.js';
import { DayIndexes } from './day-indexes.js';
import type { DayIndex } from './hour-index.js';
import { HourPool } from './hour-pool.js';
import { type JournalKind, listJournalFiles, readTail, scanReceipts } from './journal.js';
import { JournalWriter } from './journal-writer.js';
import { daysHeld, LoadedPartitions } from './loaded-partitions.js';
import { acquireLock, type DirectoryLock } from './lock.js';
import { QuadIndex } from './quad-index.js';
import { verifyDataDir } from './verify.js';

const { namedNode } = DataFactory;

/** How many appends' byte buffers are kept for later appends (as many as are commonly under way at once). */
const MAX_SPARE_BYTES = 16;

export interface EmbeddedStoreOptions {
  readonly dataDir: string;
  readonly readOnly?: boolean;
  /** Id of this writer, part of every receipt IRI (default `local`). */
  readonly instance?: string;
  /** Told of things a person should know: a torn tail cut off, a stale lock taken over. */
  readonly onNotice?: (message: string) => void;
}

/** Opens (and for a writer, locks) a data directory. Nothing is loaded until `load` is called. */
export function openEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  return new EmbeddedStore(options);
}

export class EmbeddedStore implements EvidenceStore {
  readonly readOnly: boolean;
  readonly dataDir: string;
  private readonly notice: (message: string) => void;
  private readonly lock: DirectoryLock | undefined;
  private readonly writer: JournalWriter | undefined;
  /** The quads of the loaded partitions. */
  private readonly index = new QuadIndex();
  /** Byte offset of the end of the last whole receipt, per journal file path. */
  private readonly ends = new Map<string, number>();
  private readonly days: DayIndexes;
  /** Which hours and days' rollups are in `index`. */
  private readonly partitions: LoadedPartitions;
  private readonly chain: ChainHead;
  private durable = { seq: 0, digest: GENESIS_DIGEST };
  private closed = false;
  /** Buffers of appends that are done, for the next appends to seal into. */
  private readonly spareBytes: ReceiptBytes[] = [];

  constructor(options: EmbeddedStoreOptions) {
    this.dataDir = options.dataDir;
    this.readOnly = options.readOnly === true;
    this.chain = new ChainHead(options.instance ?? 'local');
    this.days = new DayIndexes(this.dataDir, this.readOnly, this.ends);
    this.partitions = new LoadedPartitions(this.dataDir, this.index, this.days, this.ends);
    this.notice = options.onNotice ?? (() => undefined);
    if (!this.readOnly) {
      mkdirSync(this.dataDir, { recursive: true });
      this.lock = acquireLock(this.dataDir, (pid) =>
        this.notice(`took over the lock left by process ${Number.isNaN(pid) ? '?' : pid}, which no longer runs`),
      );
      this.writer = new JournalWriter(this.dataDir, () => this.chain.moveTo(this.durable.seq, this.durable.digest));
    }
    try {
      this.checkTails();
    } catch (error) {
      this.lock?.release();
      throw error;
    }
  }

  /** Finds the chain head and cuts (writer) or skips (reader) torn tails. */
  private checkTails(): void {
    for (const file of listJournalFiles(this.dataDir)) {
      const tail = readTail(file.path);
      if (tail.tornBytes > 0) {
        const name = relative(this.dataDir, file.path);
        if (this.readOnly) {
          this.notice(`${name}: ignoring a torn tail of ${tail.tornBytes} bytes (an interrupted write); a writer will cut it off`);
        } else {
          truncateSync(file.path, tail.endOfLastReceipt);
          this.notice(`${name}: cut off a torn tail of ${tail.tornBytes} bytes (an incomplete receipt from an interrupted write)`);
        }
      }
      this.ends.set(file.path, tail.endOfLastReceipt);
      if (tail.lastSeq > this.chain.seq && tail.lastDigest !== undefined) this.chain.moveTo(tail.lastSeq, tail.lastDigest);
    }
    this.durable = { seq: this.chain.seq, digest: this.chain.digest };
  }

  private assertWritable(): JournalWriter {
    if (this.closed) throw new KaizenError('KZN_STORE_READONLY', 'the store is closed');
    if (this.writer === undefined) {
      throw new KaizenError('KZN_STORE_READONLY', `the store at ${this.dataDir} was opened read-only`);
    }
    return this.writer;
  }

  async appendEvents(events: readonly KaizenEvent[], options?: AppendOptions): Promise<AppendResult> {
    const writer = this.assertWritable();
    // The receipts' journal bytes are written once, into a buffer kept for the next append.
    const bytes = this.spareBytes.pop() ?? new ReceiptBytes();
    try {
      const receipts = this.chain.sealEventsInto(events, bytes);
      options?.onSealed?.(receipts);
      return await this.commit(writer, receipts, 'raw', bytes);
    } finally {
      bytes.reset();
      if (this.spareBytes.length < MAX_SPARE_BYTES) this.spareBytes.push(bytes);
    }
  }

  async appendReceipts(builders: readonly ReceiptBuilder[]): Promise<AppendResult> {
    const writer = this.assertWritable();
    return this.commit(writer, this.chain.sealBuilt(builders), 'rollup');
  }

  /**
   * Records receipts sealed elsewhere (kaizen migrate), unchanged: each must take the next chain
   * position, and its digest must follow from the one before.
   */
  async appendSealed(receipts: readonly Receipt[]): Promise<AppendResult> {
    const writer = this.assertWritable();
    this.chain.follow(receipts);
    // A migrated chain alternates raw and rollup receipts: one commit per run of one kind.
    for (const run of runsOfKind(receipts)) await this.commit(writer, run.receipts, run.kind);
    return { receipts: [...receipts] };
  }

  private async commit(writer: JournalWriter, receipts: Receipt[], kind: JournalKind, bytes?: ReceiptBytes): Promise<AppendResult> {
    if (receipts.length === 0) return { receipts };
    // The index of each day written to, as it stood before this append (read or scanned once).
    if (kind === 'raw') for (const day of new Set(receipts.map((r) => r.graph.slice(-13, -3)))) this.days.of(day);
    const placements = await writer.append(
      receipts.map((receipt) => ({ receipt, kind })),
      bytes,
    );
    for (const [path, size] of writer.sizesByPath()) this.ends.set(path, size);
    const last = receipts[receipts.length - 1]!;
    if (last.seq > this.durable.seq) this.durable = { seq: last.seq, digest: last.digest };
    receipts.forEach((r, i) => {
      if (kind === 'raw') {
        const drill = this.days.note(r, placements[i]!);
        const hour = hourKey(r.timeMs);
        if (this.partitions.holdsHour(hour, drill)) this.addReceiptToMemory(r, kind);
      } else if (this.partitions.holdsRollups(r.graph.slice(-13, -3))) this.addReceiptToMemory(r, kind);
    });
    this.partitions.journalChanged();
    return { receipts };
  }

  private addReceiptToMemory(r: Receipt, kind: JournalKind): void {
    if (kind === 'rollup') this.index.dropGraph(r.graph);
    this.index.addQuads(r.quads as Quad[]);
  }

  /** Per hour of a day: raw receipt count, last digest and byte ranges (derived from the journal, cached). */
  dayIndex(day: string): DayIndex {
    return this.days.of(day);
  }

  async load(request: PartitionRequest): Promise<void> {
    this.partitions.load(request);
  }

  /** Drops partitions from memory (the journal keeps them). */
  release(request: PartitionRequest): void {
    this.partitions.release(request);
  }

  async hourSummaries(range: TimeRange): Promise<Map<string, { count: number; lastSeq: number; lastDigest: string }>> {
    const out = new Map<string, { count: number; lastSeq: number; lastDigest: string }>();
    for (const day of daysHeld(this.dataDir, range)) {
      for (const [hour, e] of Object.entries(this.dayIndex(day).hours)) {
        const start = Date.parse(`${hour}:00:00Z`);
        if (start + 3_600_000 > range.fromMs && start < range.toMs) out.set(hour, { count: e.count, lastSeq: e.lastSeq, lastDigest: e.lastDigest });
      }
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  async locateReceipt(iri: string): Promise<string | undefined> {
    const m = /^urn:kaizen:receipt:[^:]+:(\d+)$/.exec(iri);
    if (m === null) return undefined;
    const seq = Number(m[1]);
    for (const file of listJournalFiles(this.dataDir)) {
      if (file.kind !== 'raw') continue;
      for (const [hour, e] of Object.entries(this.dayIndex(file.day).hours)) {
        if (seq < e.firstSeq || seq > e.lastSeq) continue;
        const range = { fromMs: Date.parse(`${hour}:00:00Z`), toMs: Date.parse(`${hour}:00:00Z`) + 3_600_000 };
        const found = (): boolean => this.index.getQuads(namedNode(iri), null, null, namedNode(hourGraphIri(hour))).length > 0;
        // Most receipts asked about are state changes: the drill partition first, then the whole hour.
        await this.load({ range, drill: true });
        if (found()) return hour;
        await this.load({ range, raw: true });
        if (found()) return hour;
      }
    }
    return undefined;
  }

  /** Two worker threads (one per core) query the hours from their byte ranges in the day files. */
  queryRawHoursInParallel(hours: readonly string[], queries: readonly string[], predicates?: readonly string[]): RawHourQueries | undefined {
    const jobs: { hour: string; path: string; ranges: [number, number][] }[] = [];
    const files = new Map(listJournalFiles(this.dataDir).filter((f) => f.kind === 'raw').map((f) => [f.day, f.path]));
    for (const hour of hours) {
      const path = files.get(hour.slice(0, 10));
      const entry = this.dayIndex(hour.slice(0, 10)).hours[hour];
      if (path === undefined || entry?.segments === undefined) return undefined;
      jobs.push({ hour, path, ranges: entry.segments });
    }
    const pool = HourPool.create(2);
    if (pool === undefined) return undefined;
    const answers = new Map(jobs.map((j) => [j.hour, pool.run({ ...j, queries, ...(predicates !== undefined && { predicates }) })]));
    // Each answer is awaited by rowsOf in turn; one that fails before its turn must not go unhandled.
    for (const a of answers.values()) a.catch(() => undefined);
    return {
      workers: pool.size,
      rowsOf: (hour) => answers.get(hour) ?? Promise.reject(new KaizenError('KZN_QUERY_FAILED', `the hour ${hour} was not handed to the workers`)),
      close: () => pool.close(),
    };
  }

  async query(sparql: string, options?: QueryOptions): Promise<QueryResult> {
    const { runQuery } = await import('../query/engine.js');
    return runQuery(this.index, sparql, options);
  }

  async selectValues(sparql: string, options?: QueryOptions): Promise<ValueRows> {
    return valuesOf(await this.query(sparql, options));
  }

  match(subject: RDF.Term | null, predicate: RDF.Term | null, object: RDF.Term | null, graph: RDF.Term | null): Quad[] {
    return this.index.getQuads(subject, predicate, object, graph);
  }

  /** The index of what is loaded (for hand-written scans that compare with SPARQL). */
  get memory(): QuadIndex {
    return this.index;
  }

  async *exportReceipts(range: TimeRange, options: { rollups?: boolean } = {}): AsyncIterable<Receipt> {
    const { parseReceiptLines } = await import('./receipt-lines.js');
    for (const file of listJournalFiles(this.dataDir)) {
      if (file.kind === 'rollup' && options.rollups !== true) continue;
      const dayStart = Date.parse(`${file.day}T00:00:00Z`);
      if (dayStart + 86_400_000 <= range.fromMs || dayStart >= range.toMs) continue;
      for (const jr of scanReceipts(file.path, this.ends.get(file.path))) {
        const r = parseReceiptLines(jr);
        if (r.timeMs >= range.fromMs && r.timeMs < range.toMs) yield r;
      }
    }
  }

  async stats(): Promise<StoreStats> {
    let raw = 0;
    let rollups = 0;
    let quads = 0;
    let bytes = 0;
    const days = new Set<string>();
    for (const file of listJournalFiles(this.dataDir)) {
      bytes += this.ends.get(file.path) ?? 0;
      if (file.kind === 'raw') {
        days.add(file.day);
        for (const e of Object.values(this.dayIndex(file.day).hours)) {
          raw += e.count;
          quads += e.quads;
        }
      } else {
        for (const r of scanReceipts(file.path, this.ends.get(file.path))) {
          rollups++;
          quads += r.bodyLines.length + 1;
        }
      }
    }
    return {
      receipts: raw + rollups,
      rawReceipts: raw,
      rollupReceipts: rollups,
      quads,
      days: [...days].sort(),
      journalBytes: bytes,
      lastSeq: this.chain.seq,
      lastDigest: this.chain.digest,
      loadedQuads: this.index.size,
    };
  }

  async verify(onProgress?: (receipts: number) => void): Promise<VerifyReport> {
    return verifyDataDir(this.dataDir, onProgress);
  }

  /** The chain position the next receipt will take. */
  head(): { seq: number; digest: string } {
    return { seq: this.chain.seq, digest: this.chain.digest };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer?.close();
      if (this.writer !== undefined) {
        this.days.flush();
        if (this.durable.seq > 0) {
          const head = join(this.dataDir, 'HEAD');
          writeFileSync(`${head}.tmp`, `${this.durable.seq} ${this.durable.digest}\n`);
          renameSync(`${head}.tmp`, head);
        }
      }
    } finally {
      this.lock?.release();
    }
  }
}

/** Consecutive receipts of one kind (raw or rollup), in order. */
function runsOfKind(receipts: readonly Receipt[]): { kind: JournalKind; receipts: Receipt[] }[] {
  const runs: { kind: JournalKind; receipts: Receipt[] }[] = [];
  for (const r of receipts) {
    const kind: JournalKind = r.graph.startsWith('urn:kaizen:rollup:') ? 'rollup' : 'raw';
    const last = runs[runs.length - 1];
    if (last !== undefined && last.kind === kind) last.receipts.push(r);
    else runs.push({ kind, receipts: [r] });
  }
  return runs;
}


/** True when a data directory holds a journal. */
export function hasJournal(dataDir: string): boolean {
  return existsSync(join(dataDir, 'journal')) && listJournalFiles(dataDir).length > 0;
}

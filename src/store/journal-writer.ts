// Writes receipts to the journal with group commit and fsync, cutting a failed commit back.

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { KaizenError } from '../errors.js';
import type { Receipt } from '../evidence/receipt.js';
import type { ReceiptBytes } from '../evidence/receipt-bytes.js';
import { dayKey } from '../evidence/time.js';
import { JOURNAL_HEADER, type JournalKind, journalDir, journalFileName } from './journal.js';

/** The file a receipt belongs to. */
export function fileOfReceipt(receipt: Receipt, kind: JournalKind): string {
  return journalFileName(dayKey(receipt.timeMs), kind);
}

/** The pieces less their first `n` bytes. */
function skipBytes(pieces: readonly Buffer[], n: number): Buffer[] {
  let k = 0;
  while (k < pieces.length && n >= (pieces[k] as Buffer).length) n -= (pieces[k++] as Buffer).length;
  return k < pieces.length ? [(pieces[k] as Buffer).subarray(n), ...pieces.slice(k + 1)] : [];
}

/** Where a committed receipt landed: its journal file and byte range [start, end). */
export interface Placement {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

interface Pending {
  /** The file of each receipt, in chain order. */
  readonly names: string[];
  /** The text of each receipt, or all their bytes (ReceiptBytes, one receipt after another). */
  readonly chunks: readonly string[] | ReceiptBytes;
  readonly placements: Placement[];
  readonly resolve: (placements: Placement[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes receipts to the journal with group commit: appends that arrive while a commit is in
 * flight are written together by the next one, each commit ends with an fsync, and a promise
 * resolves only when its receipts are on disk. A failed commit is cut back to where it started,
 * so that the journal never holds a half-written batch that was not acknowledged.
 */
export class JournalWriter {
  private readonly dir: string;
  private readonly handles = new Map<string, FileHandle>();
  private readonly sizes = new Map<string, number>();
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly onFailure: () => void;
  private buffer = Buffer.alloc(0);
  bytesWritten = 0;
  commits = 0;

  /** `onFailure` runs synchronously when a commit fails, before any promise is rejected. */
  constructor(dataDir: string, onFailure: () => void = () => undefined) {
    this.dir = journalDir(dataDir);
    this.onFailure = onFailure;
  }

  /**
   * Queues receipts (already in chain order) and resolves once they are durable, with where each
   * landed (in the order given). `bytes`, when given, holds the receipts' journal bytes one after
   * another, as they were sealed; it must not change until the promise settles.
   */
  append(receipts: readonly { receipt: Receipt; kind: JournalKind }[], bytes?: ReceiptBytes): Promise<Placement[]> {
    const names = receipts.map(({ receipt, kind }) => fileOfReceipt(receipt, kind));
    if (bytes !== undefined && bytes.ends.length !== receipts.length) throw new Error(`${receipts.length} receipts but the bytes of ${bytes.ends.length}`);
    const chunks = bytes ?? receipts.map(({ receipt }) => receipt.text ?? receipt.lines.join(''));
    const placements = new Array<Placement>(receipts.length);
    return new Promise<Placement[]>((resolve, reject) => {
      this.pending.push({ names, chunks, placements, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.commit(batch);
          for (const p of batch) p.resolve(p.placements);
        } catch (error) {
          // Later batches were chained onto receipts that are not on disk: refuse them too.
          const refused = [...batch, ...this.pending];
          this.pending = [];
          this.onFailure();
          for (const p of refused) p.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async handleFor(name: string): Promise<FileHandle> {
    const open_ = this.handles.get(name);
    if (open_ !== undefined) return open_;
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, name);
    const h = await open(path, 'a');
    const size = (await h.stat()).size;
    if (size === 0) {
      await h.write(JOURNAL_HEADER);
      await h.sync();
      const dirHandle = await open(this.dir, 'r');
      await dirHandle.sync().finally(() => dirHandle.close());
    }
    this.handles.set(name, h);
    this.sizes.set(name, size === 0 ? Buffer.byteLength(JOURNAL_HEADER) : size);
    return h;
  }

  /**
   * Writes a batch as runs of consecutive receipts that go to the same file, in chain order, so
   * that a process killed part-way leaves every file holding a prefix of the chain: no receipt is
   * on disk while one before it is missing (only a torn tail, which the next writer cuts off).
   */
  private async commit(batch: readonly Pending[]): Promise<void> {
    // Runs of consecutive receipts (of one append or several) that go to the same file.
    const runs: { name: string; parts: { pending: Pending; from: number; to: number }[] }[] = [];
    for (const p of batch) {
      p.names.forEach((name, slot) => {
        let run = runs[runs.length - 1];
        if (run?.name !== name) runs.push((run = { name, parts: [] }));
        const part = run.parts[run.parts.length - 1];
        if (part?.pending === p && part.to === slot) part.to = slot + 1;
        else run.parts.push({ pending: p, from: slot, to: slot + 1 });
      });
    }
    const before = new Map<string, number>();
    try {
      for (const run of runs) {
        const { name } = run;
        const h = await this.handleFor(name);
        const path = join(this.dir, name);
        const start = this.sizes.get(name)!;
        if (!before.has(name)) before.set(name, start);
        const pieces = this.piecesOf(run.parts, path, start);
        const total = pieces.reduce((n, b) => n + b.length, 0);
        // A write may take fewer bytes than it was given (a file size limit, a disk filling up):
        // the rest is written again, so that the next try reports the error instead of a silent loss.
        for (let done = 0; done < total; ) {
          const { bytesWritten } = await h.writev(skipBytes(pieces, done));
          if (bytesWritten === 0) throw Object.assign(new Error('the write made no progress'), { code: 'ENOSPC' });
          done += bytesWritten;
        }
        this.sizes.set(name, start + total);
        this.bytesWritten += total;
      }
      for (const name of before.keys()) await this.handles.get(name)!.datasync();
      this.commits++;
    } catch (cause) {
      for (const [name, size] of before) {
        await this.handles
          .get(name)
          ?.truncate(size)
          .catch(() => undefined);
        this.sizes.set(name, size);
      }
      const code = (cause as NodeJS.ErrnoException).code;
      const reason = code === 'ENOSPC' ? 'no space left on the device' : code === 'EFBIG' ? 'the file size limit was reached (EFBIG)' : String(cause);
      throw new KaizenError('KZN_STORE_IO', `could not write the journal in ${this.dir}: ${reason}`, {
        cause,
        hint: 'Nothing of this batch was kept; free space or fix the folder and append again.',
      });
    }
  }

  /**
   * The bytes of a run, in order, and where each of its receipts lands in the file from `start`:
   * sealed bytes as they are, texts encoded into the scratch buffer (one run is written at a time).
   */
  private piecesOf(parts: readonly { pending: Pending; from: number; to: number }[], path: string, start: number): Buffer[] {
    const textBytes = parts.reduce((n, { pending: { chunks }, from, to }) => {
      if (!Array.isArray(chunks)) return n;
      for (let k = from; k < to; k++) n += 3 * (chunks[k] as string).length;
      return n;
    }, 0);
    const scratch = this.scratch(textBytes);
    let scratchAt = 0;
    let at = start;
    const pieces: Buffer[] = [];
    for (const { pending, from, to } of parts) {
      const { chunks, placements } = pending;
      if (Array.isArray(chunks)) {
        const pieceFrom = scratchAt;
        for (let k = from; k < to; k++) {
          const n = scratch.write(chunks[k] as string, scratchAt, 'utf8');
          placements[k] = { path, start: at, end: at + n };
          scratchAt += n;
          at += n;
        }
        pieces.push(scratch.subarray(pieceFrom, scratchAt));
      } else {
        const bytes = chunks as ReceiptBytes;
        const base = at - (from === 0 ? 0 : (bytes.ends[from - 1] as number));
        for (let k = from; k < to; k++) placements[k] = { path, start: base + (k === 0 ? 0 : (bytes.ends[k - 1] as number)), end: base + (bytes.ends[k] as number) };
        const piece = bytes.receipts(from, to);
        pieces.push(piece);
        at += piece.length;
      }
    }
    return pieces;
  }

  /**
   * A buffer of at least `bytes`, reused from one commit to the next (commits run one at a time):
   * fresh memory for every batch cost more in page faults than encoding the text.
   */
  private scratch(bytes: number): Buffer {
    if (this.buffer.length < bytes) this.buffer = Buffer.allocUnsafe(Math.max(bytes, 2 * this.buffer.length));
    return this.buffer;
  }

  /** Committed size of every file this writer has appended to, by path. */
  sizesByPath(): Map<string, number> {
    return new Map([...this.sizes].map(([name, size]) => [join(this.dir, name), size]));
  }

  /** Waits for every queued append, then closes the files. */
  async close(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    for (const h of this.handles.values()) await h.close();
    this.handles.clear();
  }
}


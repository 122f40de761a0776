// Walks the whole receipt chain of a data directory in sequence order and names the first
// receipt that was changed, removed, reordered, duplicated or inserted.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestOf, GENESIS_DIGEST } from '../evidence/receipt.js';
import type { VerifyReport } from '../evidence/store.js';
import { KZ } from '../evidence/vocabulary.js';
import { type JournalReceipt, listJournalFiles, readTail, scanReceipts } from './journal.js';

interface Head {
  readonly receipt: JournalReceipt;
  readonly rest: Iterator<JournalReceipt>;
}

/** A binary min-heap of file cursors by the seq of their next receipt (a k-way merge). */
class CursorHeap {
  private readonly items: Head[] = [];
  get size(): number {
    return this.items.length;
  }
  push(h: Head): void {
    const a = this.items;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.receipt.seq <= a[i]!.receipt.seq) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Head | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.receipt.seq < a[m]!.receipt.seq) m = l;
        if (r < a.length && a[r]!.receipt.seq < a[m]!.receipt.seq) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

const where = (r: JournalReceipt): string => `${r.file} line ${r.line}`;

/** The digest line a receipt must end with: its subject, kz:digest, the digest, its body's graph. */
function expectedDigestLine(r: JournalReceipt): string {
  const first = r.bodyLines[0] ?? '';
  const graph = first.slice(first.lastIndexOf(' <', first.length - 3) + 1, first.lastIndexOf('>') + 1);
  return `${r.subject} <${KZ}digest> "${r.digest}" ${graph} .\n`;
}

/** True when a receipt's digest recomputes from its body and the previous digest, and its digest line is the one it must be. */
function chainsOn(r: JournalReceipt, prev: string): boolean {
  return r.digest !== undefined && digestOf(r.bodyLines, prev) === r.digest && r.digestLine === expectedDigestLine(r);
}

/** The last seq recorded in the data directory's HEAD file, if any. */
export function readHead(dataDir: string): { seq: number; digest: string } | undefined {
  const path = join(dataDir, 'HEAD');
  if (!existsSync(path)) return undefined;
  const [seq, digest] = readFileSync(path, 'utf8').trim().split(' ');
  const n = Number(seq);
  return Number.isInteger(n) && digest !== undefined ? { seq: n, digest } : undefined;
}

/**
 * Verifies every journal file of a data directory. Each file must hold its receipts in
 * increasing seq; together they must form one chain 1, 2, 3, … whose digests recompute. A torn
 * tail (an incomplete last receipt) is not part of the chain.
 */
export function verifyDataDir(dataDir: string, onProgress?: (receipts: number) => void): VerifyReport {
  const heap = new CursorHeap();
  const lastInFile = new Map<string, JournalReceipt>();
  let count = 0;
  let expected = 1;
  let prev = GENESIS_DIGEST;
  const fail = (
    problem: Extract<VerifyReport, { ok: false }>['problem'],
    seq: number,
    at: string,
    message: string,
  ): VerifyReport => ({ ok: false, receipts: count, problem, seq, where: at, message });

  const written = readHead(dataDir);
  let digestAtHead: string | undefined;
  for (const file of listJournalFiles(dataDir)) {
    // An incomplete receipt at the end of a file is a write a crash interrupted, never acknowledged:
    // the store says so when it opens, and a writer cuts it off. The chain is what comes before it.
    const rest = scanReceipts(file.path, readTail(file.path).endOfLastReceipt);
    const first = rest.next();
    if (!first.done) heap.push({ receipt: first.value, rest });
  }
  while (heap.size > 0) {
    const head = heap.pop()!;
    const r = head.receipt;
    const next = head.rest.next();
    if (!next.done) {
      if (next.value.seq === r.seq) {
        if (r.seq === expected && !chainsOn(r, prev) && chainsOn(next.value, prev)) {
          return fail('inserted', r.seq, where(r), `a receipt numbered ${r.seq} with a forged digest stands before the real receipt ${r.seq}: it was inserted`);
        }
        return fail('duplicated', r.seq, where(next.value), `receipt ${r.seq} appears more than once (again in ${r.file})`);
      }
      if (next.value.seq < r.seq) {
        return fail(
          'reordered',
          next.value.seq,
          where(next.value),
          `receipt ${next.value.seq} stands after receipt ${r.seq} in ${r.file}: receipts were reordered`,
        );
      }
      heap.push({ receipt: next.value, rest: head.rest });
    }
    lastInFile.set(r.file, r);
    if (!Number.isInteger(r.seq) || r.digest === undefined) {
      return fail('malformed', expected, where(r), `receipt ${r.subject} has no readable seq or digest`);
    }
    if (r.seq < expected) {
      return fail('duplicated', r.seq, where(r), `receipt ${r.seq} appears more than once`);
    }
    if (r.seq > expected) {
      const range = r.seq - 1 === expected ? `${expected}` : `${expected} to ${r.seq - 1}`;
      return fail('removed', expected, where(r), `receipt ${range} is missing: the chain jumps from ${expected - 1} to ${r.seq}`);
    }
    if (!chainsOn(r, prev)) {
      return fail(
        'changed',
        r.seq,
        where(r),
        `receipt ${r.seq} was changed: its digest does not match its content and the digest of receipt ${r.seq - 1}`,
      );
    }
    prev = r.digest;
    if (r.seq === written?.seq) digestAtHead = r.digest;
    expected++;
    count++;
    if (onProgress !== undefined && count % 100_000 === 0) onProgress(count);
  }
  if (written !== undefined && written.seq > count) {
    return fail(
      'removed',
      count + 1,
      join(dataDir, 'HEAD'),
      `the chain ends at receipt ${count}, but receipts up to ${written.seq} were written: its tail was cut off`,
    );
  }
  if (written !== undefined && digestAtHead !== written.digest) {
    // Every digest recomputes, yet the receipt HEAD names is not the one written: the chain was rebuilt
    // from some receipt on (one inserted or changed with every later digest forged to follow).
    return fail(
      'changed',
      written.seq,
      join(dataDir, 'HEAD'),
      `receipt ${written.seq} is not the receipt that was written: its digest differs from the one HEAD recorded, so the chain was rewritten at or before it`,
    );
  }
  return { ok: true, receipts: count, lastSeq: count, lastDigest: prev };
}

// The local spool of a SPARQL writer: sealed receipts the server has not confirmed, kept on disk
// (JSON Lines, fsynced) and re-sent in order on the next append or open.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { KaizenError } from '../../errors.js';
import type { Receipt } from '../../evidence/receipt.js';
import { parseGraphIri } from '../../evidence/vocabulary.js';

/** A sealed receipt as the server will store it. */
export interface OutgoingReceipt {
  readonly iri: string;
  readonly seq: number;
  readonly timeMs: number;
  readonly kind: 'raw' | 'rollup';
  readonly hour: string;
  readonly digest: string;
  /** The graph the receipt goes into on the server. */
  readonly serverGraph: string;
  /** Its N-Quads lines exactly as sealed, the digest line last. */
  readonly lines: readonly string[];
}

/** A sealed receipt as it goes to the server, into `serverGraph`. */
export function outgoingReceipt(r: Receipt, kind: 'raw' | 'rollup', serverGraph: string): OutgoingReceipt {
  const hour = parseGraphIri(r.graph)?.hour ?? new Date(r.timeMs).toISOString().slice(0, 13);
  return { iri: r.iri, seq: r.seq, timeMs: r.timeMs, kind, hour, digest: r.digest, serverGraph, lines: r.lines };
}

export class Spool {
  constructor(readonly path: string) {}

  /** The spooled receipts, oldest first. */
  read(): OutgoingReceipt[] {
    if (!existsSync(this.path)) return [];
    const out: OutgoingReceipt[] = [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(JSON.parse(line) as OutgoingReceipt);
      } catch (error) {
        // Only the last line may be cut off (a crash while spooling); the receipts before it are whole.
        if (lines.slice(i + 1).some((l) => l.trim() !== '')) {
          throw new KaizenError('KZN_JOURNAL_CORRUPT', `${this.path} line ${i + 1}: expected a spooled receipt as JSON`, { cause: error });
        }
      }
    });
    return out;
  }

  /** Appends receipts and makes them durable before returning. */
  append(receipts: readonly OutgoingReceipt[]): void {
    if (receipts.length === 0) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, receipts.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Empties the spool once the server has confirmed everything in it. */
  clear(): void {
    if (!existsSync(this.path)) return;
    writeFileSync(`${this.path}.tmp`, '');
    renameSync(`${this.path}.tmp`, this.path);
  }
}

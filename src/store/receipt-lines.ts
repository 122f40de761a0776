// Turns the lines of one journal receipt back into a Receipt (for export and import).

import { Parser, type Quad } from 'n3';
import type { Receipt } from '../evidence/receipt.js';
import { hourStartMs } from '../evidence/time.js';
import { parseGraphIri, V } from '../evidence/vocabulary.js';
import type { JournalReceipt } from './journal.js';

/** Parses a journal receipt's lines (exactly as written) into its quads and metadata. */
export function parseReceiptLines(jr: JournalReceipt): Receipt {
  const lines = [...jr.bodyLines, jr.digestLine];
  const quads: Quad[] = new Parser({ format: 'N-Quads' }).parse(lines.join(''));
  const graph = quads[0]?.graph.value ?? '';
  const epoch = quads.find((q) => q.predicate.equals(V.epochMs));
  const hour = parseGraphIri(graph)?.hour;
  const timeMs = epoch !== undefined ? Number(epoch.object.value) : hour !== undefined ? hourStartMs(hour) : 0;
  return {
    iri: jr.subject.slice(1, -1),
    graph,
    seq: jr.seq,
    timeMs,
    digest: jr.digest ?? '',
    quads,
    lines,
  };
}

// The journal bytes of an event receipt, written field by field straight into a commit's buffer:
// the same bytes as its journal text (receipt-text.ts), without building the text first.

import type { KaizenEvent } from './event.js';
import { attributesJson, DATATYPES, DATE_TIME, type Datatype, DOUBLE, F, FIELDS, type Field, type FieldSink, INTEGER, JSON_TYPE, visitEventFields } from './receipt-fields.js';
import { attributesText, LineSink, NEEDS_ESCAPE, quotable, sha256Hex } from './receipt-text.js';

/**
 * The journal bytes of receipts sealed one after another for one commit, as UTF-8 in one buffer
 * (grown as needed and reused from commit to commit): the journal writer writes them as they are,
 * so that a receipt's text is encoded once and never kept as a string.
 */
export class ReceiptBytes {
  #buf: Buffer;
  /** How many bytes are written. */
  length = 0;
  /** Where each receipt's bytes end, in the order they were sealed. */
  readonly ends: number[] = [];

  constructor(size = 1 << 20) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  /** The buffer, with room for `bytes` more after what is written. */
  room(bytes: number): Buffer {
    const need = this.length + bytes;
    if (need > this.#buf.length) {
      // All of it: a receipt being written is past `length` until it is done.
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#buf.length));
      this.#buf.copy(grown);
      this.#buf = grown;
    }
    return this.#buf;
  }

  /** The bytes of receipts [from, to) in sealing order (a view, valid until the next reset). */
  receipts(from: number, to: number): Buffer {
    return this.#buf.subarray(from === 0 ? 0 : (this.ends[from - 1] as number), to === 0 ? 0 : (this.ends[to - 1] as number));
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.length = 0;
    this.ends.length = 0;
  }
}

/** Keeps at most this many byte texts per field (the values kaizen writes repeat; others need no keeping). */
const CACHE_LIMIT = 10_000;

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8') as Buffer;

/** Per field: `<iri> <` and `<iri> "` as bytes. */
const IRI_OPEN = Object.values(F).map((f) => bytesOf(f.iriOpen));
const LITERAL_OPEN = Object.values(F).map((f) => bytesOf(f.literalOpen));

/**
 * Writes the lines of one receipt into a ReceiptBytes, as LineSink writes them into a string: the
 * subject's bytes once per receipt, then per line the bytes kept for a repeating value or the
 * field's, the value's and the close's. A line with a term that must be escaped (or a receipt
 * whose IRI or graph must be) is written by a LineSink and encoded.
 */
class ByteSink implements FieldSink {
  readonly #text = new LineSink();
  #out!: ReceiptBytes;
  #buf!: Buffer;
  #at = 0;
  #iri = '';
  #graph = '';
  #direct = true;
  #head = Buffer.alloc(0) as Buffer;
  #count = 0;
  /** Per graph: what follows an IRI object's `>`, a plain literal's `"`, each datatype's close. */
  #iriClose = Buffer.alloc(0) as Buffer;
  #plainClose = Buffer.alloc(0) as Buffer;
  #typedClose: Buffer[] = [];
  /** Per graph and field: the bytes of the rest of the line (after the subject) for each repeating value seen. */
  #rests: Map<string, Buffer>[] = [];

  /** Starts a receipt at `at` in `out`'s buffer. */
  begin(out: ReceiptBytes, at: number, iri: string, graph: string, direct: boolean): void {
    this.#out = out;
    this.#at = at;
    this.#direct = direct;
    this.#count = 0;
    if (iri !== this.#iri) {
      this.#iri = iri;
      this.#head = bytesOf(`<${iri}> `);
    }
    if (graph !== this.#graph) {
      this.#graph = graph;
      const tail = ` <${graph}> .\n`;
      this.#iriClose = bytesOf(`>${tail}`);
      this.#plainClose = bytesOf(`"${tail}`);
      this.#typedClose = [];
      for (const t of [INTEGER, DOUBLE, DATE_TIME, JSON_TYPE]) this.#typedClose[t.index] = bytesOf(t.close + tail);
      this.#rests = Array.from({ length: FIELDS }, () => new Map<string, Buffer>());
    }
    this.#text.begin(iri, graph, direct);
  }

  /** Where the receipt's bytes end so far. */
  get at(): number {
    return this.#at;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * Makes room for a line whose rest after the subject takes at most `rest` bytes, and writes its
   * subject; returns where the line starts.
   */
  #open(rest: number): number {
    this.#buf = this.#out.room(this.#at - this.#out.length + this.#head.length + rest);
    const start = this.#at;
    this.#buf.set(this.#head, start);
    this.#at = start + this.#head.length;
    return start;
  }

  #put(bytes: Buffer): void {
    this.#buf.set(bytes, this.#at);
    this.#at += bytes.length;
  }

  #putText(text: string): void {
    this.#at += this.#buf.write(text, this.#at, 'utf8');
  }

  /** Writes a line whose text the LineSink made (for terms that must be escaped). */
  #viaText(write: (sink: LineSink) => void): void {
    write(this.#text);
    const line = this.#text.take();
    this.#buf = this.#out.room(this.#at - this.#out.length + 3 * line.length);
    this.#putText(line);
  }

  /** Writes the line of a repeating value from the bytes kept for it; false when none are kept yet. */
  #fromKept(f: Field, value: string): boolean {
    const kept = (this.#rests[f.index] as Map<string, Buffer>).get(value);
    if (kept === undefined) return false;
    this.#open(kept.length);
    this.#put(kept);
    return true;
  }

  /** Keeps the rest of the line just written (from `restAt`) when its field's values repeat. */
  /** Room for the rest of a line: its field's and datatype's text, the graph, three bytes per UTF-16 unit of its value. */
  #restRoom(value: string): number {
    return 200 + this.#graph.length + 3 * value.length;
  }

  #keep(f: Field, value: string, restAt: number): void {
    const rests = this.#rests[f.index] as Map<string, Buffer>;
    if (f.repeats && rests.size < CACHE_LIMIT) rests.set(value, Buffer.from(this.#buf.subarray(restAt, this.#at)));
  }

  iri(f: Field, value: string): void {
    this.#count++;
    if (this.#direct && f.repeats && this.#fromKept(f, value)) return;
    if (this.#direct && !NEEDS_ESCAPE.test(value)) {
      const restAt = this.#open(this.#restRoom(value)) + this.#head.length;
      this.#put(IRI_OPEN[f.index] as Buffer);
      this.#putText(value);
      this.#put(this.#iriClose);
      this.#keep(f, value, restAt);
    } else this.#viaText((s) => s.iri(f, value));
  }

  string(f: Field, value: string): void {
    this.#count++;
    if (this.#direct && f.repeats && this.#fromKept(f, value)) return;
    const quoted = this.#direct ? quotable(value) : undefined;
    if (quoted !== undefined) {
      const restAt = this.#open(this.#restRoom(quoted)) + this.#head.length;
      this.#put(LITERAL_OPEN[f.index] as Buffer);
      this.#putText(quoted);
      this.#put(this.#plainClose);
      this.#keep(f, value, restAt);
    } else this.#viaText((s) => s.string(f, value));
  }

  plain(f: Field, value: string, type: Datatype | undefined): void {
    this.#count++;
    if (!this.#direct) this.#viaText((s) => s.plain(f, value, type));
    else if (!(f.repeats && this.#fromKept(f, value))) {
      const restAt = this.#open(this.#restRoom(value)) + this.#head.length;
      this.#put(LITERAL_OPEN[f.index] as Buffer);
      this.#putText(value);
      this.#put(type === undefined ? this.#plainClose : (this.#typedClose[type.index] as Buffer));
      this.#keep(f, value, restAt);
    }
  }

  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void {
    this.#count++;
    const text = this.#direct ? (attributesText(attributes) ?? quotable(attributesJson(attributes))) : undefined;
    if (text !== undefined) {
      this.#open(this.#restRoom(text));
      this.#put(LITERAL_OPEN[f.index] as Buffer);
      this.#putText(text);
      this.#put(this.#typedClose[JSON_TYPE.index] as Buffer);
    } else this.#viaText((s) => s.attributes(f, attributes));
  }

  /** The digest line. */
  digest(hex: string): void {
    this.#count++;
    if (this.#direct) {
      this.#open(this.#restRoom(hex));
      this.#put(LITERAL_OPEN[F.digest.index] as Buffer);
      this.#putText(hex);
      this.#put(this.#plainClose);
    } else this.#viaText((s) => s.plain(F.digest, hex, undefined));
  }
}

if (DATATYPES !== 4) throw new Error('receipt-bytes.ts writes the closes of four datatypes');

const sink = new ByteSink();

/**
 * Seals an event's receipt at `seq` after `prevDigest` into `out`, byte for byte the text
 * sealEventText returns: the previous digest, a newline and the body lines are written and hashed
 * in place, the body is moved over the digest and newline, and the digest line follows it.
 * Returns the digest and how many lines the receipt has.
 */
export function sealEventBytes(
  event: KaizenEvent,
  seq: number,
  informedBy: string | undefined,
  iri: string,
  graph: string,
  direct: boolean,
  prevDigest: string,
  out: ReceiptBytes,
): { digest: string; lines: number } {
  const start = out.length;
  let buf = out.room(3 * prevDigest.length + 1);
  const bodyAt = start + buf.write(prevDigest, start, 'utf8') + 1;
  buf[bodyAt - 1] = 0x0a;
  sink.begin(out, bodyAt, iri, graph, direct);
  visitEventFields(event, seq, informedBy, sink);
  const bodyEnd = sink.at;
  const bodyLines = sink.count;
  buf = out.room(bodyEnd - start);
  const digest = sha256Hex(buf.subarray(start, bodyEnd));
  buf.copyWithin(start, bodyAt, bodyEnd);
  sink.begin(out, start + (bodyEnd - bodyAt), iri, graph, direct);
  sink.digest(digest);
  out.length = sink.at;
  out.ends.push(out.length);
  return { digest, lines: bodyLines + 1 };
}

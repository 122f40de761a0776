// The journal text of an event receipt, written straight from its fields (through N3's Writer
// only for a term that needs escaping), and sealed with its chained digest.

import * as crypto from 'node:crypto';
import { DataFactory, type Quad_Object, Writer } from 'n3';
import type { KaizenEvent } from './event.js';
import { attributesJson, DATE_TIME, type Datatype, DOUBLE, F, FIELDS, type Field, type FieldSink, INTEGER, JSON_TYPE, visitEventFields } from './receipt-fields.js';
import { V } from './vocabulary.js';

const { namedNode, literal } = DataFactory;
const writer = new Writer({ format: 'N-Quads' });

/**
 * N3's test for a character that N-Quads output escapes. A term without one is written as is,
 * so the journal lines of a receipt are put together directly from its fields (about four times
 * faster than building the terms and writing them); any term with one goes through N3's Writer.
 * test/evidence/receipt-lines.test.ts holds both ways equal.
 */
export const NEEDS_ESCAPE = /[^ !#-[\]-~\u0080-\uFFFD]/;

/** The same test, leaving out `"` and `\` (which N3 escapes as `\"` and `\\`): JSON attributes have them. */
const NEEDS_OTHER_ESCAPE = /[^ -~\u0080-\uFFFD]/;

/**
 * A string that JSON.stringify writes between its quotes unchanged and N-Quads leaves alone: no
 * quote, backslash or control character, no DEL, U+FFFE or U+FFFF, no surrogate.
 */
const NOT_JSON_SAFE = /[^ !#-[\]-~\u0080-\uD7FF\uE000-\uFFFD]/;

/** The term as N-Quads writes it between quotes, or undefined when N3's Writer must escape it. */
export function quotable(value: string): string | undefined {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return NEEDS_OTHER_ESCAPE.test(value) ? undefined : value.replace(/["\\]/g, '\\$&');
}

/**
 * A flat copy of a string put together by concatenation. V8 keeps such a string as a tree of its
 * parts until something flattens it; a kept text is joined into many receipts, each of which would
 * copy its tree again. (Text that is not well-formed UTF-16 is written as UTF-8 the same either way.)
 */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Keeps at most this many texts per cache (the values kaizen writes repeat; others need no keeping). */
const CACHE_LIMIT = 10_000;

/** The escaped text of each attribute key seen (keys repeat from event to event), for keys that are JSON-safe: `\"key\":`. */
const keyText = new Map<string, string>();

/** The escaped text of JSON-safe attribute string values seen: `\"value\"`. */
const stringValueText = new Map<string, string>();

/**
 * The attributes' JSON (keys sorted, as attributesJson writes it) escaped for an N-Quads literal,
 * put together without JSON.stringify and a second escaping pass when every key and string value
 * is JSON-safe and no key is an array index (which a JSON object would put first); otherwise
 * undefined. Equal to quotable(attributesJson(a)) whenever it is defined (receipt-lines.test.ts).
 */
export function attributesText(attributes: Readonly<Record<string, string | number>>): string | undefined {
  let keys = Object.keys(attributes);
  for (let i = 1; i < keys.length; i++) {
    if (!((keys[i - 1] as string) < (keys[i] as string))) {
      keys = keys.sort();
      break;
    }
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    let kt = keyText.get(key);
    if (kt === undefined) {
      const first = key.charCodeAt(0);
      if (NOT_JSON_SAFE.test(key) || (first >= 48 && first <= 57)) return undefined;
      kt = flat(`\\"${key}\\":`);
      if (keyText.size < CACHE_LIMIT) keyText.set(key, kt);
    }
    const v = attributes[key];
    let vt: string | undefined;
    if (typeof v === 'number') vt = Number.isFinite(v) ? String(v) : 'null';
    else if (typeof v === 'string') {
      vt = stringValueText.get(v);
      if (vt === undefined) {
        if (NOT_JSON_SAFE.test(v)) return undefined;
        vt = flat(`\\"${v}\\"`);
        if (stringValueText.size < CACHE_LIMIT) stringValueText.set(v, vt);
      }
    } else return undefined;
    out += i === 0 ? kt + vt : `,${kt}${vt}`;
  }
  return `${out}}`;
}

/**
 * Writes the N-Quads lines of one receipt into one string, directly where it can (see
 * NEEDS_ESCAPE) and through N3's Writer where a term must be escaped. One instance serves every
 * receipt in turn (`begin`, the fields, `take`). The end of a line after the subject is kept per
 * graph for values that repeat (a class, a component), so that most lines are two strings joined.
 */
export class LineSink implements FieldSink {
  #iri = '';
  #graph = '';
  #head = '';
  #direct = true;
  #text = '';
  #count = 0;
  /** Per graph: ` <graph> .\n` after an IRI object's `>`, after a plain literal's `"`, after each datatype's close. */
  #iriClose = '';
  #plainClose = '';
  #typedClose: string[] = [];
  /** Per graph and field: the rest of the line (after the subject) for each repeating value seen. */
  #rests: Map<string, string>[] = [];

  /** Starts a receipt: its subject and graph, and whether both can be written as they are. */
  begin(iri: string, graph: string, direct: boolean): void {
    this.#iri = iri;
    this.#head = `<${iri}> `;
    this.#direct = direct;
    this.#text = '';
    this.#count = 0;
    if (graph !== this.#graph) {
      this.#graph = graph;
      const tail = ` <${graph}> .\n`;
      this.#iriClose = `>${tail}`;
      this.#plainClose = `"${tail}`;
      this.#typedClose = [];
      for (const t of [INTEGER, DOUBLE, DATE_TIME, JSON_TYPE]) this.#typedClose[t.index] = t.close + tail;
      this.#rests = Array.from({ length: FIELDS }, () => new Map<string, string>());
    }
  }

  /** How many lines were written since `begin` (each field is one line). */
  get count(): number {
    return this.#count;
  }

  /** The lines written since `begin` or the last call. */
  take(): string {
    const text = this.#text;
    this.#text = '';
    return text;
  }

  #viaWriter(f: Field, o: Quad_Object): void {
    this.#text += writer.quadToString(namedNode(this.#iri), f.node, o, namedNode(this.#graph));
  }

  /** Adds the line of a repeating value from the rest kept for it; false when none is kept yet. */
  #fromKept(f: Field, value: string): boolean {
    const kept = (this.#rests[f.index] as Map<string, string>).get(value);
    if (kept === undefined) return false;
    this.#text += this.#head + kept;
    return true;
  }

  /** Adds a line from the rest after its subject, keeping the rest when the field's values repeat. */
  #add(f: Field, value: string, rest: string): void {
    const rests = this.#rests[f.index] as Map<string, string>;
    if (f.repeats && rests.size < CACHE_LIMIT) {
      const kept = flat(rest);
      rests.set(value, kept);
      this.#text += this.#head + kept;
    } else this.#text += this.#head + rest;
  }

  iri(f: Field, value: string): void {
    this.#count++;
    if (this.#direct && f.repeats && this.#fromKept(f, value)) return;
    if (this.#direct && !NEEDS_ESCAPE.test(value)) this.#add(f, value, f.iriOpen + value + this.#iriClose);
    else this.#viaWriter(f, namedNode(value));
  }

  string(f: Field, value: string): void {
    this.#count++;
    if (this.#direct && f.repeats && this.#fromKept(f, value)) return;
    const quoted = this.#direct ? quotable(value) : undefined;
    if (quoted !== undefined) this.#add(f, value, f.literalOpen + quoted + this.#plainClose);
    else this.#viaWriter(f, literal(value));
  }

  plain(f: Field, value: string, type: Datatype | undefined): void {
    this.#count++;
    if (!this.#direct) this.#viaWriter(f, type === undefined ? literal(value) : literal(value, type.node));
    else if (!(f.repeats && this.#fromKept(f, value))) {
      this.#add(f, value, f.literalOpen + value + (type === undefined ? this.#plainClose : (this.#typedClose[type.index] as string)));
    }
  }

  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void {
    this.#count++;
    const text = this.#direct ? attributesText(attributes) : undefined;
    if (text !== undefined) {
      this.#text += this.#head + f.literalOpen + text + (this.#typedClose[JSON_TYPE.index] as string);
      return;
    }
    const json = attributesJson(attributes);
    const quoted = this.#direct ? quotable(json) : undefined;
    if (quoted !== undefined) this.#text += this.#head + f.literalOpen + quoted + (this.#typedClose[JSON_TYPE.index] as string);
    else this.#viaWriter(f, literal(json, V.json));
  }
}

/** SHA-256 in hex of a string's UTF-8 or of bytes: one call where Node has crypto.hash (20.12 and later). */
export const sha256Hex: (data: string | Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** The journal text of a sealed receipt (its body lines, then its digest line) and its digest. */
export interface SealedText {
  readonly digest: string;
  readonly text: string;
  /** How many lines the text has, the digest line included. */
  readonly lines: number;
}

/** A receipt's body lines (all but the digest line) in the order they sort in, and how many there are. */
interface RenderedBody {
  readonly text: string;
  readonly lines: number;
}

/**
 * Writes and seals event receipts. The body lines are written in sorted order (visitEventFields);
 * to seal them, the previous digest and a newline, then the body, are written as UTF-8 into a
 * buffer kept from one receipt to the next and hashed there (fresh memory per receipt cost more in
 * page faults than the hashing); the digest line follows the body in the receipt's text.
 */
class TextSealer {
  readonly #lines = new LineSink();
  #scratch = Buffer.allocUnsafe(64 * 1024);

  render(event: KaizenEvent, seq: number, informedBy: string | undefined, iri: string, graph: string, direct: boolean): RenderedBody {
    const lines = this.#lines;
    lines.begin(iri, graph, direct);
    visitEventFields(event, seq, informedBy, lines);
    return { text: lines.take(), lines: lines.count };
  }

  /** The digest line of a receipt. */
  digestLine(iri: string, graph: string, direct: boolean, digest: string): string {
    const lines = this.#lines;
    lines.begin(iri, graph, direct);
    lines.plain(F.digest, digest, undefined);
    return lines.take();
  }

  seal(rendered: RenderedBody, iri: string, graph: string, direct: boolean, prevDigest: string): SealedText {
    const body = rendered.text;
    // At most three bytes of UTF-8 per UTF-16 unit; the digest line, escaped by N3 at worst, ten per character of its IRIs.
    const room = 3 * (prevDigest.length + 1 + body.length) + 600 + 30 * (iri.length + graph.length);
    if (this.#scratch.length < room) this.#scratch = Buffer.allocUnsafe(Math.max(room, 2 * this.#scratch.length));
    const scratch = this.#scratch;
    let at = scratch.write(prevDigest, 0, 'utf8');
    scratch[at++] = 0x0a;
    at += scratch.write(body, at, 'utf8');
    const digest = sha256Hex(scratch.subarray(0, at));
    const digestLine = this.digestLine(iri, graph, direct, digest);
    const from = prevDigest.length + 1;
    const to = at + scratch.write(digestLine, at, 'utf8');
    // Read back as one flat string (the body was a tree of its parts): for ASCII, a plain copy.
    const ascii = to - from === body.length + digestLine.length;
    return { digest, text: scratch.toString(ascii ? 'latin1' : 'utf8', from, to), lines: rendered.lines + 1 };
  }
}

const sealer = new TextSealer();

/**
 * The sealed journal text of an event's receipt at `seq` after `prevDigest`: its body lines in
 * sorted order, then SHA-256 over the previous digest, a newline and the body (digestOf, without a
 * sort or a join), and the digest line. `direct` says that the receipt's IRI and graph need no escaping.
 */
export function sealEventText(
  event: KaizenEvent,
  seq: number,
  informedBy: string | undefined,
  iri: string,
  graph: string,
  direct: boolean,
  prevDigest: string,
): SealedText {
  return sealer.seal(sealer.render(event, seq, informedBy, iri, graph, direct), iri, graph, direct, prevDigest);
}

/** The journal text of a receipt sealed by sealEventBytes, written again from its event and digest. */
export function eventReceiptText(event: KaizenEvent, seq: number, informedBy: string | undefined, iri: string, graph: string, direct: boolean, digest: string): string {
  return sealer.render(event, seq, informedBy, iri, graph, direct).text + sealer.digestLine(iri, graph, direct, digest);
}

// Event → receipt: the quads of one evidence receipt, sealed with a SHA-256 digest chained to the
// previous receipt's.

import * as crypto from 'node:crypto';
import { DataFactory, type NamedNode, type Quad, type Quad_Object, Writer } from 'n3';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from './event.js';
import { eventTypeInfo, eventTypeOfClass, isPillar } from './event-types.js';
import { bucketOf } from './histogram.js';
import { hourKey } from './time.js';
import { classNode, hourGraphIri, KZ, pillarNode, receiptIri, V } from './vocabulary.js';

const { namedNode, literal, quad } = DataFactory;

/** The digest that stands before the first receipt of a chain. */
export const GENESIS_DIGEST = '0'.repeat(64);

/** A sealed receipt: its quads (the digest quad last) and their N-Quads lines, in that order. */
export interface Receipt {
  readonly iri: string;
  readonly graph: string;
  readonly seq: number;
  readonly timeMs: number;
  readonly digest: string;
  readonly quads: readonly Quad[];
  readonly lines: readonly string[];
  /** Its lines joined, when it was built as one text (a receipt sealed by toReceipt). */
  readonly text?: string;
  /** The event it records, when it was sealed from one here. */
  readonly event?: KaizenEvent;
  /** The body fields (predicate IRI, object value) without building quads, when the receipt can. */
  readonly fields?: (visit: (predicate: string, value: string) => void) => void;
}

/** Where a new receipt goes in its chain. */
export interface ChainPosition {
  readonly seq: number;
  readonly prevDigest: string;
  readonly instance: string;
}

const writer = new Writer({ format: 'N-Quads' });

/** One N-Quads line (with its newline) for a quad, as the journal and the digest use it. */
export function quadLine(q: Quad): string {
  return writer.quadToString(q.subject, q.predicate, q.object, q.graph);
}

/**
 * The digest of a receipt: SHA-256 over the previous digest and the receipt's own N-Quads lines
 * (all but its digest line), sorted, so that the order quads were written in does not matter.
 */
export function digestOf(bodyLines: readonly string[], prevDigest: string): string {
  return sha256Hex(`${prevDigest}\n${[...bodyLines].sort().join('')}`);
}

/** Refuses a sealed receipt that does not continue the chain at (seq, digest). */
export function checkSealed(r: Receipt, seq: number, digest: string): void {
  const body = r.lines.slice(0, -1);
  if (r.seq !== seq + 1 || digestOf(body, digest) !== r.digest) {
    throw new KaizenError('KZN_CHAIN_BROKEN', `receipt ${r.seq} does not continue the chain at receipt ${seq}: ${r.seq !== seq + 1 ? 'its sequence number is not the next' : 'its digest does not follow from the one before'}`);
  }
}

/** Seals body quads into a receipt: computes the chained digest and appends the digest quad. */
export function sealReceipt(
  iri: string,
  graph: string,
  seq: number,
  timeMs: number,
  body: readonly Quad[],
  prevDigest: string,
): Receipt {
  const lines = body.map(quadLine);
  const digest = digestOf(lines, prevDigest);
  const digestQuad = quad(namedNode(iri), V.digest, literal(digest), namedNode(graph));
  lines.push(quadLine(digestQuad));
  return { iri, graph, seq, timeMs, digest, quads: [...body, digestQuad], lines };
}

/** A predicate of a receipt body, with its N-Quads text (`<iri> `) written once. */
interface Field {
  readonly node: NamedNode;
  readonly text: string;
}

const field = (node: NamedNode): Field => ({ node, text: `<${node.value}> ` });

/**
 * The body predicates of an event receipt. visitEventFields visits them in the order their lines
 * sort in (`<http://www.w3.org/1999/…#type>`, then `<http://www.w3.org/ns/prov#…>`, then
 * `<https://w3id.org/kaizen/ns#…>` by local name; every line of a receipt starts with the same
 * subject and no predicate occurs twice), so that a receipt's lines need no sort for its digest.
 */
const F = {
  type: field(V.type),
  atTime: field(V.atTime),
  wasInformedBy: field(V.wasInformedBy),
  alert: field(V.alert),
  attributes: field(V.attributes),
  bucket: field(V.bucket),
  causedBy: field(V.causedBy),
  component: field(V.component),
  day: field(V.day),
  epochMs: field(V.epochMs),
  eventId: field(V.eventId),
  hour: field(V.hour),
  pillar: field(V.pillar),
  reason: field(V.reason),
  seq: field(V.seq),
  severity: field(V.severity),
  signal: field(V.signal),
  span: field(V.span),
  trace: field(V.trace),
  unit: field(V.unit),
  value: field(V.value),
  worker: field(V.worker),
} as const;

/** A datatype, with the N-Quads text that closes a literal of it (`"^^<iri>`). */
interface Datatype {
  readonly node: NamedNode;
  readonly close: string;
}

const datatype = (node: NamedNode): Datatype => ({ node, close: `"^^<${node.value}>` });
const INTEGER = datatype(V.xsdInteger);
const DOUBLE = datatype(V.xsdDouble);
const DATE_TIME = datatype(V.xsdDateTime);
const JSON_TYPE = datatype(V.json);

/** Receives the fields of a receipt body, one (predicate, object) at a time. */
interface FieldSink {
  /** An IRI object. */
  iri(f: Field, value: string): void;
  /** A plain string literal, whatever characters it holds. */
  string(f: Field, value: string): void;
  /**
   * A literal whose text needs no escaping (a number as String() writes it, a time, an hour or
   * day key), typed unless `type` is undefined.
   */
  plain(f: Field, value: string, type: Datatype | undefined): void;
  /** The attributes, as their JSON with keys sorted (an rdf:JSON literal). */
  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void;
}

/**
 * The fields of an event's receipt body (all but the digest), in the order their lines sort in.
 * `informedBy` is the IRI of the receipt of the event named in `causedBy`, when the caller could
 * resolve it. This one list feeds the journal lines, the quads and the fields of a receipt.
 */
function visitEventFields(event: KaizenEvent, seq: number, informedBy: string | undefined, sink: FieldSink): void {
  const info = eventTypeInfo(event.type);
  const hour = hourKey(event.timeMs);
  sink.iri(F.type, classNode(info.className).value);
  sink.plain(F.atTime, new Date(event.timeMs).toISOString(), DATE_TIME);
  if (informedBy !== undefined) sink.iri(F.wasInformedBy, informedBy);
  if (event.alert !== undefined) sink.string(F.alert, event.alert);
  if (event.attributes !== undefined) sink.attributes(F.attributes, event.attributes);
  if (event.value !== undefined && info.latency === true) sink.plain(F.bucket, String(bucketOf(event.value)), INTEGER);
  if (event.causedBy !== undefined) sink.string(F.causedBy, event.causedBy);
  sink.string(F.component, event.component);
  sink.plain(F.day, hour.slice(0, 10), undefined);
  sink.plain(F.epochMs, String(event.timeMs), INTEGER);
  if (event.id !== undefined) sink.string(F.eventId, event.id);
  sink.plain(F.hour, hour, undefined);
  sink.iri(F.pillar, pillarNode(event.pillar).value);
  if (event.reason !== undefined) sink.string(F.reason, event.reason);
  sink.plain(F.seq, String(seq), INTEGER);
  if (event.severity !== undefined) sink.string(F.severity, event.severity);
  if (event.signalId !== undefined) sink.string(F.signal, event.signalId);
  if (event.spanId !== undefined) sink.string(F.span, event.spanId);
  if (event.traceId !== undefined) sink.string(F.trace, event.traceId);
  if (event.value !== undefined) {
    if (event.unit !== undefined) sink.string(F.unit, event.unit);
    sink.plain(F.value, String(event.value), DOUBLE);
  }
  if (event.worker !== undefined) sink.string(F.worker, event.worker);
}

/** The attributes as JSON, keys sorted (as the receipt holds them). */
function attributesJson(attributes: Readonly<Record<string, string | number>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/**
 * The body quads of an event's receipt (without the digest). `informedBy` is the IRI of the
 * receipt of the event named in `causedBy`, when the caller could resolve it.
 */
export function eventQuads(event: KaizenEvent, iri: string, seq: number, informedBy?: string): Quad[] {
  const sink = new QuadSink(iri, hourGraphIri(hourKey(event.timeMs)));
  visitEventFields(event, seq, informedBy, sink);
  return sink.quads;
}

/** Collects the quads of a receipt body. */
class QuadSink implements FieldSink {
  readonly quads: Quad[] = [];
  readonly #s: NamedNode;
  readonly #g: NamedNode;

  constructor(iri: string, graph: string) {
    this.#s = namedNode(iri);
    this.#g = namedNode(graph);
  }

  #add(f: Field, o: Quad_Object): void {
    this.quads.push(quad(this.#s, f.node, o, this.#g));
  }

  iri(f: Field, value: string): void {
    this.#add(f, namedNode(value));
  }

  string(f: Field, value: string): void {
    this.#add(f, literal(value));
  }

  plain(f: Field, value: string, type: Datatype | undefined): void {
    this.#add(f, type === undefined ? literal(value) : literal(value, type.node));
  }

  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void {
    this.#add(f, literal(attributesJson(attributes), V.json));
  }
}

/** Hands each field to a (predicate IRI, object value) visitor. */
class ValueSink implements FieldSink {
  readonly #visit: (predicate: string, value: string) => void;

  constructor(visit: (predicate: string, value: string) => void) {
    this.#visit = visit;
  }

  iri(f: Field, value: string): void {
    this.#visit(f.node.value, value);
  }

  string(f: Field, value: string): void {
    this.#visit(f.node.value, value);
  }

  plain(f: Field, value: string): void {
    this.#visit(f.node.value, value);
  }

  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void {
    this.#visit(f.node.value, attributesJson(attributes));
  }
}

/**
 * N3's test for a character that N-Quads output escapes. A term without one is written as is,
 * so the journal lines of a receipt are put together directly from its fields (about four times
 * faster than building the terms and writing them); any term with one goes through N3's Writer.
 * test/evidence/receipt-lines.test.ts holds both ways equal.
 */
const NEEDS_ESCAPE = /[^ !#-[\]-~\u0080-\uFFFD]/;

/** The same test, leaving out `"` and `\` (which N3 escapes as `\"` and `\\`): JSON attributes have them. */
const NEEDS_OTHER_ESCAPE = /[^ -~\u0080-\uFFFD]/;

/**
 * A string that JSON.stringify writes between its quotes unchanged and N-Quads leaves alone: no
 * quote, backslash or control character, no DEL, U+FFFE or U+FFFF, no surrogate.
 */
const NOT_JSON_SAFE = /[^ !#-[\]-~\u0080-\uD7FF\uE000-\uFFFD]/;

/** The term as N-Quads writes it between quotes, or undefined when N3's Writer must escape it. */
function quotable(value: string): string | undefined {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return NEEDS_OTHER_ESCAPE.test(value) ? undefined : value.replace(/["\\]/g, '\\$&');
}

/** `\"key\":` per attribute key seen (keys repeat from event to event), for keys that are JSON-safe. */
const keyText = new Map<string, string>();

/**
 * The attributes' JSON (keys sorted, as attributesJson writes it) escaped for an N-Quads literal,
 * put together without JSON.stringify and a second escaping pass when every key and string value
 * is JSON-safe and no key is an array index (which a JSON object would put first); otherwise
 * undefined. Equal to quotable(attributesJson(a)) whenever it is defined (receipt-lines.test.ts).
 */
function attributesText(attributes: Readonly<Record<string, string | number>>): string | undefined {
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
      kt = `\\"${key}\\":`;
      if (keyText.size < 10_000) keyText.set(key, kt);
    }
    const v = attributes[key];
    let vt: string;
    if (typeof v === 'number') vt = Number.isFinite(v) ? String(v) : 'null';
    else if (typeof v === 'string' && !NOT_JSON_SAFE.test(v)) vt = `\\"${v}\\"`;
    else return undefined;
    out += i === 0 ? kt + vt : `,${kt}${vt}`;
  }
  return `${out}}`;
}

/**
 * Writes the N-Quads lines of one receipt body into one string, directly where it can (see
 * NEEDS_ESCAPE) and through N3's Writer where a term must be escaped. One instance serves every
 * receipt in turn (`begin`, the fields, `text`).
 */
class LineSink implements FieldSink {
  #iri = '';
  #graph = '';
  #head = '';
  #tail = '';
  #direct = true;
  #text = '';

  /** Starts a receipt: its subject and graph, and the text its lines follow (`prefix`). */
  begin(iri: string, graph: string, direct: boolean, prefix: string): void {
    this.#iri = iri;
    this.#graph = graph;
    this.#head = `<${iri}> `;
    this.#tail = ` <${graph}> .\n`;
    this.#direct = direct;
    this.#text = prefix;
  }

  /** The prefix and the lines written since `begin`. */
  get text(): string {
    return this.#text;
  }

  #viaWriter(f: Field, o: Quad_Object): void {
    this.#text += writer.quadToString(namedNode(this.#iri), f.node, o, namedNode(this.#graph));
  }

  iri(f: Field, value: string): void {
    if (this.#direct && !NEEDS_ESCAPE.test(value)) this.#text += `${this.#head}${f.text}<${value}>${this.#tail}`;
    else this.#viaWriter(f, namedNode(value));
  }

  string(f: Field, value: string): void {
    const quoted = this.#direct ? quotable(value) : undefined;
    if (quoted !== undefined) this.#text += `${this.#head}${f.text}"${quoted}"${this.#tail}`;
    else this.#viaWriter(f, literal(value));
  }

  plain(f: Field, value: string, type: Datatype | undefined): void {
    if (!this.#direct) this.#viaWriter(f, type === undefined ? literal(value) : literal(value, type.node));
    else if (type === undefined) this.#text += `${this.#head}${f.text}"${value}"${this.#tail}`;
    else this.#text += `${this.#head}${f.text}"${value}${type.close}${this.#tail}`;
  }

  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void {
    const text = this.#direct ? attributesText(attributes) : undefined;
    if (text !== undefined) {
      this.#text += `${this.#head}${f.text}"${text}${JSON_TYPE.close}${this.#tail}`;
      return;
    }
    const json = attributesJson(attributes);
    const quoted = this.#direct ? quotable(json) : undefined;
    if (quoted !== undefined) this.#text += `${this.#head}${f.text}"${quoted}${JSON_TYPE.close}${this.#tail}`;
    else this.#viaWriter(f, literal(json, V.json));
  }
}

/** SHA-256 in hex of a string's UTF-8: one call where Node has crypto.hash (20.12 and later). */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** A journal text's lines, each with its newline. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  for (let from = 0; from < text.length; ) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl + 1;
    lines.push(text.slice(from, end));
    from = end;
  }
  return lines;
}

const DIGEST = field(V.digest);

/**
 * The receipt of an event, sealed here: its journal text is written at once; its lines, quads and
 * fields are derived from its event when something asks for them (a loaded partition, an export),
 * since a writer that only journals never does.
 */
class EventReceipt implements Receipt {
  readonly iri: string;
  readonly graph: string;
  readonly seq: number;
  readonly timeMs: number;
  readonly digest: string;
  readonly text: string;
  readonly event: KaizenEvent;
  readonly #informedBy: string | undefined;
  #quads: Quad[] | undefined;

  constructor(event: KaizenEvent, iri: string, graph: string, seq: number, digest: string, text: string, informedBy: string | undefined) {
    this.iri = iri;
    this.graph = graph;
    this.seq = seq;
    this.timeMs = event.timeMs;
    this.digest = digest;
    this.text = text;
    this.event = event;
    this.#informedBy = informedBy;
  }

  get lines(): string[] {
    return splitLines(this.text);
  }

  get quads(): Quad[] {
    if (this.#quads === undefined) {
      this.#quads = eventQuads(this.event, this.iri, this.seq, this.#informedBy);
      this.#quads.push(quad(namedNode(this.iri), V.digest, literal(this.digest), namedNode(this.graph)));
    }
    return this.#quads;
  }

  fields(visit: (predicate: string, value: string) => void): void {
    visitEventFields(this.event, this.seq, this.#informedBy, new ValueSink(visit));
  }
}

const lineSink = new LineSink();

/** Whether the last instance id and hour graph seen can be written without escaping (both repeat). */
const plainText = { instance: '', instanceDirect: true, hour: '', graph: '', graphDirect: true };

/**
 * Builds the sealed receipt of an event at the given chain position. Its body lines are written
 * in sorted order after the previous digest, so that the text hashed for the digest (digestOf) is
 * the text written, with no sort and no join.
 */
export function toReceipt(event: KaizenEvent, at: ChainPosition, informedBy?: string): Receipt {
  const hour = hourKey(event.timeMs);
  if (hour !== plainText.hour) {
    plainText.hour = hour;
    plainText.graph = hourGraphIri(hour);
    plainText.graphDirect = !NEEDS_ESCAPE.test(plainText.graph);
  }
  if (at.instance !== plainText.instance) {
    plainText.instance = at.instance;
    plainText.instanceDirect = !NEEDS_ESCAPE.test(at.instance);
  }
  const { graph } = plainText;
  const iri = receiptIri(at.instance, at.seq);
  const direct = plainText.graphDirect && plainText.instanceDirect;
  const prefix = `${at.prevDigest}\n`;
  lineSink.begin(iri, graph, direct, prefix);
  visitEventFields(event, at.seq, informedBy, lineSink);
  const hashed = lineSink.text;
  const digest = sha256Hex(hashed);
  lineSink.begin(iri, graph, direct, hashed.slice(prefix.length));
  lineSink.plain(DIGEST, digest, undefined);
  return new EventReceipt(event, iri, graph, at.seq, digest, lineSink.text, informedBy);
}

/**
 * Calls `visit` with the predicate IRI and object value of every body field of a receipt:
 * straight from the event for a receipt built here, from its quads otherwise.
 */
export function visitReceiptFields(r: Receipt, visit: (predicate: string, value: string) => void): void {
  if (r.fields !== undefined) r.fields(visit);
  else for (const q of r.quads) visit(q.predicate.value, q.object.value);
}

/** The event a receipt records (the inverse of toReceipt), or undefined for a non-event receipt. */
export function receiptToEvent(quads: readonly Quad[]): KaizenEvent | undefined {
  const by = new Map<string, string>();
  let type: string | undefined;
  for (const q of quads) {
    if (q.predicate.equals(V.type)) type = q.object.value;
    else by.set(q.predicate.value, q.object.value);
  }
  const eventType = type?.startsWith(KZ) ? eventTypeOfClass(type.slice(KZ.length)) : undefined;
  const timeMs = Number(by.get(V.epochMs.value));
  const component = by.get(V.component.value);
  if (eventType === undefined || !Number.isFinite(timeMs) || component === undefined) return undefined;
  const pillarLocal = by.get(V.pillar.value)?.slice(KZ.length).toLowerCase() ?? eventTypeInfo(eventType).pillar;
  const get = (p: { value: string }): string | undefined => by.get(p.value);
  const value = get(V.value);
  const attributes = get(V.attributes);
  const event: Record<string, unknown> = {
    type: eventType,
    timeMs,
    component,
    pillar: isPillar(pillarLocal) ? pillarLocal : eventTypeInfo(eventType).pillar,
    id: get(V.eventId),
    value: value === undefined ? undefined : Number(value),
    unit: get(V.unit),
    signalId: get(V.signal),
    traceId: get(V.trace),
    spanId: get(V.span),
    worker: get(V.worker),
    alert: get(V.alert),
    severity: get(V.severity),
    reason: get(V.reason),
    causedBy: get(V.causedBy),
    attributes: attributes === undefined ? undefined : JSON.parse(attributes),
  };
  for (const k of Object.keys(event)) if (event[k] === undefined) delete event[k];
  return event as unknown as KaizenEvent;
}

// Event → receipt: the quads of one evidence receipt, sealed with a SHA-256 digest chained to the
// previous receipt's.

import { DataFactory, type NamedNode, type Quad, type Quad_Object, Writer } from 'n3';
import { KaizenError, quoteInput } from '../errors.js';
import type { KaizenEvent } from './event.js';
import { eventTypeInfo, eventTypeOfClass, isPillar } from './event-types.js';
import { type ReceiptBytes, sealEventBytes } from './receipt-bytes.js';
import { attributesJson, type Datatype, type Field, type FieldSink, visitEventFields } from './receipt-fields.js';
import { eventReceiptText, NEEDS_ESCAPE, sealEventText, sha256Hex } from './receipt-text.js';
import { hourKey } from './time.js';
import { hourGraphIri, KZ, receiptIri, V } from './vocabulary.js';

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
  /** Its lines joined, when it was sealed here from an event (one string rather than many). */
  readonly text?: string;
  /** The event it records, when it was sealed from one here. */
  readonly event?: KaizenEvent;
  /** How many lines it has, when that is known without splitting its text. */
  readonly lineCount?: number;
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

/** Where and how an event's receipt is written: its IRI, its hour graph, and whether both can be written as they are. */
interface ReceiptPlace {
  readonly iri: string;
  readonly graph: string;
  readonly direct: boolean;
}

/**
 * The receipt of an event, sealed here: its digest is computed at once; its journal text (when it
 * was sealed into bytes), lines, quads and fields are derived when something asks for them (a
 * loaded partition, an export), since a writer that only journals never does.
 */
class EventReceipt implements Receipt {
  readonly iri: string;
  readonly graph: string;
  readonly seq: number;
  readonly timeMs: number;
  readonly digest: string;
  readonly event: KaizenEvent;
  readonly lineCount: number;
  readonly #informedBy: string | undefined;
  readonly #direct: boolean;
  #text: string | undefined;
  #quads: Quad[] | undefined;

  constructor(event: KaizenEvent, place: ReceiptPlace, seq: number, informedBy: string | undefined, digest: string, lineCount: number, text?: string) {
    this.iri = place.iri;
    this.graph = place.graph;
    this.#direct = place.direct;
    this.seq = seq;
    this.timeMs = event.timeMs;
    this.digest = digest;
    this.lineCount = lineCount;
    this.event = event;
    this.#informedBy = informedBy;
    this.#text = text;
  }

  get text(): string {
    this.#text ??= eventReceiptText(this.event, this.seq, this.#informedBy, this.iri, this.graph, this.#direct, this.digest);
    return this.#text;
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

/** The last instance id and hour seen (both repeat from receipt to receipt), and whether they need escaping. */
const lastSeen = { instance: '', instanceDirect: true, hour: '', graph: '', graphDirect: true };

/** The IRI and graph of an event's receipt at a chain position. */
function placeOf(event: KaizenEvent, at: ChainPosition): ReceiptPlace {
  const hour = hourKey(event.timeMs);
  if (hour !== lastSeen.hour) {
    lastSeen.hour = hour;
    lastSeen.graph = hourGraphIri(hour);
    lastSeen.graphDirect = !NEEDS_ESCAPE.test(lastSeen.graph);
  }
  if (at.instance !== lastSeen.instance) {
    lastSeen.instance = at.instance;
    lastSeen.instanceDirect = !NEEDS_ESCAPE.test(at.instance);
  }
  return { iri: receiptIri(at.instance, at.seq), graph: lastSeen.graph, direct: lastSeen.graphDirect && lastSeen.instanceDirect };
}

/**
 * Builds the sealed receipt of an event at the given chain position (sealEventText writes its
 * journal text and digest).
 */
export function toReceipt(event: KaizenEvent, at: ChainPosition, informedBy?: string): Receipt {
  const place = placeOf(event, at);
  const sealed = sealEventText(event, at.seq, informedBy, place.iri, place.graph, place.direct, at.prevDigest);
  return new EventReceipt(event, place, at.seq, informedBy, sealed.digest, sealed.lines, sealed.text);
}

/**
 * Builds the sealed receipt of an event as toReceipt does, writing its journal bytes into `out`
 * (for the journal writer) rather than keeping its text: the text is written again only if asked for.
 */
export function toReceiptBytes(event: KaizenEvent, at: ChainPosition, informedBy: string | undefined, out: ReceiptBytes): Receipt {
  const place = placeOf(event, at);
  const sealed = sealEventBytes(event, at.seq, informedBy, place.iri, place.graph, place.direct, at.prevDigest, out);
  return new EventReceipt(event, place, at.seq, informedBy, sealed.digest, sealed.lines);
}

/**
 * Calls `visit` with the predicate IRI and object value of every body field of a receipt:
 * straight from the event for a receipt built here, from its quads otherwise.
 */
export function visitReceiptFields(r: Receipt, visit: (predicate: string, value: string) => void): void {
  if (r.fields !== undefined) r.fields(visit);
  else for (const q of r.quads) visit(q.predicate.value, q.object.value);
}

/** A receipt's kz:attributes (an rdf:JSON literal) as the object it must hold. */
function attributesOf(json: string, subject: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new KaizenError('KZN_RDF_SYNTAX', `${quoteInput(subject)}: its kz:attributes is not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KaizenError('KZN_RDF_SYNTAX', `${quoteInput(subject)}: its kz:attributes must be a JSON object, got ${quoteInput(json.slice(0, 80))}`);
  }
  return value as Record<string, unknown>;
}

/**
 * The event a receipt records (the inverse of toReceipt), or undefined for a non-event receipt.
 * Refuses (KZN_RDF_SYNTAX) a receipt whose attributes are not a JSON object.
 */
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
    attributes: attributes === undefined ? undefined : attributesOf(attributes, quads[0]?.subject.value ?? ''),
  };
  for (const k of Object.keys(event)) if (event[k] === undefined) delete event[k];
  return event as unknown as KaizenEvent;
}

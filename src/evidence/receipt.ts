// Event → receipt: the quads of one evidence receipt, sealed with a SHA-256 digest chained to the
// previous receipt's.

import { createHash } from 'node:crypto';
import { DataFactory, type NamedNode, type Quad, type Quad_Object, Writer } from 'n3';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from './event.js';
import { eventTypeInfo, eventTypeOfClass, isPillar } from './event-types.js';
import { bucketOf } from './histogram.js';
import { dayKey, hourKey } from './time.js';
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
  return createHash('sha256').update(`${prevDigest}\n${[...bodyLines].sort().join('')}`).digest('hex');
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

/** How a field's object is written: an IRI, a plain string, or a literal of a datatype. */
type ObjectKind = 'iri' | 'string' | NamedNode;

/** Receives the fields of a receipt body, one (predicate, object) at a time. */
type FieldVisitor = (predicate: NamedNode, value: string, kind: ObjectKind) => void;

/**
 * The fields of an event's receipt body (all but the digest), in the order they are written.
 * `informedBy` is the IRI of the receipt of the event named in `causedBy`, when the caller could
 * resolve it. This one list feeds both the journal lines and the quads of a receipt.
 */
function visitEventFields(event: KaizenEvent, seq: number, informedBy: string | undefined, visit: FieldVisitor): void {
  const hour = hourKey(event.timeMs);
  const info = eventTypeInfo(event.type);
  visit(V.type, classNode(info.className).value, 'iri');
  visit(V.seq, String(seq), V.xsdInteger);
  visit(V.atTime, new Date(event.timeMs).toISOString(), V.xsdDateTime);
  visit(V.epochMs, String(event.timeMs), V.xsdInteger);
  visit(V.hour, hour, 'string');
  visit(V.day, dayKey(event.timeMs), 'string');
  visit(V.pillar, pillarNode(event.pillar).value, 'iri');
  visit(V.component, event.component, 'string');
  const str = (p: NamedNode, v: string | undefined): void => {
    if (v !== undefined) visit(p, v, 'string');
  };
  if (event.value !== undefined) {
    visit(V.value, String(event.value), V.xsdDouble);
    str(V.unit, event.unit);
    if (info.latency === true) visit(V.bucket, String(bucketOf(event.value)), V.xsdInteger);
  }
  str(V.eventId, event.id);
  str(V.signal, event.signalId);
  str(V.trace, event.traceId);
  str(V.span, event.spanId);
  str(V.worker, event.worker);
  str(V.alert, event.alert);
  str(V.severity, event.severity);
  str(V.reason, event.reason);
  str(V.causedBy, event.causedBy);
  if (informedBy !== undefined) visit(V.wasInformedBy, informedBy, 'iri');
  if (event.attributes !== undefined) {
    const sorted = Object.fromEntries(Object.entries(event.attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    visit(V.attributes, JSON.stringify(sorted), V.json);
  }
}

function objectTerm(value: string, kind: ObjectKind): Quad_Object {
  return kind === 'iri' ? namedNode(value) : kind === 'string' ? literal(value) : literal(value, kind);
}

/**
 * The body quads of an event's receipt (without the digest). `informedBy` is the IRI of the
 * receipt of the event named in `causedBy`, when the caller could resolve it.
 */
export function eventQuads(event: KaizenEvent, iri: string, seq: number, informedBy?: string): Quad[] {
  const s = namedNode(iri);
  const g = namedNode(hourGraphIri(hourKey(event.timeMs)));
  const out: Quad[] = [];
  visitEventFields(event, seq, informedBy, (p, value, kind) => out.push(quad(s, p, objectTerm(value, kind), g)));
  return out;
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

/** The term as N-Quads writes it between quotes, or undefined when N3's Writer must escape it. */
function quotable(value: string): string | undefined {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return NEEDS_OTHER_ESCAPE.test(value) ? undefined : value.replace(/["\\]/g, '\\$&');
}

/** `<predicate> ` per vocabulary term, written once. */
const predicateText = new Map<string, string>();

/** Writes the N-Quads lines of one receipt (its subject and graph fixed), directly when it can. */
function lineWriter(iri: string, graph: string): (p: NamedNode, value: string, kind: ObjectKind) => string {
  const direct = !NEEDS_ESCAPE.test(iri) && !NEEDS_ESCAPE.test(graph);
  const head = `<${iri}> `;
  const tail = ` <${graph}> .\n`;
  return (p, value, kind) => {
    const quoted = direct && kind !== 'iri' ? quotable(value) : undefined;
    if (direct && (kind === 'iri' ? !NEEDS_ESCAPE.test(value) : quoted !== undefined)) {
      let pt = predicateText.get(p.value);
      if (pt === undefined) predicateText.set(p.value, (pt = `<${p.value}> `));
      const o = kind === 'iri' ? `<${value}>` : kind === 'string' ? `"${quoted}"` : `"${quoted}"^^<${kind.value}>`;
      return head + pt + o + tail;
    }
    return writer.quadToString(namedNode(iri), p, objectTerm(value, kind), namedNode(graph));
  };
}

/**
 * Builds the sealed receipt of an event at the given chain position. Its journal lines are
 * written at once; its quads only when something asks for them (a loaded partition, an export),
 * since a writer that only journals never does.
 */
export function toReceipt(event: KaizenEvent, at: ChainPosition, informedBy?: string): Receipt {
  const iri = receiptIri(at.instance, at.seq);
  const graph = hourGraphIri(hourKey(event.timeMs));
  const line = lineWriter(iri, graph);
  const lines: string[] = [];
  visitEventFields(event, at.seq, informedBy, (p, value, kind) => lines.push(line(p, value, kind)));
  const digest = digestOf(lines, at.prevDigest);
  lines.push(line(V.digest, digest, 'string'));
  let quads: Quad[] | undefined;
  return {
    iri,
    graph,
    seq: at.seq,
    timeMs: event.timeMs,
    digest,
    lines,
    get quads(): Quad[] {
      quads ??= [...eventQuads(event, iri, at.seq, informedBy), quad(namedNode(iri), V.digest, literal(digest), namedNode(graph))];
      return quads;
    },
    fields: (visit) => visitEventFields(event, at.seq, informedBy, (p, value) => visit(p.value, value)),
  };
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

// Event → receipt: the quads of one evidence receipt, sealed with a SHA-256 digest chained to the
// previous receipt's.

import { createHash } from 'node:crypto';
import { DataFactory, type Quad, type Quad_Object, Writer } from 'n3';
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

const int = (n: number): Quad_Object => literal(String(n), V.xsdInteger);
const dbl = (n: number): Quad_Object => literal(String(n), V.xsdDouble);

/**
 * The digest of a receipt: SHA-256 over the previous digest and the receipt's own N-Quads lines
 * (all but its digest line), sorted, so that the order quads were written in does not matter.
 */
export function digestOf(bodyLines: readonly string[], prevDigest: string): string {
  const hash = createHash('sha256');
  hash.update(prevDigest);
  hash.update('\n');
  for (const line of [...bodyLines].sort()) hash.update(line);
  return hash.digest('hex');
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
  const s = namedNode(iri);
  const hour = hourKey(event.timeMs);
  const g = namedNode(hourGraphIri(hour));
  const info = eventTypeInfo(event.type);
  const out: Quad[] = [
    quad(s, V.type, classNode(info.className), g),
    quad(s, V.seq, int(seq), g),
    quad(s, V.atTime, literal(new Date(event.timeMs).toISOString(), V.xsdDateTime), g),
    quad(s, V.epochMs, int(event.timeMs), g),
    quad(s, V.hour, literal(hour), g),
    quad(s, V.day, literal(dayKey(event.timeMs)), g),
    quad(s, V.pillar, pillarNode(event.pillar), g),
    quad(s, V.component, literal(event.component), g),
  ];
  const add = (p: (typeof V)[keyof typeof V], o: Quad_Object | undefined): void => {
    if (o !== undefined) out.push(quad(s, p, o, g));
  };
  const str = (v: string | undefined): Quad_Object | undefined => (v === undefined ? undefined : literal(v));
  if (event.value !== undefined) {
    add(V.value, dbl(event.value));
    add(V.unit, str(event.unit));
    if (info.latency === true) add(V.bucket, int(bucketOf(event.value)));
  }
  add(V.eventId, str(event.id));
  add(V.signal, str(event.signalId));
  add(V.trace, str(event.traceId));
  add(V.span, str(event.spanId));
  add(V.worker, str(event.worker));
  add(V.alert, str(event.alert));
  add(V.severity, str(event.severity));
  add(V.reason, str(event.reason));
  add(V.causedBy, str(event.causedBy));
  if (informedBy !== undefined) add(V.wasInformedBy, namedNode(informedBy));
  if (event.attributes !== undefined) {
    const sorted = Object.fromEntries(Object.entries(event.attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    add(V.attributes, literal(JSON.stringify(sorted), V.json));
  }
  return out;
}

/** Builds the sealed receipt of an event at the given chain position. */
export function toReceipt(event: KaizenEvent, at: ChainPosition, informedBy?: string): Receipt {
  const iri = receiptIri(at.instance, at.seq);
  const body = eventQuads(event, iri, at.seq, informedBy);
  return sealReceipt(iri, body[0]!.graph.value, at.seq, event.timeMs, body, at.prevDigest);
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

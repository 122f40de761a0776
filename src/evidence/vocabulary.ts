// The IRIs of the kaizen vocabulary (documented in kaizen.ttl) and of the graphs evidence lives in.

import { DataFactory, type NamedNode } from 'n3';
import type { Pillar } from './event-types.js';

const { namedNode } = DataFactory;

export const KZ = 'https://w3id.org/kaizen/ns#';
export const PROV = 'http://www.w3.org/ns/prov#';
export const SOSA = 'http://www.w3.org/ns/sosa/';
export const XSD = 'http://www.w3.org/2001/XMLSchema#';
export const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

/** Prefixes used when kaizen writes Turtle or TriG, and offered to queries. */
export const PREFIXES: Readonly<Record<string, string>> = {
  kz: KZ,
  prov: PROV,
  sosa: SOSA,
  xsd: XSD,
  rdf: RDF,
};

const kz = (local: string): NamedNode => namedNode(KZ + local);

/** Terms of the vocabulary, as N3 named nodes (one shared instance each). */
export const V = {
  type: namedNode(`${RDF}type`),
  json: namedNode(`${RDF}JSON`),
  atTime: namedNode(`${PROV}atTime`),
  wasInformedBy: namedNode(`${PROV}wasInformedBy`),
  wasDerivedFrom: namedNode(`${PROV}wasDerivedFrom`),
  xsdInteger: namedNode(`${XSD}integer`),
  xsdDouble: namedNode(`${XSD}double`),
  xsdDateTime: namedNode(`${XSD}dateTime`),
  seq: kz('seq'),
  epochMs: kz('epochMs'),
  hour: kz('hour'),
  day: kz('day'),
  pillar: kz('pillar'),
  component: kz('component'),
  value: kz('value'),
  unit: kz('unit'),
  bucket: kz('bucket'),
  eventId: kz('eventId'),
  signal: kz('signal'),
  trace: kz('trace'),
  span: kz('span'),
  worker: kz('worker'),
  alert: kz('alert'),
  severity: kz('severity'),
  reason: kz('reason'),
  causedBy: kz('causedBy'),
  attributes: kz('attributes'),
  instance: kz('instance'),
  digest: kz('digest'),
  // rollups
  HourRollup: kz('HourRollup'),
  part: kz('part'),
  eventType: kz('eventType'),
  count: kz('count'),
  valueCount: kz('valueCount'),
  sum: kz('sum'),
  min: kz('min'),
  max: kz('max'),
  histogram: kz('histogram'),
  sourceDigest: kz('sourceDigest'),
  sourceCount: kz('sourceCount'),
  openSeconds: kz('openSeconds'),
  stateAtEnd: kz('stateAtEnd'),
  start: kz('start'),
  end: kz('end'),
  StatsRow: kz('StatsRow'),
  HistogramRow: kz('HistogramRow'),
  CircuitRow: kz('CircuitRow'),
  AlertEpisode: kz('AlertEpisode'),
} as const;

const PILLAR_NODES: Record<Pillar, NamedNode> = {
  jidoka: kz('Jidoka'),
  kanban: kz('Kanban'),
  andon: kz('Andon'),
  heijunka: kz('Heijunka'),
  kaizen: kz('Kaizen'),
};

/** The local name of a kz: IRI (`…/ns#TaskCompleted` → `TaskCompleted`); other values as they are. */
export function kzLocal(value: string | undefined): string {
  if (value === undefined) return '';
  return value.startsWith(KZ) ? value.slice(KZ.length) : value;
}

export function pillarNode(pillar: Pillar): NamedNode {
  return PILLAR_NODES[pillar];
}

export function classNode(className: string): NamedNode {
  return kz(className);
}

/** The named graph that holds the raw receipts of one UTC hour (`2026-11-23T10`). */
export function hourGraphIri(hour: string): string {
  return `urn:kaizen:hour:${hour}`;
}

/** The named graph that holds the rollup receipts of one UTC hour. */
export function rollupGraphIri(hour: string): string {
  return `urn:kaizen:rollup:${hour}`;
}

/** The IRI of a receipt: its writer's instance id and its sequence number. */
export function receiptIri(instance: string, seq: number): string {
  return `urn:kaizen:receipt:${instance}:${seq}`;
}

const HOUR_GRAPH = /^urn:kaizen:(hour|rollup):(\d{4}-\d{2}-\d{2}T\d{2})$/;

/** Splits a graph IRI into its kind and hour, or undefined for a graph kaizen does not own. */
export function parseGraphIri(iri: string): { kind: 'hour' | 'rollup'; hour: string } | undefined {
  const m = HOUR_GRAPH.exec(iri);
  return m === null ? undefined : { kind: m[1] as 'hour' | 'rollup', hour: m[2]! };
}

// Where a writer instance's evidence lives on a SPARQL server: its hour and rollup graphs, its
// journal graph, and the registry graph through which readers find every instance.

import { KZ } from '../../evidence/vocabulary.js';

/** The graph prefix of the embedded store's graphs, and the default on a server. */
export const DEFAULT_GRAPH_PREFIX = 'urn:kaizen:';

/** Properties of the journal and registry graphs (documented in src/evidence/kaizen.ttl). */
export const J = {
  seq: `${KZ}seq`,
  epochMs: `${KZ}epochMs`,
  hour: `${KZ}hour`,
  day: `${KZ}day`,
  digest: `${KZ}digest`,
  lines: `${KZ}journalLines`,
  kind: `${KZ}journalKind`,
  storedIn: `${KZ}storedIn`,
  quadCount: `${KZ}quadCount`,
  graphPrefix: `${KZ}graphPrefix`,
  instance: `${KZ}instance`,
} as const;

const LOCAL = /^urn:kaizen:(hour|rollup):(\d{4}-\d{2}-\d{2}T\d{2})$/;

/**
 * The graphs of one instance. The default instance `local` uses the deployment's prefix as is,
 * so its graphs are the embedded store's (`urn:kaizen:hour:…`); any other instance has a
 * sub-prefix of its own (`urn:kaizen:instance:b:hour:…`), which keeps its partitions, its rollups
 * and its chain apart from the others' while the analysis reads the union of them all.
 */
export class InstanceLayout {
  constructor(
    readonly instance: string,
    /** The instance's own prefix (instancePrefix), recorded in the registry. */
    readonly prefix: string,
  ) {}

  hourGraph(hour: string): string {
    return `${this.prefix}hour:${hour}`;
  }

  /**
   * The graph of a rollup receipt. A server graph cannot be narrowed to the latest of several
   * rollups of an hour, as the embedded store does when it loads a day, so a rebuilt rollup
   * goes into a graph of its own (`…rollup:HOUR/SEQ`) and readers take the latest per hour.
   */
  rollupGraph(hour: string, seq?: number): string {
    return `${this.prefix}rollup:${hour}${seq === undefined ? '' : `/${seq}`}`;
  }

  /** The journal graph: each receipt's exact N-Quads lines, sequence number and place. */
  get journalGraph(): string {
    return `${this.prefix}journal`;
  }

  /** The server graph of a receipt's graph as the embedded store names it. */
  serverGraph(localGraph: string, seq?: number): string {
    const m = LOCAL.exec(localGraph);
    if (m === null) return localGraph;
    return m[1] === 'hour' ? this.hourGraph(m[2]!) : this.rollupGraph(m[2]!, seq);
  }
}

/** The graph prefix of an instance under a deployment's prefix. */
export function instancePrefix(graphPrefix: string, instance: string): string {
  return instance === 'local' ? graphPrefix : `${graphPrefix}instance:${instance}:`;
}

/** The registry of the instances writing to a deployment. */
export function registryGraph(graphPrefix: string): string {
  return `${graphPrefix}instances`;
}

export function instanceIri(graphPrefix: string, instance: string): string {
  return `${graphPrefix}instance:${instance}`;
}

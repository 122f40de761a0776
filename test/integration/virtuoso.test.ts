// The SPARQL store against a real Virtuoso (Debian's virtuoso-opensource), started on loopback by
// this suite: the fixture week's analysis and review identical to the embedded store's, verify
// and export, tampering found, a server killed in the middle of appends, and two writers.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtuoso, type Virtuoso } from '../../bench/virtuoso.js';
import { runCli } from '../../src/cli/program.js';
import { isKaizenError } from '../../src/errors.js';
import type { KaizenEvent } from '../../src/evidence/event.js';
import type { Receipt } from '../../src/evidence/receipt.js';
import { openSparqlStore } from '../../src/store/sparql-store.js';
import { FIXTURE_FILE } from '../analysis/by-hand.js';
import { kaizen } from '../cli/run-cli.js';
import { serveCli } from '../server/support.js';

let virtuoso: Virtuoso;
const dirs: string[] = [];
let prefixes = 0;

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-sparql-'));
  dirs.push(d);
  return d;
}

/** The rows of a SELECT sent straight to the server, as plain values. */
async function select(query: string): Promise<Record<string, string>[]> {
  const r = await fetch(virtuoso.endpoint, {
    method: 'POST',
    headers: { accept: 'application/sparql-results+json' },
    body: new URLSearchParams({ query }),
  });
  const json = (await r.json()) as { results: { bindings: Record<string, { value: string }>[] } };
  return json.results.bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, t]) => [k, t.value])));
}

/** Options of a store on the suite's server under a graph prefix. */
function onServerArgs(prefix: string): string[] {
  return ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', prefix];
}

/** The same under a fresh prefix: each test writes a store of its own. */
function onServer(prefix = `urn:kaizen:t${++prefixes}:`): string[] {
  return onServerArgs(prefix);
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

    it('gives the rows of a union over the graphs, sent in parts at once, as Comunica gives them', async () => {
      for (const format of ['json', 'csv']) {
        const runs = await both(['query', 'rollup-rows', '--week', '2026-W47', '--format', format]);
        expect(runs.sparql.code).toBe(0);
        const rows = (out: string) => (format === 'json' ? JSON.parse(out).results.bindings.map((b: Record<string, unknown>) => JSON.stringify(Object.entries(b).sort())) : out.trim().split(/\r?\n/)).sort();
        expect(rows(runs.sparql.stdout).length).toBeGreaterThan(1000);
        expect(rows(runs.sparql.stdout)).toEqual(rows(runs.embedded.stdout));
      }
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

    it('migrates the embedded store to the server, resuming a copy that stopped, and back again', async () => {
      const prefix = 'urn:kaizen:migrated:';
      // A copy that stopped after receipt 100: the first 100 receipts of the chain are on the server.
      const { openEmbeddedStore } = await import('../../src/store/embedded-store.js');
      const source = openEmbeddedStore({ dataDir: embedded(), readOnly: true });
      const first: Receipt[] = [];
      for await (const r of source.exportReceipts({ fromMs: 0, toMs: Number.POSITIVE_INFINITY })) if (r.seq <= 100) first.push(r);
      await source.close();
      const partial = await openSparqlStore({ endpoint: virtuoso.endpoint, graphPrefix: prefix, dataDir: tempDir() });
      await partial.appendSealed(first.sort((a, b) => a.seq - b.seq));
      await partial.close();

      const there = await kaizen(embedded(), [...onServerArgs(prefix), 'migrate', '--to', 'sparql']);
      expect(there.stderr).toBe('');
      expect(there.stdout).toMatch(/^migrated 393 receipts to the sparql store, resumed after receipt 100; 493 receipts verify/);
      const review = ['review', '--week', '2026-W47', '--format', 'json'];
      expect((await kaizen(tempDir(), [...onServerArgs(prefix), ...review])).stdout).toBe((await kaizen(embedded(), review)).stdout);

      const back = tempDir();
      const home = await kaizen(back, [...onServerArgs(prefix), 'migrate', '--to', 'embedded']);
      expect(home.stdout).toMatch(/^migrated 493 receipts to the embedded store; 493 receipts verify/);
      const exported = await Promise.all([kaizen(back, ['export', '--rollups']), kaizen(embedded(), ['export', '--rollups'])]);
      expect(exported[0].stdout).toBe(exported[1].stdout);
      expect((await kaizen(back, ['verify'])).stdout).toBe((await kaizen(embedded(), ['verify'])).stdout);
    });

    it('analyses in the same process the rollups it has just appended, as the embedded store does', async () => {
      const { openEmbeddedStore } = await import('../../src/store/embedded-store.js');
      const { parseEventLine } = await import('../../src/evidence/event.js');
      const { ensureRollups } = await import('../../src/query/rollups.js');
      const { analyzeWindow } = await import('../../src/query/analyze.js');
      const { loadSlos } = await import('../../src/query/slo-files.js');
      const week = { fromMs: Date.parse('2026-11-16T00:00:00Z'), toMs: Date.parse('2026-11-23T00:00:00Z') };
      const writer = await openSparqlStore({ endpoint: virtuoso.endpoint, graphPrefix: 'urn:kaizen:same-process:', dataDir: tempDir() });
      // Loaded before the rollups exist, as kaizen serve holds the partitions it reports on.
      await writer.load({ range: week, rollups: true });
      const lines = fs.readFileSync(FIXTURE_FILE, 'utf8').trim().split('\n');
      await writer.appendEvents(lines.map((l, i) => parseEventLine(l, i + 1)).sort((a, b) => a.timeMs - b.timeMs));
      await ensureRollups(writer, week, { nowMs: week.toMs + 86_400_000 });
      const reader = openEmbeddedStore({ dataDir: embedded(), readOnly: true });
      const [onServer, local] = [await analyzeWindow(writer, week, loadSlos()), await analyzeWindow(reader, week, loadSlos())];
      await writer.close();
      await reader.close();
      expect(onServer.facts.hours.size).toBe(30);
      expect(JSON.stringify(onServer.health)).toBe(JSON.stringify(local.health));
      expect(JSON.stringify(onServer.slos)).toBe(JSON.stringify(local.slos));
    });

    it('answers CONSTRUCT and ASK on the server as on the embedded store', async () => {
      const construct = 'PREFIX kz: <https://w3id.org/kaizen/ns#> CONSTRUCT { ?r kz:component ?c ; kz:value ?v } WHERE { GRAPH ?g { ?r a kz:TaskFailed ; kz:component ?c ; kz:value ?v } }';
      const quads = await both(['query', '--text', construct, '--week', '2026-W47', '--format', 'nquads']);
      expect(quads.sparql.stderr).toBe('');
      const sorted = (s: string) => s.trim().split('\n').sort();
      expect(sorted(quads.sparql.stdout)).toEqual(sorted(quads.embedded.stdout));
      expect(sorted(quads.sparql.stdout).length).toBeGreaterThan(10);
      const ask = await both(['query', '--text', 'ASK { GRAPH ?g { ?s a <https://w3id.org/kaizen/ns#CircuitOpened> } }', '--week', '2026-W47', '--format', 'json']);
      expect(ask.sparql.stdout).toBe(ask.embedded.stdout);
    });

    it('stops a query on the server at its --timeout', async () => {
      const text = 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?t ?q ?u } }';
      const run = await kaizen(sparqlDir, [...server, 'query', '--text', text, '--week', '2026-W47', '--timeout', '200']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error KZN_QUERY_FAILED: the SPARQL query was stopped after its timeout of 200 ms/);
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

  it('writes through digest authentication with the credentials of the environment, and names wrong ones', async () => {
    const withEnv = async (env: Record<string, string>, args: string[]) => {
      let stdout = '';
      let stderr = '';
      const dir = tempDir();
      const deps = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), env, cwd: dir, now: () => Date.parse('2026-12-01T00:00:00Z') };
      const code = await runCli(['--data', dir, ...args], deps);
      return { code, stdout, stderr };
    };
    // Virtuoso's /sparql-auth asks for digest credentials; dba may update.
    const args = ['--store', 'sparql', '--endpoint', virtuoso.endpoint.replace(/\/sparql$/, '/sparql-auth'), '--graph-prefix', 'urn:kaizen:auth:', 'import', FIXTURE_FILE];
    const good = await withEnv({ KAIZEN_SPARQL_USER: 'dba', KAIZEN_SPARQL_PASSWORD: 'dba' }, args);
    expect(good.stderr).toBe('');
    expect(good.stdout).toMatch(/^imported 463 new events/);
    const bad = await withEnv({ KAIZEN_SPARQL_USER: 'dba', KAIZEN_SPARQL_PASSWORD: 'wrong' }, args);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^error KZN_ENDPOINT_AUTH: the SPARQL endpoint http:\/\/127\.0\.0\.1:\d+\/sparql-auth refused the request \(HTTP 401\)/);
    expect(bad.stderr).toMatch(/hint: Check KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD/);
  });

  it('explains an endpoint that does not answer, and exits 3', async () => {
    const run = await kaizen(tempDir(), ['--store', 'sparql', '--endpoint', 'http://127.0.0.1:9/sparql', 'stats']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error KZN_ENDPOINT_UNREACHABLE: the SPARQL endpoint http:\/\/127\.0\.0\.1:9\/sparql cannot be reached/);
  }, 60_000);

  describe('when the server is killed in the middle of a run of appends and started again', () => {
    it('has every acknowledged receipt on the server exactly once, and the chain verifies', async () => {
      const dir = tempDir();
      const prefix = 'urn:kaizen:fault:';
      const open = () =>
        openSparqlStore({ endpoint: virtuoso.endpoint, graphPrefix: prefix, dataDir: dir, retry: { attempts: 3, firstDelayMs: 50 }, maxTriples: 200 });
      const start = Date.parse('2026-11-16T10:00:00Z');
      const batch = (b: number): KaizenEvent[] =>
        Array.from({ length: 10 }, (_, i) => ({
          type: 'task.completed',
          timeMs: start + (b * 10 + i) * 1000,
          component: 'checkout',
          pillar: 'kanban',
          value: 10 + (b * 10 + i) / 7,
          unit: 'ms',
        }));
      const acknowledged: string[] = [];
      let refused = 0;
      const append = async (store: Awaited<ReturnType<typeof open>>, b: number): Promise<void> => {
        try {
          acknowledged.push(...(await store.appendEvents(batch(b))).receipts.map((r) => r.iri));
        } catch (error) {
          expect(isKaizenError(error, 'KZN_ENDPOINT_UNREACHABLE') || isKaizenError(error, 'KZN_ENDPOINT_ERROR')).toBe(true);
          expect((error as Error).message).toMatch(/are kept in the spool/);
          refused++;
        }
      };
      let store = await open();
      for (let b = 0; b < 30; b++) {
        if (b === 10) {
          // The kill lands while this batch is on its way.
          const inFlight = append(store, b);
          await virtuoso.kill();
          await inFlight;
          continue;
        }
        if (b === 20) await virtuoso.start();
        await append(store, b);
      }
      expect(refused).toBeGreaterThanOrEqual(9);
      // Down again at the end: the last batch stays in the spool over a restart of the writer too.
      await virtuoso.kill();
      await append(store, 30);
      await store.close();
      await virtuoso.start();
      store = await open();
      expect(store.spooled).toBe(0);
      expect(store.head().seq).toBe(310);
      await store.close();

      const counts = await select(
        `SELECT ?r (COUNT(?d) AS ?n) WHERE { GRAPH ?g { ?r <https://w3id.org/kaizen/ns#digest> ?d } FILTER (STRSTARTS(STR(?g), "${prefix}hour:")) } GROUP BY ?r`,
      );
      const onServer = new Map(counts.map((c) => [c.r!, Number(c.n)]));
      expect(onServer.size).toBe(310);
      expect([...onServer.values()].every((n) => n === 1)).toBe(true);
      expect(acknowledged.length).toBeGreaterThanOrEqual(200);
      for (const iri of acknowledged) expect(onServer.get(iri)).toBe(1);
      const verified = await kaizen(dir, [...onServerArgs(prefix), 'verify']);
      expect(verified.stderr).toBe('');
      expect(verified.stdout).toMatch(/^ok: 310 receipts verify, seq 1–310/);
    }, 120_000);
  });

  describe('with two kaizen serve instances writing to it', () => {
    it('reviews the week with the signals of both', async () => {
      const prefix = 'urn:kaizen:pair:';
      const served = ['a', 'b'].map((instance) => serveCli([...onServerArgs(prefix), '--instance', instance], {}, tempDir()));
      const urls = await Promise.all(served.map((s) => s.url));
      const posts = [3, 4];
      for (const [i, url] of urls.entries()) {
        for (let n = 0; n < posts[i]!; n++) {
          const r = await fetch(`${url}/signal?wait=true`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ signal_type: 'validate', payload: { latency_ms: 2 } }),
          });
          expect(r.status).toBe(200);
        }
      }
      for (const s of served) s.stop('SIGTERM');
      expect(await Promise.all(served.map((s) => s.exit))).toEqual([0, 0]);
      // Two hours on, the hour they wrote has closed: each writer rolls up its own partitions.
      const later = Date.now() + 2 * 3_600_000;
      for (const [i, instance] of ['a', 'b'].entries()) {
        const run = await kaizen(served[i]!.dataDir, [...onServerArgs(prefix), '--instance', instance, 'rollup'], { now: later });
        expect(run.code).toBe(0);
      }
      const day = new Date(Date.now()).toISOString().slice(0, 10);
      const review = await kaizen(tempDir(), [...onServerArgs(prefix), 'review', '--week', day, '--format', 'json'], { now: later });
      expect(review.stderr).toBe('');
      const flow = (JSON.parse(review.stdout) as { flow: { signals_total: number; completed: number } }).flow;
      expect(flow.signals_total).toBe(7);
      expect(flow.completed).toBe(7);
      const verified = await kaizen(tempDir(), [...onServerArgs(prefix), 'verify']);
      expect(verified.stdout).toMatch(/^ok: /);
    }, 120_000);
  });
});

// Bulk loading on a real Virtuoso: the load files of a sealed chain, loaded by the server's own
// loader, hold the same quads as the chain appended through INSERT DATA, and the store on them
// verifies, exports and analyses as the appended one does.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtuoso, type Virtuoso } from '../../bench/virtuoso.js';
import { parseEventLine } from '../../src/evidence/event.js';
import { ChainHead } from '../../src/store/chain-head.js';
import { InstanceLayout, instancePrefix } from '../../src/store/sparql/layout.js';
import { LoadFiles } from '../../src/store/sparql/load-file.js';
import { outgoingReceipt } from '../../src/store/sparql/spool.js';
import { FIXTURE_FILE } from '../analysis/by-hand.js';
import { kaizen } from '../cli/run-cli.js';

let virtuoso: Virtuoso;
let work = '';
const APPENDED = 'urn:kaizen:appended:';
const LOADED = 'urn:kaizen:loaded:';

/** Every quad under a graph prefix as `graph s p o datatype` lines with the prefix cut out of them, sorted. */
async function quadsUnder(prefix: string): Promise<string[]> {
  const query = `SELECT ?g ?s ?p ?o (DATATYPE(?o) AS ?t) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "${prefix}")) }`;
  const r = await fetch(virtuoso.endpoint, { method: 'POST', headers: { accept: 'application/sparql-results+json' }, body: new URLSearchParams({ query }) });
  const json = (await r.json()) as { results: { bindings: Record<string, { value: string }>[] } };
  return json.results.bindings.map((b) => [b.g!.value, b.s!.value, b.p!.value, b.o!.value, b.t?.value ?? ''].join(' ').replaceAll(prefix, '')).sort();
}

/** The fixture week's events, sealed on a chain of `local`, as load files for the prefix. */
function loadFilesOfFixture(prefix: string, dir: string, maxBytes?: number): LoadFiles {
  const layout = new InstanceLayout('local', instancePrefix(prefix, 'local'));
  const lines = fs.readFileSync(FIXTURE_FILE, 'utf8').trim().split('\n');
  const events = lines.map((l, i) => parseEventLine(l, i + 1, FIXTURE_FILE));
  const receipts = new ChainHead('local').sealEvents(events);
  const files = new LoadFiles(dir, layout, prefix, maxBytes);
  files.add(receipts.map((r) => outgoingReceipt(r, 'raw', layout.serverGraph(r.graph))));
  files.close();
  return files;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-bulk-'));
  fs.mkdirSync(path.join(work, 'load'));
  virtuoso = await startVirtuoso({ loadDirs: [path.join(work, 'load'), path.join(work, 'migrate')] });
  const appended = await kaizen(path.join(work, 'a'), ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', APPENDED, 'import', '--no-rollup', FIXTURE_FILE]);
  expect(appended.stderr).toBe('');
  const files = loadFilesOfFixture(LOADED, path.join(work, 'load'), 200_000);
  expect(files.files.length).toBeGreaterThan(1);
  await virtuoso.bulkLoad(path.join(work, 'load'));
}, 180_000);

afterAll(async () => {
  await virtuoso?.dispose();
  if (work !== '') fs.rmSync(work, { recursive: true, force: true });
});

describe('a chain bulk-loaded into Virtuoso', () => {
  it('holds the same quads, datatypes included, as the chain appended through INSERT DATA', async () => {
    const appended = await quadsUnder(APPENDED);
    const loaded = await quadsUnder(LOADED);
    expect(loaded.length).toBeGreaterThan(463 * 10);
    expect(loaded).toEqual(appended);
    expect(loaded.filter((q) => q.endsWith('#decimal'))).toEqual([]);
  });

  it('verifies, and exports the same N-Quads as the appended chain', async () => {
    const onServer = (prefix: string) => ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', prefix];
    const verify = await kaizen(path.join(work, 'l'), [...onServer(LOADED), 'verify']);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/463 receipts/);
    const a = await kaizen(path.join(work, 'a'), [...onServer(APPENDED), 'export', '--week', '2026-W47']);
    const l = await kaizen(path.join(work, 'l'), [...onServer(LOADED), 'export', '--week', '2026-W47']);
    expect(l.code).toBe(0);
    expect(l.stdout.length).toBeGreaterThan(100_000);
    expect(l.stdout).toBe(a.stdout);
  });

  it('takes further appends after the loaded chain and reviews the week as the appended store does', async () => {
    const onServer = (prefix: string) => ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', prefix];
    for (const [dir, prefix] of [['a', APPENDED], ['l', LOADED]] as const) {
      const rollup = await kaizen(path.join(work, dir), [...onServer(prefix), 'rollup', '--week', '2026-W47']);
      expect(rollup.code).toBe(0);
    }
    const a = await kaizen(path.join(work, 'a'), [...onServer(APPENDED), 'review', '--week', '2026-W47', '--format', 'md']);
    const l = await kaizen(path.join(work, 'l'), [...onServer(LOADED), 'review', '--week', '2026-W47', '--format', 'md']);
    expect(l.stderr).toBe('');
    expect(l.code).toBe(0);
    expect(l.stdout).toBe(a.stdout);
    const verify = await kaizen(path.join(work, 'l'), [...onServer(LOADED), 'verify']);
    expect(verify.code).toBe(0);
    const receipts = Number(/([\d,]+) receipts/.exec(verify.stdout)?.[1]?.replace(/,/g, ''));
    expect(receipts).toBeGreaterThan(463);
  });

  it('migrates an embedded store through load files: written, loaded, then completed and verified by a second migrate', async () => {
    const prefix = 'urn:kaizen:migrated:';
    const data = path.join(work, 'm');
    const onServer = ['--store', 'sparql', '--endpoint', virtuoso.endpoint, '--graph-prefix', prefix];
    expect((await kaizen(data, ['import', FIXTURE_FILE])).code).toBe(0);
    const written = await kaizen(data, [...onServer, 'migrate', '--to', 'sparql', '--load-files', path.join(work, 'migrate')]);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    const receipts = Number(/wrote (\d+) receipts/.exec(written.stdout)?.[1]);
    expect(receipts).toBeGreaterThan(463);
    expect(written.stdout).toContain(`ld_dir('${path.join(work, 'migrate')}', '*.trig'`);
    await virtuoso.bulkLoad(path.join(work, 'migrate'));
    const completed = await kaizen(data, [...onServer, 'migrate', '--to', 'sparql']);
    expect(completed.stderr).toBe('');
    expect(completed.stdout).toMatch(new RegExp(`^migrated 0 receipts to the sparql store, resumed after receipt ${receipts}; ${receipts} receipts verify`));
    const a = await kaizen(data, ['review', '--week', '2026-W47', '--format', 'md']);
    const l = await kaizen(data, [...onServer, 'review', '--week', '2026-W47', '--format', 'md']);
    expect(l.code).toBe(0);
    expect(l.stdout).toBe(a.stdout);
  });
});

// End to end: `kaizen run` of a one-day scenario with a downstream outage at 10:00 writes
// receipts whose SPARQL answers show the circuit opening, the alert, the rejections while open
// and the closing after recovery; `kaizen why` on the alert names the injected fault.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const START = Date.parse('2026-11-23T00:00:00.000Z');
const OUTAGE = START + 10 * 3_600_000;
const RECOVERY = OUTAGE + 20 * 60_000;
let dir: string;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    env: {},
    cwd: join(import.meta.dirname, '../..'),
    now: () => Date.parse('2026-11-25T09:00:00Z'),
  };
  const code = await runCli(['--data', dir, ...args], deps);
  return { code, out, err };
}

type Row = Record<string, { value: string }>;
async function select(name: string, from: number, to: number): Promise<Row[]> {
  const r = await cli(['query', name, '--param', `from=${new Date(from).toISOString()}`, '--param', `to=${new Date(to).toISOString()}`, '--format', 'json']);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { results: { bindings: Row[] } }).results.bindings;
}

const local = (iri: string): string => iri.slice(iri.indexOf('#') + 1);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kz-outage-'));
  // A lighter rate keeps the test small; the outage is the same.
  const r = await cli(['run', '--scenario', 'outage-day', '--seed', '3', '--start', '2026-11-23T00:00Z', '--duration', '12h', '--rate', '0.3']);
  expect(r.code, r.err).toBe(0);
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a simulated day with a 20-minute downstream outage at 10:00', () => {
  it('opens the circuit within seconds of the outage and closes it for good within a reset timeout of the recovery', async () => {
    const rows = await select('circuit-timeline', OUTAGE - 3_600_000, RECOVERY + 3_600_000);
    const opened = rows.filter((r) => local(r.type!.value) === 'CircuitOpened').map((r) => Date.parse(r.time!.value));
    const closed = rows.filter((r) => local(r.type!.value) === 'CircuitClosed').map((r) => Date.parse(r.time!.value));
    expect(opened.length).toBeGreaterThan(0);
    expect(opened[0]! - OUTAGE).toBeGreaterThanOrEqual(0);
    expect(opened[0]! - OUTAGE).toBeLessThan(60_000);
    expect(Math.max(...opened)).toBeLessThan(RECOVERY + 1_000);
    const lastClose = Math.max(...closed);
    expect(lastClose).toBeGreaterThan(RECOVERY);
    expect(lastClose - RECOVERY).toBeLessThan(90_000);
  });

  it('fires the circuit-open alert during the outage and clears it after', async () => {
    const rows = await select('alert-timeline', OUTAGE - 3_600_000, RECOVERY + 3_600_000);
    const circuit = rows.filter((r) => r.alert?.value === 'circuit-open');
    const fired = circuit.filter((r) => local(r.type!.value) === 'AlertFired').map((r) => Date.parse(r.time!.value));
    const cleared = circuit.filter((r) => local(r.type!.value) === 'AlertCleared').map((r) => Date.parse(r.time!.value));
    expect(fired[0]).toBeGreaterThanOrEqual(OUTAGE);
    expect(fired[0]).toBeLessThan(OUTAGE + 120_000);
    expect(Math.max(...cleared)).toBeGreaterThan(RECOVERY);
  });

  it('rejects signals while the circuit is open, and none before the outage', async () => {
    const during = await select('raw-counts-by-type', OUTAGE, RECOVERY + 60_000);
    const before = await select('raw-counts-by-type', OUTAGE - 2 * 3_600_000, OUTAGE);
    const rejected = (rows: Row[]): number =>
      rows.filter((r) => local(r.type!.value) === 'SignalRejected').reduce((n, r) => n + Number(r.count!.value), 0);
    expect(rejected(during)).toBeGreaterThan(0);
    expect(rejected(before)).toBe(0);
  });

  it('traces the alert back to the injected downstream fault with kaizen why, citing receipts', async () => {
    const r = await cli(['why', '--alert', 'circuit-open', '--at', new Date(RECOVERY).toISOString(), '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const chain = JSON.parse(r.out) as { steps: { receipts: string[] }[]; rootCause: { className: string; reason?: string } | null };
    expect(chain.rootCause).toMatchObject({ className: 'ChaosInjected', reason: 'downstream-down' });
    for (const s of chain.steps) expect(s.receipts[0]).toMatch(/^urn:kaizen:receipt:local:\d+$/);
  });
});

// `kaizen rollup` of the built package queries the raw hours in worker threads; the rollups it
// writes are byte for byte the ones the same hours get when rolled up in-process, and a broken
// journal line stops it with the same error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, simulateInto } from '../../src/cli/run.js';
import { ensureRollups } from '../../src/query/rollups.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { kaizenRun } from '../crash/processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-rollup-workers-'));
  dirs.push(d);
  return d;
};
const START = Date.parse('2026-11-02T00:00:00Z');
const HOURS = 8;

/** A data directory with HOURS simulated hours of raw receipts and no rollups; a copy of it. */
async function twoRawCopies(): Promise<[string, string]> {
  const a = tempDir();
  const store = openEmbeddedStore({ dataDir: a });
  await simulateInto(store, { scenario: loadScenario('outage-day', ROOT), seed: 3, startMs: START, durationMs: HOURS * 3_600_000, rate: 0.2, env: {}, rollup: false });
  await store.close();
  const b = tempDir();
  fs.cpSync(a, b, { recursive: true });
  return [a, b];
}

const rollupFiles = (dataDir: string): string[] =>
  fs
    .readdirSync(path.join(dataDir, 'journal'))
    .filter((f) => f.endsWith('.rollup.nq'))
    .map((f) => fs.readFileSync(path.join(dataDir, 'journal', f), 'utf8'));

describe('kaizen rollup with worker threads', () => {
  it('writes the rollups the in-process route writes, byte for byte', async () => {
    const [viaWorkers, inProcess] = await twoRawCopies();
    const run = await kaizenRun(viaWorkers, ['rollup', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-03T00:00:00Z']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`rolled up ${HOURS} hours`);
    expect(run.stdout).toMatch(/; [12] worker threads queried the raw hours/);
    const store = openEmbeddedStore({ dataDir: inProcess });
    const report = await ensureRollups(store, { fromMs: START, toMs: START + 86_400_000 }, { nowMs: START + 86_400_000 });
    await store.close();
    expect(report.workers).toBe(0);
    expect(report.built).toHaveLength(HOURS);
    const [a, b] = [rollupFiles(viaWorkers), rollupFiles(inProcess)];
    expect(a).toHaveLength(1);
    expect(a[0]!.split('\n').length).toBeGreaterThan(HOURS * 10);
    expect(a).toEqual(b);
  }, 180_000);

  it('stops at a broken line of the raw journal, naming its file and line, and writes no rollup of its hour', async () => {
    const [dataDir] = await twoRawCopies();
    const file = path.join(dataDir, 'journal', '2026-11-02.nq');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    // A body line (not a digest line) whose end is no longer N-Quads, the file's size unchanged.
    const at = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('#component> '));
    lines[at] = lines[at]!.replace(/ \.$/, ' ;');
    fs.writeFileSync(file, lines.join('\n'));
    const run = await kaizenRun(dataDir, ['rollup', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-03T00:00:00Z']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`2026-11-02.nq line ${at + 1}: expected an N-Quads statement`);
    // The hours before it are rolled up; the broken hour and those after it are not.
    const hour = /<urn:kaizen:hour:([0-9T-]+)> ;$/.exec(lines[at]!)![1]!;
    const written = rollupFiles(dataDir).join('');
    expect(written).not.toContain(`urn:kaizen:rollup:${hour}>`);
    expect(written).not.toContain(`urn:kaizen:rollup:2026-11-02T0${HOURS - 1}>`);
  }, 180_000);
});

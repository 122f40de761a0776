// kaizen run simulating on a worker thread (the built worker script, dist/src/cli/simulate-worker.js):
// the journal of the built binary's run is byte for byte that of the same run simulated on the
// journal's own thread, and an error in the worker reaches the journal as the KaizenError it was.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, simulateInto } from '../../src/cli/run.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { listJournalFiles } from '../../src/store/journal.js';
import { ROOT, useTempDirs } from '../store/support.js';

const CLI = path.join(ROOT, 'dist', 'src', 'main.js');
const FEED = path.join(ROOT, 'dist', 'src', 'cli', 'simulation-feed.js');
const tempDir = useTempDirs();

/** Every journal file of a data directory, by name, and its HEAD. */
function journalOf(dataDir: string): Map<string, string> {
  const files = new Map(listJournalFiles(dataDir).map((f) => [f.name, fs.readFileSync(f.path, 'utf8')]));
  files.set('HEAD', fs.readFileSync(path.join(dataDir, 'HEAD'), 'utf8'));
  return files;
}

describe('kaizen run with the simulation on a worker thread', () => {
  it('is there in the build', async () => {
    const feed = (await import(FEED)) as typeof import('../../src/cli/simulation-feed.js');
    expect(feed.canFeedFromWorker()).toBe(true);
  });

  it('journals byte for byte what the same run simulated on the journal thread journals', async () => {
    // Across the outage at 10:00 (circuit opened and closed, an alert), into a store that already has a day.
    const args = ['--scenario', 'outage-day', '--seed', '5', '--rate', '0.5', '--start', '2026-11-23T08:00:00Z', '--duration', '270m'];
    const [onWorker, here] = [tempDir(), tempDir()];
    for (const dataDir of [onWorker, here]) {
      const first = spawnSync(process.execPath, [CLI, '--data', dataDir, 'run', '--scenario', 'outage-day', '--seed', '1', '--rate', '0.2', '--start', '2026-11-22T00:00:00Z', '--duration', '1d'], { encoding: 'utf8' });
      expect(first.status, first.stderr).toBe(0);
    }
    const run = spawnSync(process.execPath, [CLI, '--data', onWorker, 'run', ...args], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('5/5 h simulated and journaled');

    const store = openEmbeddedStore({ dataDir: here });
    await simulateInto(store, {
      scenario: loadScenario('outage-day', ROOT),
      seed: 5,
      rate: 0.5,
      startMs: Date.parse('2026-11-23T08:00:00Z'),
      durationMs: 4.5 * 3_600_000,
      env: {},
      worker: false,
    });
    await store.close();
    const [ours, theirs] = [journalOf(onWorker), journalOf(here)];
    expect([...ours.keys()]).toEqual(['2026-11-22.nq', '2026-11-22.rollup.nq', '2026-11-23.nq', '2026-11-23.rollup.nq', 'HEAD']);
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    for (const [name, text] of ours) expect(text === theirs.get(name), name).toBe(true);
  });

  it('hands the journal the KaizenError a simulation on the worker failed with', async () => {
    const feed = (await import(FEED)) as typeof import('../../src/cli/simulation-feed.js');
    // The built modules' own KaizenError class, not this test's.
    const errors = (await import(path.join(ROOT, 'dist', 'src', 'errors.js'))) as typeof import('../../src/errors.js');
    const { resolveConfig } = (await import(path.join(ROOT, 'dist', 'src', 'pipeline', 'config.js'))) as typeof import('../../src/pipeline/config.js');
    const queue = new feed.SliceQueue();
    // simulateInto checks the options before it starts the worker; here the worker finds the bad seed.
    const simulated = feed.feedFromWorker({ scenario: loadScenario('outage-day', ROOT), seed: 1.5, startMs: Date.parse('2026-11-23T00:00:00Z'), config: resolveConfig({ env: {} }) }, queue);
    const [taken, fed] = await Promise.allSettled([queue.take(), simulated]);
    for (const outcome of [taken, fed]) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as unknown;
      expect(errors.isKaizenError(error, 'KZN_USAGE') && error.message).toBe('seed: expected an integer, got 1.5');
    }
  });
});

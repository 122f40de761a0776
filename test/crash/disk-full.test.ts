// A journal that cannot grow (the file size limit of the process, as a full disk would stop it):
// kaizen import stops with a clear error and exit code 3, what was committed before verifies, and
// the same import run again with room finishes to the chain of one clean import; kaizen run (its
// simulation on a worker thread, several appends under way) stops the same way, leaving a prefix
// of the clean run's chain with every hour it acknowledged.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { listJournalFiles, readTail } from '../../src/store/journal.js';
import { chainOf, journalBytes, kaizenRun, MAIN, writeLargeFile } from './processes.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-disk-full-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** kaizen with every file it writes limited to `bytes` (prlimit --fsize: writes past it fail with EFBIG). */
function kaizenLimited(bytes: number, dataDir: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('prlimit', [`--fsize=${bytes}`, process.execPath, MAIN, '--data', dataDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a journal that cannot grow', () => {
  // A batch is 5000 events, about a sixth of the whole file: one fits under the limit, two do not.
  it('stops the import with KZN_STORE_IO and exit 3, keeps what was committed, and a second import completes it', async () => {
    const file = path.join(root, 'large.jsonl');
    writeLargeFile(file, 30_000);
    const clean = path.join(root, 'clean');
    expect((await kaizenRun(clean, ['import', file, '--no-rollup'])).code).toBe(0);
    const full = journalBytes(clean);

    const limited = path.join(root, 'limited');
    const run = await kaizenLimited(Math.floor(full / 4.5), limited, ['import', file, '--no-rollup']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/error KZN_STORE_IO: could not write the journal in .*: the file size limit was reached \(EFBIG\)/);
    expect(run.stderr).toContain('Nothing of this batch was kept');
    const kept = journalBytes(limited);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(full);
    const verify = await kaizenRun(limited, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stderr).not.toContain('torn tail');
    expect(Number(/ok: (\d+) receipts/.exec(verify.stdout)?.[1])).toBeGreaterThan(0);

    const rest = await kaizenRun(limited, ['import', file, '--no-rollup']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/were already in the store/);
    expect(await chainOf(limited)).toEqual(await chainOf(clean));
  }, 300_000);

  it('stops kaizen run with KZN_STORE_IO and exit 3, its journal a prefix of a clean run that holds every hour it acknowledged', async () => {
    const args = ['run', '--scenario', 'outage-day', '--seed', '2', '--rate', '0.5', '--start', '2026-11-23T00:00:00Z', '--duration', '8h', '--progress-every', '1'];
    const clean = path.join(root, 'run-clean');
    expect((await kaizenRun(clean, args)).code).toBe(0);
    const limited = path.join(root, 'run-limited');
    const run = await kaizenLimited(Math.floor(journalBytes(clean) / 3), limited, args);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/error KZN_STORE_IO: could not write the journal in .*: the file size limit was reached \(EFBIG\)/);
    const verify = await kaizenRun(limited, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    for (const file of listJournalFiles(limited)) expect(readTail(file.path).tornBytes, file.name).toBe(0);
    const [kept, full] = [await chainOf(limited), await chainOf(clean)];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(full.length);
    expect(kept).toEqual(full.slice(0, kept.length));
    const acknowledged = [...run.stderr.matchAll(/(\d+)\/8 h simulated and journaled/g)].map((m) => Number(m[1]));
    expect(acknowledged.length).toBeGreaterThan(0);
    const summaries = async (dataDir: string) => {
      const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: () => undefined });
      try {
        return await store.hourSummaries({ fromMs: Date.parse('2026-11-23T00:00:00Z'), toMs: Date.parse('2026-11-24T00:00:00Z') });
      } finally {
        await store.close();
      }
    };
    const [have, want] = [await summaries(limited), await summaries(clean)];
    for (const h of acknowledged) {
      const hour = `2026-11-23T${String(h - 1).padStart(2, '0')}`;
      expect(have.get(hour), hour).toEqual(want.get(hour));
    }
  }, 300_000);
});

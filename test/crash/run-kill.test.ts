// kaizen run killed with SIGKILL at random moments, many times, each run simulating a new stretch
// of hours into the same data directory: after every kill the store opens and verifies, every hour
// a progress line acknowledged is there with the same receipts (none lost, none twice), and the
// next writer cuts off the half-written receipt a kill leaves.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOUR_MS, hourKey } from '../../src/evidence/time.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { listJournalFiles, readTail } from '../../src/store/journal.js';
import { kaizenProcess, kaizenRun, kill, killCount, sleep } from './processes.js';

const KILLS = killCount(20);
const HOURS_PER_RUN = 24;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-crash-run-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function hourSummaries(): Promise<Map<string, { count: number; lastDigest: string }>> {
  const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: () => undefined });
  try {
    return await store.hourSummaries({ fromMs: Date.parse('2026-01-01T00:00:00Z'), toMs: Date.parse('2028-01-01T00:00:00Z') });
  } finally {
    await store.close();
  }
}

describe(`kaizen run killed ${KILLS} times`, () => {
  it('keeps every acknowledged hour exactly as it was acknowledged, and the chain verifies after each kill', async () => {
    const base = Date.parse('2026-11-02T00:00:00Z');
    const acknowledged = new Map<string, { count: number; lastDigest: string }>();
    let killedMidRun = 0;
    for (let round = 0; round < KILLS; round++) {
      const startMs = base + round * HOURS_PER_RUN * HOUR_MS;
      const child = kaizenProcess(dataDir, [
        'run',
        '--start',
        new Date(startMs).toISOString(),
        '--duration',
        `${HOURS_PER_RUN}h`,
        '--rate',
        '0.2',
        '--seed',
        String(round + 1),
        '--progress-every',
        '1',
      ]);
      // Kill once a random number of hours are acknowledged, a random moment later: mid-run, in
      // the middle of an hour's simulation, append or rollup.
      const ackedBeforeKill = 1 + ((round * 7) % 18);
      const acked = (): number => [...child.output().stderr.matchAll(/h simulated and journaled/g)].length;
      let ended = false;
      while (!ended && acked() < ackedBeforeKill) ended = await Promise.race([child.exited.then(() => true), sleep(5).then(() => false)]);
      if (!ended) ended = await Promise.race([child.exited.then(() => true), sleep((round * 37) % 300).then(() => false)]);
      if (!ended) {
        await kill(child);
        killedMidRun++;
      }
      const lines = [...child.output().stderr.matchAll(/(\d+)\/\d+ h simulated and journaled/g)];
      const hoursAcked = lines.length === 0 ? 0 : Number(lines[lines.length - 1]![1]);
      const verify = await kaizenRun(dataDir, ['verify']);
      expect(verify.code, `after kill ${round + 1}: ${verify.stdout}${verify.stderr}`).toBe(0);
      const now = await hourSummaries();
      for (let h = 0; h < hoursAcked; h++) {
        const hour = hourKey(startMs + h * HOUR_MS);
        const s = now.get(hour);
        expect(s?.count ?? 0, `hour ${hour} was acknowledged`).toBeGreaterThan(0);
        if (!acknowledged.has(hour)) acknowledged.set(hour, { count: s!.count, lastDigest: s!.lastDigest });
      }
      for (const [hour, was] of acknowledged) {
        const s = now.get(hour);
        expect({ hour, count: s?.count, lastDigest: s?.lastDigest }).toEqual({ hour, ...was });
      }
    }
    // A writer opening the store cuts off what a kill left half-written.
    const writer = openEmbeddedStore({ dataDir, onNotice: () => undefined });
    await writer.close();
    for (const file of listJournalFiles(dataDir)) expect(readTail(file.path).tornBytes, file.name).toBe(0);
    const verify = await kaizenRun(dataDir, ['verify']);
    expect(verify.code).toBe(0);
    const receipts = Number(/ok: (\d+) receipts/.exec(verify.stdout)?.[1]);
    console.log(`run crash suite: ${KILLS} runs, ${killedMidRun} killed mid-run; ${acknowledged.size} acknowledged hours intact; ${receipts} receipts verify`);
    expect(killedMidRun).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
    expect(acknowledged.size).toBeGreaterThan(KILLS);
  }, 900_000);
});

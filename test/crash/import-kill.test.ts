// kaizen import of a large file killed with SIGKILL part-way, several times, then run to its end:
// the store verifies after every kill, and ends with exactly the receipts of one clean import.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainOf, journalBytes, kaizenProcess, kaizenRun, kill, sleep, writeLargeFile } from './processes.js';

const EVENTS = 40_000;
const KILLS = 3;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-crash-import-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('kaizen import killed part-way', () => {
  it(`resumes after ${KILLS} kills to the receipts of one clean import, verifying after each step`, async () => {
    const file = path.join(root, 'large.jsonl');
    writeLargeFile(file, EVENTS);
    const clean = path.join(root, 'clean');
    const cleanRun = await kaizenRun(clean, ['import', file]);
    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    const fullBytes = journalBytes(clean);

    const killed = path.join(root, 'killed');
    const sizes: number[] = [];
    for (let k = 1; k <= KILLS; k++) {
      // Kill once the journal has grown past a further share of a whole import (during the appends).
      const target = (fullBytes * k) / (KILLS + 2);
      const child = kaizenProcess(killed, ['import', file]);
      while (journalBytes(killed) < target) {
        const done = await Promise.race([child.exited.then(() => true), sleep(5).then(() => false)]);
        if (done) throw new Error(`the import ended before it was killed: ${child.output().stderr}`);
      }
      await kill(child);
      sizes.push(journalBytes(killed));
      const verify = await kaizenRun(killed, ['verify']);
      expect(verify.code, `after kill ${k}: ${verify.stdout}${verify.stderr}`).toBe(0);
    }
    const rest = await kaizenRun(killed, ['import', file]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/were already in the store/);
    expect((await kaizenRun(killed, ['verify'])).code).toBe(0);

    const want = await chainOf(clean);
    const got = await chainOf(killed);
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
    const again = await kaizenRun(killed, ['import', file]);
    expect(again.stdout).toContain(`imported nothing new: all ${EVENTS} events`);
    console.log(`import crash suite: ${KILLS} kills at journal sizes ${sizes.join(', ')} of ${fullBytes} bytes; ${got.length} receipts checked against a clean import`);
  }, 600_000);
});

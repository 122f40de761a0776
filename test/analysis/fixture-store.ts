// One imported copy of the fixture week per test file: imported (and rolled up) in beforeAll,
// only read by the tests, removed in afterAll.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliRun, kaizen } from '../cli/run-cli.js';
import { FIXTURE_FILE } from './by-hand.js';

/** Imports the fixture week before the file's tests; returns a getter of the data directory. */
export function useFixtureStore(): () => string {
  let dataDir = '';
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-analysis-'));
    const run = await kaizen(dataDir, ['import', FIXTURE_FILE]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }, 120_000);
  afterAll(() => {
    if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return () => dataDir;
}

/** The JSON a `--format json` run printed (the run must have succeeded). */
export function jsonOf<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`kaizen exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * The promise's value, or a failure after `seconds` naming what did not answer: a command that
 * hangs fails its test quickly instead of at the test timeout.
 */
export function within<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

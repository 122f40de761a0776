// The exports of kaizen are accepted by an independent RDF parser (rapper, raptor2-utils).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';

const fixture = join(import.meta.dirname, '../../fixtures/week-2026-W47.jsonl');
let dir: string;

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const deps = { ...processDeps(), stdout: (t: string) => void (out += t), stderr: () => undefined };
  const code = await runCli(['--data', dir, ...args], deps);
  return { code, out };
}

/** rapper's count of triples in a file, from its summary line on stderr. */
function rapperCount(format: string, file: string): number {
  const r = spawnSync('rapper', ['-i', format, '-c', file], { encoding: 'utf8' });
  expect(r.status, `rapper -i ${format} failed: ${r.stderr}`).toBe(0);
  const m = /returned (\d+) triples/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return Number(m![1]);
}

beforeAll(async () => {
  try {
    execFileSync('rapper', ['--version']);
  } catch {
    throw new Error('rapper is not installed: apt-get install -y raptor2-utils (.ci/run does this)');
  }
  dir = mkdtempSync(join(tmpdir(), 'kz-rapper-'));
  expect((await cli(['import', fixture])).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exports read by rapper (raptor2-utils)', () => {
  it.each([
    ['nquads', 'nquads'],
    ['trig', 'trig'],
    ['turtle', 'turtle'],
  ])('accepts the %s export with every quad of the store', async (format, rapperFormat) => {
    const stats = JSON.parse((await cli(['stats', '--format', 'json'])).out) as { quads: number; rollupReceipts: number };
    const exported = await cli(['export', '--format', format, '--rollups']);
    expect(exported.code).toBe(0);
    const file = join(dir, `export.${format}`);
    writeFileSync(file, exported.out);
    expect(rapperCount(rapperFormat, file)).toBe(stats.quads);
  });

  it('accepts the ontology', () => {
    expect(rapperCount('turtle', join(import.meta.dirname, '../../src/evidence/kaizen.ttl'))).toBeGreaterThan(100);
  });
});

// Replaying byte ranges of a journal for the quads of some predicates only: the other lines are
// not parsed, and a broken line is still named by its line in the file.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { V } from '../../src/evidence/vocabulary.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { replaySegments } from '../../src/store/replay.js';
import { someEvents } from './support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function journalOf(n: number): Promise<{ path: string; ranges: [number, number][] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kz-replay-'));
  dirs.push(dataDir);
  const store = openEmbeddedStore({ dataDir });
  await store.appendEvents(someEvents(n));
  const day = store.dayIndex('2026-11-17');
  await store.close();
  return { path: join(dataDir, 'journal', '2026-11-17.nq'), ranges: Object.values(day.hours).flatMap((e) => e.segments ?? []) };
}

describe('replaySegments with predicates', () => {
  it('gives the quads of those predicates, the same as the whole replay gives', async () => {
    const { path, ranges } = await journalOf(12);
    const only = new Set([`<${V.component.value}>`, `<${V.epochMs.value}>`]);
    const all = replaySegments(path, ranges);
    const some = replaySegments(path, ranges, only);
    expect(some.length).toBe(24);
    expect(some.map((q) => q.toJSON())).toEqual(all.filter((q) => only.has(`<${q.predicate.value}>`)).map((q) => q.toJSON()));
  });

  it('names a broken line of a range by its line in the file', async () => {
    const { path, ranges } = await journalOf(3);
    const lines = readFileSync(path, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('#component> '));
    lines[at] = lines[at]!.replace(/ \.$/, ' ;');
    writeFileSync(path, lines.join('\n'));
    expect(() => replaySegments(path, ranges, new Set([`<${V.component.value}>`]))).toThrow(`line ${at + 1}: expected an N-Quads statement`);
  });
});

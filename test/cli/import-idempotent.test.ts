// kaizen import is idempotent: importing a file again adds nothing, an import cut short and run
// again adds only what is missing (the chain ends as after one clean import), and an event's
// identity is its id, else the digest of its canonical JSON.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventIdentity, parseEventLine } from '../../src/evidence/event.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { FIXTURE_PATH, useTempDirs } from '../store/support.js';
import { kaizen } from './run-cli.js';

const tempDir = useTempDirs();

/** The (seq, digest) of every raw receipt, in chain order. */
async function rawChain(dataDir: string): Promise<string[]> {
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    const out: string[] = [];
    for await (const r of store.exportReceipts({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })) out.push(`${r.seq} ${r.digest}`);
    return out.sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]));
  } finally {
    await store.close();
  }
}

const fixtureLines = (): string[] => fs.readFileSync(FIXTURE_PATH, 'utf8').split('\n').filter((l) => l.trim() !== '');

describe('eventIdentity', () => {
  it('is the id when there is one, else the same digest for the same event however its JSON is written', () => {
    const a = parseEventLine('{"type":"queue.depth","time":"2026-11-23T10:00:00Z","component":"q","value":3,"attributes":{"b":1,"a":"x"}}', 1);
    const b = parseEventLine('{"attributes":{"a":"x","b":1},"value":3,"component":"q","time":"2026-11-23T11:00:00+01:00","type":"queue.depth"}', 1);
    const c = parseEventLine('{"type":"queue.depth","time":"2026-11-23T10:00:00Z","component":"q","value":4}', 1);
    const d = parseEventLine('{"id":"e-1","type":"queue.depth","time":"2026-11-23T10:00:00Z","component":"q","value":4}', 1);
    expect(eventIdentity(a)).toBe(eventIdentity(b));
    expect(eventIdentity(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(eventIdentity(c)).not.toBe(eventIdentity(a));
    expect(eventIdentity(d)).toBe('id:e-1');
  });
});

describe('kaizen import, again', () => {
  it('adds nothing the second time and says so; verify passes', async () => {
    const dir = tempDir();
    const first = await kaizen(dir, ['import', FIXTURE_PATH, '--no-rollup']);
    expect(first.code, first.stderr).toBe(0);
    const before = await rawChain(dir);
    const second = await kaizen(dir, ['import', FIXTURE_PATH, '--no-rollup']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`imported nothing new: all ${fixtureLines().length} events`);
    expect(await rawChain(dir)).toEqual(before);
    expect((await kaizen(dir, ['verify'])).code).toBe(0);
  });

  it('after an import of the first part only, adds the rest: the chain is that of one clean import', async () => {
    const lines = fixtureLines();
    const clean = tempDir();
    const resumed = tempDir();
    const whole = path.join(resumed, 'week.jsonl');
    const part = path.join(resumed, 'part.jsonl');
    fs.writeFileSync(whole, `${lines.join('\n')}\n`);
    fs.writeFileSync(part, `${lines.slice(0, Math.floor(lines.length * 0.4)).join('\n')}\n`);
    expect((await kaizen(clean, ['import', whole, '--no-rollup'])).code).toBe(0);
    expect((await kaizen(resumed, ['import', part, '--no-rollup'])).code).toBe(0);
    const rest = await kaizen(resumed, ['import', whole, '--no-rollup']);
    expect(rest.code, rest.stderr).toBe(0);
    const already = Math.floor(lines.length * 0.4);
    expect(rest.stdout).toContain(`imported ${lines.length - already} new events`);
    expect(rest.stdout).toContain(`${already} were already in the store`);
    expect(await rawChain(resumed)).toEqual(await rawChain(clean));
  });

  it('counts identical events as many times as the file holds them', async () => {
    const dir = tempDir();
    const line = '{"type":"queue.depth","time":"2026-11-23T10:00:00Z","component":"q","value":3}';
    fs.writeFileSync(path.join(dir, 'twice.jsonl'), `${line}\n${line}\n`);
    fs.writeFileSync(path.join(dir, 'thrice.jsonl'), `${line}\n${line}\n${line}\n`);
    expect((await kaizen(dir, ['import', 'twice.jsonl', '--no-rollup'])).stdout).toContain('imported 2 new events');
    const again = await kaizen(dir, ['import', 'thrice.jsonl', '--no-rollup']);
    expect(again.stdout).toContain('imported 1 new event from');
    expect(again.stdout).toContain('2 were already in the store');
    expect(await rawChain(dir)).toHaveLength(3);
  });

  it('knows an exported week as the same events when it is imported back', async () => {
    const dir = tempDir();
    expect((await kaizen(dir, ['import', FIXTURE_PATH, '--no-rollup'])).code).toBe(0);
    const out = path.join(dir, 'week.nq');
    const exported = await kaizen(dir, ['export', '--format', 'nquads', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const back = await kaizen(dir, ['import', out, '--no-rollup']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('imported nothing new');
  });
});

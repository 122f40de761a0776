// The spool of a SPARQL writer: what the server has not confirmed, kept across a crash.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingReceipt } from '../../../src/store/sparql/spool.js';
import { Spool } from '../../../src/store/sparql/spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function spool(): Spool {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-spool-'));
  dirs.push(d);
  return new Spool(path.join(d, 'spool', 'local.jsonl'));
}

const r = (seq: number): OutgoingReceipt => ({
  iri: `urn:kaizen:receipt:local:${seq}`,
  seq,
  timeMs: 0,
  kind: 'raw',
  hour: '2026-11-16T10',
  digest: String(seq).padStart(64, '0'),
  serverGraph: 'urn:kaizen:hour:2026-11-16T10',
  lines: [`<urn:kaizen:receipt:local:${seq}> <urn:p> "x" <urn:kaizen:hour:2026-11-16T10> .\n`],
});

describe('the spool', () => {
  it('gives back what was appended, in order, and nothing once cleared', () => {
    const s = spool();
    s.append([r(1), r(2)]);
    s.append([r(3)]);
    expect(s.read().map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(s.read()[0]).toEqual(r(1));
    s.clear();
    expect(s.read()).toEqual([]);
  });

  it('keeps the whole receipts before a last line cut off by a crash', () => {
    const s = spool();
    s.append([r(1), r(2)]);
    fs.appendFileSync(s.path, '{"iri":"urn:kaizen:rec');
    expect(s.read().map((x) => x.seq)).toEqual([1, 2]);
  });

  it('refuses a broken line before whole ones, naming the line', () => {
    const s = spool();
    s.append([r(1)]);
    fs.appendFileSync(s.path, 'not json\n');
    s.append([r(2)]);
    expect(() => s.read()).toThrow(/local\.jsonl line 2: expected a spooled receipt as JSON/);
  });
});

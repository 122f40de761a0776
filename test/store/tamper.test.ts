// Tamper evidence through `kaizen verify`: a changed literal, a deleted receipt, a reordered
// pair, a receipt inserted with a forged digest (garbage, well forged, or with the whole tail
// re-chained after it) and a truncated tail are each caught (exit 1) and named by sequence number.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digestOf, GENESIS_DIGEST } from '../../src/evidence/receipt.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { kaizen } from '../cli/run-cli.js';
import { DIGEST_IRI, type FileReceipt, joinJournal, journalFile, someEvents, splitJournal, useTempDirs } from './support.js';

const tempDir = useTempDirs();
const DAY1 = '2026-11-17.nq';
const DAY2 = '2026-11-18.nq';

/** A store of 8 receipts: seq 1–6 on 2026-11-17, 7–8 on 2026-11-18. */
async function storeOfEight(): Promise<string> {
  const dataDir = tempDir();
  const store = openEmbeddedStore({ dataDir });
  await store.appendEvents([...someEvents(6), ...someEvents(2, '2026-11-18T09:00:00.000Z')]);
  await store.close();
  return dataDir;
}

function edit(dataDir: string, name: string, change: (receipts: FileReceipt[]) => FileReceipt[]): void {
  const file = journalFile(dataDir, name);
  const { header, receipts, rest } = splitJournal(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, joinJournal(header, change(receipts), rest));
}

const isDigestLine = (line: string): boolean => line.split(' ')[1] === `<${DIGEST_IRI}>`;

/** A receipt's lines renumbered to `seq` (its subject and its kz:seq), with `alter` applied to the body, sealed on `prev` (or given a garbage digest). */
function forge(r: FileReceipt, seq: number, prev: string | undefined, alter: (line: string) => string = (l) => l): FileReceipt {
  const subject = `<urn:kaizen:receipt:local:${seq}>`;
  const renumber = (line: string): string =>
    line
      .replace(/^<urn:kaizen:receipt:local:\d+>/, subject)
      .replace(/ "\d+"\^\^<http:\/\/www\.w3\.org\/2001\/XMLSchema#integer> /, (m) => (line.includes('#seq>') ? ` "${seq}"^^<http://www.w3.org/2001/XMLSchema#integer> ` : m));
  const body = r.lines.filter((l) => !isDigestLine(l)).map((l) => alter(renumber(l)));
  const digestLine = renumber(r.lines.find(isDigestLine) as string);
  const digest = prev === undefined ? 'f'.repeat(64) : digestOf(body, prev);
  return { seq, lines: [...body, digestLine.replace(/"[0-9a-f]{64}"/, `"${digest}"`)] };
}

/** The digest a receipt line records. */
const digestIn = (r: FileReceipt): string => /"([0-9a-f]{64})"/.exec(r.lines.find(isDigestLine) as string)?.[1] as string;

async function verify(dataDir: string): Promise<{ code: number; report: Record<string, unknown>; stderr: string }> {
  const r = await kaizen(dataDir, ['verify', '--format', 'json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

describe('kaizen verify over a tampered journal', () => {
  it('confirms the untouched chain', async () => {
    const dataDir = await storeOfEight();
    const r = await verify(dataDir);
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ ok: true, receipts: 8, lastSeq: 8 });
  });

  it('names the receipt whose literal was changed', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY1, (rs) => rs.map((r) => (r.seq === 3 ? { ...r, lines: r.lines.map((l) => l.replace('"sig-2"', '"sig-9"')) } : r)));
    const r = await verify(dataDir);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ ok: false, problem: 'changed', seq: 3, receipts: 2 });
    expect(r.stderr).toMatch(/^error KZN_CHAIN_BROKEN: receipt 3 was changed/);
  });

  it('names a changed literal even when that receipt was re-sealed, by the next one', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY1, (rs) => rs.map((r, i) => (r.seq === 3 ? forge(r, 3, digestIn(rs[i - 1] as FileReceipt), (l) => l.replace('"sig-2"', '"sig-9"')) : r)));
    expect((await verify(dataDir)).report).toMatchObject({ ok: false, problem: 'changed', seq: 4 });
  });

  it('names the deleted receipt', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY1, (rs) => rs.filter((r) => r.seq !== 5));
    const r = await verify(dataDir);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ ok: false, problem: 'removed', seq: 5 });
    expect(r.stderr).toMatch(/receipt 5 is missing: the chain jumps from 4 to 6/);
  });

  it('names the reordered pair by the receipt that stands too late', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY1, (rs) => [rs[0]!, rs[1]!, rs[3]!, rs[2]!, rs[4]!, rs[5]!]);
    const r = await verify(dataDir);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ ok: false, problem: 'reordered', seq: 3 });
    expect(r.stderr).toMatch(/receipt 3 stands after receipt 4/);
  });

  describe('when a receipt was inserted with a forged digest', () => {
    it('names it when its digest does not chain (a made-up digest)', async () => {
      const dataDir = await storeOfEight();
      edit(dataDir, DAY1, (rs) => rs.flatMap((r) => (r.seq === 4 ? [forge(r, 4, undefined, (l) => l.replace('"checkout"', '"forged"')), r] : [r])));
      const r = await verify(dataDir);
      expect(r.code).toBe(1);
      expect(r.report).toMatchObject({ ok: false, problem: 'inserted', seq: 4, receipts: 3 });
      expect(r.stderr).toMatch(/a receipt numbered 4 with a forged digest stands before the real receipt 4: it was inserted/);
    });

    it('names its number when the digest was computed as kaizen would (the real receipt now appears twice)', async () => {
      const dataDir = await storeOfEight();
      edit(dataDir, DAY1, (rs) => rs.flatMap((r, i) => (r.seq === 4 ? [forge(r, 4, digestIn(rs[i - 1] as FileReceipt), (l) => l.replace('"checkout"', '"forged"')), r] : [r])));
      const r = await verify(dataDir);
      expect(r.code).toBe(1);
      expect(r.report).toMatchObject({ ok: false, problem: 'duplicated', seq: 4 });
    });

    it('names the first renumbered receipt when the later ones were renumbered but not re-sealed', async () => {
      const dataDir = await storeOfEight();
      edit(dataDir, DAY1, (rs) => {
        const at = rs.findIndex((r) => r.seq === 4);
        const inserted = forge(rs[at] as FileReceipt, 4, digestIn(rs[at - 1] as FileReceipt), (l) => l.replace('"checkout"', '"forged"'));
        return [...rs.slice(0, at), inserted, ...rs.slice(at).map((r) => forge(r, r.seq + 1, undefined))];
      });
      const r = await verify(dataDir);
      expect(r.code).toBe(1);
      expect(r.report).toMatchObject({ ok: false, seq: 5 });
    });

    it('names the receipt HEAD recorded when the whole tail was re-chained after it', async () => {
      const dataDir = await storeOfEight();
      // An attacker who knows the algorithm inserts receipt 4 and re-seals and renumbers every later
      // receipt, across both day files: every digest recomputes, but receipt 8 is no longer the 8 written.
      let prev = GENESIS_DIGEST;
      const chain = (rs: FileReceipt[], offset: number): FileReceipt[] =>
        rs.map((r) => {
          const out = forge(r, r.seq + offset, prev);
          prev = digestIn(out);
          return out;
        });
      edit(dataDir, DAY1, (rs) => {
        const at = rs.findIndex((r) => r.seq === 4);
        prev = digestIn(rs[at - 1] as FileReceipt);
        const inserted = forge(rs[at] as FileReceipt, 4, prev, (l) => l.replace('"checkout"', '"forged"'));
        prev = digestIn(inserted);
        return [...rs.slice(0, at), inserted, ...chain(rs.slice(at), 1)];
      });
      edit(dataDir, DAY2, (rs) => chain(rs, 1));
      const r = await verify(dataDir);
      expect(r.code).toBe(1);
      expect(r.report).toMatchObject({ ok: false, problem: 'changed', seq: 8 });
      expect(r.stderr).toMatch(/receipt 8 is not the receipt that was written: its digest differs from the one HEAD recorded/);
    });
  });

  it('names the first receipt of a truncated tail', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY2, (rs) => rs.slice(0, 0));
    const r = await verify(dataDir);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ ok: false, problem: 'removed', seq: 7, receipts: 6 });
    expect(r.stderr).toMatch(/the chain ends at receipt 6, but receipts up to 8 were written: its tail was cut off/);
  });

  it('names the first missing receipt when the tail was cut inside a file', async () => {
    const dataDir = await storeOfEight();
    edit(dataDir, DAY2, (rs) => rs.slice(0, 1));
    expect((await verify(dataDir)).report).toMatchObject({ ok: false, problem: 'removed', seq: 8 });
  });
});

// Chain verification over journal files edited on disk: what was changed, removed, reordered or
// duplicated is named by its seq; any single-byte change is detected.

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { digestOf, type Receipt } from '../../src/evidence/receipt.js';
import { EMPTY_CARRY, rollupReceipt, summariseHour } from '../../src/evidence/rollup.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { verifyDataDir } from '../../src/store/verify.js';
import {
  ALL_TIME,
  DIGEST_IRI,
  event,
  type FileReceipt,
  joinJournal,
  journalFile,
  someEvents,
  splitJournal,
  useTempDirs,
} from './support.js';

const tempDir = useTempDirs();
const DAY1 = '2026-11-17.nq';
const DAY2 = '2026-11-18.nq';

/** A store of 8 receipts: seq 1–6 on 2026-11-17, 7–8 on 2026-11-18. */
async function storeOfEight(): Promise<{ dataDir: string; receipts: readonly Receipt[] }> {
  const dataDir = tempDir();
  const store = openEmbeddedStore({ dataDir });
  const { receipts } = await store.appendEvents([...someEvents(6), ...someEvents(2, '2026-11-18T09:00:00.000Z')]);
  await store.close();
  return { dataDir, receipts };
}

/** Rewrites one journal file through an edit of its receipts (split by the test, not by src/). */
function editJournal(dataDir: string, name: string, edit: (receipts: FileReceipt[]) => FileReceipt[]): void {
  const file = journalFile(dataDir, name);
  const { header, receipts, rest } = splitJournal(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, joinJournal(header, edit(receipts), rest));
}

/** The 1-based line at which receipt `seq` starts in a file (line 1 is the header). */
function lineOf(dataDir: string, name: string, seq: number): number {
  const { receipts } = splitJournal(fs.readFileSync(journalFile(dataDir, name), 'utf8'));
  let line = 2;
  for (const r of receipts) {
    if (r.seq === seq) return line;
    line += r.lines.length;
  }
  throw new Error(`no receipt ${seq} in ${name}`);
}

async function verifyReader(dataDir: string) {
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    return await store.verify();
  } finally {
    await store.close();
  }
}

describe('chain verification', () => {
  describe('when nothing was changed', () => {
    it('confirms every receipt and the last digest', async () => {
      const { dataDir, receipts } = await storeOfEight();
      expect(await verifyReader(dataDir)).toEqual({ ok: true, receipts: 8, lastSeq: 8, lastDigest: receipts[7]!.digest });
    });
  });

  describe('when a literal of a receipt was changed', () => {
    it('names that receipt as changed, with its file and line', async () => {
      const { dataDir } = await storeOfEight();
      const line = lineOf(dataDir, DAY1, 3);
      editJournal(dataDir, DAY1, (rs) =>
        rs.map((r) => (r.seq === 3 ? { ...r, lines: r.lines.map((l) => l.replace('"checkout"', '"checkouT"')) } : r)),
      );
      expect(fs.readFileSync(journalFile(dataDir, DAY1), 'utf8')).toContain('"checkouT"');
      const report = await verifyReader(dataDir);
      expect(report).toMatchObject({ ok: false, problem: 'changed', seq: 3, receipts: 2 });
      expect(report.ok === false && report.where).toBe(`${journalFile(dataDir, DAY1)} line ${line}`);
    });

    it('names it even when its own digest was recomputed, because the next one no longer follows', async () => {
      const { dataDir } = await storeOfEight();
      // Forge receipt 3 completely: change it and give it the digest the change would have.
      editJournal(dataDir, DAY1, (rs) => {
        const prev = /"([0-9a-f]{64})"/.exec(rs[1]!.lines.at(-1)!)![1]!;
        return rs.map((r) => {
          if (r.seq !== 3) return r;
          const body = r.lines.slice(0, -1).map((l) => l.replace('"checkout"', '"forged"'));
          const digest = digestOf(body, prev);
          return { ...r, lines: [...body, r.lines.at(-1)!.replace(/"[0-9a-f]{64}"/, `"${digest}"`)] };
        });
      });
      expect(await verifyReader(dataDir)).toMatchObject({ ok: false, problem: 'changed', seq: 4 });
    });
  });

  describe('when a receipt was removed', () => {
    it('names the missing seq', async () => {
      const { dataDir } = await storeOfEight();
      editJournal(dataDir, DAY1, (rs) => rs.filter((r) => r.seq !== 4));
      const report = await verifyReader(dataDir);
      expect(report).toMatchObject({ ok: false, problem: 'removed', seq: 4, receipts: 3 });
      expect(report.ok === false && report.message).toMatch(/receipt 4 is missing/);
    });
  });

  describe('when two receipts were swapped', () => {
    it('names the receipt that stands after the later one', async () => {
      const { dataDir } = await storeOfEight();
      editJournal(dataDir, DAY1, (rs) => {
        const out = [...rs];
        [out[2], out[3]] = [out[3]!, out[2]!];
        return out;
      });
      expect(splitJournal(fs.readFileSync(journalFile(dataDir, DAY1), 'utf8')).receipts.map((r) => r.seq)).toEqual([1, 2, 4, 3, 5, 6]);
      const report = await verifyReader(dataDir);
      expect(report).toMatchObject({ ok: false, problem: 'reordered', seq: 3 });
      expect(report.ok === false && report.message).toMatch(/receipt 3 stands after receipt 4/);
    });
  });

  describe('when a receipt was duplicated', () => {
    it('names it as duplicated when the copy follows it in the same file', async () => {
      const { dataDir } = await storeOfEight();
      editJournal(dataDir, DAY1, (rs) => rs.flatMap((r) => (r.seq === 5 ? [r, r] : [r])));
      expect(await verifyReader(dataDir)).toMatchObject({ ok: false, problem: 'duplicated', seq: 5 });
    });

    it('names it as duplicated when the copy stands in another day file', async () => {
      const { dataDir } = await storeOfEight();
      let copy: FileReceipt | undefined;
      editJournal(dataDir, DAY1, (rs) => {
        copy = rs.find((r) => r.seq === 2);
        return rs;
      });
      editJournal(dataDir, DAY2, (rs) => [copy!, ...rs]);
      expect(await verifyReader(dataDir)).toMatchObject({ ok: false, problem: 'duplicated', seq: 2 });
    });
  });

  describe('when the tail was cut off at a receipt boundary', () => {
    it('names the first missing receipt, because HEAD says more were written', async () => {
      const { dataDir } = await storeOfEight();
      expect(fs.readFileSync(path.join(dataDir, 'HEAD'), 'utf8')).toMatch(/^8 [0-9a-f]{64}\n$/);
      editJournal(dataDir, DAY2, () => []);
      const report = await verifyReader(dataDir);
      expect(report).toMatchObject({ ok: false, problem: 'removed', seq: 7, receipts: 6 });
      expect(report.ok === false && report.where).toBe(path.join(dataDir, 'HEAD'));
    });

    it('names the first missing receipt when the last day file is gone', async () => {
      const { dataDir } = await storeOfEight();
      fs.rmSync(journalFile(dataDir, DAY2));
      expect(await verifyReader(dataDir)).toMatchObject({ ok: false, problem: 'removed', seq: 7 });
    });
  });

  describe('when a crash tore the last receipt (an interrupted write)', () => {
    it('verifies the chain before it, whose head is the last whole receipt', async () => {
      const { dataDir, receipts } = await storeOfEight();
      fs.rmSync(path.join(dataDir, 'HEAD'));
      const file = journalFile(dataDir, DAY2);
      const text = fs.readFileSync(file, 'utf8');
      // Cut receipt 8 inside the subject of its second line, as a process killed during its write may leave it.
      const cut = text.indexOf(`<${receipts[7]!.iri}>`, text.indexOf(`<${receipts[7]!.iri}>`) + 1) + 15;
      fs.writeFileSync(file, text.slice(0, cut));
      expect(verifyDataDir(dataDir)).toEqual({ ok: true, receipts: 7, lastSeq: 7, lastDigest: receipts[6]!.digest });
      expect(await verifyReader(dataDir)).toMatchObject({ ok: true, receipts: 7 });
    });
  });

  describe('when the graph of a digest line was changed', () => {
    it('is detected by verify or refused on load', async () => {
      const { dataDir } = await storeOfEight();
      editJournal(dataDir, DAY1, (rs) =>
        rs.map((r) =>
          r.seq === 3
            ? { ...r, lines: [...r.lines.slice(0, -1), r.lines.at(-1)!.replace('<urn:kaizen:hour:2026-11-17T10>', '<urn:kaizen:hour:2026-11-17T11>')] }
            : r,
        ),
      );
      expect(fs.readFileSync(journalFile(dataDir, DAY1), 'utf8')).toContain('2026-11-17T11');
      expect(await detection(dataDir)).toBeDefined();
    });
  });

  describe('when a text field mentions the digest predicate', () => {
    it('still verifies', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents([
        event({ type: 'signal.rejected', reason: `see <${DIGEST_IRI}> "in the log"` }),
        ...someEvents(2, '2026-11-17T10:00:01.000Z'),
      ]);
      await store.close();
      expect(verifyDataDir(dataDir)).toMatchObject({ ok: true, receipts: 3 });
    });
  });

  describe('when any single byte of a journal file was changed', () => {
    it('fails verify or is refused on open or load', async () => {
      const pristine = tempDir();
      const store = openEmbeddedStore({ dataDir: pristine });
      await store.appendEvents([
        ...someEvents(3),
        event({ type: 'circuit.opened', time: '2026-11-17T10:05:00.000Z', reason: 'failure-threshold', attributes: { failures: 5 } }),
        ...someEvents(1, '2026-11-18T09:00:00.000Z'),
      ]);
      const summary = summariseHour({
        hour: '2026-11-17T10',
        sourceCount: 4,
        sourceDigest: store.head().digest,
        stats: [{ className: 'TaskCompleted', pillar: 'kanban', component: 'checkout', count: 1, values: 1, sum: 51, min: 51, max: 51 }],
        histogramRows: [{ className: 'TaskCompleted', component: 'checkout', bucket: 199, count: 1 }],
        transitions: [],
        carry: EMPTY_CARRY,
      });
      await store.appendReceipts([(seq, iri, prev) => rollupReceipt(summary, seq, iri, prev)]);
      await store.close();
      const files = fs.readdirSync(path.join(pristine, 'journal')).sort();
      expect(files).toEqual(['2026-11-17.nq', '2026-11-17.rollup.nq', '2026-11-18.nq']);
      const sizes = files.map((f) => fs.statSync(journalFile(pristine, f)).size);

      // Bytes that src/ once let through: the graph IRI and the spaces of a digest line.
      const first = fs.readFileSync(journalFile(pristine, files[0]!), 'latin1');
      const digestLine = first.indexOf(`<${DIGEST_IRI}>`);
      const graphAt = first.indexOf('<urn:kaizen:hour:', digestLine);
      const examples: [number, number, number][] = [
        [0, graphAt + 'urn:kaizen:hour:2026-11-17T1'.length + 1, 1], // hour 10 → 11
        [0, graphAt - 1, 0x09 - 0x20 + 256], // the space before the graph → a tab
      ];

      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (fileSeed, offsetSeed, delta) => {
          const i = fileSeed % files.length;
          const offset = offsetSeed % sizes[i]!;
          const dataDir = tempDir();
          fs.cpSync(pristine, dataDir, { recursive: true });
          const file = journalFile(dataDir, files[i]!);
          const bytes = fs.readFileSync(file);
          bytes[offset] = (bytes[offset]! + delta) % 256;
          fs.writeFileSync(file, bytes);
          expect(await detection(dataDir), `${files[i]} byte ${offset} changed by ${delta}`).toBeDefined();
          fs.rmSync(dataDir, { recursive: true, force: true });
        }),
        // Each failure names its file, byte and change; shrinking would only cost time.
        { numRuns: 120, examples, endOnFailure: true },
      );
    });
  });
});

/**
 * How a damaged data directory was detected: a KaizenError on open or load, a failed verify, or
 * a notice (a torn tail is reported, not refused), or undefined when nothing noticed it.
 */
async function detection(dataDir: string): Promise<string | undefined> {
  const notices: string[] = [];
  try {
    const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: (m) => notices.push(m) });
    try {
      await store.load({ range: ALL_TIME, raw: true, rollups: true });
      const report = await store.verify();
      if (!report.ok) return `verify: ${report.problem} ${report.seq}`;
      return notices.length > 0 ? `notice: ${notices.join('; ')}` : undefined;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (isKaizenError(error)) return error.code;
    throw error;
  }
}

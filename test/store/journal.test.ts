// The append-only N-Quads journal: files per day and kind, group commit, tails and scanning.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { GENESIS_DIGEST, type Receipt, toReceipt, toReceiptBytes } from '../../src/evidence/receipt.js';
import { ReceiptBytes } from '../../src/evidence/receipt-bytes.js';
import { JOURNAL_HEADER, listJournalFiles, readTail, scanReceipts } from '../../src/store/journal.js';
import { JournalWriter } from '../../src/store/journal-writer.js';
import { event, journalFile, someEvents, useTempDirs } from './support.js';

const tempDir = useTempDirs();

/** Seals events into a chain starting at seq 1. */
function chain(events: readonly KaizenEvent[]): Receipt[] {
  let prev = GENESIS_DIGEST;
  return events.map((e, i) => {
    const r = toReceipt(e, { seq: i + 1, prevDigest: prev, instance: 'local' });
    prev = r.digest;
    return r;
  });
}

async function writeAll(dataDir: string, receipts: readonly Receipt[]): Promise<JournalWriter> {
  const w = new JournalWriter(dataDir);
  await w.append(receipts.map((receipt) => ({ receipt, kind: 'raw' as const })));
  await w.close();
  return w;
}

describe('journal', () => {
  describe('when receipts are appended', () => {
    it('writes them after the header, one file per UTC day, exactly as their lines', async () => {
      const dir = tempDir();
      const receipts = chain([...someEvents(3, '2026-11-17T23:59:58.000Z')]);
      await writeAll(dir, receipts);
      expect(listJournalFiles(dir).map((f) => [f.name, f.day, f.kind])).toEqual([
        ['2026-11-17.nq', '2026-11-17', 'raw'],
        ['2026-11-18.nq', '2026-11-18', 'raw'],
      ]);
      expect(fs.readFileSync(journalFile(dir, '2026-11-17.nq'), 'utf8')).toBe(
        JOURNAL_HEADER + receipts[0]!.lines.join('') + receipts[1]!.lines.join(''),
      );
      expect(fs.readFileSync(journalFile(dir, '2026-11-18.nq'), 'utf8')).toBe(JOURNAL_HEADER + receipts[2]!.lines.join(''));
    });

    it('keeps rollup receipts in a file of their own', async () => {
      const dir = tempDir();
      const [r] = chain([event({})]);
      const w = new JournalWriter(dir);
      await w.append([{ receipt: r!, kind: 'rollup' }]);
      await w.close();
      expect(listJournalFiles(dir).map((f) => [f.name, f.kind])).toEqual([['2026-11-17.rollup.nq', 'rollup']]);
    });

    it('writes the header once when a file is appended to again', async () => {
      const dir = tempDir();
      const receipts = chain(someEvents(4));
      await writeAll(dir, receipts.slice(0, 2));
      await writeAll(dir, receipts.slice(2));
      const text = fs.readFileSync(journalFile(dir, '2026-11-17.nq'), 'utf8');
      expect(text.split(JOURNAL_HEADER)).toHaveLength(2);
      expect(text).toBe(JOURNAL_HEADER + receipts.flatMap((r) => r.lines).join(''));
    });

    it('commits appends that arrive together in fewer commits, in order', async () => {
      const dir = tempDir();
      const receipts = chain(someEvents(10));
      const w = new JournalWriter(dir);
      await Promise.all(receipts.map((receipt) => w.append([{ receipt, kind: 'raw' }])));
      await w.close();
      expect(w.commits).toBeGreaterThanOrEqual(1);
      expect(w.commits).toBeLessThan(receipts.length);
      expect(fs.readFileSync(journalFile(dir, '2026-11-17.nq'), 'utf8')).toBe(JOURNAL_HEADER + receipts.flatMap((r) => r.lines).join(''));
    });

    it('writes sealed bytes and texts arriving together in chain order, each placed at its own bytes, across days', async () => {
      const dir = tempDir();
      const events = someEvents(12, '2026-11-17T23:59:55.000Z');
      const texts = chain(events);
      // The same chain sealed into byte buffers, in three appends of four: the second spans midnight.
      const buffers = [new ReceiptBytes(64), new ReceiptBytes(64), new ReceiptBytes(64)];
      let prev = GENESIS_DIGEST;
      const sealed = events.map((e, i) => {
        const r = toReceiptBytes(e, { seq: i + 1, prevDigest: prev, instance: 'local' }, undefined, buffers[Math.floor(i / 4)]!);
        prev = r.digest;
        return r;
      });
      expect(sealed.map((r) => r.digest)).toEqual(texts.map((r) => r.digest));
      const w = new JournalWriter(dir);
      const entries = (rs: readonly Receipt[]) => rs.map((receipt) => ({ receipt, kind: 'raw' as const }));
      // Bytes, then texts, then bytes: the first starts a commit at once, the other two wait and go in the next.
      const placed = await Promise.all([w.append(entries(sealed.slice(0, 4)), buffers[0]), w.append(entries(texts.slice(4, 8))), w.append(entries(sealed.slice(8)), buffers[2])]);
      await w.close();
      expect(w.commits).toBe(2);
      const day1 = fs.readFileSync(journalFile(dir, '2026-11-17.nq'));
      const day2 = fs.readFileSync(journalFile(dir, '2026-11-18.nq'));
      expect(day1.toString() + day2.toString().slice(JOURNAL_HEADER.length)).toBe(JOURNAL_HEADER + texts.map((r) => r.text).join(''));
      placed.flat().forEach((p, i) => {
        const file = p.path.endsWith('2026-11-17.nq') ? day1 : day2;
        expect(file.subarray(p.start, p.end).toString()).toBe(texts[i]!.text);
      });
      expect(() => w.append(entries(sealed.slice(0, 3)), buffers[0])).toThrow(/3 receipts but the bytes of 4/);
    });

    it('resolves an append only once its bytes are in the file', async () => {
      const dir = tempDir();
      const [r] = chain([event({})]);
      const w = new JournalWriter(dir);
      await w.append([{ receipt: r!, kind: 'raw' }]);
      // Still open: the bytes are there before close.
      expect(fs.readFileSync(journalFile(dir, '2026-11-17.nq'), 'utf8')).toBe(JOURNAL_HEADER + r!.lines.join(''));
      expect(w.bytesWritten).toBe(Buffer.byteLength(r!.lines.join('')));
      await w.close();
    });
  });

  describe('tail', () => {
    it('of an intact file ends at its last receipt, with its seq and digest', async () => {
      const dir = tempDir();
      const receipts = chain(someEvents(3));
      await writeAll(dir, receipts);
      const path = journalFile(dir, '2026-11-17.nq');
      const tail = readTail(path);
      expect(tail).toEqual({
        size: fs.statSync(path).size,
        endOfLastReceipt: fs.statSync(path).size,
        tornBytes: 0,
        lastSeq: 3,
        lastDigest: receipts[2]!.digest,
      });
    });

    describe('when the file was cut in the middle of a line', () => {
      it('ends at the last whole receipt and counts the torn bytes', async () => {
        const dir = tempDir();
        const receipts = chain(someEvents(3));
        await writeAll(dir, receipts);
        const path = journalFile(dir, '2026-11-17.nq');
        const whole = Buffer.byteLength(JOURNAL_HEADER + receipts[0]!.lines.join('') + receipts[1]!.lines.join(''));
        const cutAt = whole + Buffer.byteLength(receipts[2]!.lines.slice(0, 2).join('')) + 17;
        fs.truncateSync(path, cutAt);
        expect(readTail(path)).toMatchObject({ endOfLastReceipt: whole, tornBytes: cutAt - whole, lastSeq: 2, lastDigest: receipts[1]!.digest });
      });

      it('ends before a digest line that has lost its newline', async () => {
        const dir = tempDir();
        const receipts = chain(someEvents(2));
        await writeAll(dir, receipts);
        const path = journalFile(dir, '2026-11-17.nq');
        fs.truncateSync(path, fs.statSync(path).size - 1);
        expect(readTail(path)).toMatchObject({ lastSeq: 1, endOfLastReceipt: Buffer.byteLength(JOURNAL_HEADER + receipts[0]!.lines.join('')) });
      });
    });

    describe('when the last receipt lacks its digest line', () => {
      it('ends at the receipt before it', async () => {
        const dir = tempDir();
        const receipts = chain(someEvents(2));
        await writeAll(dir, receipts);
        const path = journalFile(dir, '2026-11-17.nq');
        const digestLine = receipts[1]!.lines[receipts[1]!.lines.length - 1]!;
        fs.truncateSync(path, fs.statSync(path).size - Buffer.byteLength(digestLine));
        const whole = Buffer.byteLength(JOURNAL_HEADER + receipts[0]!.lines.join(''));
        expect(readTail(path)).toMatchObject({ endOfLastReceipt: whole, tornBytes: fs.statSync(path).size - whole, lastSeq: 1 });
      });
    });

    it('of a file with only its header has no receipt', async () => {
      const dir = tempDir();
      fs.mkdirSync(`${dir}/journal`);
      const path = journalFile(dir, '2026-11-17.nq');
      fs.writeFileSync(path, JOURNAL_HEADER);
      expect(readTail(path)).toEqual({
        size: JOURNAL_HEADER.length,
        endOfLastReceipt: JOURNAL_HEADER.length,
        tornBytes: 0,
        lastSeq: 0,
        lastDigest: undefined,
      });
    });
  });

  describe('header', () => {
    it.each([
      ['another version', '# kaizen journal v0\n', /journal v0.*another version/s],
      ['not a journal at all', 'hello\n', /"hello".*not a kaizen journal/s],
    ])('of %s is refused with KZN_JOURNAL_FORMAT naming the file', (_what, header, hint) => {
      const dir = tempDir();
      fs.mkdirSync(`${dir}/journal`);
      const path = journalFile(dir, '2026-11-17.nq');
      fs.writeFileSync(path, header);
      let caught: unknown;
      try {
        readTail(path);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'KZN_JOURNAL_FORMAT' });
      const e = caught as { message: string; hint: string };
      expect(e.message).toContain(`${path} line 1: expected the header "# kaizen journal v1"`);
      expect(`${e.message} ${e.hint}`).toMatch(hint);
      expect(() => [...scanReceipts(path)]).toThrow(/KZN_JOURNAL_FORMAT|expected the header/);
    });
  });

  describe('scan', () => {
    it('yields each receipt with its body lines, digest and first line number', async () => {
      const dir = tempDir();
      const receipts = chain(someEvents(3));
      await writeAll(dir, receipts);
      const path = journalFile(dir, '2026-11-17.nq');
      const scanned = [...scanReceipts(path)];
      let line = 2; // line 1 is the header
      expect(
        scanned.map((s) => ({ seq: s.seq, digest: s.digest, body: s.bodyLines, digestLine: s.digestLine, line: s.line, file: s.file })),
      ).toEqual(
        receipts.map((r) => {
          const at = line;
          line += r.lines.length;
          return { seq: r.seq, digest: r.digest, body: r.lines.slice(0, -1), digestLine: r.lines.at(-1), line: at, file: path };
        }),
      );
    });

    it('stops before a torn tail when given the end of the last whole receipt', async () => {
      const dir = tempDir();
      const receipts = chain(someEvents(3));
      await writeAll(dir, receipts);
      const path = journalFile(dir, '2026-11-17.nq');
      fs.truncateSync(path, fs.statSync(path).size - 30);
      expect([...scanReceipts(path, readTail(path).endOfLastReceipt)].map((s) => s.seq)).toEqual([1, 2]);
    });

    describe('when the last digest line was cut after its digest (no end given, as verify scans)', () => {
      it('does not yield the torn receipt, as readTail does not count it', async () => {
        const dir = tempDir();
        const receipts = chain(someEvents(3));
        await writeAll(dir, receipts);
        const path = journalFile(dir, '2026-11-17.nq');
        // The last 30 bytes are the end of the graph IRI and " .\n": the digest itself is intact.
        fs.truncateSync(path, fs.statSync(path).size - 30);
        expect(readTail(path).lastSeq).toBe(2);
        expect([...scanReceipts(path)].map((s) => s.seq)).toEqual([1, 2]);
      });
    });

    describe('when a text field mentions the digest predicate', () => {
      it('still reads the receipt as one receipt with all its lines', async () => {
        const dir = tempDir();
        const receipts = chain([
          event({ reason: 'copied <https://w3id.org/kaizen/ns#digest> "from a log"', type: 'signal.rejected' }),
          event({ time: '2026-11-17T10:00:01.000Z' }),
        ]);
        await writeAll(dir, receipts);
        const path = journalFile(dir, '2026-11-17.nq');
        const scanned = [...scanReceipts(path)];
        expect(scanned.map((s) => [s.seq, s.bodyLines.length, s.digest])).toEqual(
          receipts.map((r) => [r.seq, r.lines.length - 1, r.digest]),
        );
      });
    });
  });
});

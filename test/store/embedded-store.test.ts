// The embedded store: replay, partial loading, torn tails, corruption, locks and formats.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { type Quad, Writer } from 'n3';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { type KaizenEvent, parseEvent } from '../../src/evidence/event.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { eventJson } from '../evidence/arbitraries.js';
import { ALL_TIME, event, journalFile, snapshotFiles, someEvents, splitJournal, useTempDirs } from './support.js';

const tempDir = useTempDirs();
const nquads = new Writer({ format: 'N-Quads' });

/** The quads as a sorted list of N-Quads lines, for comparing stores as sets. */
function lines(quads: readonly Quad[]): string[] {
  return quads.map((q) => nquads.quadToString(q.subject, q.predicate, q.object, q.graph)).sort();
}

/** What a store holds once every partition of all time is loaded, by a reader opened afresh. */
async function replayed(dataDir: string): Promise<string[]> {
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    await store.load({ range: ALL_TIME, raw: true, rollups: true });
    return lines(store.match(null, null, null, null));
  } finally {
    await store.close();
  }
}

/** The error a function throws (sync or async), or a failure when it throws none. */
async function thrown(f: () => unknown): Promise<{ code?: string; message: string }> {
  try {
    await f();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('embedded store', () => {
  describe('when events are appended, the store closed and opened again', () => {
    it('replays the journal to the same quads', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.load({ range: ALL_TIME, raw: true });
      const { receipts } = await store.appendEvents([...someEvents(5), ...someEvents(3, '2026-11-18T09:00:00.000Z')]);
      const live = lines(store.match(null, null, null, null));
      await store.close();
      expect(live).toEqual(lines(receipts.flatMap((r) => r.quads)));
      expect(await replayed(dataDir)).toEqual(live);
    });

    it('continues the chain where it stopped', async () => {
      const dataDir = tempDir();
      const first = openEmbeddedStore({ dataDir });
      const a = await first.appendEvents(someEvents(3));
      await first.close();
      const second = openEmbeddedStore({ dataDir });
      expect(second.head()).toEqual({ seq: 3, digest: a.receipts[2]!.digest });
      const b = await second.appendEvents(someEvents(2, '2026-11-17T11:00:00.000Z'));
      expect(b.receipts.map((r) => r.seq)).toEqual([4, 5]);
      expect(await second.verify()).toMatchObject({ ok: true, receipts: 5 });
      await second.close();
    });

    it('replays any sequence of append batches to an identical store', async () => {
      const batch = fc.array(eventJson(Date.UTC(2026, 10, 16), Date.UTC(2026, 10, 19)), { minLength: 1, maxLength: 5 });
      await fc.assert(
        fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), fc.boolean(), async (batches, together) => {
          const dataDir = tempDir();
          const events = batches.map((b) => b.map((json) => parseEvent(json, 'x')));
          const store = openEmbeddedStore({ dataDir });
          await store.load({ range: ALL_TIME, raw: true });
          const results = together
            ? await Promise.all(events.map((b) => store.appendEvents(b)))
            : await events.reduce<Promise<{ receipts: readonly { quads: readonly Quad[]; seq: number }[] }[]>>(
                async (acc, b) => [...(await acc), await store.appendEvents(b)],
                Promise.resolve([]),
              );
          const receipts = results.flatMap((r) => r.receipts);
          expect(receipts.map((r) => r.seq)).toEqual(receipts.map((_, i) => i + 1));
          const live = lines(store.match(null, null, null, null));
          await store.close();
          expect(live).toEqual(lines(receipts.flatMap((r) => r.quads)));
          expect(await replayed(dataDir)).toEqual(live);
          fs.rmSync(dataDir, { recursive: true, force: true });
        }),
        { numRuns: 25 },
      );
    });
  });

  describe('when a string holds a lone surrogate', () => {
    // JSON.parse accepts "\ud800"; UTF-8 cannot hold it, so the journal gets U+FFFD instead.
    it('is refused, or replays to the same quads it was acknowledged with', async () => {
      const dataDir = tempDir();
      let e: KaizenEvent;
      try {
        e = parseEvent(JSON.parse('{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"pay\\ud800ments"}'), 'line 1');
      } catch (error) {
        expect(isKaizenError(error, 'KZN_EVENT_INVALID')).toBe(true);
        return;
      }
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents([e]);
      await store.close();
      expect(await replayed(dataDir)).toEqual(lines(receipts[0]!.quads));
    });
  });

  describe('when a command needs only some days', () => {
    it('loads the raw hours of those days and nothing else', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents([...someEvents(2, '2026-11-17T10:00:00.000Z'), ...someEvents(2, '2026-11-19T15:00:00.000Z')]);
      await store.load({ range: { fromMs: Date.UTC(2026, 10, 17), toMs: Date.UTC(2026, 10, 18) }, raw: true });
      expect(new Set(store.match(null, null, null, null).map((q) => q.graph.value))).toEqual(new Set(['urn:kaizen:hour:2026-11-17T10']));
      await store.load({ range: { fromMs: Date.UTC(2026, 10, 19, 15), toMs: Date.UTC(2026, 10, 19, 16) }, raw: true });
      expect(new Set(store.match(null, null, null, null).map((q) => q.graph.value))).toEqual(
        new Set(['urn:kaizen:hour:2026-11-17T10', 'urn:kaizen:hour:2026-11-19T15']),
      );
      store.release({ range: { fromMs: Date.UTC(2026, 10, 17), toMs: Date.UTC(2026, 10, 18) }, raw: true });
      expect(new Set(store.match(null, null, null, null).map((q) => q.graph.value))).toEqual(new Set(['urn:kaizen:hour:2026-11-19T15']));
      await store.close();
    });

    it('exports the receipts of a range from the journal without loading them', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents([...someEvents(3), ...someEvents(2, '2026-11-18T09:00:00.000Z')]);
      const got: number[] = [];
      for await (const r of store.exportReceipts({ fromMs: Date.UTC(2026, 10, 17, 10, 0, 1), toMs: Date.UTC(2026, 10, 18, 9, 0, 1) })) {
        got.push(r.seq);
        expect(r.lines).toEqual(receipts[r.seq - 1]!.lines);
      }
      expect(got).toEqual([2, 3, 4]);
      expect(store.memory.size).toBe(0);
      await store.close();
    });

    it('counts receipts, quads, days and journal bytes without loading', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents([...someEvents(3), ...someEvents(2, '2026-11-18T09:00:00.000Z')]);
      await store.close();
      const reader = openEmbeddedStore({ dataDir, readOnly: true });
      const bytes = fs.readdirSync(path.join(dataDir, 'journal')).reduce((n, f) => n + fs.statSync(path.join(dataDir, 'journal', f)).size, 0);
      expect(await reader.stats()).toMatchObject({
        receipts: 5,
        rawReceipts: 5,
        rollupReceipts: 0,
        quads: receipts.reduce((n, r) => n + r.quads.length, 0),
        days: ['2026-11-17', '2026-11-18'],
        journalBytes: bytes,
        lastSeq: 5,
        lastDigest: receipts[4]!.digest,
        loadedQuads: 0,
      });
      await reader.close();
    });
  });

  describe('when an event cites another by id', () => {
    it('links the receipts with prov:wasInformedBy within one append', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents([
        event({ type: 'chaos.injected', id: 'chaos-1' }),
        event({ type: 'failure.recorded', caused_by: 'chaos-1' }),
      ]);
      const link = receipts[1]!.quads.filter((q) => q.predicate.value === 'http://www.w3.org/ns/prov#wasInformedBy');
      expect(link.map((q) => q.object.value)).toEqual([receipts[0]!.iri]);
      await store.close();
    });

    it('links the receipts with prov:wasInformedBy when the cited event came in an earlier append', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const first = await store.appendEvents([event({ type: 'chaos.injected', id: 'chaos-1' })]);
      const second = await store.appendEvents([event({ type: 'failure.recorded', caused_by: 'chaos-1' })]);
      const link = second.receipts[0]!.quads.filter((q) => q.predicate.value === 'http://www.w3.org/ns/prov#wasInformedBy');
      expect(link.map((q) => q.object.value)).toEqual([first.receipts[0]!.iri]);
      await store.close();
    });
  });

  describe('when the last line was torn by a crash', () => {
    async function tornStore(): Promise<{ dataDir: string; file: string; whole: number; kept: string[] }> {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents(someEvents(3));
      await store.close();
      const file = journalFile(dataDir, '2026-11-17.nq');
      const size = fs.statSync(file).size;
      const lastBytes = Buffer.byteLength(receipts[2]!.lines.join(''));
      fs.truncateSync(file, size - Math.floor(lastBytes / 2));
      // A crash mid-write happens before the clean close that writes HEAD: HEAD never named receipt 3.
      fs.rmSync(path.join(dataDir, 'HEAD'));
      return { dataDir, file, whole: size - lastBytes, kept: lines(receipts.slice(0, 2).flatMap((r) => r.quads)) };
    }

    it('cuts it off and reports it when a writer opens the store', async () => {
      const { dataDir, file, whole, kept } = await tornStore();
      const notices: string[] = [];
      const store = openEmbeddedStore({ dataDir, onNotice: (m) => notices.push(m) });
      expect(fs.statSync(file).size).toBe(whole);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/2026-11-17\.nq: cut off a torn tail of \d+ bytes/);
      expect(store.head().seq).toBe(2);
      const next = await store.appendEvents(someEvents(1, '2026-11-17T10:30:00.000Z'));
      expect(next.receipts[0]!.seq).toBe(3);
      await store.load({ range: ALL_TIME, raw: true });
      expect(lines(store.match(null, null, null, null))).toEqual([...kept, ...lines(next.receipts[0]!.quads)].sort());
      expect(await store.verify()).toMatchObject({ ok: true, receipts: 3 });
      await store.close();
    });

    it('is ignored by a reader, which reports it and leaves the file as it is', async () => {
      const { dataDir, kept } = await tornStore();
      const before = snapshotFiles(dataDir);
      const notices: string[] = [];
      const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: (m) => notices.push(m) });
      await store.load({ range: ALL_TIME, raw: true });
      expect(lines(store.match(null, null, null, null))).toEqual(kept);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/2026-11-17\.nq: ignoring a torn tail of \d+ bytes/);
      await store.close();
      expect(snapshotFiles(dataDir)).toEqual(before);
    });
  });

  describe('when the last receipt lost its digest line', () => {
    it('cuts the receipt off and reports it', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      const { receipts } = await store.appendEvents(someEvents(2));
      await store.close();
      const file = journalFile(dataDir, '2026-11-17.nq');
      const digestLine = receipts[1]!.lines.at(-1)!;
      fs.truncateSync(file, fs.statSync(file).size - Buffer.byteLength(digestLine));
      const notices: string[] = [];
      const writer = openEmbeddedStore({ dataDir, onNotice: (m) => notices.push(m) });
      expect(notices.join('\n')).toMatch(/cut off a torn tail/);
      expect(splitJournal(fs.readFileSync(file, 'utf8'))).toMatchObject({ receipts: [{ seq: 1 }], rest: '' });
      await writer.load({ range: ALL_TIME, raw: true });
      expect(lines(writer.match(null, null, null, null))).toEqual(lines(receipts[0]!.quads));
      await writer.close();
    });
  });

  describe('when a line in the middle is corrupt', () => {
    const GARBAGE = 'this is not an N-Quads statement';
    const BROKEN = '<urn:kaizen:receipt:local:2> <https://w3id.org/kaizen/ns#component> "unterminated <urn:kaizen:hour:2026-11-17T10> .';

    async function corruptStore(replacement: string): Promise<{ dataDir: string; file: string; lineNo: number }> {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents(someEvents(4));
      await store.close();
      const file = journalFile(dataDir, '2026-11-17.nq');
      const fileLines = fs.readFileSync(file, 'utf8').split('\n');
      const lineNo = 15; // 1-based: line 1 is the header, receipt 1 takes lines 2–11, receipt 2 starts at 12
      expect(fileLines[lineNo - 1]).toMatch(/^<urn:kaizen:receipt:local:2> /);
      fileLines[lineNo - 1] = replacement;
      fs.writeFileSync(file, fileLines.join('\n'));
      return { dataDir, file, lineNo };
    }

    it.each([
      ['a reader', 'a line of garbage', true, GARBAGE],
      ['a writer', 'a line of garbage', false, GARBAGE],
      ['a reader', 'a receipt line with a broken literal', true, BROKEN],
      ['a writer', 'a receipt line with a broken literal', false, BROKEN],
    ])('is refused on load by %s (%s) with KZN_JOURNAL_CORRUPT naming the file and line, rewriting nothing', async (_who, _what, readOnly, replacement) => {
      const { dataDir, file, lineNo } = await corruptStore(replacement);
      const before = snapshotFiles(path.join(dataDir, 'journal'));
      const store = openEmbeddedStore({ dataDir, readOnly });
      const error = await thrown(() => store.load({ range: ALL_TIME, raw: true }));
      await store.close();
      expect(error.code).toBe('KZN_JOURNAL_CORRUPT');
      expect(error.message).toContain(`${file} line ${lineNo}:`);
      expect(error.message).toContain(replacement.slice(0, 30));
      expect(snapshotFiles(path.join(dataDir, 'journal'))).toEqual(before);
    });
  });

  describe('when a second writer opens the same data directory', () => {
    it('is refused with KZN_STORE_LOCKED while a reader can still open it', async () => {
      const dataDir = tempDir();
      const writer = openEmbeddedStore({ dataDir });
      await writer.appendEvents(someEvents(2));
      const error = await thrown(() => openEmbeddedStore({ dataDir }));
      expect(error.code).toBe('KZN_STORE_LOCKED');
      expect(error.message).toContain(dataDir);
      const reader = openEmbeddedStore({ dataDir, readOnly: true });
      await reader.load({ range: ALL_TIME, raw: true });
      expect(reader.match(null, null, null, null).length).toBeGreaterThan(0);
      await reader.close();
      await writer.close();
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
      const again = openEmbeddedStore({ dataDir });
      await again.close();
    });

    it('is refused when the lock belongs to another live process, naming it', async () => {
      const dataDir = tempDir();
      const other = process.ppid; // alive: it is running this test process
      fs.writeFileSync(path.join(dataDir, 'LOCK'), `${other}\n`);
      const error = await thrown(() => openEmbeddedStore({ dataDir }));
      expect(error.code).toBe('KZN_STORE_LOCKED');
      expect(error.message).toContain(`process ${other}`);
      expect(fs.readFileSync(path.join(dataDir, 'LOCK'), 'utf8')).toBe(`${other}\n`);
    });

    it('takes over a stale lock left by a process that no longer runs, and says so', async () => {
      const dataDir = tempDir();
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      fs.writeFileSync(path.join(dataDir, 'LOCK'), `${dead}\n`);
      const notices: string[] = [];
      const store = openEmbeddedStore({ dataDir, onNotice: (m) => notices.push(m) });
      expect(notices).toEqual([expect.stringContaining(`process ${dead}`)]);
      expect(fs.readFileSync(path.join(dataDir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
      await store.appendEvents(someEvents(1));
      await store.close();
    });
  });

  describe('when opened read-only', () => {
    it('refuses appends with KZN_STORE_READONLY and takes no lock', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir, readOnly: true });
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
      expect((await thrown(() => store.appendEvents(someEvents(1)))).code).toBe('KZN_STORE_READONLY');
      await store.close();
    });
  });

  describe('when a journal file has another version header', () => {
    it('is refused on open with KZN_JOURNAL_FORMAT naming the file, and a writer leaves no lock', async () => {
      const dataDir = tempDir();
      const store = openEmbeddedStore({ dataDir });
      await store.appendEvents(someEvents(2));
      await store.close();
      const file = journalFile(dataDir, '2026-11-17.nq');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('# kaizen journal v1\n', '# kaizen journal v0\n'));
      for (const readOnly of [true, false]) {
        const error = await thrown(() => openEmbeddedStore({ dataDir, readOnly }));
        expect(error.code).toBe('KZN_JOURNAL_FORMAT');
        expect(error.message).toContain(`${file} line 1`);
        expect(error.message).toContain('# kaizen journal v0');
      }
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    });
  });
});

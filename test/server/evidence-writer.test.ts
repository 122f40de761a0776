// The live pipeline's evidence writer: group commits, durability promises, hours rolled up and
// released as they close, and a failed commit reported to every waiter.

import { DataFactory } from 'n3';
import { describe, expect, it } from 'vitest';
import { KaizenError } from '../../src/errors.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { hourGraphIri, rollupGraphIri } from '../../src/evidence/vocabulary.js';
import { EvidenceWriter } from '../../src/server/evidence-writer.js';
import { StoreGate } from '../../src/server/store-gate.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { event, useTempDirs } from '../store/support.js';

const tempDir = useTempDirs();
const { namedNode } = DataFactory;
const at = (iso: string, i: number) => event({ type: 'task.completed', time: iso, value: 10 + i, signal_id: `s-${i}` });

function counting(store: EvidenceStore): { store: EvidenceStore; appends: number[] } {
  const appends: number[] = [];
  const append = store.appendEvents.bind(store);
  store.appendEvents = async (events) => {
    appends.push(events.length);
    return append(events);
  };
  return { store, appends };
}

describe('the evidence writer', () => {
  it('commits many pushes in few appends and resolves durable() once they are journaled', async () => {
    const { store, appends } = counting(openEmbeddedStore({ dataDir: tempDir() }));
    const writer = new EvidenceWriter({ store, gate: new StoreGate(), flushIntervalMs: 5, rollup: false });
    await writer.open(Date.parse('2026-11-23T10:00:00Z'));
    for (let i = 0; i < 500; i++) writer.push(at('2026-11-23T10:00:01.000Z', i));
    await writer.durable();
    expect(writer.counts).toMatchObject({ pushed: 500, durable: 500, buffered: 0 });
    expect(appends.reduce((a, b) => a + b, 0)).toBe(500);
    expect(appends.length).toBeLessThan(5);
    expect((await store.stats()).rawReceipts).toBe(500);
    await writer.close();
    await store.close();
  });

  it('holds no raw hour in memory, and rolls up an hour once it closes', async () => {
    const store = openEmbeddedStore({ dataDir: tempDir() });
    const writer = new EvidenceWriter({ store, gate: new StoreGate(), flushIntervalMs: 1 });
    const built = new Promise<readonly string[]>((resolve) => writer.onRolledUp((hours) => hours.length > 0 && resolve(hours)));
    await writer.open(Date.parse('2026-11-23T10:59:00Z'));
    for (let i = 0; i < 3; i++) writer.push(at('2026-11-23T10:59:30.000Z', i));
    await writer.durable();
    const hour10 = namedNode(hourGraphIri('2026-11-23T10'));
    expect(store.match(null, null, null, hour10)).toEqual([]);
    expect((await store.hourSummaries({ fromMs: Date.parse('2026-11-23T10:00:00Z'), toMs: Date.parse('2026-11-23T11:00:00Z') })).get('2026-11-23T10')?.count).toBe(3);
    writer.push(at('2026-11-23T11:00:00.500Z', 3));
    expect(await built).toEqual(['2026-11-23T10']);
    expect(writer.openHour).toBe('2026-11-23T11');
    expect(store.match(null, null, null, hour10)).toEqual([]);
    expect(store.match(null, null, null, namedNode(rollupGraphIri('2026-11-23T10'))).length).toBeGreaterThan(0);
    expect(store.match(null, null, null, namedNode(hourGraphIri('2026-11-23T11')))).toEqual([]);
    // What reads the live hour loads it from the journal.
    await store.load({ range: { fromMs: Date.parse('2026-11-23T11:00:00Z'), toMs: Date.parse('2026-11-23T12:00:00Z') }, raw: true });
    expect(store.match(null, null, null, namedNode(hourGraphIri('2026-11-23T11'))).length).toBeGreaterThan(0);
    await writer.close();
    await store.close();
  });

  it('closes an hour with no event after it once told the time has passed', async () => {
    const store = openEmbeddedStore({ dataDir: tempDir() });
    const writer = new EvidenceWriter({ store, gate: new StoreGate(), flushIntervalMs: 1 });
    const built = new Promise<readonly string[]>((resolve) => writer.onRolledUp((hours) => hours.length > 0 && resolve(hours)));
    await writer.open(Date.parse('2026-11-23T10:59:00Z'));
    writer.push(at('2026-11-23T10:59:30.000Z', 0));
    await writer.durable();
    writer.advanceTo(Date.parse('2026-11-23T11:00:01Z'));
    expect(await built).toEqual(['2026-11-23T10']);
    await writer.close();
    await store.close();
  });

  it('rejects every waiter with the error of a failed commit and drops what follows', async () => {
    const store = openEmbeddedStore({ dataDir: tempDir() });
    store.appendEvents = async () => {
      throw new Error('ENOSPC: no space left on device');
    };
    const writer = new EvidenceWriter({ store, gate: new StoreGate(), flushIntervalMs: 1, rollup: false });
    await writer.open(Date.parse('2026-11-23T10:00:00Z'));
    writer.push(at('2026-11-23T10:00:01.000Z', 0));
    const error = await writer.durable().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KaizenError);
    expect((error as KaizenError).code).toBe('KZN_STORE_IO');
    expect((error as KaizenError).message).toMatch(/ENOSPC/);
    writer.push(at('2026-11-23T10:00:02.000Z', 1));
    expect(writer.counts.dropped).toBe(1);
    await expect(writer.durable()).rejects.toThrow(/could not be journaled/);
    await writer.close();
    await store.close();
  });
});

// A restart takes back what the server before it left open: every accepted signal without an
// outcome is queued again (within its timeout) or abandoned with reason crash-recovery, and the
// idempotency keys of the recent signals are remembered across the restart.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { receiptToEvent } from '../../src/evidence/receipt.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { QUICK, startTestServer, steppingClock, type TestServer } from './support.js';

const dirs: string[] = [];
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-recover-'));
  dirs.push(d);
  return d;
}

/** Every event journaled in the data directory, oldest first. */
async function journaled(dataDir: string): Promise<KaizenEvent[]> {
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    const out: KaizenEvent[] = [];
    for await (const r of store.exportReceipts({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })) {
      const e = receiptToEvent(r.quads);
      if (e !== undefined) out.push(e);
    }
    return out;
  } finally {
    await store.close();
  }
}

const OUTCOMES = new Set(['task.completed', 'task.failed', 'signal.abandoned']);
const outcomesOf = (events: readonly KaizenEvent[], id: string) => events.filter((e) => e.signalId === id && OUTCOMES.has(e.type));

/** Posts signals while the queue is stalled, then stops the server: they are accepted and journaled, with no outcome. */
async function leaveUnfinished(dataDir: string, clock: ReturnType<typeof steppingClock>, bodies: readonly object[]): Promise<string[]> {
  const first = await startTestServer({ dataDir, clock });
  first.live.injectChaos({ kind: 'queue-stall' });
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await first.app.inject({ method: 'POST', url: '/signal', payload: body });
    expect(res.statusCode).toBe(202);
    ids.push(res.json().signal_id);
  }
  await first.close();
  return ids;
}

async function waitFor(test: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('recovery on start', () => {
  it('queues again the accepted signals left without an outcome, and each ends with exactly one outcome', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-30T10:00:00Z');
    const ids = await leaveUnfinished(dataDir, clock, [QUICK, QUICK, { ...QUICK, timeout_ms: 60_000 }]);
    const before = await journaled(dataDir);
    for (const id of ids) expect(outcomesOf(before, id)).toHaveLength(0);

    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 3, abandoned: 0 });
    await waitFor(() => ids.every((id) => server?.live.signals.get(id)?.state === 'completed'));
    const res = await server.app.inject({ method: 'GET', url: `/signal/${ids[0]}` });
    expect(res.json().status).toBe('completed');
    await server.close();
    server = undefined;

    const after = await journaled(dataDir);
    for (const id of ids) {
      expect(outcomesOf(after, id).map((e) => e.type)).toEqual(['task.completed']);
      expect(after.filter((e) => e.signalId === id && e.type === 'signal.recovered').map((e) => e.reason)).toEqual(['crash-recovery']);
      expect(after.filter((e) => e.signalId === id && e.type === 'signal.accepted')).toHaveLength(1);
    }
    // A third start finds nothing left open.
    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 0, abandoned: 0 });
  });

  it('abandons, with reason crash-recovery, a signal whose timeout passed while the server was down', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-30T10:00:00Z');
    const [late, onTime] = await leaveUnfinished(dataDir, clock, [
      { ...QUICK, timeout_ms: 1_000 },
      { ...QUICK, timeout_ms: 3_600_000 },
    ]);
    clock.jump(60_000);
    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 1, abandoned: 1 });
    expect(server.live.signals.get(late as string)?.state).toBe('abandoned');
    const res = await server.app.inject({ method: 'GET', url: `/signal/${late}` });
    expect(res.json()).toMatchObject({ status: 'abandoned', reason: 'crash-recovery' });
    await waitFor(() => server?.live.signals.get(onTime as string)?.state === 'completed');
    await server.close();
    server = undefined;
    const after = await journaled(dataDir);
    const abandoned = outcomesOf(after, late as string);
    expect(abandoned.map((e) => [e.type, e.reason, e.attributes?.['because']])).toEqual([['signal.abandoned', 'crash-recovery', 'past-timeout']]);
    expect(Number(abandoned[0]?.attributes?.['waited_ms'])).toBeGreaterThanOrEqual(60_000);
    expect(outcomesOf(after, onTime as string).map((e) => e.type)).toEqual(['task.completed']);
  });

  it('finds what a server left weeks ago, and abandons what is past its timeout', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-02T10:00:00Z');
    const [id] = await leaveUnfinished(dataDir, clock, [{ ...QUICK, timeout_ms: 60_000 }]);
    clock.jump(20 * 86_400_000);
    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 0, abandoned: 1 });
    expect(server.live.signals.get(id as string)?.state).toBe('abandoned');
  });

  it('looks back past the current hour to the oldest signal still waiting', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-30T10:59:00Z');
    const [id] = await leaveUnfinished(dataDir, clock, [QUICK]);
    clock.jump(2 * 3_600_000);
    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 1 });
    await waitFor(() => server?.live.signals.get(id as string)?.state === 'completed');
  });
});

describe('acceptance not journaled (--no-durable-acceptance)', () => {
  it('answers 202 without a signal.accepted receipt, so a restart has nothing to take back', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-30T10:00:00Z');
    const first = await startTestServer({ dataDir, clock, durableAcceptance: false });
    first.live.injectChaos({ kind: 'queue-stall' });
    const res = await first.app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    expect(res.statusCode).toBe(202);
    await first.close();
    expect((await journaled(dataDir)).filter((e) => e.type === 'signal.accepted')).toHaveLength(0);
    server = await startTestServer({ dataDir, clock });
    expect(server.live.recovery).toMatchObject({ requeued: 0, abandoned: 0 });
  });
});

describe('Idempotency-Key and client signal ids', () => {
  it('answers a retry with the first answer, marked replayed, and journals one signal', async () => {
    server = await startTestServer({ dataDir: tempDir() });
    const headers = { 'idempotency-key': 'order-42-attempt' };
    const a = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    const b = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.json().signal_id).toBe(a.json().signal_id);
    expect(b.json().trace_id).toBe(a.json().trace_id);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(b.headers['idempotent-replayed']).toBe('true');
    const other = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers: { 'idempotency-key': 'another' } });
    expect(other.json().signal_id).not.toBe(a.json().signal_id);
    const { dataDir } = server;
    await server.close();
    server = undefined;
    const accepted = (await journaled(dataDir)).filter((e) => e.type === 'signal.accepted');
    expect(accepted).toHaveLength(2);
    expect(accepted[0]?.attributes?.['idempotency_key']).toBe('order-42-attempt');
  });

  it('refuses a retry whose fields differ (422) and a malformed key (400), naming what was wrong', async () => {
    server = await startTestServer({ dataDir: tempDir() });
    const headers = { 'idempotency-key': 'k-1' };
    await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    const changed = await server.app.inject({ method: 'POST', url: '/signal', payload: { ...QUICK, priority: 1 }, headers });
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ code: 'KZN_IDEMPOTENCY_CONFLICT' });
    expect(changed.json().detail).toContain('Idempotency-Key "k-1"');
    const bad = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers: { 'idempotency-key': 'has space' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('Idempotency-Key');
  });

  it('remembers keys across a restart, and forgets them after the window', async () => {
    const dataDir = tempDir();
    const clock = steppingClock('2026-11-30T10:00:00Z');
    server = await startTestServer({ dataDir, clock });
    const headers = { 'idempotency-key': 'retry-me' };
    const first = await server.app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK, headers });
    expect(first.json().status).toBe('completed');
    await server.close();
    server = await startTestServer({ dataDir, clock });
    const again = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    expect(again.json().signal_id).toBe(first.json().signal_id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await server.close();
    clock.jump(2 * 3_600_000);
    server = await startTestServer({ dataDir, clock, seed: 8 });
    const later = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    expect(later.json().signal_id).not.toBe(first.json().signal_id);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
  });

  it("takes a client's own signal_id as the signal's id and as its key", async () => {
    server = await startTestServer({ dataDir: tempDir() });
    const body = { ...QUICK, signal_id: 'client-7.a' };
    const a = await server.app.inject({ method: 'POST', url: '/signal?wait=true', payload: body });
    expect(a.json()).toMatchObject({ status: 'completed', signal_id: 'client-7.a' });
    const b = await server.app.inject({ method: 'POST', url: '/signal', payload: body });
    expect(b.statusCode).toBe(202);
    expect(b.json().signal_id).toBe('client-7.a');
    expect(b.headers['idempotent-replayed']).toBe('true');
    const bad = await server.app.inject({ method: 'POST', url: '/signal', payload: { ...QUICK, signal_id: '../x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('signal_id');
  });
});

// kaizen serve killed with SIGKILL at random moments while clients post signals, many times, and
// started again each time: every signal that got a 202 ends with exactly one outcome (completed,
// failed or abandoned), every request that got no answer is retried with its Idempotency-Key
// until it gets one, no signal is journaled that no 202 announced, and the chain verifies.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Child, journaledEvents, kaizenRun, kill, killCount, sleep, startServe } from './processes.js';

const KILLS = killCount(30);
const POSTERS = 4;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-crash-serve-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** What the client knows of one request, by its key. */
interface Sent {
  readonly body: Record<string, unknown>;
  status?: number;
  signalId?: string;
}

/** A deterministic generator, so that a failing run can be told apart from another by its seed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function post(url: string, key: string, sent: Sent): Promise<boolean> {
  try {
    const res = await fetch(`${url}/signal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(sent.body),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { signal_id?: string };
    sent.status = res.status;
    if (res.status === 202) {
      if (sent.signalId !== undefined && sent.signalId !== body.signal_id) throw new Error(`key ${key}: a retry answered ${body.signal_id}, the first ${sent.signalId}`);
      sent.signalId = body.signal_id;
    }
    return true;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('key ')) throw error;
    return false; // the server died under the request: no answer
  }
}

const OUTCOMES = new Set(['task.completed', 'task.failed', 'signal.abandoned']);

describe(`kaizen serve killed ${KILLS} times under load`, () => {
  it('keeps every 202: exactly one outcome each, retries add nothing, the chain verifies', async () => {
    const rnd = lcg(20261202);
    const sent = new Map<string, Sent>();
    let next = 0;
    let server: Child & { url: string } = await startServe(dataDir);
    const newBody = (): Record<string, unknown> => ({
      signal_type: 'execute',
      priority: 1 + Math.floor(rnd() * 4),
      payload: { latency_ms: Math.floor(rnd() * 40) },
      // Some time out while the server is down, and are abandoned when it starts again.
      ...(rnd() < 0.3 && { timeout_ms: 300 + Math.floor(rnd() * 700) }),
    });
    const unanswered = (): string[] => [...sent].filter(([, s]) => s.status === undefined).map(([k]) => k);
    for (let round = 0; round <= KILLS; round++) {
      // First the requests the last server died under, with their keys; then new ones.
      for (const key of unanswered()) await post(server.url, key, sent.get(key) as Sent);
      const last = round === KILLS;
      let stop = false;
      const posters = Array.from({ length: POSTERS }, async () => {
        while (!stop) {
          const key = `k-${next++}`;
          const s: Sent = { body: newBody() };
          sent.set(key, s);
          if (!(await post(server.url, key, s))) return;
          await sleep(2);
        }
      });
      await sleep(last ? 300 : 50 + Math.floor(rnd() * 400));
      if (last) {
        stop = true;
        await Promise.all(posters);
        break;
      }
      await kill(server);
      stop = true;
      await Promise.all(posters);
      server = await startServe(dataDir);
    }
    // The last server: answer what is left, then let the queue drain before a clean stop.
    for (let i = 0; i < 5 && unanswered().length > 0; i++) for (const key of unanswered()) await post(server.url, key, sent.get(key) as Sent);
    expect(unanswered()).toEqual([]);
    for (let i = 0; i < 300; i++) {
      const st = (await (await fetch(`${server.url}/status`)).json()) as { kanban: { queue_current_depth: number }; heijunka?: unknown };
      if (st.kanban.queue_current_depth === 0) break;
      await sleep(50);
    }
    await sleep(500);
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    // A start after the clean stop closes whatever was still running then.
    const closer = await startServe(dataDir);
    await sleep(300);
    closer.proc.kill('SIGTERM');
    await closer.exited;

    const events = await journaledEvents(dataDir);
    const accepted = events.filter((e) => e.event.type === 'signal.accepted');
    const outcomes = new Map<string, number>();
    for (const { event } of events) if (OUTCOMES.has(event.type) && event.signalId !== undefined) outcomes.set(event.signalId, (outcomes.get(event.signalId) ?? 0) + 1);
    const got202 = [...sent.values()].filter((s) => s.status === 202);
    const ids202 = new Set(got202.map((s) => s.signalId as string));
    // Every 202: one accepted receipt and exactly one outcome.
    for (const id of ids202) expect(outcomes.get(id) ?? 0, `signal ${id}`).toBe(1);
    // Every accepted receipt: a signal some 202 announced, under its key, once.
    const keyOf = new Map<string, string>();
    for (const { event } of accepted) {
      expect(ids202.has(event.signalId as string), `accepted ${event.signalId} without a 202`).toBe(true);
      const key = String(event.attributes?.['idempotency_key']);
      expect(keyOf.has(key), `key ${key} accepted twice`).toBe(false);
      keyOf.set(key, event.signalId as string);
    }
    expect(accepted).toHaveLength(ids202.size);
    const verify = await kaizenRun(dataDir, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const abandoned = events.filter((e) => e.event.type === 'signal.abandoned').length;
    const recovered = events.filter((e) => e.event.type === 'signal.recovered').length;
    console.log(
      `serve crash suite: ${KILLS} kills, ${sent.size} requests (${got202.length} answered 202, ${sent.size - got202.length} refused), ${events.length} receipts checked; ${recovered} signals queued again and ${abandoned} abandoned on restart`,
    );
    expect(recovered + abandoned).toBeGreaterThan(0);
  }, 900_000);
});

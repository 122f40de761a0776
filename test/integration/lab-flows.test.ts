// The seeds' lab flows against a live `kaizen serve` over a real socket, with short timeouts
// from TPS_* settings: the circuit opens when the downstream is disabled and closes after it is
// restored; 200 rapid signals against a queue of 100 are all answered, refused once it is full;
// p99 in /status rises after 500 ms of added downstream latency.

import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedCli, serveCli } from '../server/support.js';

const TOKEN = 'lab-token';
let served: ServedCli | undefined;
let base = '';

afterEach(async () => {
  served?.stop();
  expect(await served?.exit).toBe(0);
  if (served !== undefined) fs.rmSync(served.dataDir, { recursive: true, force: true });
  served = undefined;
});

async function start(env: Record<string, string>): Promise<void> {
  served = serveCli([], { KAIZEN_ADMIN_TOKEN: TOKEN, TPS_ANDON_EVAL_SECS: '0.1', ...env });
  base = await served.url;
}

const json = async <T = Record<string, unknown>>(res: Response): Promise<T> => (await res.json()) as T;

function signal(payload: Record<string, unknown> = {}, wait = false): Promise<Response> {
  return fetch(`${base}/signal${wait ? '?wait=true' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signal_type: 'execute', payload }),
  });
}

async function chaos(body: object): Promise<void> {
  const res = await fetch(`${base}/chaos`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

type Status = { jidoka: { circuit_breaker: string }; kanban: { queue_current_depth: number }; kaizen: { percentile_p99: number | null; samples: number } };
const status = async (): Promise<Status> => json<Status>(await fetch(`${base}/status`));

/** Sends signals one after another until the circuit reaches `state` (at most `max`). */
async function signalUntilCircuit(state: string, max: number): Promise<number> {
  for (let sent = 1; sent <= max; sent++) {
    const res = await signal({ latency_ms: 1 }, true);
    await res.arrayBuffer();
    if ((await status()).jidoka.circuit_breaker === state) return sent;
    if (res.status === 503) await new Promise((r) => setTimeout(r, 50)); // let the reset timeout pass
  }
  throw new Error(`the circuit did not become ${state} within ${max} signals`);
}

describe('lab: the circuit breaker', () => {
  it('opens when the downstream is disabled and closes after it is restored', async () => {
    await start({ TPS_CB_TIMEOUT: '0.3', TPS_CB_HEALTH_INTERVAL_SECS: '0.1' });
    expect((await json(await fetch(`${base}/health`))).circuit_state).toBe('Closed');
    await chaos({ downstream_enabled: false });
    const failedBeforeOpen = await signalUntilCircuit('Open', 50);
    expect(failedBeforeOpen).toBeGreaterThanOrEqual(5); // TPS_CB_THRESHOLD's default
    const refused = await signal();
    expect(refused.status).toBe(503);
    expect(await json(refused)).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^circuit-/) });
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    await chaos({ downstream_enabled: true });
    await signalUntilCircuit('Closed', 200);
    expect((await json(await fetch(`${base}/health`))).circuit_state).toBe('Closed');
    const after = await signal({ latency_ms: 1 }, true);
    expect(await json(after)).toMatchObject({ status: 'completed' });
  });
});

describe('lab: backpressure', () => {
  it('answers 200 rapid signals against a queue of 100: accepted + rejected = 200, refused once full', async () => {
    await start({ TPS_KANBAN_BUFFER: '100' });
    const codes: number[] = [];
    const reasons = new Set<unknown>();
    // Rapid: each signal is sent as soon as the one before is answered; the work (2 s each) keeps
    // the four workers busy, so the queue can only fill.
    for (let i = 0; i < 200; i++) {
      const res = await signal({ latency_ms: 2000 });
      codes.push(res.status);
      const body = await json(res);
      if (res.status === 429) reasons.add(body.reason);
    }
    const accepted = codes.filter((c) => c === 202).length;
    const rejected = codes.filter((c) => c === 429).length;
    expect(accepted + rejected).toBe(200);
    expect(rejected).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(reasons).toEqual(new Set(['queue-full']));
    // No refusal before the queue could have filled: the first 100 were all accepted.
    expect(codes.slice(0, 100).every((c) => c === 202)).toBe(true);
    expect((await status()).kanban.queue_current_depth).toBeGreaterThanOrEqual(90);
    const metrics = await json(await fetch(`${base}/metrics`, { headers: { accept: 'application/json' } }));
    expect(metrics.rejected_count).toBe(rejected);
  });
});

describe('lab: added latency', () => {
  it('raises p99 in /status after 500 ms of added downstream latency', async () => {
    await start({ TPS_TIMING_WINDOW_SECS: '30' });
    // A completed task is a latency sample; a failed one (a timeout on a loaded machine) is not.
    const completed = async (n: number): Promise<number> => {
      const outcomes = await Promise.all(Array.from({ length: n }, async () => (await json(await signal({}, true))).status));
      return outcomes.filter((o) => o === 'completed').length;
    };
    const first = await completed(20);
    const before = (await status()).kaizen;
    expect(before.samples).toBe(first);
    expect(first).toBeGreaterThan(0);
    expect(before.percentile_p99).toBeLessThan(500);
    await chaos({ downstream_latency_ms: 500 });
    const slow = await completed(8);
    const after = (await status()).kaizen;
    expect(slow).toBeGreaterThan(0);
    expect(after.samples).toBe(first + slow);
    expect(after.percentile_p99).toBeGreaterThan(500);
    expect(after.percentile_p99 as number).toBeGreaterThan((before.percentile_p99 as number) + 400);
  });
});

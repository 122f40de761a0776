// Tests of the wired pipeline on a manual clock: outcomes, backpressure, crashes, the circuit, levelling.

import { describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { configWith, signal, testPipeline } from './helpers.js';

const stageSum = (e: KaizenEvent): number =>
  Object.entries(e.attributes ?? {})
    .filter(([k]) => k.startsWith('stage_'))
    .reduce((sum, [, v]) => sum + Number(v), 0);

describe('pipeline', () => {
  it('gives an accepted signal one outcome: task.completed with stage timings adding up to its latency', () => {
    const { pipeline, recorder, at } = testPipeline({ processMs: 25, config: configWith({ signals: { emitAccepted: true } }) });
    const r = pipeline.submit(signal());
    expect(r).toMatchObject({ accepted: true, queueDepth: 0 });
    at(1000);
    const mine = recorder.events.filter((e) => r.accepted && e.signalId === r.signalId);
    expect(mine.map((e) => e.type)).toEqual(['signal.accepted', 'task.completed']);
    const done = mine[1] as KaizenEvent;
    expect(done).toMatchObject({ value: 25, unit: 'ms', component: 'execute', pillar: 'kanban', worker: 'worker-1' });
    expect(done.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(done.timeMs - (mine[0] as KaizenEvent).timeMs).toBe(25);
    expect(stageSum(done)).toBeCloseTo(25, 6);
    expect(done.attributes).toMatchObject({ stage_process_ms: 25, stage_queue_wait_ms: 0, priority: 3, lane: 'fast' });
  });

  it('refuses an invalid signal with a reason, processes nothing of it and keeps it as a dead letter', () => {
    const { pipeline, recorder, at } = testPipeline();
    const r = pipeline.submit({ signal_type: 'execute', priority: 9, payload: {} });
    at(1000);
    expect(r).toMatchObject({ accepted: false, reason: 'invalid-signal', detail: expect.stringContaining('priority') });
    expect(recorder.events.filter((e) => e.signalId !== undefined).map((e) => e.type)).toEqual(['signal.rejected']);
    expect(pipeline.deadLetters()).toHaveLength(1);
    expect(pipeline.deadLetters()[0]?.reason).toContain('priority: expected an integer');
  });

  it('emits signal.accepted only when configured to', () => {
    const { pipeline, recorder, at } = testPipeline();
    const r = pipeline.submit(signal());
    at(1000);
    const mine = recorder.events.filter((e) => r.accepted && e.signalId === r.signalId);
    expect(mine.map((e) => e.type)).toEqual(['task.completed']);
  });

  it('emits signal.received only when configured to', () => {
    const quiet = testPipeline();
    quiet.pipeline.submit(signal());
    expect(quiet.recorder.of('signal.received')).toHaveLength(0);
    const loud = testPipeline({ config: configWith({ signals: { emitReceived: true } }) });
    loud.pipeline.submit(signal());
    expect(loud.recorder.of('signal.received')).toHaveLength(1);
  });

  it('refuses with queue-full exactly when the queue is full, and processes what it accepted', () => {
    const { pipeline, recorder, at } = testPipeline({ config: configWith({ queue: { capacity: 3 } }) });
    const stall = pipeline.injectChaos({ kind: 'queue-stall' });
    const results = [1, 2, 3, 4, 5].map(() => pipeline.submit(signal()));
    expect(results.map((r) => (r.accepted ? 'accepted' : r.reason))).toEqual(['accepted', 'accepted', 'accepted', 'queue-full', 'queue-full']);
    expect(stall.ok && pipeline.clearChaos(stall.id)).toBe(true);
    at(1000);
    expect(recorder.of('task.completed')).toHaveLength(3);
    expect(recorder.of('signal.rejected').map((e) => e.reason)).toEqual(['queue-full', 'queue-full']);
  });

  it('requeues a crashed worker’s work, so every accepted signal still gets exactly one outcome', () => {
    const config = configWith({ workers: { count: 2, slowLane: 1, prefetch: 2 } });
    const { pipeline, recorder, at } = testPipeline({ config, processMs: 1000 });
    const ids = [1, 2, 3, 4, 5, 6].map(() => pipeline.submit(signal())).map((r) => r.signalId);
    at(500);
    const crash = pipeline.injectChaos({ kind: 'worker-crash', worker: 'worker-1' });
    expect(crash.ok).toBe(true);
    expect(recorder.first('worker.crashed')).toMatchObject({ worker: 'worker-1', attributes: { requeued: 3 } });
    at(20_000);
    const outcomes = recorder.events.filter((e) => e.type === 'task.completed' || e.type === 'task.failed');
    expect(outcomes.map((e) => e.signalId).sort()).toEqual([...ids].sort());
    expect(pipeline.counters.requeued).toBe(3);
    expect(outcomes.filter((e) => e.attributes?.['attempts'] === 2)).toHaveLength(1);
    expect(pipeline.status().workers.find((w) => w.name === 'worker-1')?.alive).toBe(false);
  });

  it('restarts a crashed worker after restartAfterMs, citing the crash', () => {
    const { pipeline, recorder, at } = testPipeline();
    pipeline.injectChaos({ kind: 'worker-crash', worker: 'worker-3', restartAfterMs: 60_000 });
    at(59_999);
    expect(recorder.of('worker.activated')).toHaveLength(4);
    at(60_000);
    const back = recorder.of('worker.activated')[4];
    expect(back).toMatchObject({ worker: 'worker-3', causedBy: recorder.first('worker.crashed')?.id });
    expect(pipeline.injectChaos({ kind: 'worker-crash', worker: 'worker-9' })).toEqual({
      ok: false,
      reason: 'worker: expected one of worker-1, worker-2, worker-3, worker-4, got "worker-9"',
    });
  });

  describe('when the downstream goes down for 50 s under steady traffic', () => {
    const run = () => {
      const t = testPipeline();
      let chaosId = '';
      for (let ms = 0; ms <= 150_000; ms += 500) {
        t.at(ms);
        if (ms === 10_000) {
          const r = t.pipeline.injectChaos({ kind: 'downstream-down' });
          chaosId = r.ok ? r.id : '';
        }
        if (ms === 60_000) t.pipeline.clearChaos(chaosId);
        t.pipeline.submit(signal());
      }
      return { ...t, chaosId };
    };

    it('opens the circuit within 6 s of the outage and closes it within a reset timeout of recovery', () => {
      const { recorder } = run();
      const opened = recorder.of('circuit.opened');
      const closed = recorder.of('circuit.closed');
      const start = Date.UTC(2026, 10, 23);
      expect((opened[0]?.timeMs ?? 0) - start).toBeGreaterThanOrEqual(10_000);
      expect((opened[0]?.timeMs ?? 0) - start).toBeLessThanOrEqual(16_000);
      expect(closed).toHaveLength(1);
      expect((closed[0]?.timeMs ?? 0) - start).toBeGreaterThan(60_000);
      expect((closed[0]?.timeMs ?? 0) - start).toBeLessThanOrEqual(60_000 + 30_000 + 2_000);
      // The reset timeout passed during the outage: a probe failed and the circuit reopened.
      expect(recorder.of('circuit.half_opened').length).toBeGreaterThanOrEqual(2);
      expect(opened.length).toBe(recorder.of('circuit.half_opened').length);
    });

    it('refuses signals while open and health-checks the downstream, citing the opening', () => {
      const { recorder } = run();
      const openIds = new Set(recorder.of('circuit.opened').map((e) => e.id));
      const refused = recorder.of('signal.rejected');
      expect(refused.length).toBeGreaterThan(50);
      expect(refused.every((e) => (e.reason === 'circuit-open' || e.reason === 'circuit-half-open') && openIds.has(e.causedBy))).toBe(true);
      const checks = recorder.events.filter((e) => e.type === 'health.failed' || e.type === 'health.passed');
      expect(checks.length).toBeGreaterThan(5);
      expect(checks.every((e) => openIds.has(e.causedBy))).toBe(true);
    });

    it('cites the chain of causes: circuit.opened ← failure.recorded ← task.failed ← chaos.injected', () => {
      const { recorder, chaosId } = run();
      const byId = new Map(recorder.events.filter((e) => e.id !== undefined).map((e) => [e.id, e]));
      const opened = recorder.first('circuit.opened');
      const failure = byId.get(opened?.causedBy);
      const failed = byId.get(failure?.causedBy);
      expect([failure?.type, failed?.type]).toEqual(['failure.recorded', 'task.failed']);
      expect(failed?.causedBy).toBe(chaosId);
      expect(failed?.reason).toBe('downstream-unavailable');
      const alert = recorder.of('alert.fired').find((e) => e.alert === 'circuit-open');
      expect(alert?.causedBy).toBe(opened?.id);
      expect(alert?.attributes?.['fault_id']).toBe(chaosId);
      expect(recorder.of('circuit.closed')[0]?.causedBy).toBe(recorder.of('circuit.half_opened').at(-1)?.id);
    });
  });

  it('fails a task that waited past its timeout without calling the downstream', () => {
    const { pipeline, recorder, at } = testPipeline();
    const stall = pipeline.injectChaos({ kind: 'queue-stall' });
    pipeline.submit(signal({ timeout_ms: 1000 }));
    at(2000);
    if (stall.ok) pipeline.clearChaos(stall.id);
    expect(recorder.first('task.failed')).toMatchObject({ reason: 'timeout-in-queue', value: 2000 });
    expect(recorder.of('failure.recorded')).toHaveLength(0);
  });

  it('times out a call that runs past its timeout, and counts it as a downstream failure', () => {
    const { pipeline, recorder, at } = testPipeline();
    pipeline.submit(signal({ timeout_ms: 1000 }, { latency_ms: 5000 }));
    at(10_000);
    expect(recorder.first('task.failed')).toMatchObject({ reason: 'timeout', value: 1000 });
    expect(recorder.of('failure.recorded')).toHaveLength(1);
  });

  it('levels the load: a rebalance moves buffered work off a worker stuck on long work', () => {
    const config = configWith({ workers: { count: 3, slowLane: 1, prefetch: 3 } });
    const { pipeline, recorder, at } = testPipeline({ config });
    pipeline.submit(signal({}, { latency_ms: 100_000 }));
    pipeline.submit(signal({}, { latency_ms: 20_000 }));
    pipeline.submit(signal({}, { latency_ms: 20_000 }));
    const quick = [1, 2, 3, 4].map(() => pipeline.submit(signal({}, { latency_ms: 10 })).signalId);
    // Worker-1 holds the 100 s task and two quick ones; worker-2 is idle from 20 s. Each rebalance
    // (every 30 s) levels the gap, so the quick work is done long before the 100 s task ends.
    at(70_000);
    const rebalance = recorder.first('rebalance.performed');
    expect(rebalance?.attributes).toMatchObject({ lane: 'fast' });
    expect(Number(rebalance?.attributes?.['moved'])).toBeGreaterThan(0);
    expect(Number(rebalance?.attributes?.['imbalance_after'])).toBeLessThan(Number(rebalance?.attributes?.['imbalance_before']));
    const done = new Set(recorder.of('task.completed').map((e) => e.signalId));
    expect(quick.every((id) => done.has(id))).toBe(true);
  });

  it('shows the circuit and its lights in its status', () => {
    const { pipeline, at } = testPipeline();
    expect(pipeline.status().lights.overall).toBe('GREEN');
    pipeline.injectChaos({ kind: 'downstream-down' });
    for (let ms = 0; ms < 5000; ms += 200) {
      at(ms);
      pipeline.submit(signal());
    }
    const s = pipeline.status();
    expect(s.circuit).toBe('open');
    expect(s.lights).toMatchObject({ jidoka: 'RED', andon: 'RED', overall: 'RED' });
    expect(s.activeAlerts.map((a) => a.name)).toContain('circuit-open');
    expect(s.counters.rejected).toBeGreaterThan(0);
  });
});

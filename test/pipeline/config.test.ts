// Tests of the pipeline configuration: defaults, file and environment overrides, and validation.

import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/pipeline/config.js';

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    if (isKaizenError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('pipeline configuration', () => {
  it('defaults to the seeds: 4 workers, threshold 5, reset after 30 s, a buffer of 1000', () => {
    const c = resolveConfig();
    expect(c.workers.count).toBe(4);
    expect(c.breaker.failureThreshold).toBe(5);
    expect(c.breaker.resetTimeoutMs).toBe(30_000);
    expect(c.queue.capacity).toBe(1000);
    expect(c.andon.historySize).toBe(100);
    expect(c.workers.rebalanceIntervalMs).toBe(30_000);
    expect(c.workers.rebalanceThreshold).toBe(0.05);
  });

  it('reads the TPS_* variables in their own units (TPS_CB_TIMEOUT in seconds, percentages in %)', () => {
    const c = resolveConfig({
      env: {
        TPS_NUM_WORKERS: '8',
        TPS_CB_THRESHOLD: '10',
        TPS_CB_TIMEOUT: '60',
        TPS_KANBAN_BUFFER: '2000',
        TPS_ANDON_HISTORY: '500',
        TPS_REBALANCE_THRESHOLD_PCT: '10',
        TPS_EMIT_RECEIVED: 'true',
        TPS_DEFAULT_TIMEOUT_MS: '30000',
      },
    });
    expect(c.workers.count).toBe(8);
    expect(c.breaker.failureThreshold).toBe(10);
    expect(c.breaker.resetTimeoutMs).toBe(60_000);
    expect(c.queue.capacity).toBe(2000);
    expect(c.andon.historySize).toBe(500);
    expect(c.workers.rebalanceThreshold).toBeCloseTo(0.1, 10);
    expect(c.signals.emitReceived).toBe(true);
    expect(c.signals.defaultTimeoutMs).toBe(30_000);
  });

  it('takes a config file and lets the environment override it', () => {
    const c = resolveConfig({
      file: { name: 'kaizen.yaml', data: { breaker: { resetTimeoutMs: 10_000, failureThreshold: 3 } } },
      env: { TPS_CB_THRESHOLD: '7' },
    });
    expect(c.breaker.resetTimeoutMs).toBe(10_000);
    expect(c.breaker.failureThreshold).toBe(7);
    expect(DEFAULT_CONFIG.breaker.failureThreshold).toBe(5);
  });

  it('treats TPS_HEIJUNKA_POOL as the pool size and refuses it when it disagrees with TPS_NUM_WORKERS', () => {
    expect(resolveConfig({ env: { TPS_HEIJUNKA_POOL: '6' } }).workers.count).toBe(6);
    expect(errorOf(() => resolveConfig({ env: { TPS_HEIJUNKA_POOL: '6', TPS_NUM_WORKERS: '4' } })).message).toBe(
      'TPS_HEIJUNKA_POOL=6 and TPS_NUM_WORKERS=4 disagree: both set the worker pool size',
    );
  });

  it.each([
    { env: { TPS_NUM_WORKERS: 'four' }, message: 'TPS_NUM_WORKERS: expected a positive integer, got "four"' },
    { env: { TPS_NUM_WORKERS: '0' }, message: 'TPS_NUM_WORKERS: expected a positive integer, got "0"' },
    { env: { TPS_CB_THRESHOLD: '2.5' }, message: 'TPS_CB_THRESHOLD: expected a positive integer, got "2.5"' },
    { env: { TPS_CB_TIMEOUT: '-3' }, message: 'TPS_CB_TIMEOUT: expected a positive number of seconds, got "-3"' },
    { env: { TPS_KANBAN_BUFFER: '1e3x' }, message: 'TPS_KANBAN_BUFFER: expected a positive integer, got "1e3x"' },
    { env: { TPS_REBALANCE_THRESHOLD_PCT: '150' }, message: 'TPS_REBALANCE_THRESHOLD_PCT: expected a percentage from 0 to 100, got "150"' },
    { env: { TPS_EMIT_RECEIVED: 'yes' }, message: 'TPS_EMIT_RECEIVED: expected true or false, got "yes"' },
  ])('refuses $env naming the key and the value', ({ env, message }) => {
    expect(errorOf(() => resolveConfig({ env }))).toEqual({ code: 'KZN_USAGE', message });
  });

  it.each([
    { data: { breaker: { resetTimeout: 5 } }, message: 'kaizen.yaml: unknown key "breaker.resetTimeout"' },
    { data: { brakes: {} }, message: 'kaizen.yaml: unknown section "brakes"' },
    { data: { queue: { capacity: 0 } }, message: 'kaizen.yaml: queue.capacity: expected a positive integer, got "0"' },
    { data: { workers: { count: 2, slowLane: 2 } }, message: 'workers.slowLane (TPS_SLOW_WORKERS): expected fewer slow-lane workers than workers (2), got 2' },
    { data: { andon: { latencyClearP99Ms: 250 } }, message: 'andon.latencyClearP99Ms: expected less than andon.latencyP99Ms (200), got 250' },
  ])('refuses a config file naming the key and the value: $message', ({ data, message }) => {
    const e = errorOf(() => resolveConfig({ file: { name: 'kaizen.yaml', data } }));
    expect(e.code).toBe('KZN_USAGE');
    expect(e.message.startsWith(message)).toBe(true);
  });
});

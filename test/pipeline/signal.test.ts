// Tests of signal validation: the shape accepted, and a reason naming the field for everything else.

import { describe, expect, it } from 'vitest';
import { checkSignal } from '../../src/pipeline/signal.js';

describe('signal validation', () => {
  it('accepts a minimal signal with priority 3 and quick work by default', () => {
    expect(checkSignal({ signal_type: 'validate', payload: {} })).toEqual({
      ok: true,
      signal: { signalType: 'validate', priority: 3, payload: {}, timeoutMs: undefined, workType: 'quick', latencyMs: undefined },
    });
  });

  it('reads priority, timeout and the work from the payload', () => {
    const r = checkSignal({ signal_type: 'report', priority: 1, timeout_ms: 500, payload: { type: 'slow', latency_ms: 250 } });
    expect(r).toMatchObject({ ok: true, signal: { priority: 1, timeoutMs: 500, workType: 'slow', latencyMs: 250 } });
  });

  it.each([
    { input: 'hello', reason: 'signal: expected a JSON object, got "hello"' },
    { input: [], reason: 'signal: expected a JSON object, got "[]"' },
    { input: { payload: {} }, reason: 'signal_type: expected "validate", "execute" or "report", got nothing' },
    { input: { signal_type: 'run', payload: {} }, reason: 'signal_type: expected "validate", "execute" or "report", got "run"' },
    { input: { signal_type: 'execute', priority: 5, payload: {} }, reason: 'priority: expected an integer from 1 (critical) to 4 (low), got "5"' },
    { input: { signal_type: 'execute', priority: '1', payload: {} }, reason: 'priority: expected an integer from 1 (critical) to 4 (low), got "1"' },
    { input: { signal_type: 'execute', payload: [1] }, reason: 'payload: expected an object, got "[1]"' },
    { input: { signal_type: 'execute', payload: {}, timeout_ms: 0 }, reason: 'timeout_ms: expected a positive integer (milliseconds), got "0"' },
    { input: { signal_type: 'execute', payload: { type: 'fast' } }, reason: 'payload.type: expected "quick" or "slow", got "fast"' },
    { input: { signal_type: 'execute', payload: { latency_ms: -1 } }, reason: 'payload.latency_ms: expected a number of milliseconds >= 0, got "-1"' },
    { input: { signal_type: 'execute', payload: {}, urgent: true }, reason: 'unknown field "urgent" (expected signal_type, priority, payload, timeout_ms)' },
  ])('refuses $input: $reason', ({ input, reason }) => {
    expect(checkSignal(input)).toEqual({ ok: false, reason });
  });
});

// What a stopped server left open: on start, the raw hours before the restart are read back for
// the accepted signals without an outcome (to be queued again or abandoned) and for the
// idempotency keys still within their window.

import type { EvidenceStore } from '../evidence/store.js';
import { DAY_MS, HOUR_MS, hourStartMs } from '../evidence/time.js';
import type { UnfinishedSignal } from '../pipeline/intake.js';
import { SIGNAL_TYPES, type SignalType } from '../pipeline/signal.js';
import { type SignalReceipt, signalReceipts } from '../query/lifecycle.js';
import { fingerprintOfAttributes, type RememberedSignal } from './idempotency.js';
import type { StoreGate } from './store-gate.js';

/** How far back from the last hour with evidence a restart reads (queue-depth samples come at least hourly). */
const MAX_LOOKBACK_MS = 2 * DAY_MS;

/** Hours that hold at least one queue-depth sample of a running server (samples are at most an hour and an interval apart). */
const SAMPLE_SPAN_HOURS = 3;

/** What the scan found. */
export interface RecoveryScan {
  readonly unfinished: UnfinishedSignal[];
  /** Idempotency keys (and client signal ids) of the signals accepted within the key window. */
  readonly remembered: RememberedSignal[];
  readonly hoursScanned: number;
}

const OUTCOMES = new Set(['TaskCompleted', 'TaskFailed', 'SignalAbandoned']);

function unfinishedOf(f: SignalReceipt): UnfinishedSignal | undefined {
  const a = f.attributes ?? {};
  const type = a['signal_type'];
  const priority = a['priority'];
  if (f.signal === undefined || f.t === undefined || !(SIGNAL_TYPES as readonly unknown[]).includes(type)) return undefined;
  if (priority !== 1 && priority !== 2 && priority !== 3 && priority !== 4) return undefined;
  const timeout = a['timeout_ms'];
  const latency = a['latency_ms'];
  return {
    signalId: f.signal,
    traceId: f.trace ?? '',
    spanId: f.span ?? '',
    acceptedMs: f.t,
    signalType: type as SignalType,
    priority,
    lane: a['lane'] === 'slow' ? 'slow' : 'fast',
    ...(typeof timeout === 'number' && { timeoutMs: timeout }),
    ...(typeof latency === 'number' && { latencyMs: latency }),
  };
}

/**
 * The hours with raw receipts in the two days up to the last one, newest first: that last hour is
 * looked for back from now over widening windows, so a server down for weeks still finds it.
 */
async function hoursBeforeRestart(store: EvidenceStore, gate: StoreGate, nowMs: number): Promise<string[]> {
  for (const backMs of [MAX_LOOKBACK_MS, 35 * DAY_MS, 400 * DAY_MS]) {
    const found = await gate.run(() => store.hourSummaries({ fromMs: nowMs - backMs, toMs: nowMs + HOUR_MS }));
    if (found.size === 0) continue;
    const last = hourStartMs([...found.keys()].at(-1) as string);
    const recent = await gate.run(() => store.hourSummaries({ fromMs: last - MAX_LOOKBACK_MS, toMs: last + HOUR_MS }));
    return [...recent.keys()].reverse();
  }
  return [];
}

/**
 * Reads the raw hours back from the last one with evidence, newest first, until it has passed
 * both the oldest signal still waiting at the last queue-depth sample before the stop and the
 * start of the key window. Each hour is loaded, read and released again.
 */
export async function scanForRecovery(
  store: EvidenceStore,
  gate: StoreGate,
  options: { readonly nowMs: number; readonly keyWindowMs: number },
): Promise<RecoveryScan> {
  const { nowMs, keyWindowMs } = options;
  const hours = await hoursBeforeRestart(store, gate, nowMs);
  const accepted = new Map<string, SignalReceipt>();
  const finished = new Set<string>();
  const remembered: RememberedSignal[] = [];
  let waitFromMs: number | undefined;
  let scanned = 0;
  for (const hour of hours) {
    const fromMs = hourStartMs(hour);
    const needed = Math.min(waitFromMs ?? Number.NEGATIVE_INFINITY, nowMs - keyWindowMs);
    if (waitFromMs !== undefined && fromMs + HOUR_MS <= needed) break;
    const range = { fromMs, toMs: fromMs + HOUR_MS };
    const receipts = await gate.run(async () => {
      await store.load({ range, raw: true });
      try {
        return signalReceipts(store);
      } finally {
        store.release({ range, raw: true });
      }
    });
    scanned++;
    let lastSample: SignalReceipt | undefined;
    for (const f of receipts) {
      if (f.type === 'QueueDepthSampled' && typeof f.attributes?.['oldest_wait_ms'] === 'number') {
        if (lastSample === undefined || (f.t ?? 0) > (lastSample.t ?? 0)) lastSample = f;
      } else if (f.signal !== undefined && f.type !== undefined && OUTCOMES.has(f.type)) {
        finished.add(f.signal);
      } else if (f.type === 'SignalAccepted' && f.signal !== undefined) {
        accepted.set(f.signal, f);
      }
    }
    if (waitFromMs === undefined && lastSample !== undefined) {
      waitFromMs = Math.min((lastSample.t ?? fromMs) - Number(lastSample.attributes?.['oldest_wait_ms']), fromMs);
    } else if (waitFromMs === undefined && scanned >= SAMPLE_SPAN_HOURS) {
      // No server wrote these hours (a server samples depth as it starts and at least hourly).
      waitFromMs = fromMs;
    }
  }
  const unfinished: UnfinishedSignal[] = [];
  for (const [id, f] of accepted) {
    const key = f.attributes?.['idempotency_key'];
    const clientId = f.attributes?.['client_id'] === 1;
    if ((f.t ?? 0) >= nowMs - keyWindowMs && (typeof key === 'string' || clientId)) {
      remembered.push({
        signalId: id,
        traceId: f.trace ?? '',
        acceptedMs: f.t ?? 0,
        ...(typeof key === 'string' && { key }),
        clientId,
        fingerprint: fingerprintOfAttributes(f.attributes ?? {}),
      });
    }
    if (finished.has(id)) continue;
    const u = unfinishedOf(f);
    if (u !== undefined) unfinished.push(u);
  }
  unfinished.sort((a, b) => a.acceptedMs - b.acceptedMs);
  remembered.sort((a, b) => a.acceptedMs - b.acceptedMs);
  return { unfinished, remembered, hoursScanned: scanned };
}

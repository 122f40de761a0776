// OpenTelemetry spans of the pipeline's outcomes carry the receipts' trace and span ids.

import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { otlpTracerFromEnv, STAGES, signalTracer } from '../../src/telemetry/spans.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const END = Date.parse('2026-11-23T10:00:00.000Z');

const completed = (over: Partial<KaizenEvent> = {}): KaizenEvent => ({
  type: 'task.completed',
  timeMs: END,
  component: 'execute',
  pillar: 'kanban',
  value: 40,
  unit: 'ms',
  signalId: 's-1',
  traceId: TRACE,
  spanId: SPAN,
  worker: 'worker-1',
  attributes: { stage_receive_ms: 1, stage_enqueue_ms: 1, stage_queue_wait_ms: 8, stage_process_ms: 28, stage_jidoka_check_ms: 1, stage_record_ms: 1 },
  ...over,
});

describe('signal spans', () => {
  it('gives a signal one root span with the receipt ids and a child span per stage, back to back', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = signalTracer(exporter);
    tracer.record(completed());
    // The simple processor exports each span as it ends (the exporter forgets them on shutdown).
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'signal')!;
    expect(root.spanContext()).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(root.attributes['kaizen.signal_id']).toBe('s-1');
    const children = spans.filter((s) => s !== root);
    expect(children.map((s) => s.name)).toEqual([...STAGES]);
    for (const c of children) {
      expect(c.spanContext().traceId).toBe(TRACE);
      expect(c.parentSpanContext?.spanId).toBe(SPAN);
    }
    const ms = (t: [number, number]): number => t[0] * 1000 + t[1] / 1e6;
    expect(ms(root.startTime)).toBeCloseTo(END - 40, 3);
    expect(ms(root.endTime)).toBeCloseTo(END, 3);
    for (let i = 1; i < children.length; i++) expect(ms(children[i]!.startTime)).toBeCloseTo(ms(children[i - 1]!.endTime), 3);
    await tracer.shutdown();
  });

  it('marks a failed signal as an error and ignores events that are not outcomes', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = signalTracer(exporter);
    tracer.record(completed({ type: 'task.failed', reason: 'downstream-unavailable', attributes: {} }));
    tracer.record({ type: 'queue.depth', timeMs: END, component: 'kanban-queue', pillar: 'kanban', value: 3, traceId: TRACE });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'downstream-unavailable' });
    await tracer.shutdown();
  });

  it('exports nothing unless an OTLP endpoint is configured', async () => {
    expect(await otlpTracerFromEnv({})).toBeUndefined();
    const tracer = await otlpTracerFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(tracer).toBeDefined();
    await tracer!.shutdown();
  });
});

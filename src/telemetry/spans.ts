// OpenTelemetry spans from the pipeline's outcome events: one root span per signal with a child
// span per stage, under the trace and span ids the receipts carry, so evidence and traces join.
// Export is OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set.

import { context, type Span, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { KaizenEvent } from '../evidence/event.js';

/** The stages of a signal, in the order they happen, as the outcome's attributes name them. */
export const STAGES = ['receive', 'enqueue', 'queue_wait', 'process', 'jidoka_check', 'record'] as const;

/**
 * Hands the SDK the ids a receipt already carries for the root span of its signal, and random
 * ids for the stage spans.
 */
class ReceiptIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  next: { traceId: string; spanId: string } | undefined;
  generateTraceId(): string {
    return this.next?.traceId ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.next?.spanId ?? this.random.generateSpanId();
  }
}

export interface SignalTracer {
  /** Records the spans of one outcome event (task.completed / task.failed); other events are ignored. */
  record(event: KaizenEvent): void;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

/** A tracer that records the spans of outcome events into an exporter. */
export function signalTracer(exporter: SpanExporter, options: { batch?: boolean } = {}): SignalTracer {
  const ids = new ReceiptIds();
  const randomIds = new RandomIdGenerator();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({ 'service.name': 'kaizen-pipeline' }),
    spanProcessors: [options.batch === true ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('kaizen');
  return {
    record(event) {
      if ((event.type !== 'task.completed' && event.type !== 'task.failed') || event.traceId === undefined) return;
      const endMs = event.timeMs;
      const latencyMs = event.value ?? 0;
      const startMs = endMs - latencyMs;
      ids.next = { traceId: event.traceId, spanId: event.spanId ?? randomIds.generateSpanId() };
      const root: Span = tracer.startSpan('signal', {
        startTime: startMs,
        attributes: {
          'kaizen.signal_id': event.signalId ?? '',
          'kaizen.component': event.component,
          'kaizen.outcome': event.type,
          ...(event.worker !== undefined && { 'kaizen.worker': event.worker }),
        },
      });
      ids.next = undefined;
      const parent = trace.setSpanContext(context.active(), {
        traceId: event.traceId,
        spanId: root.spanContext().spanId,
        traceFlags: TraceFlags.SAMPLED,
      });
      let t = startMs;
      for (const stage of STAGES) {
        const ms = Number(event.attributes?.[`stage_${stage}_ms`] ?? 0);
        if (!(ms > 0)) continue;
        tracer.startSpan(stage, { startTime: t }, parent).end(t + ms);
        t += ms;
      }
      if (event.type === 'task.failed') root.setStatus({ code: SpanStatusCode.ERROR, message: event.reason ?? 'failed' });
      root.end(endMs);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** An OTLP/HTTP tracer when the standard OTEL_EXPORTER_OTLP_* variables name an endpoint, else none. */
export async function otlpTracerFromEnv(env: Readonly<Record<string, string | undefined>>): Promise<SignalTracer | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined || endpoint.trim() === '') return undefined;
  // The exporter reads the standard variables itself (endpoint, headers, timeout).
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return signalTracer(new OTLPTraceExporter(), { batch: true });
}

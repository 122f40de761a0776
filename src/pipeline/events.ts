// Building the events the pipeline emits: type, time, component and pillar filled in one place.

import type { KaizenEvent } from '../evidence/event.js';
import { type EventType, eventTypeInfo } from '../evidence/event-types.js';

/** Where the pipeline sends every event it produces, in time order. */
export type EventSink = (event: KaizenEvent) => void;

/** The components named on the pipeline's events. Task outcomes name their signal type instead. */
export const COMPONENTS = {
  intake: 'intake',
  breaker: 'circuit-breaker',
  queue: 'kanban-queue',
  pool: 'worker-pool',
  andon: 'andon',
  chaos: 'chaos',
} as const;

/** The optional fields of an event, as the pipeline sets them. */
export type EventFields = Omit<KaizenEvent, 'type' | 'timeMs' | 'component' | 'pillar' | 'unit'>;

/**
 * An event of `type` at `timeMs` (floored to the millisecond, as receipts keep it), with the
 * pillar of its type and the unit of its value.
 */
export function makeEvent(type: EventType, timeMs: number, component: string, fields: EventFields): KaizenEvent {
  const info = eventTypeInfo(type);
  const event: Record<string, unknown> = { type, timeMs: Math.floor(timeMs), component, pillar: info.pillar };
  if (fields.value !== undefined && info.unit !== undefined) event['unit'] = info.unit;
  for (const key in fields) {
    const value = fields[key as keyof EventFields];
    if (value !== undefined) event[key] = value;
  }
  return event as unknown as KaizenEvent;
}

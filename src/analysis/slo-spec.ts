// SLO definitions in the OpenSLO v1 shape (apiVersion openslo/v1, kind SLO), validated with
// errors that name the file, the field and what was expected. Pure: text in, spec out.

import { KaizenError, quoteInput } from '../errors.js';
import { EVENT_TYPES, type EventType, isEventType } from '../evidence/event-types.js';
import { parseDuration } from '../evidence/time.js';
import { yamlValue } from '../yaml-text.js';
import { metricByName } from './trends.js';

/** What a ratio's good or total side counts over the evidence. */
export type RatioSource =
  | { readonly kind: 'events'; readonly classNames: readonly string[]; readonly eventTypes: readonly EventType[] }
  | { readonly kind: 'seconds'; readonly which: 'circuit_closed' | 'window' };

export type Indicator =
  | { readonly kind: 'ratio'; readonly good: RatioSource; readonly total: RatioSource }
  | { readonly kind: 'threshold'; readonly metric: string; readonly op: 'lt' | 'lte' | 'gt' | 'gte'; readonly value: number };

export interface SloSpec {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly file: string;
  readonly budgetingMethod: 'Occurrences' | 'Timeslices';
  readonly windowMs: number;
  readonly rolling: boolean;
  /** The share of good events (Occurrences) or good slices (Timeslices) that is the objective. */
  readonly target: number;
  readonly timeSliceMs: number;
  readonly indicator: Indicator;
  /** The shipped query the indicator reads. */
  readonly query: string;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, found: unknown): never {
    const shown = found === undefined ? 'nothing' : quoteInput(typeof found === 'string' ? found : JSON.stringify(found) ?? String(found));
    throw new KaizenError('KZN_USAGE', `${this.file}: ${path}: expected ${expected}, found ${shown}`, {
      hint: 'SLO files use the OpenSLO v1 shape; see slos/*.yaml and the README section "SLOs".',
    });
  }

  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'a mapping', v);
    return v as Obj;
  }

  str(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, 'a non-empty string', v);
    return v as string;
  }

  num(v: unknown, path: string, lo: number, hi: number): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= lo || v >= hi) this.fail(path, `a number between ${lo} and ${hi} (exclusive)`, v);
    return v as number;
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(path, `one of ${allowed.join(', ')}`, v);
    return v as T;
  }

  duration(v: unknown, path: string): number {
    const s = this.str(v, path);
    try {
      return parseDuration(s, path);
    } catch {
      return this.fail(path, 'a duration like 1h, 7d or 28d', s);
    }
  }
}

const QUERY_OF_SOURCE = { events: 'hourly-stats', seconds: 'circuit-open-seconds' } as const;

function readSource(r: Reader, v: unknown, path: string): RatioSource {
  const metricSource = r.obj(r.obj(v, path).metricSource, `${path}.metricSource`);
  r.oneOf(metricSource.type, `${path}.metricSource.type`, ['kaizen']);
  const spec = r.obj(metricSource.spec, `${path}.metricSource.spec`);
  if (spec.seconds !== undefined) {
    return { kind: 'seconds', which: r.oneOf(spec.seconds, `${path}.metricSource.spec.seconds`, ['circuit_closed', 'window']) };
  }
  const types = spec.eventTypes;
  if (!Array.isArray(types) || types.length === 0) r.fail(`${path}.metricSource.spec.eventTypes`, 'a list of event types like [task.completed]', types);
  const eventTypes = (types as unknown[]).map((t, i) => {
    if (typeof t !== 'string' || !isEventType(t)) r.fail(`${path}.metricSource.spec.eventTypes[${i}]`, 'an event type of the contract', t);
    return t as EventType;
  });
  return { kind: 'events', eventTypes, classNames: eventTypes.map((t) => EVENT_TYPES[t].className) };
}

/** Parses and validates one SLO file. */
export function parseSloFile(text: string, file: string): SloSpec {
  const r = new Reader(file);
  const doc = yamlValue(text, file, 'KZN_USAGE');
  const root = r.obj(doc, '(document)');
  r.oneOf(root.apiVersion, 'apiVersion', ['openslo/v1']);
  r.oneOf(root.kind, 'kind', ['SLO']);
  const metadata = r.obj(root.metadata, 'metadata');
  const name = r.str(metadata.name, 'metadata.name');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) r.fail('metadata.name', 'lowercase letters, digits and dashes', name);
  const spec = r.obj(root.spec, 'spec');
  const budgetingMethod = r.oneOf(spec.budgetingMethod, 'spec.budgetingMethod', ['Occurrences', 'Timeslices']);
  if (!Array.isArray(spec.timeWindow) || spec.timeWindow.length !== 1) r.fail('spec.timeWindow', 'a list with one time window', spec.timeWindow);
  const tw = r.obj((spec.timeWindow as unknown[])[0], 'spec.timeWindow[0]');
  const windowMs = r.duration(tw.duration, 'spec.timeWindow[0].duration');
  const rolling = tw.isRolling === undefined ? true : tw.isRolling === true;
  if (tw.isRolling !== undefined && typeof tw.isRolling !== 'boolean') r.fail('spec.timeWindow[0].isRolling', 'true or false', tw.isRolling);
  const indicatorSpec = r.obj(r.obj(spec.indicator, 'spec.indicator').spec, 'spec.indicator.spec');
  if (!Array.isArray(spec.objectives) || spec.objectives.length !== 1) r.fail('spec.objectives', 'a list with one objective', spec.objectives);
  const objective = r.obj((spec.objectives as unknown[])[0], 'spec.objectives[0]');
  let indicator: Indicator;
  let query: string;
  let target: number;
  let timeSliceMs = 3_600_000;
  if (indicatorSpec.ratioMetric !== undefined) {
    const ratio = r.obj(indicatorSpec.ratioMetric, 'spec.indicator.spec.ratioMetric');
    const good = readSource(r, ratio.good, 'spec.indicator.spec.ratioMetric.good');
    const total = readSource(r, ratio.total, 'spec.indicator.spec.ratioMetric.total');
    if (good.kind !== total.kind) r.fail('spec.indicator.spec.ratioMetric', 'good and total of the same kind (eventTypes or seconds)', `${good.kind} / ${total.kind}`);
    indicator = { kind: 'ratio', good, total };
    query = QUERY_OF_SOURCE[good.kind];
    target = r.num(objective.target, 'spec.objectives[0].target', 0, 1);
  } else if (indicatorSpec.thresholdMetric !== undefined) {
    const t = r.obj(indicatorSpec.thresholdMetric, 'spec.indicator.spec.thresholdMetric');
    const ms = r.obj(t.metricSource, 'spec.indicator.spec.thresholdMetric.metricSource');
    r.oneOf(ms.type, 'spec.indicator.spec.thresholdMetric.metricSource.type', ['kaizen']);
    const metric = r.str(r.obj(ms.spec, 'spec.indicator.spec.thresholdMetric.metricSource.spec').metric, 'spec.indicator.spec.thresholdMetric.metricSource.spec.metric');
    if (metricByName(metric) === undefined) r.fail('spec.indicator.spec.thresholdMetric.metricSource.spec.metric', 'a metric kaizen computes (kaizen trend --list)', metric);
    const op = r.oneOf(objective.op, 'spec.objectives[0].op', ['lt', 'lte', 'gt', 'gte']);
    if (typeof objective.value !== 'number' || !Number.isFinite(objective.value)) r.fail('spec.objectives[0].value', 'a number', objective.value);
    indicator = { kind: 'threshold', metric, op, value: objective.value as number };
    query = metric.startsWith('latency') ? 'latency-histogram' : 'hourly-stats';
    target = r.num(objective.timeSliceTarget ?? objective.target, 'spec.objectives[0].timeSliceTarget', 0, 1);
    if (budgetingMethod !== 'Timeslices') r.fail('spec.budgetingMethod', 'Timeslices for a threshold metric', budgetingMethod);
    if (objective.timeSliceWindow !== undefined) timeSliceMs = r.duration(objective.timeSliceWindow, 'spec.objectives[0].timeSliceWindow');
    if (timeSliceMs !== 3_600_000) r.fail('spec.objectives[0].timeSliceWindow', '1h (the resolution of the hourly rollups)', objective.timeSliceWindow);
  } else {
    return r.fail('spec.indicator.spec', 'a ratioMetric or a thresholdMetric', Object.keys(indicatorSpec).join(', '));
  }
  return {
    name,
    displayName: typeof metadata.displayName === 'string' ? metadata.displayName : name,
    description: typeof spec.description === 'string' ? spec.description : '',
    file,
    budgetingMethod,
    windowMs,
    rolling,
    target,
    timeSliceMs,
    indicator,
    query,
  };
}

// Golden tests of the analyzer on the fixture week (2026-W47): health, SLOs, 5-Whys and windows
// without evidence, through the CLI, against figures worked out from the raw JSON lines in
// by-hand.ts (never by the code under test).

import fs from 'node:fs';
import { DataFactory } from 'n3';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { kaizen } from '../cli/run-cli.js';
import {
  availabilityByHand,
  bandByHand,
  EXPECTED_FILE,
  type HandSlo,
  HISTOGRAM_RELATIVE_ERROR,
  healthByHand,
  LINES,
  type Line,
  queueDepthByHand,
  type Range,
  recordedCauses,
  signalSuccessByHand,
  WEEK,
} from './by-hand.js';
import { jsonOf, useFixtureStore, within } from './fixture-store.js';

const { namedNode, literal } = DataFactory;
const KZ = 'https://w3id.org/kaizen/ns#';
const RDF_TYPE = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');

/** The event classes of the types the planted chain goes through, written out here on purpose. */
const CLASS_OF: Record<string, string> = {
  'alert.fired': 'AlertFired',
  'circuit.opened': 'CircuitOpened',
  'failure.recorded': 'FailureRecorded',
  'task.failed': 'TaskFailed',
  'chaos.injected': 'ChaosInjected',
};

interface InputJson {
  value: number | null;
  unit: string;
}
type PillarJson =
  | { status: 'ok'; score: number; band: string; inputs: Record<string, InputJson> }
  | { status: 'no-data'; reason: string; inputs: Record<string, InputJson> };
interface HealthJson {
  window: { from: string; to: string };
  overall: { status: 'ok'; score: number; band: string } | { status: 'no-data' };
  pillars: Record<'jidoka' | 'kanban' | 'andon' | 'heijunka', PillarJson>;
}
interface SloJson {
  name: string;
  status: 'met' | 'breached' | 'no-data';
  target: number;
  attainment: number;
  good: number;
  total: number;
  unit: string;
  errorBudget: { total: number; consumed: number; remaining: number; remainingRatio: number; totalMinutes: number; remainingMinutes: number };
  burnRate: number;
  budgetStatus: string;
}
interface WhyEventJson {
  iri: string;
  className: string;
  timeMs: number;
  component: string;
  reason?: string;
  eventId?: string;
}
interface WhyJson {
  problem: WhyEventJson;
  steps: { step: number; cause: WhyEventJson; receipts: string[]; method: string; strength: number; statement: string }[];
  rootCause: WhyEventJson | null;
  conclusion: string;
}

const dataDir = useFixtureStore();

/** Runs kaizen on the fixture store; a command that hangs fails after 30 s. */
const cli = (args: readonly string[], options: { now?: number } = {}) => within(kaizen(dataDir(), args, options), 30, `kaizen ${args.join(' ')}`);

/** `kaizen health … --format json`, run once per arguments and clock for the whole file. */
const healthRuns = new Map<string, Promise<HealthJson>>();
function healthOf(args: readonly string[], options: { now?: number } = {}): Promise<HealthJson> {
  const key = `${args.join(' ')} @${options.now ?? ''}`;
  let run = healthRuns.get(key);
  if (run === undefined) healthRuns.set(key, (run = cli(args, options).then((r) => jsonOf<HealthJson>(r))));
  return run;
}

/** kaizen's score is rounded to 2 decimals: within half a hundredth of the exact figure. */
const ROUNDING = 0.005 + 1e-9;

function okPillar(p: PillarJson): Extract<PillarJson, { status: 'ok' }> {
  if (p.status !== 'ok') throw new Error(`expected a score, got no-data: ${p.reason}`);
  return p;
}

/** Asserts a score read through the histograms lies in [lo, hi] (up to kaizen's rounding). */
function expectWithin(score: number, lo: number, hi: number, rounding = ROUNDING): void {
  expect(score).toBeGreaterThanOrEqual(lo - rounding);
  expect(score).toBeLessThanOrEqual(hi + rounding);
}

describe('health on the fixture week', () => {
  const TUESDAY_10 = { fromMs: Date.parse('2026-11-17T10:00:00Z'), toMs: Date.parse('2026-11-17T11:00:00Z') };
  const TO_MONDAY_13 = { fromMs: Date.parse('2026-11-15T13:00:00Z'), toMs: Date.parse('2026-11-16T13:00:00Z') };
  const windows: [string, Range, string[], { now?: number }][] = [
    ['the whole week 2026-W47', WEEK, ['health', '--week', '2026-W47', '--format', 'json'], {}],
    // --window 1h ends at the end of the current hour: a clock at 10:30 gives 10:00–11:00.
    ['the hour of the Tuesday outage', TUESDAY_10, ['health', '--window', '1h', '--format', 'json'], { now: Date.parse('2026-11-17T10:30:00Z') }],
    // Monday 08:55–10:00 only: no circuit transition and no alert in the window.
    ['the 24 hours up to Monday 13:00, without circuit openings or alerts', TO_MONDAY_13, ['health', '--window', '24h', '--format', 'json'], { now: Date.parse('2026-11-16T12:30:00Z') }],
  ];

  describe.each(windows)('over %s', (_label, range, args, options) => {
    const byHand = healthByHand(LINES, range);
    const run = (): Promise<HealthJson> => healthOf(args, options);

    it('covers the window asked for', async () => {
      const h = await run();
      expect(Date.parse(h.window.from)).toBe(range.fromMs);
      expect(Date.parse(h.window.to)).toBe(range.toMs);
    });

    it('scores Jidoka as 100 − (circuit open % × 2 + failures per minute × 0.5)', async () => {
      const p = okPillar((await run()).pillars.jidoka);
      expect(Math.abs(p.score - byHand.jidoka.score)).toBeLessThanOrEqual(ROUNDING);
      expect(p.band).toBe(bandByHand(p.score));
      expect(p.inputs.circuit_open_pct!.value).toBeCloseTo(byHand.jidoka.circuitOpenPct, 3);
      expect(p.inputs.failure_rate_per_min!.value).toBeCloseTo(byHand.jidoka.failureRatePerMin, 3);
    });

    it('scores Kanban as (100 − p99 / 5) × min(1, throughput / 10 per minute), with p99 within the histogram error', async () => {
      const p = okPillar((await run()).pillars.kanban);
      expectWithin(p.score, byHand.kanban.scoreLo, byHand.kanban.scoreHi);
      expect(p.band).toBe(bandByHand(p.score));
      const p99 = p.inputs.latency_p99_ms!.value!;
      expect(Math.abs(p99 - byHand.kanban.p99Ms)).toBeLessThanOrEqual(byHand.kanban.p99Ms * HISTOGRAM_RELATIVE_ERROR + 0.01);
      expect(p.inputs.throughput_per_min!.value).toBeCloseTo(byHand.kanban.throughputPerMin, 3);
    });

    it('scores Andon as 100 − (alerts per minute × 10 + MTTD seconds / 30)', async () => {
      const p = okPillar((await run()).pillars.andon);
      expect(Math.abs(p.score - byHand.andon.score)).toBeLessThanOrEqual(ROUNDING);
      expect(p.band).toBe(bandByHand(p.score));
      expect(p.inputs.alerts_per_min!.value).toBeCloseTo(byHand.andon.alertsPerMin, 4);
      if (byHand.andon.mttdSeconds === null) expect(p.inputs.mttd_s!.value).toBeNull();
      else expect(p.inputs.mttd_s!.value).toBeCloseTo(byHand.andon.mttdSeconds, 2);
    });

    it('scores Heijunka as load balance × 100 × utilisation % / 80', async () => {
      const p = okPillar((await run()).pillars.heijunka);
      expect(Math.abs(p.score - byHand.heijunka.score)).toBeLessThanOrEqual(ROUNDING);
      expect(p.band).toBe(bandByHand(p.score));
      expect(p.inputs.load_balance_coeff!.value).toBeCloseTo(byHand.heijunka.loadBalance, 4);
      expect(p.inputs.worker_utilisation_pct!.value).toBeCloseTo(byHand.heijunka.utilisationPct, 2);
      expect(p.inputs.workers!.value).toBe(byHand.heijunka.workers);
    });

    it('gives the mean of the four pillars as the overall score, and its band', async () => {
      const { overall } = await run();
      if (overall.status !== 'ok') throw new Error('expected an overall score');
      // Each pillar is rounded before the mean, and the mean again: at most a hundredth off.
      expectWithin(overall.score, byHand.overall.scoreLo, byHand.overall.scoreHi, 2 * ROUNDING);
      expect(overall.band).toBe(bandByHand(overall.score));
      expect([bandByHand(byHand.overall.scoreLo), bandByHand(byHand.overall.scoreHi)]).toContain(overall.band);
    });
  });

  it('takes the MTTD of the week from the detection delays the alerts carry (179.777 s)', async () => {
    const expected = JSON.parse(fs.readFileSync(EXPECTED_FILE, 'utf8')) as { mttdSeconds: number };
    expect(healthByHand(LINES, WEEK).andon.mttdSeconds).toBeCloseTo(expected.mttdSeconds, 3);
    const h = await healthOf(['health', '--week', '2026-W47', '--format', 'json']);
    expect(h.pillars.andon.inputs.mttd_s!.value).toBeCloseTo(expected.mttdSeconds, 2);
  });
});

describe('SLOs on the fixture week', () => {
  const cases: [string, HandSlo, string, number][] = [
    ['signal-success', signalSuccessByHand(LINES, WEEK), 'events', (WEEK.toMs - WEEK.fromMs) / 60_000 / signalSuccessByHand(LINES, WEEK).total],
    ['availability', availabilityByHand(LINES, WEEK), 'seconds', 1 / 60],
    ['queue-depth', queueDepthByHand(LINES, WEEK), 'slices', 60],
  ];

  it.each(cases)('gives %s its attainment and remaining error budget as counted from the lines', async (name, byHand, unit, minutesPerUnit) => {
    const { slos } = jsonOf<{ slos: SloJson[] }>(await cli(['slo', name, '--week', '2026-W47', '--format', 'json']));
    expect(slos).toHaveLength(1);
    const r = slos[0]!;
    expect(r.name).toBe(name);
    expect(r.unit).toBe(unit);
    expect(r.good).toBe(byHand.good);
    expect(r.total).toBe(byHand.total);
    expect(r.attainment).toBeCloseTo(byHand.attainment, 12);
    expect(r.status).toBe(byHand.attainment >= r.target ? 'met' : 'breached');
    expect(r.errorBudget.total).toBeCloseTo(byHand.budget, 9);
    expect(r.errorBudget.consumed).toBe(byHand.consumed);
    expect(r.errorBudget.remaining).toBeCloseTo(byHand.remaining, 9);
    expect(r.errorBudget.remainingRatio).toBeCloseTo(byHand.remaining / byHand.budget, 9);
    expect(r.errorBudget.remainingMinutes).toBeCloseTo(byHand.remaining * minutesPerUnit, 6);
    expect(r.burnRate).toBeCloseTo(byHand.consumed / byHand.total / (1 - r.target), 9);
  });

  it('finds the signal-success SLO breached: 130 of 165 signals succeeded against a 99 % target', () => {
    // The figures above, spelled out: 130 completed; 18 failed and 17 rejected.
    const s = signalSuccessByHand(LINES, WEEK);
    expect([s.good, s.total]).toEqual([130, 165]);
    expect(s.remaining).toBeCloseTo(1.65 - 35, 9);
  });

  it('finds availability breached: 780 s of open circuit in 30 observed hours against a budget of 108 s', () => {
    const a = availabilityByHand(LINES, WEEK);
    expect([a.good, a.total]).toEqual([30 * 3600 - 780, 30 * 3600]);
    expect(a.remaining).toBeCloseTo(108 - 780, 9);
  });
});

describe('5-Whys of the Tuesday payments outage', () => {
  const alertLine = LINES.find((l) => l.type === 'alert.fired' && l.alert === 'circuit-open' && l.time === '2026-11-17T10:02:30.000Z')!;
  const planted = recordedCauses(LINES, alertLine);
  let chain: WhyJson | undefined;
  const run = async (): Promise<WhyJson> =>
    (chain ??= jsonOf<WhyJson>(await cli(['why', '--alert', 'circuit-open', '--at', '2026-11-17T10:02:30Z', '--format', 'json'])));

  it('starts from the circuit-open alert fired at 10:02:30 on payments', async () => {
    const { problem } = await run();
    expect(problem.className).toBe('AlertFired');
    expect(problem.component).toBe('payments');
    expect(problem.timeMs).toBe(Date.parse(alertLine.time));
  });

  it('follows the recorded causes back: circuit opened, the failure that tripped it, the injected fault', async () => {
    expect(planted.map((l) => l.id)).toEqual(['open-1', 'fail-5', 'chaos-1']);
    const { steps } = await run();
    expect(steps.map((s) => s.cause.eventId)).toEqual(planted.map((l) => l.id));
    expect(steps.map((s) => s.cause.className)).toEqual(planted.map((l: Line) => CLASS_OF[l.type]));
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of steps) expect(s.method).toBe('recorded-link');
  });

  it('names chaos.injected "chaos-1" (downstream-disabled) as the root cause', async () => {
    const { rootCause, conclusion } = await run();
    expect(rootCause).toMatchObject({ className: 'ChaosInjected', eventId: 'chaos-1', reason: 'downstream-disabled', component: 'payments' });
    expect(rootCause!.timeMs).toBe(Date.parse('2026-11-17T10:00:00Z'));
    expect(conclusion).toMatch(/^Root cause candidate: .*fault was injected \(downstream-disabled\)/);
  });

  it('cites in each step receipts that exist in the store, the first being the cause', async () => {
    const { steps, rootCause } = await run();
    const store = openEmbeddedStore({ dataDir: dataDir(), readOnly: true });
    try {
      await store.load({ range: { fromMs: Date.parse('2026-11-17T00:00:00Z'), toMs: Date.parse('2026-11-18T00:00:00Z') }, raw: true });
      for (const s of steps) {
        expect(s.receipts.length).toBeGreaterThan(0);
        expect(s.receipts[0]).toBe(s.cause.iri);
        for (const iri of s.receipts) expect(store.match(namedNode(iri), RDF_TYPE, null, null).length, iri).toBeGreaterThan(0);
        expect(store.match(namedNode(s.cause.iri), RDF_TYPE, namedNode(KZ + s.cause.className), null)).toHaveLength(1);
      }
      const root = namedNode(rootCause!.iri);
      expect(store.match(root, namedNode(`${KZ}eventId`), literal('chaos-1'), null)).toHaveLength(1);
      expect(store.match(root, namedNode(`${KZ}reason`), literal('downstream-disabled'), null)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('gives the same chain when asked about the alert receipt by its IRI', async () => {
    const byAlert = await run();
    const byIri = jsonOf<WhyJson>(await cli(['why', byAlert.problem.iri, '--format', 'json']));
    expect(byIri).toEqual(byAlert);
  });
});

describe('a window without evidence', () => {
  // Monday before the workers start (00:00–01:00), and the whole week before the fixture.
  const windows: [string, string[], { now?: number }][] = [
    ['an empty hour inside the week', ['--window', '1h'], { now: Date.parse('2026-11-16T00:30:00Z') }],
    ['the week before, 2026-W46', ['--week', '2026-W46'], {}],
  ];

  it.each(windows)('reports every pillar and the overall score as no-data over %s', async (_label, window, options) => {
    const h = jsonOf<HealthJson>(await cli(['health', ...window, '--format', 'json'], options));
    expect(h.overall.status).toBe('no-data');
    for (const p of Object.values(h.pillars)) {
      expect(p.status).toBe('no-data');
      expect(p).not.toHaveProperty('score');
    }
  });

  it.each(windows)('reports every shipped SLO as no-data over %s', async (_label, window, options) => {
    const { slos } = jsonOf<{ slos: SloJson[] }>(await cli(['slo', ...window, '--format', 'json'], options));
    expect(slos.map((s) => s.name).sort()).toEqual(['availability', 'latency-p99', 'queue-depth', 'signal-success']);
    for (const s of slos) {
      expect(s.status).toBe('no-data');
      expect(s).not.toHaveProperty('attainment');
    }
  });
});

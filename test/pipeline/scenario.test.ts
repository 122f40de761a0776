// Tests of scenario files: the shipped ones parse, times resolve, and errors name file, field and expectation.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { Random } from '../../src/pipeline/random.js';
import { parseScenario, resolveIncidents } from '../../src/pipeline/scenario.js';
import { parseDuration } from '../../src/pipeline/scenario-fields.js';
import { Traffic } from '../../src/pipeline/traffic.js';

const MONDAY = Date.UTC(2026, 10, 23);
const HOUR = 3_600_000;
const load = (name: string) => parseScenario(readFileSync(`scenarios/${name}.yaml`, 'utf8'), `scenarios/${name}.yaml`);

const MINIMAL = 'traffic:\n  shape: steady\n  rate_per_second: 1\n';

function messageOf(text: string): string {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (e) {
    if (isKaizenError(e, 'KZN_INPUT_FILE')) return e.message;
    throw e;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario files', () => {
  it('ship a default week with the five incidents the analysis should find', () => {
    const s = load('default-week');
    expect(s.name).toBe('default-week');
    expect(s.durationMs).toBe(7 * 24 * HOUR);
    const incidents = resolveIncidents(s, MONDAY, MONDAY + s.durationMs);
    expect(incidents.map((i) => [i.kind, (i.startMs - MONDAY) / HOUR, i.durationMs / 60_000])).toEqual([
      ['downstream-outage', 24 + 10, 20],
      ['added-latency', 48 + 14, 60],
      ['worker-crash', 72 + 9, 5],
      ['traffic-spike', 96 + 11.5, 10],
      ['queue-stall', 120 + 16, 3],
    ]);
    expect(incidents.find((i) => i.kind === 'added-latency')?.latencyMs).toBe(500);
  });

  it('give the default week at least 500,000 signals at its default rate', () => {
    const s = load('default-week');
    const traffic = new Traffic(s.traffic, { startMs: MONDAY, endMs: MONDAY + s.durationMs }, new Random(1));
    let expected = 0;
    for (let t = MONDAY; t < MONDAY + s.durationMs; t += 1000) expected += traffic.rateAt(t + 500);
    expect(expected).toBeGreaterThan(500_000);
    // Without bursts and spikes the mean rate is the scenario's 1 signal/s.
    const plain = new Traffic({ ...s.traffic, bursts: undefined }, { startMs: MONDAY, endMs: MONDAY + s.durationMs }, new Random(1));
    let base = 0;
    for (let t = MONDAY; t < MONDAY + s.durationMs; t += 60_000) base += plain.rateAt(t + 30_000);
    expect(base / (s.durationMs / 60_000)).toBeCloseTo(1, 2);
  });

  it('ship a one-day outage scenario', () => {
    const s = load('outage-day');
    expect(resolveIncidents(s, MONDAY, MONDAY + s.durationMs)).toMatchObject([
      { kind: 'downstream-outage', startMs: MONDAY + 10 * HOUR, endMs: MONDAY + 10 * HOUR + 20 * 60_000 },
    ]);
  });

  it('place a weekday time at its first occurrence at or after the start', () => {
    const s = parseScenario(`${MINIMAL}incidents:\n  - { kind: queue-stall, at: "tue 10:00", duration: 1m }\n`, 'x.yaml');
    const wednesday = MONDAY + 2 * 24 * HOUR;
    const [i] = resolveIncidents(s, wednesday, wednesday + 14 * 24 * HOUR);
    expect(i?.startMs).toBe(MONDAY + 7 * 24 * HOUR + 24 * HOUR + 10 * HOUR);
  });

  it('take absolute times and drop incidents outside the run', () => {
    const text = `${MINIMAL}incidents:\n  - { kind: queue-stall, at: "2026-11-23T05:00:00Z", duration: 1m }\n  - { kind: queue-stall, offset: 2d, duration: 1m }\n`;
    const s = parseScenario(text, 'x.yaml');
    expect(resolveIncidents(s, MONDAY, MONDAY + 24 * HOUR).map((i) => i.startMs)).toEqual([MONDAY + 5 * HOUR]);
  });

  it('read JSON as well as YAML', () => {
    const s = parseScenario('{"traffic": {"shape": "bursts", "rate_per_second": 2}}', 'x.json');
    expect(s.traffic).toMatchObject({ shape: 'bursts', ratePerSecond: 2, bursts: { perDay: 12, multiplier: 3 } });
    expect(s.name).toBe('x');
  });

  it.each([
    { text: 'traffic: [', message: /^bad\.yaml: line 1: expected YAML or JSON/ },
    { text: 'traffic: !!js/function "x"\n', message: /^bad\.yaml: line 1: expected YAML or JSON: Unresolved tag: tag:yaml\.org,2002:js\/function$/ },
    { text: '*!', message: /^bad\.yaml: expected YAML or JSON: Unresolved alias/ },
    { text: `${MINIMAL}name: *missing\n`, message: /^bad\.yaml: expected YAML or JSON: Unresolved alias .*missing$/ },
    {
      text: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: &c [${Array(10).fill('*b').join(', ')}]\n`,
      message: /^bad\.yaml: expected YAML or JSON: Excessive alias count/,
    },
    { text: 'name: x\n', message: /^bad\.yaml: traffic: expected a traffic section/ },
    { text: `${MINIMAL}trafic: {}\n`, message: /^bad\.yaml: trafic: unknown field \(expected name, description, duration/ },
    { text: 'traffic: { shape: sine, rate_per_second: 1 }', message: /^bad\.yaml: traffic\.shape: expected one of steady, daily-cycle, bursts, got "sine"$/ },
    { text: 'traffic: { shape: steady, rate_per_second: -1 }', message: /^bad\.yaml: traffic\.rate_per_second: expected a number > 0, got "-1"$/ },
    { text: `${MINIMAL}duration: 7\n`, message: /^bad\.yaml: duration: expected a duration like 20m, 1h30m, 90s or 7d, got "7"$/ },
    {
      text: `${MINIMAL}incidents:\n  - { kind: downstream-outage, at: "tue 10:00", duration: "20" }\n`,
      message: /^bad\.yaml: incidents\[0\]\.duration: expected a duration like 20m/,
    },
    {
      text: `${MINIMAL}incidents:\n  - { kind: queue-stall, duration: 1m }\n`,
      message: /^bad\.yaml: incidents\[0\]\.at: expected exactly one of "at"/,
    },
    {
      text: `${MINIMAL}incidents:\n  - { kind: queue-stall, at: someday, duration: 1m }\n`,
      message: /^bad\.yaml: incidents\[0\]\.at: expected a weekday and UTC time like "tue 10:00".*got "someday"$/,
    },
    {
      text: `${MINIMAL}incidents:\n  - { kind: added-latency, offset: 1h, duration: 1h }\n`,
      message: /^bad\.yaml: incidents\[0\]\.latency_ms: expected a number > 0, got nothing$/,
    },
    {
      text: `${MINIMAL}incidents:\n  - { kind: meteor, offset: 1h, duration: 1h }\n`,
      message: /^bad\.yaml: incidents\[0\]\.kind: expected one of downstream-outage, added-latency, worker-crash, traffic-spike, queue-stall, got "meteor"$/,
    },
  ])('refuse a bad file naming the file, the field and what was expected: $message', ({ text, message }) => {
    expect(messageOf(text)).toMatch(message);
  });
});

describe('durations', () => {
  it.each([
    ['20m', 1_200_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
  ] as const)('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['20', 'm', '1h 30m', '-5m', ''])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

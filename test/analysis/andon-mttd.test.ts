// The MTTD input of the Andon score through the store: the mean of the detection delays the
// alert.fired events carry, with alerts that carry none left out of the mean.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { jsonOf, within } from './fixture-store.js';

interface AndonJson {
  pillars: { andon: { status: string; score?: number; inputs: { mttd_s: { value: number | null }; alerts_per_min: { value: number } } } };
}

const EVENTS = [
  // 10:00–11:00 on payments: one alert detected 100 s after its fault, one that says nothing.
  { time: '2026-11-17T10:05:00.000Z', type: 'alert.fired', component: 'payments', alert: 'circuit-open', severity: 'critical', value: 100, unit: 's' },
  { time: '2026-11-17T10:20:00.000Z', type: 'alert.fired', component: 'payments', alert: 'high-p99-latency', severity: 'warning' },
  { time: '2026-11-17T10:30:00.000Z', type: 'task.completed', component: 'payments', value: 80, worker: 'w-3' },
  // 12:00–13:00 on checkout: one alert without a delay.
  { time: '2026-11-17T12:10:00.000Z', type: 'alert.fired', component: 'checkout', alert: 'circuit-open', severity: 'critical' },
  { time: '2026-11-17T12:30:00.000Z', type: 'task.completed', component: 'checkout', value: 60, worker: 'w-1' },
];

let scratch = '';
let dataDir = '';

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-analysis-mttd-'));
  dataDir = path.join(scratch, 'data');
  const file = path.join(scratch, 'alerts.jsonl');
  fs.writeFileSync(file, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const run = await kaizen(dataDir, ['import', file]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 60_000);

afterAll(() => {
  if (scratch !== '') fs.rmSync(scratch, { recursive: true, force: true });
});

const andonAt = async (iso: string): Promise<AndonJson['pillars']['andon']> =>
  jsonOf<AndonJson>(await within(kaizen(dataDir, ['health', '--window', '1h', '--format', 'json'], { now: Date.parse(iso) }), 30, 'kaizen health'))
    .pillars.andon;

describe('the MTTD of the Andon pillar', () => {
  it('is the mean of the delays the alerts carry, leaving out an alert of the same hour and component that carries none', async () => {
    const andon = await andonAt('2026-11-17T10:30:00Z');
    expect(andon.inputs.mttd_s.value).toBe(100);
    // 100 − (2 alerts / 60 min × 10 + 100 s / 30)
    expect(andon.score).toBeCloseTo(100 - ((2 / 60) * 10 + 100 / 30), 2);
  });

  it('is left out when no alert of the window carries a delay', async () => {
    const andon = await andonAt('2026-11-17T12:30:00Z');
    expect(andon.inputs.mttd_s.value).toBeNull();
    expect(andon.score).toBeCloseTo(100 - (1 / 60) * 10, 2);
  });
});

// SLO arithmetic: burn rate against the error budget, the budget's state when it is spent
// exactly, the multi-window burn-rate alerts over the end of the window, and no-data.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldFacts, type HourStatsRow, type WindowFacts } from '../../src/analysis/facts.js';
import { burnRate, evaluateSlo } from '../../src/analysis/slo.js';
import type { SloSpec } from '../../src/analysis/slo-spec.js';
import { loadSlos } from '../../src/query/slo-files.js';

const START = Date.parse('2026-11-16T00:00:00Z');
const WEEK = { fromMs: START, toMs: START + 7 * 86_400_000 };
const SHIPPED = loadSlos();
const shipped = (name: string): SloSpec => SHIPPED.find((s) => s.name === name)!;

/** Window facts with, per hour, so many completed and failed tasks on one component. */
function factsOf(hours: Record<string, { completed?: number; failed?: number }>, range = WEEK): WindowFacts {
  const stats: HourStatsRow[] = [];
  for (const [hour, { completed = 0, failed = 0 }] of Object.entries(hours)) {
    if (completed > 0) stats.push({ hour, className: 'TaskCompleted', component: 'checkout', count: completed });
    if (failed > 0) stats.push({ hour, className: 'TaskFailed', component: 'checkout', count: failed });
  }
  return foldFacts(range, { stats, histograms: [], circuits: [], episodes: [] });
}

describe('burn rate', () => {
  const target = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });

  it('is exactly 1 when the error ratio is 1 − target', () => {
    fc.assert(
      fc.property(target, (t) => {
        expect(burnRate(1 - t, t)).toBe(1);
      }),
    );
  });

  it('is below 1 for an error ratio under the budget and above 1 for one over it', () => {
    fc.assert(
      fc.property(target, fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 1.001, max: 1000, noNaN: true }), (t, under, over) => {
        expect(burnRate((1 - t) * under, t)).toBeLessThan(1);
        expect(burnRate((1 - t) * over, t)).toBeGreaterThan(1);
      }),
    );
  });

  it('is exactly 1 for the decimal targets SLO files use when the share of bad events equals the budget', () => {
    // 10 000 events with exactly the budgeted share bad: 0.99 → 10 000 − 9 900 = 100 bad.
    const targets = ['0.9', '0.95', '0.99', '0.995', '0.999', '0.9999'];
    const rates = targets.map((text) => {
      const total = 10_000;
      const bad = total - Number(text.slice(2).padEnd(4, '0'));
      return [text, burnRate(bad / total, Number(text))];
    });
    expect(rates).toEqual(targets.map((text) => [text, 1]));
  });
});

describe('an SLO whose budget is spent exactly', () => {
  // 99 of 100 signals succeed against the 99 % target of signal-success.
  const r = evaluateSlo(shipped('signal-success'), factsOf({ '2026-11-17T10': { completed: 99, failed: 1 } }));

  it('burns at 1 and has no budget left', () => {
    if (r.status === 'no-data') throw new Error('expected a result');
    expect(r.attainment).toBe(0.99);
    expect(r.errorBudget.consumed).toBe(1);
    expect(r.burnRate).toBe(1);
    expect(r.errorBudget.remaining).toBe(0);
  });

  it('reports the budget exhausted', () => {
    if (r.status === 'no-data') throw new Error('expected a result');
    expect(r.status).toBe('met');
    expect(r.budgetStatus).toBe('exhausted');
  });
});

describe('the multi-window burn-rate alerts of a 7-day SLO', () => {
  const spec = shipped('signal-success');

  it('page when the last hour of the window burns far above 14.4', () => {
    const r = evaluateSlo(spec, factsOf({ '2026-11-16T09': { completed: 1000 }, '2026-11-22T23': { completed: 50, failed: 50 } }));
    if (r.status === 'no-data') throw new Error('expected a result');
    expect(r.alert.windows[0]).toMatchObject({ severity: 'page', factor: 14.4, longHours: 1, shortHours: 1 });
    expect(r.alert.windows[0]!.longBurn).toBeCloseTo(50, 9);
    expect(r.alert.state).toBe('page');
  });

  it('scale the workbook windows from 30 days to 7 (1h/5m, 6h/30m, 3d/6h become 1h/1h, 2h/1h, 17h/2h)', () => {
    const r = evaluateSlo(spec, factsOf({ '2026-11-22T23': { completed: 10 } }));
    if (r.status === 'no-data') throw new Error('expected a result');
    expect(r.alert.windows.map((w) => [w.severity, w.factor, w.longHours, w.shortHours])).toEqual([
      ['page', 14.4, 1, 1],
      ['page', 6, 2, 1],
      ['ticket', 1, 17, 2],
    ]);
  });

  it('judge the last hours of the window, not the last hours that happen to hold evidence', () => {
    // Every task of Tuesday 10:00 failed; nothing at all happened in the last five days.
    const r = evaluateSlo(spec, factsOf({ '2026-11-16T09': { completed: 1000 }, '2026-11-17T10': { failed: 100 } }));
    if (r.status === 'no-data') throw new Error('expected a result');
    for (const w of r.alert.windows) {
      expect(w.longBurn, `${w.longHours}h window`).toBeNull();
      expect(w.firing).toBe(false);
    }
    expect(r.alert.state).toBe('ok');
  });
});

describe('an SLO over a window without evidence', () => {
  it.each(SHIPPED.map((s) => [s.name, s] as const))('reports %s as no-data, never met', (_name, spec) => {
    const r = evaluateSlo(spec, factsOf({}));
    expect(r.status).toBe('no-data');
    expect(r).not.toHaveProperty('attainment');
  });

  it('reports an SLO as no-data when the window holds evidence, but none the indicator counts', () => {
    const r = evaluateSlo(shipped('queue-depth'), factsOf({ '2026-11-17T10': { completed: 10 } }));
    expect(r.status).toBe('no-data');
  });
});

// Hour rollups: circuit open time and alert episodes folded hour by hour, and the rollup receipt.

import { describe, expect, it } from 'vitest';
import { histogramCount, parseHistogram } from '../../src/evidence/histogram.js';
import { GENESIS_DIGEST } from '../../src/evidence/receipt.js';
import { EMPTY_CARRY, foldTransitions, rollupReceipt, summariseHour, type Transition } from '../../src/evidence/rollup.js';

const KZ = 'https://w3id.org/kaizen/ns#';
const t = (hh: number, mm: number, ss = 0): number => Date.UTC(2026, 10, 17, hh, mm, ss);
const circuit = (className: string, component: string, timeMs: number): Transition => ({ className, component, timeMs });
const alert = (className: string, name: string, component: string, timeMs: number): Transition => ({
  className,
  component,
  alert: name,
  severity: 'critical',
  timeMs,
});

describe('hour rollup', () => {
  describe('when a circuit opens, half-opens and closes within the hour', () => {
    it('counts the open time from opened to half-opened only', () => {
      const out = foldTransitions(
        '2026-11-17T10',
        [
          circuit('CircuitClosed', 'payments', t(10, 14)),
          circuit('CircuitOpened', 'payments', t(10, 2)),
          circuit('CircuitHalfOpened', 'payments', t(10, 12)),
        ],
        EMPTY_CARRY,
      );
      expect(out.circuits).toEqual([{ component: 'payments', openSeconds: 10 * 60, stateAtEnd: 'closed' }]);
      expect(out.carryOut.circuits).toEqual({});
    });
  });

  describe('when a circuit is still open at the end of the hour', () => {
    it('counts it open until the hour ends and carries it into the next hour', () => {
      const first = foldTransitions('2026-11-17T10', [circuit('CircuitOpened', 'payments', t(10, 50))], EMPTY_CARRY);
      expect(first.circuits).toEqual([{ component: 'payments', openSeconds: 10 * 60, stateAtEnd: 'open' }]);
      const second = foldTransitions('2026-11-17T11', [circuit('CircuitHalfOpened', 'payments', t(11, 5))], first.carryOut);
      expect(second.circuits).toEqual([{ component: 'payments', openSeconds: 5 * 60, stateAtEnd: 'half-open' }]);
      const third = foldTransitions('2026-11-17T12', [], second.carryOut);
      expect(third.circuits).toEqual([{ component: 'payments', openSeconds: 0, stateAtEnd: 'half-open' }]);
    });
  });

  describe('when an alert fires in one hour and clears in the next', () => {
    it('reports an open episode, then the same episode with its end', () => {
      const first = foldTransitions('2026-11-17T10', [alert('AlertFired', 'circuit-open', 'payments', t(10, 58))], EMPTY_CARRY);
      expect(first.episodes).toEqual([{ alert: 'circuit-open', component: 'payments', severity: 'critical', startMs: t(10, 58) }]);
      const second = foldTransitions('2026-11-17T11', [alert('AlertCleared', 'circuit-open', 'payments', t(11, 3))], first.carryOut);
      expect(second.episodes).toEqual([
        { alert: 'circuit-open', component: 'payments', severity: 'critical', startMs: t(10, 58), endMs: t(11, 3) },
      ]);
      expect(second.carryOut.alerts).toEqual([]);
    });

    it('keeps episodes of the same rule on different components apart', () => {
      const out = foldTransitions(
        '2026-11-17T10',
        [
          alert('AlertFired', 'circuit-open', 'payments', t(10, 1)),
          alert('AlertFired', 'circuit-open', 'checkout', t(10, 2)),
          alert('AlertCleared', 'circuit-open', 'payments', t(10, 3)),
        ],
        EMPTY_CARRY,
      );
      expect(out.episodes.map((e) => [e.component, e.endMs])).toEqual([
        ['payments', t(10, 3)],
        ['checkout', undefined],
      ]);
    });
  });

  describe('receipt', () => {
    const summary = summariseHour({
      hour: '2026-11-17T10',
      sourceCount: 3,
      sourceDigest: 'a'.repeat(64),
      stats: [{ className: 'TaskCompleted', pillar: 'kanban', component: 'checkout', count: 3, values: 3, sum: 300, min: 50, max: 150 }],
      histogramRows: [
        { className: 'TaskCompleted', component: 'checkout', bucket: 198, count: 1 },
        { className: 'TaskCompleted', component: 'checkout', bucket: 222, count: 2 },
      ],
      transitions: [],
      carry: EMPTY_CARRY,
    });
    const r = rollupReceipt(summary, 9, 'urn:kaizen:receipt:local:9', GENESIS_DIGEST);

    it('lives in the rollup graph of its hour and cites its source hour and digest', () => {
      expect(r.graph).toBe('urn:kaizen:rollup:2026-11-17T10');
      const of = (p: string) => r.quads.filter((q) => q.subject.value === r.iri && q.predicate.value === p).map((q) => q.object.value);
      expect(of('http://www.w3.org/ns/prov#wasDerivedFrom')).toEqual(['urn:kaizen:hour:2026-11-17T10']);
      expect(of(`${KZ}sourceDigest`)).toEqual(['a'.repeat(64)]);
      expect(of(`${KZ}sourceCount`)).toEqual(['3']);
      expect(of(`${KZ}epochMs`)).toEqual([String(t(10, 0))]);
    });

    it('holds the merged histogram of its rows as a literal', () => {
      const literal = r.quads.find((q) => q.predicate.value === `${KZ}histogram`)!.object.value;
      const h = parseHistogram(literal);
      expect(histogramCount(h)).toBe(3);
      expect(h.get(222)).toBe(2);
    });

    it('is sealed with a digest like any receipt', () => {
      expect(r.quads[r.quads.length - 1]!.predicate.value).toBe(`${KZ}digest`);
      expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});

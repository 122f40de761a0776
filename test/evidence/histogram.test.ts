// The mergeable log histogram: its buckets, its stated error bound, merging and its literal form.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToHistogram,
  bucketOf,
  bucketValue,
  formatHistogram,
  GAMMA,
  type Histogram,
  histogramCount,
  mergeHistograms,
  parseHistogram,
  quantile,
  RELATIVE_ERROR,
  ZERO_BUCKET,
} from '../../src/evidence/histogram.js';

/** The exact q-quantile by nearest rank: the ⌈q·n⌉-th smallest value. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

function histogramOf(values: readonly number[]): Histogram {
  const h: Histogram = new Map();
  for (const v of values) addToHistogram(h, bucketOf(v));
  return h;
}

const positive = fc.double({ min: 1e-3, max: 1e7, noNaN: true });
/** A tiny allowance for floating-point rounding on top of the stated bound. */
const SLACK = 1e-9;

describe('log histogram', () => {
  it('states its error bound as (γ-1)/(γ+1)', () => {
    expect(RELATIVE_ERROR).toBeCloseTo((GAMMA - 1) / (GAMMA + 1), 15);
    expect(RELATIVE_ERROR).toBeLessThan(0.01);
  });

  it('stands for every value by a representative within the bound', () => {
    fc.assert(
      fc.property(positive, (v) => {
        const rep = bucketValue(bucketOf(v));
        expect(Math.abs(rep - v) / v).toBeLessThanOrEqual(RELATIVE_ERROR + SLACK);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps buckets in the order of the values', () => {
    fc.assert(
      fc.property(positive, positive, (a, b) => {
        if (a < b) expect(bucketOf(a)).toBeLessThanOrEqual(bucketOf(b));
      }),
    );
  });

  it('puts zero and negative values in the zero bucket, whose value is 0', () => {
    expect(bucketOf(0)).toBe(ZERO_BUCKET);
    expect(bucketOf(-5)).toBe(ZERO_BUCKET);
    expect(bucketValue(ZERO_BUCKET)).toBe(0);
  });

  it('answers every quantile within the bound of the exact nearest-rank value', () => {
    fc.assert(
      fc.property(fc.array(positive, { minLength: 1, maxLength: 200 }), fc.double({ min: 0.001, max: 1, noNaN: true }), (values, q) => {
        const exact = exactQuantile(values, q);
        const approx = quantile(histogramOf(values), q)!;
        expect(Math.abs(approx - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + SLACK);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same answers merged from pieces as from the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.array(positive, { maxLength: 30 }), { minLength: 1, maxLength: 8 }), (pieces) => {
        const merged = pieces.reduce<Histogram>((into, p) => mergeHistograms(into, histogramOf(p)), new Map());
        const whole = histogramOf(pieces.flat());
        expect(histogramCount(merged)).toBe(pieces.flat().length);
        expect(formatHistogram(merged)).toBe(formatHistogram(whole));
        for (const q of [0.5, 0.95, 0.99]) expect(quantile(merged, q)).toBe(quantile(whole, q));
      }),
    );
  });

  it('has no quantile when empty', () => {
    expect(quantile(new Map(), 0.5)).toBeUndefined();
  });

  it('round-trips through its literal form in bucket order', () => {
    fc.assert(
      fc.property(fc.array(positive, { maxLength: 50 }), (values) => {
        const h = histogramOf(values);
        const text = formatHistogram(h);
        const buckets = text === '' ? [] : text.split(' ').map((p) => Number(p.split(':')[0]));
        expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
        expect(parseHistogram(text)).toEqual(h);
      }),
    );
  });

  it.each(['1:2 x', '1:-1', '1.5:2', '3'])('refuses the malformed literal %j', (text) => {
    expect(() => parseHistogram(text)).toThrow(/histogram literal/);
  });
});

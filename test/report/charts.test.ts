// The inline SVG charts of the review: sparklines with gaps and labels, the circuit timeline's
// colours, the burn-down below zero, and every text in them escaped.

import { describe, expect, it } from 'vitest';
import { burndown, circuitTimeline, escapeXml, sparkline } from '../../src/report/charts.js';

const GREEN = '#16a34a';
const AMBER = '#f59e0b';
const RED = '#dc2626';
const HOSTILE = `<script>alert("x")</script> & 'q'`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;';

/** The elements of an SVG string, in order. */
const tagsOf = (svg: string): string[] => [...svg.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!);
const attr = (svg: string, name: string): string[] => [...svg.matchAll(new RegExp(` ${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
/** The x,y pairs of every polyline. */
const polylines = (svg: string): [number, number][][] =>
  attr(svg, 'points').map((pts) => pts.split(' ').map((p) => p.split(',').map(Number) as [number, number]));

/** Only SVG's own elements, and no text outside them that could open a tag or an entity. */
function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  for (const tag of tagsOf(svg)) expect(['svg', 'title', 'polyline', 'circle', 'text', 'rect', 'line']).toContain(tag);
  // Between tags: no stray `<`, and every `&` starts an entity.
  for (const text of svg.split(/<[^>]*>/)) {
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
  }
  for (const value of svg.matchAll(/="([^"]*)"/g)) expect(value[1]).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|#39);)/);
}

describe('escapeXml', () => {
  it.each([
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['&', '&amp;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['&lt;', '&amp;lt;'],
    ['plain text', 'plain text'],
  ])('escapes %j as %j', (text, escaped) => {
    expect(escapeXml(text)).toBe(escaped);
  });
});

describe('sparkline', () => {
  describe('when some hours have no value', () => {
    const svg = sparkline([10, 20, null, 40, Number.NaN, null, 50, 60], { title: 'p99 latency', unit: 'ms' });

    it('breaks the line at each gap instead of drawing through it', () => {
      // [10, 20] and [50, 60] are lines, the lone 40 between two gaps is a dot.
      const lines = polylines(svg);
      expect(lines).toHaveLength(2);
      expect(lines.map((l) => l.length)).toEqual([2, 2]);
      expect(tagsOf(svg).filter((t) => t === 'circle')).toHaveLength(1);
    });

    it('places each point at its hour, so a gap leaves horizontal space', () => {
      const [first, second] = polylines(svg);
      const step = (560 - 8) / 7;
      expect(first![0]![0]).toBeCloseTo(4, 1);
      expect(first![1]![0]).toBeCloseTo(4 + step, 1);
      expect(second![0]![0]).toBeCloseTo(4 + 6 * step, 1);
      expect(Number(attr(svg, 'cx')[0])).toBeCloseTo(4 + 3 * step, 1);
    });

    it('draws higher values higher up (smaller y), inside the chart', () => {
      const ys = polylines(svg).flat().map(([, y]) => y);
      expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...ys)).toBeLessThanOrEqual(64);
      const [first] = polylines(svg);
      expect(first![1]![1]).toBeLessThan(first![0]![1]);
    });

    it('labels the minimum and the maximum of the values it has, with the unit', () => {
      expect(svg).toContain('>min 10.0 ms</text>');
      expect(svg).toContain('>max 60.0 ms</text>');
      expect(svg).toContain('aria-label="p99 latency, 10.0 to 60.0 ms"');
      expectWellFormedSvg(svg);
    });
  });

  it.each([
    [[0.013, 0.1], 'min 0.01 /min', 'max 0.10 /min'],
    [[12.34, 56.7], 'min 12.3 /min', 'max 56.7 /min'],
    [[150, 527.15], 'min 150 /min', 'max 527 /min'],
  ])('formats min and max of %j to a readable precision', (values, min, max) => {
    const svg = sparkline(values, { title: 't', unit: '/min' });
    expect(svg).toContain(`>${min}</text>`);
    expect(svg).toContain(`>${max}</text>`);
  });

  it('draws a flat series as a line (not a division by zero)', () => {
    const svg = sparkline([3, 3, 3], { title: 'flat', unit: 'tasks' });
    const [line] = polylines(svg);
    expect(line).toHaveLength(3);
    for (const [x, y] of line!) {
      expect(Number.isFinite(x)).toBe(true);
      expect(Number.isFinite(y)).toBe(true);
    }
  });

  it('draws a single value as a dot', () => {
    const svg = sparkline([7], { title: 'one', unit: 'ms' });
    expect(polylines(svg)).toHaveLength(0);
    expect(tagsOf(svg)).toContain('circle');
  });

  it.each([
    ['only gaps', [null, null, Number.NaN]],
    ['no hours at all', []],
  ])('says "no data" when there are %s, and draws no line', (_, values) => {
    const svg = sparkline(values, { title: 'queue depth', unit: 'tasks' });
    expect(svg).toContain('>queue depth: no data</text>');
    expect(svg).toContain('aria-label="queue depth: no data"');
    expect(svg).not.toContain('<polyline');
    expect(svg).not.toContain('<circle');
    expect(svg).not.toContain('NaN');
    expectWellFormedSvg(svg);
  });

  it('keeps the chart class, its size and the SVG namespace', () => {
    const svg = sparkline([1, 2], { title: 't', unit: 'u', width: 300, height: 40 });
    expect(svg).toMatch(/^<svg class="chart" role="img" /);
    expect(svg).toContain('width="300" height="40" viewBox="0 0 300 40"');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  });

  it('escapes its title and unit everywhere they appear (title, aria-label, labels)', () => {
    for (const values of [[1, 2, 3], []]) {
      const svg = sparkline(values, { title: HOSTILE, unit: HOSTILE });
      expect(svg).not.toContain('<script');
      expect(svg).toContain(HOSTILE_ESCAPED);
      expectWellFormedSvg(svg);
    }
  });
});

describe('circuitTimeline', () => {
  const hours = [
    { hour: '2026-11-17T09', circuit_open_s: 0 },
    { hour: '2026-11-17T10', circuit_open_s: 600 },
    { hour: '2026-11-17T11', circuit_open_s: 180 },
    { hour: '2026-11-17T12', circuit_open_s: 359 },
    { hour: '2026-11-17T13', circuit_open_s: 360 },
    { hour: '2026-11-17T14', circuit_open_s: 3600 },
    { hour: '2026-11-17T15', circuit_open_s: 5000 },
  ];
  const svg = circuitTimeline(hours);

  it('draws one bar per hour, in order, across the width', () => {
    expect(attr(svg, 'fill')).toHaveLength(hours.length);
    const xs = attr(svg, 'x').map(Number);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(xs[0]).toBe(0);
    expect(xs[6]).toBeCloseTo((560 / 7) * 6, 1);
  });

  it('colours each hour by the share of it the circuit was open: none green, under 10 % amber, more red', () => {
    expect(attr(svg, 'fill')).toEqual([GREEN, RED, AMBER, AMBER, RED, RED, RED]);
  });

  it('names the hour and the open seconds in each bar’s tooltip', () => {
    expect(svg).toContain('<title>2026-11-17T10: open 600 s</title>');
    expect(svg).toContain('<title>2026-11-17T09: open 0 s</title>');
  });

  it('draws an empty timeline for a week without hours', () => {
    const empty = circuitTimeline([]);
    expect(empty).not.toContain('<rect');
    expectWellFormedSvg(empty);
  });

  it('escapes the hour labels', () => {
    const hostile = circuitTimeline([{ hour: HOSTILE, circuit_open_s: 1 }]);
    expect(hostile).not.toContain('<script');
    expect(hostile).toContain(`<title>${HOSTILE_ESCAPED}: open 1 s</title>`);
    expectWellFormedSvg(hostile);
  });
});

describe('burndown', () => {
  const h = 80;

  it('falls from 100 % and, when the budget is overspent, crosses the zero line and ends below it, in red', () => {
    const points = [
      { hour: '2026-11-16T09', remaining: 1 },
      { hour: '2026-11-17T10', remaining: 0.4 },
      { hour: '2026-11-19T15', remaining: -0.5 },
      { hour: '2026-11-20T14', remaining: -6.2222 },
    ];
    const svg = burndown(points, 'Error budget of availability');
    const [line] = polylines(svg);
    expect(line).toHaveLength(4);
    const ys = line!.map(([, y]) => y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    for (const y of ys) {
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(h);
    }
    const zero = Number(attr(svg, 'y1')[0]);
    expect(ys[1]!).toBeLessThan(zero);
    expect(ys[2]!).toBeGreaterThan(zero);
    expect(svg).toContain('stroke="#dc2626"');
    expect(svg).toContain('>-622.2 % left</text>');
    expect(svg).toContain('aria-label="Error budget of availability: -622.2 % of the budget left"');
    expectWellFormedSvg(svg);
  });

  it('draws a budget that is still there in blue, with the zero line at the bottom', () => {
    const svg = burndown(
      [
        { hour: 'a', remaining: 1 },
        { hour: 'b', remaining: 0.75 },
      ],
      'Error budget of queue-depth',
    );
    expect(svg).toContain('stroke="#2563eb"');
    expect(svg).toContain('>75.0 % left</text>');
    const [line] = polylines(svg);
    const zero = Number(attr(svg, 'y1')[0]);
    for (const [, y] of line!) expect(y).toBeLessThan(zero);
  });

  it('says "no data" when there are no points', () => {
    const svg = burndown([], 'Error budget of x');
    expect(svg).toContain('Error budget of x: no data');
    expect(svg).not.toContain('NaN');
  });

  it('escapes its title (an SLO name from a user file) in the title and the aria-label', () => {
    const svg = burndown([{ hour: 'a', remaining: 0.5 }], `Error budget of ${HOSTILE}`);
    expect(svg).not.toContain('<script');
    expect(svg).toContain(`<title>Error budget of ${HOSTILE_ESCAPED}</title>`);
    expect(svg).toContain(`aria-label="Error budget of ${HOSTILE_ESCAPED}: 50.0 % of the budget left"`);
    expectWellFormedSvg(svg);
  });
});

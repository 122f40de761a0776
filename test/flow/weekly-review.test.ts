// The weekly review end to end on the fixture week: events → receipts → store → rollups →
// queries → analysis → review, through `kaizen review` in all three formats, checked against
// the figures worked out by hand in fixtures/week-2026-W47.expected.json.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewSchedule } from '../../src/cli/schedule.js';
import type { ReviewModel } from '../../src/report/model.js';
import { type CliRun, kaizen } from '../cli/run-cli.js';
import { EXPECTED, FIXTURE_PATH, fixtureJson, QUERY_DIR, useTempDirs } from '../store/support.js';
import { type JournalReceipt, nearestRank, rawReceipts, reviewValidator } from './review-support.js';

/** Two days after the fixture week: `--week last` is 2026-W47. */
const NOW = Date.parse('2026-11-25T09:00:00.000Z');
const SCRIPT_COMPONENT = '<script>alert(1)</script>';
const SCRIPT_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const SECTIONS = ['summary', 'slos', 'incidents', 'trends', 'flow', 'recommendations', 'appendix'] as const;
const MD_HEADINGS = ['1. Summary', '2. SLOs', '3. Incidents', '4. Trends', '5. Flow', '6. Recommendations', '7. Appendix'];

const tempDir = useTempDirs();
const events = fixtureJson();

let dataDir = '';
let json: ReviewModel;
let jsonText = '';
let md = '';
let html = '';
let receipts: JournalReceipt[] = [];

/** `kaizen review` on the imported week, at NOW. */
const review = (args: readonly string[], cwd?: string): Promise<CliRun> =>
  kaizen(dataDir, ['review', ...args], { now: NOW, ...(cwd !== undefined && { cwd }) });

function expectOk(run: CliRun): void {
  expect(run.code, run.stderr).toBe(0);
}

function expectUsageError(run: CliRun, code: string, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(new RegExp(`^error ${code}: `));
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-review-'));
  expectOk(await kaizen(dataDir, ['import', FIXTURE_PATH]));
  receipts = rawReceipts(dataDir);
  // JSON and HTML through --out (the atomic file writer), Markdown on stdout with --week last.
  expectOk(await review(['--week', '2026-W47', '--format', 'json', '--out', 'out/review.json']));
  jsonText = fs.readFileSync(path.join(dataDir, 'out', 'review.json'), 'utf8');
  json = JSON.parse(jsonText) as ReviewModel;
  const mdRun = await review(['--week', 'last', '--format', 'md']);
  expectOk(mdRun);
  md = mdRun.stdout;
  const htmlRun = await review(['--week', '2026-W47', '--format', 'html', '--out', 'out/review.html']);
  expectOk(htmlRun);
  expect(htmlRun.stderr).toBe('wrote the review of 2026-W47 to out/review.html\n');
  html = fs.readFileSync(path.join(dataDir, 'out', 'review.html'), 'utf8');
}, 180_000);

afterAll(() => {
  if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The exact nearest-rank percentiles of the week's task.completed latencies. */
const exact = EXPECTED.taskCompletedLatencyMs.overall;

describe('the weekly review of the fixture week 2026-W47', () => {
  describe('as JSON (the machine contract)', () => {
    it('validates against reports/review.schema.json', () => {
      const result = reviewValidator()(json);
      expect(result.errors).toBe('');
      expect(result.valid).toBe(true);
    });

    it('is the week asked for, with its half-open UTC window, generated at the clock’s time', () => {
      expect(json.week).toBe(EXPECTED.week);
      expect(json.window).toEqual(EXPECTED.range);
      expect(json.generated_at).toBe(new Date(NOW).toISOString());
      expect(json.previous).toBeNull(); // the store holds nothing before the week
    });

    it('counts the outcomes exactly: completed, failed, rejected and signals', () => {
      const byType = EXPECTED.countByType;
      expect(json.flow).toMatchObject({
        completed: byType['task.completed'],
        failed: byType['task.failed'],
        rejected: byType['signal.rejected'],
        signals_total: byType['signal.received'],
      });
    });

    it('gives p50, p95 and p99 within the histogram’s relative error of the exact nearest-rank values', () => {
      const bound = json.flow.percentile_error_bound;
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThan(0.02);
      // The hand-worked figures agree with the events themselves.
      const latencies = events.filter((e) => e.type === 'task.completed').map((e) => e.value as number);
      expect(latencies).toHaveLength(exact.n);
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.95, 'p95'],
        [0.99, 'p99'],
      ] as const) {
        expect(nearestRank(latencies, q)).toBe(exact[key]);
        const answer = json.flow[`${key}_ms`];
        expect(answer, key).not.toBeNull();
        expect(Math.abs(answer! - exact[key]) / exact[key], `${key}: ${answer} vs exact ${exact[key]}`).toBeLessThanOrEqual(bound);
      }
    });

    it('derives throughput and the rejection ratio from the same counts', () => {
      const minutes = (Date.parse(EXPECTED.range.to) - Date.parse(EXPECTED.range.from)) / 60_000;
      expect(json.flow.throughput_per_min).toBeCloseTo(EXPECTED.countByType['task.completed']! / minutes, 3);
      const outcomes = json.flow.completed + json.flow.failed + json.flow.rejected;
      expect(json.flow.rejection_ratio).toBeCloseTo(json.flow.rejected / outcomes, 4);
    });

    it('lists the payments circuit opening with its times and a 5-Whys chain ending at the injected fault', () => {
      const chaos = events.find((e) => e.type === 'chaos.injected')!;
      const opening = EXPECTED.circuitOpenings.find((o) => o.component === 'payments')!;
      const incident = json.incidents.find((i) => i.kind === 'circuit-opening' && i.component === 'payments');
      expect(incident, JSON.stringify(json.incidents.map((i) => i.title))).toBeDefined();
      expect(incident).toMatchObject({
        start: '2026-11-17T10:02:00.000Z',
        end: opening.until,
        duration_s: opening.seconds,
        detected_after_s: (Date.parse(opening.opened) - Date.parse(chaos.time as string)) / 1000,
      });
      // The chain starts at the circuit.opened receipt and ends at the chaos.injected one.
      const byIri = new Map(receipts.map((r) => [r.iri, r]));
      expect(byIri.get(incident!.receipt!)?.type).toBe('CircuitOpened');
      expect(incident!.whys.length).toBeGreaterThanOrEqual(1);
      expect(incident!.whys.map((w) => w.step)).toEqual(incident!.whys.map((_, i) => i + 1));
      for (const why of incident!.whys) {
        expect(why.receipts.length).toBeGreaterThan(0);
        for (const iri of why.receipts) expect(byIri.has(iri), `${iri} is a raw receipt of the store`).toBe(true);
      }
      const lastWhy = incident!.whys.at(-1)!;
      expect(lastWhy.receipts.map((iri) => byIri.get(iri)?.type)).toContain('ChaosInjected');
      expect(incident!.root_cause).toMatch(/fault was injected/);
      expect(incident!.root_cause).toContain(chaos.reason as string);
    });

    it('lists the checkout opening and the latency alert episode, and folds the circuit-open alerts into their openings', () => {
      const checkout = EXPECTED.circuitOpenings.find((o) => o.component === 'checkout')!;
      expect(json.incidents.find((i) => i.kind === 'circuit-opening' && i.component === 'checkout')).toMatchObject({
        start: checkout.opened,
        end: checkout.until,
        duration_s: checkout.seconds,
      });
      const latency = EXPECTED.alertEpisodeList.find((e) => e.alert === 'high-p99-latency')!;
      const episodes = json.incidents.filter((i) => i.kind === 'alert-episode');
      expect(episodes.map((e) => [e.component, e.start, e.end, e.duration_s])).toEqual([[latency.component, latency.fired, latency.cleared, latency.seconds]]);
      expect(episodes[0]!.title).toContain('high-p99-latency');
      expect(json.incidents.filter((i) => i.kind === 'circuit-opening')).toHaveLength(EXPECTED.circuitOpenings.length);
    });

    it('ranks the incidents by duration, longest first, with SLO breaches after them', () => {
      const timed = json.incidents.filter((i) => i.kind !== 'slo-breach').map((i) => i.duration_s ?? Number.POSITIVE_INFINITY);
      expect(timed).toEqual([...timed].sort((a, b) => b - a));
      const kinds = json.incidents.map((i) => i.kind);
      expect(kinds.slice(kinds.indexOf('slo-breach')).every((k) => k === 'slo-breach')).toBe(true);
      for (const breach of json.incidents.filter((i) => i.kind === 'slo-breach')) {
        expect(json.slos.find((s) => breach.title.includes(s.name))?.status).toBe('breached');
      }
    });

    it('rests on every raw receipt of the week, and names the last one by a digest the store holds', () => {
      expect(json.evidence.receipts).toBe(EXPECTED.totalEvents);
      expect(receipts).toHaveLength(EXPECTED.totalEvents);
      const last = receipts.find((r) => r.digest === json.evidence.last_digest);
      expect(last, `digest ${json.evidence.last_digest} is in the journal`).toBeDefined();
      expect(last!.seq).toBe(json.evidence.last_seq);
      expect(last!.seq).toBe(Math.max(...receipts.map((r) => r.seq)));
      const hours = new Set(events.map((e) => (e.time as string).slice(0, 13)));
      expect(json.evidence.rollups).toBe(hours.size);
    });

    it('names only queries of the catalogue, including the ones the incidents were found with', () => {
      expect(json.evidence.queries.length).toBeGreaterThan(0);
      for (const q of json.evidence.queries) expect(fs.existsSync(path.join(QUERY_DIR, `${q}.rq`)), q).toBe(true);
      // build.ts finds the circuit openings, the alert receipts and the whys in one read of why-columns.
      expect(json.evidence.queries).toEqual(['rollup-rows', 'why-columns']);
    });

    it('has one hourly point per rolled-up hour, and a burn-down per SLO with data', () => {
      expect(json.hourly).toHaveLength(json.evidence.rollups);
      const tuesday10 = json.hourly.find((h) => h.hour === '2026-11-17T10')!;
      expect(tuesday10.circuit_open_s).toBe(EXPECTED.circuitOpenSecondsByComponent.payments);
      expect(tuesday10.throughput_per_min).toBeCloseTo(EXPECTED.taskCompletedInHour['2026-11-17T10']! / 60, 3);
      for (const b of json.burndown) expect(b.points).toHaveLength(json.hourly.length);
    });

    it('gives the SLO decision that the worst error budget calls for', () => {
      const statuses = json.slos.map((s) => s.budget_status);
      const expected = statuses.includes('exhausted') ? 'focus on reliability' : statuses.includes('at-risk') ? 'slow down' : 'keep shipping';
      expect(json.slo_decision.decision).toBe(expected);
    });
  });

  describe('as Markdown (--week last)', () => {
    it('is the review of the last complete week, 2026-W47', () => {
      expect(md.split('\n')[0]).toBe('# Kaizen weekly review — 2026-W47');
    });

    it('has the seven section headings, in order', () => {
      const headings = md.split('\n').filter((l) => l.startsWith('## '));
      expect(headings).toHaveLength(7);
      for (const [i, h] of headings.entries()) expect(h.startsWith(`## ${MD_HEADINGS[i]}`), h).toBe(true);
    });

    it('shows the same figures as the JSON', () => {
      const row = (label: string, value: string): void => {
        expect(md).toMatch(new RegExp(`^\\| ${label.replace(/[()]/g, '\\$&')} \\| ${value.replace(/\./g, '\\.')} \\|`, 'm'));
      };
      row('signals', String(json.flow.signals_total));
      row('completed', String(json.flow.completed));
      row('failed', String(json.flow.failed));
      row('rejected', String(json.flow.rejected));
      row('p50 latency (ms)', json.flow.p50_ms!.toFixed(1));
      row('p95 latency (ms)', json.flow.p95_ms!.toFixed(1));
      row('p99 latency (ms)', json.flow.p99_ms!.toFixed(1));
      expect(md).toContain(`Raw receipts of the week: ${EXPECTED.totalEvents}; hourly rollups: ${json.evidence.rollups}.`);
      expect(md).toContain(`digest \`${json.evidence.last_digest}\``);
      expect(md).toContain(`**${json.verdict.replace(/\*/g, '\\*')}**`);
      expect(md).toContain(`error budget **${json.slo_decision.budget}** → **${json.slo_decision.decision}**`);
    });

    it('tells each incident with its 5-Whys and root cause', () => {
      expect(md).toContain('### Circuit open on payments');
      expect(md).toContain('circuit-opening on **payments**, 2026-11-17T10:02:00.000Z → 2026-11-17T10:12:00.000Z, 600 s.');
      expect(md).toMatch(/\*\*Root cause:\*\* .*fault was injected \(downstream-disabled\)/);
      const payments = json.incidents.find((i) => i.component === 'payments')!;
      for (const iri of payments.whys.flatMap((w) => w.receipts)) expect(md).toContain(`\`${iri}\``);
    });

    it('keeps every table row as wide as its header (no cell text breaks the table)', () => {
      const lines = md.split('\n');
      // A pipe is escaped when an odd number of backslashes precede it (`\\|` is a backslash, then a cell border).
      const pipes = (l: string): number => (l.match(/(?<!\\)(?:\\\\)*\|/g) ?? []).length;
      let width = 0;
      for (const line of lines) {
        if (!line.startsWith('|')) {
          width = 0;
          continue;
        }
        if (width === 0) width = pipes(line);
        else expect(pipes(line), line).toBe(width);
      }
    });

    it('escapes the component called <script>alert(1)</script>', () => {
      expect(md).not.toContain(SCRIPT_COMPONENT);
      expect(md).not.toMatch(/<script/i);
      // The component has a task.completed in the week; the review names the week's components.
      expect(md.includes(SCRIPT_ESCAPED), `the Markdown shows ${SCRIPT_ESCAPED}`).toBe(true);
    });
  });

  describe('as HTML', () => {
    it('is one self-contained page: doctype, the seven sections, inline CSS and SVG, no external assets', () => {
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      for (const id of SECTIONS) expect(html).toContain(`<section id="${id}">`);
      expect(html).toContain('<style>');
      expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\(/i);
      expect(html).not.toMatch(/\b(src|href)=/i);
      expect((html.match(/<svg class="chart"/g) ?? []).length).toBeGreaterThanOrEqual(4);
    });

    it('shows the same figures as the JSON', () => {
      const cells = (label: string): string => new RegExp(`<tr><td>${label}</td><td>([^<]*)</td>`).exec(html)?.[1] ?? `(no row ${label})`;
      expect(cells('signals')).toBe(String(EXPECTED.countByType['signal.received']));
      expect(cells('completed')).toBe(String(EXPECTED.countByType['task.completed']));
      expect(cells('failed')).toBe(String(EXPECTED.countByType['task.failed']));
      expect(cells('rejected')).toBe(String(EXPECTED.countByType['signal.rejected']));
      expect(cells('p50 / p95 / p99 latency \\(ms\\)')).toBe(`${json.flow.p50_ms!.toFixed(1)} / ${json.flow.p95_ms!.toFixed(1)} / ${json.flow.p99_ms!.toFixed(1)}`);
      expect(html).toContain(`Raw receipts of the week: ${EXPECTED.totalEvents};`);
      expect(html).toContain(`<code>${json.evidence.last_digest}</code>`);
      expect(html).toContain('<h3>Circuit open on payments</h3>');
    });

    it('contains no script element: the component <script>alert(1)</script> is text', () => {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain(SCRIPT_COMPONENT);
      expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
      expect(html.includes(SCRIPT_ESCAPED), `the HTML shows ${SCRIPT_ESCAPED} as text`).toBe(true);
    });

    it('passes html-validate’s recommended rules with zero errors', async () => {
      // The recommended preset as is. The page's CSS is one inline <style> element (the report must be
      // self-contained), which the preset accepts; no style-only rule needed relaxing.
      const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
      const report = await validator.validateString(html, 'review-2026-W47.html');
      const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
      expect(messages).toEqual([]);
      expect(report.errorCount).toBe(0);
    });
  });

  describe('when the arguments are wrong', () => {
    it('refuses an empty week with exit 2, saying it has no evidence (not a report full of zeros)', async () => {
      const run = await review(['--week', '2026-W40', '--out', 'out/empty.md']);
      expectUsageError(run, 'KZN_USAGE', /the week 2026-W40 has no evidence/);
      expect(fs.existsSync(path.join(dataDir, 'out', 'empty.md'))).toBe(false);
    });

    it.each([['48'], ['2026-W54'], ['2026-13-01'], ['W47']])('refuses the malformed week %j with exit 2, naming --week', async (week) => {
      expectUsageError(await review(['--week', week]), 'KZN_TIME_INVALID', new RegExp(`--week: expected an ISO week like 2026-W48.*got "${week}"`));
    });

    it('refuses --format pdf with exit 2, naming --format and the formats it knows', async () => {
      expectUsageError(await review(['--week', '2026-W47', '--format', 'pdf']), 'KZN_USAGE', /--format: expected md, html or json, got "pdf"/);
    });
  });

  describe('with --template', () => {
    it('renders a custom template file against the same model', async () => {
      const dir = tempDir();
      fs.writeFileSync(
        path.join(dir, 'mine.hbs'),
        '{{week}}: {{flow.completed}} of {{flow.signals_total}} completed; p99 {{num flow.p99_ms 0}} ms\n{{#each incidents}}- {{kind}} {{md component}}\n{{/each}}',
      );
      const run = await review(['--week', '2026-W47', '--format', 'md', '--template', 'mine.hbs'], dir);
      expectOk(run);
      const incidents = json.incidents.map((i) => `- ${i.kind} ${i.component}\n`).join('');
      expect(run.stdout).toBe(`2026-W47: ${json.flow.completed} of ${json.flow.signals_total} completed; p99 ${json.flow.p99_ms!.toFixed(0)} ms\n${incidents}`);
    });

    it('refuses a template with a syntax error with exit 2, naming the file', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'broken.hbs'), '# {{week}}\n{{#each incidents}}\n- {{title}}\n');
      const run = await review(['--week', '2026-W47', '--format', 'md', '--template', 'broken.hbs'], dir);
      expectUsageError(run, 'KZN_USAGE', new RegExp(`the template ${path.join(dir, 'broken.hbs').replace(/[.\\/]/g, '\\$&')} cannot be (parsed|rendered)`));
    });
  });

  describe('written by the schedule (kaizen schedule’s writer)', () => {
    it('writes DIR/2026-W47.json atomically, the same review as kaizen review --format json', async () => {
      const out = tempDir();
      const deps = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: dataDir, now: () => NOW };
      const schedule = reviewSchedule(deps, { data: dataDir }, { cron: '0 9 * * MON', outDir: out, formats: ['json'] });
      const record = await schedule.runOnce();
      expect(record.error).toBeUndefined();
      expect(record.written).toEqual([path.join(out, '2026-W47.json')]);
      expect(fs.readdirSync(out)).toEqual(['2026-W47.json']); // no temp file left behind
      expect(fs.readFileSync(path.join(out, '2026-W47.json'), 'utf8')).toBe(jsonText);
    });
  });
});

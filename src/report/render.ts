// Renders the review model with Handlebars templates (reports/*.hbs): Markdown, and a
// self-contained HTML page with inline CSS and SVG. Every text from the evidence is escaped.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { KaizenError } from '../errors.js';
import { burndown, circuitTimeline, sparkline } from './charts.js';
import type { ReviewModel } from './model.js';

export type ReviewFormat = 'md' | 'html' | 'json';

/** The shipped reports/ folder (beside src/ in tests, beside dist/ when built). */
export function defaultReportDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../reports', '../../../reports']) if (existsSync(join(here, up))) return join(here, up);
  return join(here, '../../reports');
}

/** Escapes text for Markdown: HTML-significant characters and the table pipe. */
export function escapeMarkdown(text: string): string {
  // Quotes are harmless in Markdown; only what could start a tag or an entity is HTML-escaped.
  return text
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    .replace(/([\\`*_[\]|])/g, '\\$1')
    .replace(/\n/g, ' ');
}

const num = (x: unknown, digits: unknown): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const d = typeof digits === 'number' ? digits : 1;
  return x.toFixed(d);
};

/** A change from last week with its direction: "▲ +3.2 better". */
function delta(now: unknown, before: unknown, higherIsBetter: unknown, digits: unknown): string {
  if (typeof now !== 'number' || typeof before !== 'number') return 'no comparison';
  const d = now - before;
  const places = typeof digits === 'number' ? digits : 1;
  if (Math.abs(d) < 10 ** -places / 2) return '= same';
  const better = (d > 0) === (higherIsBetter !== false);
  return `${d > 0 ? '▲' : '▼'} ${d > 0 ? '+' : ''}${d.toFixed(places)} ${better ? 'better' : 'worse'}`;
}

function makeEngine(format: 'md' | 'html'): typeof Handlebars {
  const hb = Handlebars.create();
  const safe = (s: string) => new hb.SafeString(s);
  // In Markdown, {{x}} escapes for Markdown; in HTML, Handlebars' own HTML escaping applies.
  hb.registerHelper('num', (x: unknown, d: unknown) => num(x, d));
  hb.registerHelper('pct', (x: unknown, d: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(typeof d === 'number' ? d : 2)} %` : '—'));
  hb.registerHelper('delta', (a: unknown, b: unknown, up: unknown, d: unknown) => delta(a, b, up, d));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('lower', (s: unknown) => String(s ?? '').toLowerCase());
  hb.registerHelper('get', (o: unknown, k: unknown) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[String(k)] : undefined));
  hb.registerHelper('sparkline', (rows: unknown, key: unknown, title: unknown, unit: unknown) => {
    const values = Array.isArray(rows) ? rows.map((r) => (r as Record<string, number | null>)[String(key)] ?? null) : [];
    return safe(sparkline(values, { title: String(title), unit: String(unit) }));
  });
  hb.registerHelper('circuitTimeline', (rows: unknown) => safe(circuitTimeline(Array.isArray(rows) ? rows : [])));
  hb.registerHelper('burndown', (b: unknown) => {
    const x = b as { slo: string; points: { hour: string; remaining: number }[] };
    return safe(burndown(x.points, `Error budget of ${x.slo}`));
  });
  if (format === 'md') {
    hb.registerHelper('md', (s: unknown) => safe(escapeMarkdown(String(s ?? ''))));
  }
  return hb;
}

/** Reads and parses a template up front, so that a broken one is refused before any work is done. */
export function checkTemplate(path: string): void {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KaizenError('KZN_INPUT_FILE', `cannot read the template ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  try {
    Handlebars.precompile(source);
  } catch (error) {
    throw new KaizenError('KZN_USAGE', `the template ${path} cannot be parsed: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

/** Renders a model; `templatePath` replaces the shipped template of the format. */
export function renderReview(model: ReviewModel, format: ReviewFormat, templatePath?: string): string {
  if (format === 'json') return `${JSON.stringify(model, null, 2)}\n`;
  const path = templatePath ?? join(defaultReportDir(), `review.${format}.hbs`);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KaizenError('KZN_INPUT_FILE', `cannot read the template ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  const hb = makeEngine(format);
  try {
    // Markdown output is not HTML: {{md x}} escapes for it; {{x}} stays HTML-escaped as a safe default.
    const template = hb.compile(source, { strict: false });
    return template(model);
  } catch (error) {
    throw new KaizenError('KZN_USAGE', `the template ${path} cannot be rendered: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

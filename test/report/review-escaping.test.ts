// Text from the evidence is escaped in the review: component and alert names with ", &, |,
// backticks and *, from a store built for the purpose, and hostile text in every free-text
// field of a model, in both the HTML page and the Markdown.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSlos } from '../../src/query/slo-files.js';
import { buildReview } from '../../src/report/build.js';
import type { ReviewModel } from '../../src/report/model.js';
import { renderReview } from '../../src/report/render.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { kaizen } from '../cli/run-cli.js';

const NOW = Date.parse('2026-11-25T09:00:00.000Z');
const COMPONENT = 'pay"me&nts|`x`*';
const ALERT = 'lag*|"&`y`';
// Written out by hand, not computed with src/ code.
const COMPONENT_HTML = 'pay&quot;me&amp;nts|&#x60;x&#x60;*';
const ALERT_HTML = 'lag*|&quot;&amp;&#x60;y&#x60;';
// In Markdown a quote is plain text; & (which could start an entity) and <, > are escaped.
const COMPONENT_MD = 'pay"me&amp;nts\\|\\`x\\`\\*';
const ALERT_MD = 'lag\\*\\|"&amp;\\`y\\`';

/** A small week on the odd component: traffic, five failures that open its circuit, and a separate alert. */
function oddWeek(): string {
  const at = (hhmmss: string, day = '2026-11-17'): string => `${day}T${hhmmss}.000Z`;
  const c = COMPONENT;
  const lines: Record<string, unknown>[] = [{ time: at('09:00:00'), type: 'worker.activated', component: c, worker: 'w-1' }];
  for (const [day, hour] of [
    ['2026-11-16', '09'],
    ['2026-11-17', '09'],
    ['2026-11-18', '09'],
  ] as const) {
    for (let i = 0; i < 4; i++) {
      lines.push({ time: at(`${hour}:1${i}:00`, day), type: 'signal.received', component: c, signal_id: `${day}-${i}` });
      lines.push({ time: at(`${hour}:1${i}:01`, day), type: 'task.completed', component: c, value: 60 + 10 * i, worker: 'w-1', signal_id: `${day}-${i}` });
    }
    lines.push({ time: at(`${hour}:30:00`, day), type: 'queue.depth', component: c, value: 2 });
  }
  for (let i = 1; i <= 5; i++) {
    lines.push({ time: at(`10:0${i}:00`), type: 'signal.received', component: c, signal_id: `f${i}` });
    lines.push({ time: at(`10:0${i}:01`), type: 'task.failed', component: c, value: 900, worker: 'w-1', signal_id: `f${i}` });
    lines.push({ time: at(`10:0${i}:02`), type: 'failure.recorded', component: c, id: `fail-${i}`, signal_id: `f${i}` });
  }
  lines.push(
    { time: at('10:06:00'), type: 'circuit.opened', component: c, id: 'open-1', reason: 'failure-threshold', caused_by: 'fail-5' },
    { time: at('10:06:30'), type: 'alert.fired', component: c, alert: 'circuit-open', severity: 'critical', caused_by: 'open-1' },
    { time: at('10:16:00'), type: 'circuit.half_opened', component: c, caused_by: 'open-1' },
    { time: at('10:17:00'), type: 'circuit.closed', component: c },
    { time: at('10:17:30'), type: 'alert.cleared', component: c, alert: 'circuit-open' },
    { time: at('14:00:00', '2026-11-18'), type: 'alert.fired', component: c, alert: ALERT, severity: 'warning' },
    { time: at('14:20:00', '2026-11-18'), type: 'alert.cleared', component: c, alert: ALERT },
  );
  lines.sort((a, b) => (String(a.time) < String(b.time) ? -1 : String(a.time) > String(b.time) ? 1 : 0));
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

let dataDir = '';
let model: ReviewModel;
let html = '';
let md = '';

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-escape-'));
  fs.writeFileSync(path.join(dataDir, 'odd.jsonl'), oddWeek());
  const run = await kaizen(dataDir, ['import', 'odd.jsonl']);
  expect(run.code, run.stderr).toBe(0);
  const store = openEmbeddedStore({ dataDir, readOnly: true });
  try {
    model = await buildReview(store, '2026-W47', { nowMs: NOW, slos: loadSlos() });
  } finally {
    await store.close();
  }
  html = renderReview(model, 'html');
  md = renderReview(model, 'md');
}, 120_000);

afterAll(() => {
  if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Counts the unescaped pipes of every Markdown table row and checks each row matches its header. */
function expectIntactTables(markdown: string): void {
  // A pipe is escaped when an odd number of backslashes precede it (`\\|` is a backslash, then a cell border).
  const pipes = (l: string): number => (l.match(/(?<!\\)(?:\\\\)*\|/g) ?? []).length;
  let width = 0;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      width = 0;
      continue;
    }
    if (width === 0) width = pipes(line);
    else expect(pipes(line), line).toBe(width);
  }
}

async function htmlErrors(page: string): Promise<string[]> {
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(page, 'review.html');
  return report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
}

const has = (text: string, part: string): boolean => text.includes(part);

/** The start tags of a page with their attribute names; throws on a `<` that opens no tag. */
function elementsOf(page: string): { name: string; attributes: string[] }[] {
  const out: { name: string; attributes: string[] }[] = [];
  const tag = /^<(?:!DOCTYPE html>|\/[a-zA-Z][\w-]*>|([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>)/;
  for (let i = page.indexOf('<'); i >= 0; i = page.indexOf('<', i + 1)) {
    const m = tag.exec(page.slice(i));
    if (m === null) throw new Error(`a "<" that opens no tag at ${i}: ${page.slice(i, i + 40)}`);
    if (m[1] !== undefined) out.push({ name: m[1].toLowerCase(), attributes: [...(m[2] ?? '').replace(/="[^"]*"/g, '').matchAll(/\s+([\w:-]+)/g)].map((a) => a[1]!) });
  }
  return out;
}

describe('the review of a store whose component and alert names hold " & | ` *', () => {
  it('keeps the names as they are in the JSON model', () => {
    expect(model.incidents.map((i) => i.component)).toContain(COMPONENT);
    expect(model.incidents.find((i) => i.kind === 'circuit-opening')?.title).toBe(`Circuit open on ${COMPONENT}`);
    expect(model.incidents.find((i) => i.kind === 'alert-episode')?.title).toBe(`Alert ${ALERT} (warning)`);
  });

  describe('in HTML', () => {
    it('escapes the component in headings, text, 5-Whys statements and recommendations', () => {
      expect(has(html, `<h3>Circuit open on ${COMPONENT_HTML}</h3>`), 'heading').toBe(true);
      expect(has(html, `circuit-opening on <strong>${COMPONENT_HTML}</strong>`), 'incident line').toBe(true);
      expect(has(html, `<h3>Alert ${ALERT_HTML} (warning)</h3>`), 'alert heading').toBe(true);
      expect(has(html, COMPONENT), 'the raw component name').toBe(false);
      expect(has(html, ALERT), 'the raw alert name').toBe(false);
      expect(html).not.toMatch(/<script/i);
    });

    it('is still valid HTML', async () => {
      expect(await htmlErrors(html)).toEqual([]);
    });
  });

  describe('in Markdown', () => {
    it('escapes the names so that they print as written: an entity for &, backslashes for | ` *', () => {
      expect(md).toContain(`### Circuit open on ${COMPONENT_MD}\n`);
      expect(md).toContain(`circuit-opening on **${COMPONENT_MD}**, `);
      expect(md).toContain(`### Alert ${ALERT_MD} (warning)\n`);
      expect(has(md, COMPONENT), 'the raw component name').toBe(false);
      expect(has(md, ALERT), 'the raw alert name').toBe(false);
    });

    it('keeps every table row intact', () => {
      expectIntactTables(md);
    });
  });
});

describe('a review model with hostile text in every free-text field', () => {
  const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>|*_`[link](javascript:alert(3))';

  /** The built model with every string that comes from the evidence or a user file replaced. */
  function hostile(m: ReviewModel): ReviewModel {
    const h = (s: string): string => `${s} ${HOSTILE}`;
    return {
      ...m,
      verdict: h(m.verdict),
      slos: m.slos.map((s) => ({ ...s, name: h(s.name), display_name: h(s.display_name) })),
      incidents: m.incidents.map((i) => ({
        ...i,
        title: h(i.title),
        component: h(i.component),
        whys: i.whys.map((w) => ({ ...w, statement: h(w.statement) })),
        root_cause: i.root_cause === null ? null : h(i.root_cause),
        conclusion: i.conclusion === null ? h('') : h(i.conclusion),
      })),
      recommendations: m.recommendations.map((r) => ({ ...r, title: h(r.title), action: h(r.action), expected_effect: h(r.expected_effect), evidence: r.evidence.map(h) })),
      burndown: m.burndown.map((b) => ({ ...b, slo: h(b.slo) })),
      previous: m.previous,
    };
  }

  it('renders no element from it in the HTML, and the page stays valid', async () => {
    const page = renderReview(hostile(model), 'html');
    const elements = elementsOf(page);
    expect(elements.map((e) => e.name).filter((n) => ['img', 'script', 'a', 'iframe'].includes(n))).toEqual([]);
    expect(elements.flatMap((e) => e.attributes).filter((a) => /^on/i.test(a))).toEqual([]);
    expect(page).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(await htmlErrors(page)).toEqual([]);
  });

  it('renders no HTML, link, emphasis or code span from it in the Markdown, and keeps the tables intact', () => {
    const text = renderReview(hostile(model), 'md');
    expect(text).not.toMatch(/<img|<script/i);
    expect(text).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(javascript:/); // no link: the brackets are escaped
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;\\|\\*\\_\\`\\[link\\](javascript:alert(3))');
    expectIntactTables(text);
  });

  it('leaves the JSON form as the plain text it was given', () => {
    const text = renderReview(hostile(model), 'json');
    expect((JSON.parse(text) as ReviewModel).incidents[0]?.component).toContain(HOSTILE);
  });
});

// Hostile input on the CLI: every input file kind (JSON Lines, N-Quads, TriG, SLO YAML, scenario
// files, templates) and every command's arguments, fuzzed with fast-check through the in-process
// CLI runner. No case ends in an internal error (exit 70) or takes past the per-case bound; every
// refusal is exit 2 with `error KZN_CODE: message`; and a refused case leaves the store's journal
// and HEAD byte for byte as they were.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ERROR_CODES, isKaizenError, type KaizenError } from '../../src/errors.js';
import { loadSlos } from '../../src/query/slo-files.js';
import { buildReview } from '../../src/report/build.js';
import { checkTemplate, type ReviewFormat, renderReview } from '../../src/report/render.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { AFTER_THE_WEEK, type CliRun, kaizen } from '../cli/run-cli.js';
import { FIXTURE_PATH, ROOT } from '../store/support.js';
import { hostileJson, hostileKey, hostileString, NASTY_WORDS, runs, within } from './hostile-values.js';

let work = '';
let dataDir = '';
const counted = new Map<string, number>();

/** The store's own files (journal, HEAD) by relative path, to compare before and after a case. */
function evidenceOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p).toString('base64'));
    }
  };
  walk(path.join(dir, 'journal'));
  const head = path.join(dir, 'HEAD');
  if (fs.existsSync(head)) out.set('HEAD', fs.readFileSync(head, 'utf8'));
  return out;
}

/** Runs one case and checks the bounds every CLI answer keeps. */
async function run(kind: string, args: readonly string[], dir = dataDir): Promise<CliRun> {
  counted.set(kind, (counted.get(kind) ?? 0) + 1);
  const before = evidenceOf(dir);
  const r = await within(`kaizen ${args.join(' ').slice(0, 200)}`, kaizen(dir, args, { cwd: work }));
  const label = `kaizen ${args.join(' ').slice(0, 300)}\n${r.stderr.slice(0, 500)}`;
  expect([0, 2], label).toContain(r.code);
  if (r.code === 2) {
    expect(r.stderr, label).toMatch(/^error KZN_[A-Z_]+: \S/m);
    expect(evidenceOf(dir), `${label}: a refused command changed the evidence`).toEqual(before);
  }
  return r;
}

/** A file in the work folder with the given content, named by a counter so that cases do not collide. */
let files = 0;
function file(ext: string, content: string | Buffer): string {
  const p = path.join(work, `case-${++files}${ext}`);
  fs.writeFileSync(p, content);
  return p;
}

/** Replaces one random field of an object (at any depth) by a hostile value. */
function mutate(value: unknown, at: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    paths.push(p);
    if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
  };
  walk(value, []);
  const target = paths[at % paths.length] as (string | number)[];
  if (target.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let cursor = copy;
  for (const k of target.slice(0, -1)) cursor = cursor[k] as Record<string | number, unknown>;
  cursor[target[target.length - 1] as string | number] = replacement;
  return copy;
}

const fixtureLines = fs.readFileSync(FIXTURE_PATH, 'utf8').split('\n').filter((l) => l !== '');
let exportedNq = '';
let exportedTrig = '';

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-cli-fuzz-'));
  dataDir = path.join(work, 'data');
  const seed = file('.jsonl', `${fixtureLines.slice(0, 300).join('\n')}\n`);
  const r = await kaizen(dataDir, ['import', seed], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  exportedNq = (await kaizen(dataDir, ['export', '--to', '2026-11-16T12:00Z'], { cwd: work })).stdout;
  exportedTrig = (await kaizen(dataDir, ['export', '--format', 'trig', '--to', '2026-11-16T12:00Z'], { cwd: work })).stdout;
  expect(exportedNq.length).toBeGreaterThan(1000);
}, 120_000);

afterAll(() => {
  process.stdout.write(`cli fuzz cases: ${JSON.stringify(Object.fromEntries(counted))}; heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB\n`);
  fs.rmSync(work, { recursive: true, force: true });
});

const lineOf = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...fixtureLines.slice(0, 50)), fc.nat(), hostileJson).map(([l, at, v]) => JSON.stringify(mutate(JSON.parse(l), at, v))) },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('type', 'time', 'component', 'value', 'unit', 'attributes', 'caused_by'), hostileKey), hostileJson, { maxKeys: 6 }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...fixtureLines.slice(0, 50)), fc.nat()).map(([l, n]) => l.slice(0, n % l.length)) },
  { weight: 1, arbitrary: fc.constantFrom('{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"a","__proto__":{"x":1}}', '{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"a","attributes":{"__proto__":"x"}}', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, '{"type":"task.completed","time":"2026-11-17T10:00:00Z","component":"a","value":1e400,"unit":"ms"}') },
  { weight: 1, arbitrary: hostileString },
);

describe('hostile input files', () => {
  it('import of JSON Lines: imports a valid file, or refuses the file by line and imports nothing', async () => {
    const content = fc.oneof(
      { weight: 4, arbitrary: fc.array(lineOf, { minLength: 1, maxLength: 6 }).map((ls) => `${ls.join('\n')}\n`) },
      { weight: 1, arbitrary: fc.tuple(fc.array(lineOf, { maxLength: 3 }), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([ls, b]) => Buffer.concat([Buffer.from(`${ls.join('\n')}\n`), Buffer.from(b)])) },
    );
    await fc.assert(
      fc.asyncProperty(content, async (c) => {
        const r = await run('import .jsonl', ['import', file('.jsonl', c)]);
        if (r.code === 2) expect(r.stderr).toMatch(/nothing was imported|line \d+|cannot read|expected/);
      }),
      { numRuns: runs(60) },
    );
  });

  it('import of N-Quads and TriG: truncated, cut, spliced and altered receipts are refused or imported whole', async () => {
    const cut = (text: string) =>
      fc.oneof(
        fc.nat().map((n) => text.slice(0, n % text.length)),
        fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => {
          const lines = text.split('\n');
          return lines.filter((_, i) => i % Math.max(2, a % 17) !== b % 7).join('\n');
        }),
        fc.tuple(fc.nat(), hostileString).map(([n, s]) => {
          const i = n % text.length;
          return text.slice(0, i) + s + text.slice(i);
        }),
        fc.constantFrom(
          '<urn:kaizen:receipt:local:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kaizen/ns#TaskStarted> <file:///etc/passwd> .\n',
          '<a> <b> "unterminated .\n',
          '<a> <b> "x"^^<http://www.w3.org/2001/XMLSchema#dateTime> <urn:g> .\n',
          '@prefix : <http://x/> . :a :b :c .',
        ),
        hostileString,
      );
    const cases = fc.oneof(cut(exportedNq).map((c) => ['.nq', c] as const), cut(exportedTrig).map((c) => ['.trig', c] as const));
    await fc.assert(
      fc.asyncProperty(cases, async ([ext, c]) => {
        await run(`import ${ext}`, ['import', file(ext, c)]);
      }),
      { numRuns: runs(60) },
    );
  });

  const shippedSlo = YAML.parse(fs.readFileSync(path.join(ROOT, 'slos', 'latency-p99.yaml'), 'utf8')) as unknown;
  it('slo --dir with hostile SLO files: each refused with its file and field, never an internal error', async () => {
    const content = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.nat(), hostileJson).map(([at, v]) => YAML.stringify(mutate(shippedSlo, at, v))) },
      { weight: 1, arbitrary: hostileJson.map((v) => YAML.stringify(v)) },
      { weight: 1, arbitrary: fc.nat().map((n) => YAML.stringify(shippedSlo).slice(0, n % 600)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
          '!!js/function "function(){ process.exit(9) }"',
          'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: __proto__}\n',
          '\t\t- [',
        ),
      },
      { weight: 1, arbitrary: hostileString },
    );
    await fc.assert(
      fc.asyncProperty(content, async (c) => {
        const dir = path.join(work, `slos-${++files}`);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'x.yaml'), c);
        await run('slo --dir', ['slo', '--dir', dir, '--week', '2026-W47']);
      }),
      { numRuns: runs(40) },
    );
  });

  const shippedScenario = YAML.parse(fs.readFileSync(path.join(ROOT, 'scenarios', 'outage-day.yaml'), 'utf8')) as unknown;
  it('run --scenario FILE with hostile scenarios: refused by field, or run for the few minutes asked', async () => {
    const content = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.nat(), hostileJson).map(([at, v]) => YAML.stringify(mutate(shippedScenario, at, v))) },
      { weight: 1, arbitrary: fc.tuple(fc.nat(), hostileJson).map(([at, v]) => JSON.stringify(mutate(shippedScenario, at, v))) },
      { weight: 1, arbitrary: hostileJson.map((v) => YAML.stringify(v)) },
      { weight: 1, arbitrary: hostileString },
    );
    const scenarioData = path.join(work, 'scenario-data');
    await fc.assert(
      fc.asyncProperty(content, fc.boolean(), async (c, json) => {
        await run('run --scenario', ['run', '--scenario', file(json ? '.json' : '.yaml', c), '--duration', '2m', '--rate', '1', '--start', '2026-11-30T00:00:00Z', '--no-rollup'], scenarioData);
      }),
      { numRuns: runs(30) },
    );
    if (fs.existsSync(scenarioData)) expect(verifyDataDir(scenarioData)).toMatchObject({ ok: true });
  });

  it('review --template with hostile Handlebars: rendered, or refused as a template that cannot be parsed', async () => {
    const parts = ['{{', '}}', '{{{', '}}}', '{{#each incidents}}', '{{/each}}', '{{#if x}}', '{{/if}}', '{{else}}', '{{> nope}}', '{{lookup this "constructor"}}', '{{constructor.constructor "return process"}}', '{{__proto__}}', '{{#with __proto__}}{{/with}}', '{{week}}', '{{!-- c --}}', '{{log "x"}}', '{{helperMissing}}', 'text', '\n', '{{@root.week}}', '{{../../x}}', '{{#each this}}{{@key}}{{/each}}', '{{md week}}', '{{json this}}'];
    const template = fc.oneof({ weight: 3, arbitrary: fc.array(fc.constantFrom(...parts), { maxLength: 12 }).map((ps) => ps.join('')) }, { weight: 1, arbitrary: hostileString });
    // The model of the week is built once; most cases render against it as the command does after
    // checking the template, and a few go through the whole command.
    const store = openEmbeddedStore({ dataDir, readOnly: true });
    const model = await buildReview(store, '2026-W47', { nowMs: AFTER_THE_WEEK, slos: loadSlos() }).finally(() => store.close());
    await fc.assert(
      fc.asyncProperty(template, fc.constantFrom<ReviewFormat>('md', 'html'), async (t, format) => {
        counted.set('review --template (render)', (counted.get('review --template (render)') ?? 0) + 1);
        const f = file('.hbs', t);
        try {
          checkTemplate(f);
          expect(typeof renderReview(model, format, f)).toBe('string');
        } catch (error) {
          expect(isKaizenError(error), String(error)).toBe(true);
          expect(ERROR_CODES[(error as KaizenError).code].exitCode).toBe(2);
        }
      }),
      { numRuns: runs(100) },
    );
    await fc.assert(
      fc.asyncProperty(template, fc.constantFrom('md', 'html'), async (t, format) => {
        await run('review --template', ['review', '--week', '2026-W47', '--format', format, '--template', file('.hbs', t)]);
      }),
      { numRuns: runs(8) },
    );
  });
});

/** The options of each command that reads or analyses, with a few values of the right kind each. */
const COMMANDS: Record<string, { options: readonly string[]; positional?: boolean }> = {
  import: { options: ['--format', '--skip-invalid', '--no-rollup'], positional: true },
  query: { options: ['--text', '--param', '--format', '--from', '--to', '--week', '--timeout', '--list'], positional: true },
  export: { options: ['--format', '--from', '--to', '--week', '--rollups'] },
  verify: { options: ['--format'] },
  stats: { options: ['--format'] },
  rollup: { options: ['--week', '--from', '--to'] },
  health: { options: ['--window', '--week', '--format'] },
  trend: { options: ['--window', '--week', '--list', '--format'], positional: true },
  slo: { options: ['--week', '--window', '--dir', '--format'], positional: true },
  why: { options: ['--alert', '--metric', '--at', '--format'], positional: true },
  recommend: { options: ['--week', '--window', '--format'] },
  review: { options: ['--week', '--format', '--template', '--slos', '--tz'] },
};
const VALUES = ['2026-W47', 'last', '2026-11-17', '2026-11-17T10:00Z', '24h', '7d', 'json', 'table', 'csv', 'md', 'html', 'nquads', 'trig', 'jsonl', '1', '0', '-5', 'counts-by-type', 'latency_p99_ms', 'circuit-open', 'from=2026-11-16', 'to=x', 'SELECT * WHERE { ?s ?p ?o } LIMIT 1', 'SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }', ...NASTY_WORDS.filter((w) => !w.includes('\u0000'))];

describe('hostile arguments of every command', () => {
  it.each(Object.entries(COMMANDS))('%s: exit 0, or exit 2 with a message naming what was wrong', async (name, spec) => {
    const value = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: hostileString.map((s) => s.toWellFormed().replace(/\u0000/g, '')) });
    const option = fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...spec.options) }, { weight: 1, arbitrary: fc.constantFrom('--nope', '-x', '--', '--data=', '--help=1') }), value);
    const argv = fc.tuple(fc.array(option, { maxLength: 4 }), fc.option(value, { nil: undefined })).map(([opts, pos]) => [name, ...opts.flat(), ...(spec.positional === true && pos !== undefined ? [pos] : [])]);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        // Options that write go elsewhere (the paths suite): no --out, no --data among the fuzzed ones.
        await run(`${name} args`, args);
      }),
      { numRuns: runs(name === 'review' || name === 'why' ? 10 : 15) },
    );
  });

  it('the long-running commands refuse bad arguments before they start anything', async () => {
    const cases: string[][] = [
      ['serve', '--port', '70000'],
      ['serve', '--port', '-1'],
      ['serve', '--port', 'http'],
      ['serve', '--log-level', 'loud'],
      ['serve', '--body-limit', '1'],
      ['serve', '--sparql-timeout', '0'],
      ['serve', '--schedule', 'not a cron'],
      ['serve', '--schedule-format', 'pdf'],
      ['schedule', '--cron', '61 * * * *', '--out', 'reviews'],
      ['schedule', '--cron', '0 9 * * MON', '--out', 'reviews', '--format', 'exe'],
      ['run', '--duration', 'forever'],
      ['run', '--duration', '-1h'],
      ['run', '--seed', 'abc'],
      ['run', '--rate', '-1'],
      ['run', '--rate', '1e400'],
      ['run', '--start', 'yesterday'],
      ['run', '--scenario', 'no-such-scenario'],
      ['run', '--scenario', '../../../../etc/passwd'],
      ['demo', '--rate', 'fast'],
      ['demo', '--scenario', 'nope'],
    ];
    for (const args of cases) {
      const r = await run(`${args[0]} bad args`, args);
      expect(r.code, `kaizen ${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
  });

  it('walks a window of ten thousand years through the days the journal holds, not through every day it spans', async () => {
    for (const args of [
      ['rollup', '--from', '0001-01-01', '--to', '9999-12-31'],
      ['query', 'counts-by-type', '--param', 'from=0001-01-01', '--param', 'to=9999-12-31', '--format', 'json'],
      ['export', '--from', '0001-01-01', '--to', '9999-12-31', '--format', 'jsonl'],
    ]) {
      const r = await run('ten thousand years', args);
      expect(r.code, `kaizen ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('leaves a store that verifies, with its import intact', () => {
    expect(verifyDataDir(dataDir)).toMatchObject({ ok: true });
  });
});

// The kaizen CLI, run in-process: bad inputs to every command give `error KZN_…` and exit 2;
// the happy paths print what people and machines expect.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import {
  DIGEST_IRI,
  EXPECTED,
  FIXTURE_PATH,
  fixtureJson,
  joinJournal,
  journalFile,
  QUERY_DIR,
  ROOT,
  splitJournal,
  useTempDirs,
} from '../store/support.js';
import { type CliRun, kaizen, type SparqlJson } from './run-cli.js';

const KZ = 'https://w3id.org/kaizen/ns#';
const XSD_INTEGER = 'http://www.w3.org/2001/XMLSchema#integer';
const tempDir = useTempDirs();
const WEEK = ['--param', 'from=2026-11-16', '--param', 'to=2026-11-23'];
const fixtureHours = new Set(fixtureJson().map((e) => new Date(Date.parse(e.time as string)).toISOString().slice(0, 13))).size;

// The fixture week imported (and rolled up) once; tests that use it work on their own copy.
let pristine = '';

beforeAll(async () => {
  pristine = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-'));
  const run = await kaizen(pristine, ['import', FIXTURE_PATH]);
  expect(run.code, run.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  if (pristine !== '') fs.rmSync(pristine, { recursive: true, force: true });
});

/** A fresh copy of the imported week. */
function week(): string {
  const dir = tempDir();
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
}

async function statsOf(dataDir: string): Promise<{ receipts: number; rawReceipts: number; rollupReceipts: number; days: string[] }> {
  const run = await kaizen(dataDir, ['stats', '--format', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** Writes a file in a fresh temp dir and returns the dir (used as data dir and cwd). */
function withFile(name: string, text: string): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const good = (i: number): string =>
  JSON.stringify({ type: 'task.completed', time: `2026-11-17T10:0${i}:00.000Z`, component: 'checkout', value: 100 + i });

/** Asserts a refusal: exit 2, one `error KZN_CODE: …` line matching the message, and no stack. */
function expectRefused(run: CliRun, code: string, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  const errorLine = run.stderr.split('\n').find((l) => l.startsWith('error ')) ?? `(no error line in: ${run.stderr})`;
  expect(errorLine).toMatch(new RegExp(`^error ${code}: `));
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('kaizen CLI', () => {
  describe('given bad input', () => {
    describe('import', () => {
      it('of a missing file names the file', async () => {
        const dir = tempDir();
        expectRefused(await kaizen(dir, ['import', 'nope.jsonl']), 'KZN_INPUT_FILE', /nope\.jsonl.*no such file/);
      });

      it.each([
        ['a malformed JSON line', '{"type": "task.started",', /events\.jsonl: line 2: expected a JSON object/],
        ['an unknown event type', '{"type":"task.exploded","time":"2026-11-17T10:00:00Z","component":"c"}', /line 2: field "type".*"task\.exploded"/],
        ['an unknown field', '{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"c","colour":"red"}', /line 2: unknown field "colour"/],
        ['a bad timestamp', '{"type":"task.started","time":"2026-11-17 10:00","component":"c"}', /line 2: field "time"/],
        ['a timestamp without a zone', '{"type":"task.started","time":"2026-11-17T10:00:00","component":"c"}', /line 2: field "time"/],
      ])('of a file with %s names the line, and imports nothing', async (_what, bad, message) => {
        const dir = withFile('events.jsonl', [good(1), bad, good(3)].join('\n'));
        const run = await kaizen(dir, ['import', 'events.jsonl']);
        expectRefused(run, 'KZN_EVENT_INVALID', message);
        expect(run.stderr).toMatch(/error KZN_EVENT_INVALID: events\.jsonl: 1 invalid line\(s\); nothing was imported/);
        expect(await statsOf(dir)).toMatchObject({ receipts: 0, rawReceipts: 0 });
      });

      it('with --skip-invalid imports the valid lines of that file and says what it skipped', async () => {
        const dir = withFile('events.jsonl', [good(1), '{"type": "task', good(3)].join('\n'));
        const run = await kaizen(dir, ['import', 'events.jsonl', '--skip-invalid', '--no-rollup']);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toMatch(/line 2: expected a JSON object/);
        expect(run.stderr).toMatch(/skipping 1 invalid line/);
        expect(await statsOf(dir)).toMatchObject({ receipts: 2, rawReceipts: 2 });
      });

      it('reports every bad line, not only the first', async () => {
        const dir = withFile('events.jsonl', ['{', good(2), '[]', 'x'].join('\n'));
        const run = await kaizen(dir, ['import', 'events.jsonl']);
        expect(run.code).toBe(2);
        for (const n of [1, 3, 4]) expect(run.stderr).toContain(`events.jsonl: line ${n}:`);
        expect(run.stderr).not.toContain('line 2:');
      });

      it('of a file whose format cannot be told names it', async () => {
        const dir = withFile('events.csv', 'a,b\n');
        expectRefused(await kaizen(dir, ['import', 'events.csv']), 'KZN_USAGE', /events\.csv/);
      });

      it('of N-Quads that do not parse names the file and line', async () => {
        const dir = withFile('receipts.nq', '<urn:a> <urn:b> "c" <urn:g> .\n<urn:a> <urn:b> oops .\n');
        expectRefused(await kaizen(dir, ['import', 'receipts.nq']), 'KZN_RDF_SYNTAX', /receipts\.nq line 2/);
        expect(await statsOf(dir)).toMatchObject({ receipts: 0 });
      });

      it('without a file is a usage error', async () => {
        const run = await kaizen(tempDir(), ['import']);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/missing required argument 'file'/);
      });

      it('while another writer holds the data directory is refused with KZN_STORE_LOCKED, and a reader still works', async () => {
        const dir = withFile('events.jsonl', good(1));
        const writer = openEmbeddedStore({ dataDir: dir });
        try {
          expectRefused(await kaizen(dir, ['import', 'events.jsonl']), 'KZN_STORE_LOCKED', new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
          expect((await kaizen(dir, ['stats'])).code).toBe(0);
        } finally {
          await writer.close();
        }
      });
    });

    describe('query', () => {
      it.each<[string, string[], string, RegExp]>([
        ['an unknown name', ['nope'], 'KZN_QUERY_UNKNOWN', /no query named "nope"/],
        ['a missing .rq file', ['missing.rq'], 'KZN_INPUT_FILE', /missing\.rq/],
        ['a --param of the wrong type', ['events-before', '--param', 'receipt=urn:kaizen:receipt:local:1', '--param', 'spanMs=ten'], 'KZN_QUERY_PARAM', /--param spanMs: expected an integer.*"ten"/],
        ['a --param that is no date', ['counts-by-type', '--param', 'from=yesterday', '--param', 'to=2026-11-23'], 'KZN_TIME_INVALID', /--param from: .*"yesterday"/],
        ['an unknown --param', ['counts-by-type', ...WEEK, '--param', 'colour=red'], 'KZN_QUERY_PARAM', /--param colour: .*no such parameter/],
        ['a --param that is not key=value', ['counts-by-type', '--param', 'from'], 'KZN_QUERY_PARAM', /--param: expected key=value, got "from"/],
        ['a missing --param', ['counts-by-type', '--param', 'from=2026-11-16'], 'KZN_QUERY_PARAM', /--param to: .*needs it/],
        ['malformed SPARQL', ['--text', 'SELEC'], 'KZN_QUERY_SYNTAX', /cannot be parsed/],
        ['an update', ['--text', 'INSERT DATA { <urn:a> <urn:b> <urn:c> }'], 'KZN_QUERY_\\w+', /SPARQL updates are refused/],
        ['a delete', ['--text', 'DELETE WHERE { GRAPH ?g { ?s ?p ?o } }'], 'KZN_QUERY_\\w+', /SPARQL updates are refused/],
        ['a bad --format', ['counts-by-type', ...WEEK, '--format', 'xml'], 'KZN_USAGE', /--format: expected one of .*"xml"/],
        ['a bad --timeout', ['counts-by-type', ...WEEK, '--timeout', 'soon'], 'KZN_USAGE', /--timeout: .*"soon"/],
        ['--week with --from', ['--text', 'ASK {}', '--week', '2026-W47', '--from', '2026-11-16'], 'KZN_USAGE', /--week cannot be combined/],
        ['a name and --text', ['counts-by-type', '--text', 'ASK {}'], 'KZN_USAGE', /not both/],
      ])('with %s is refused, naming it', async (_what, args, code, message) => {
        expectRefused(await kaizen(tempDir(), ['query', ...args]), code, message);
      });

      it('refuses an update without changing the journal', async () => {
        const dir = week();
        const before = await statsOf(dir);
        const run = await kaizen(dir, ['query', '--text', 'INSERT DATA { GRAPH <urn:kaizen:hour:2026-11-17T10> { <urn:a> <urn:b> <urn:c> } }']);
        expect(run.code).toBe(2);
        expect(await statsOf(dir)).toEqual(before);
        expect((await kaizen(dir, ['verify'])).code).toBe(0);
      });
    });

    describe('export', () => {
      it.each<[string, string[], string, RegExp]>([
        ['a bad --format', ['--format', 'yaml'], 'KZN_USAGE', /--format: expected one of nquads, trig, turtle, jsonl, got "yaml"/],
        ['a bad --week', ['--week', '48'], 'KZN_TIME_INVALID', /--week: expected an ISO week like 2026-W48.*got "48"/],
        ['a bad --from', ['--from', 'monday'], 'KZN_TIME_INVALID', /--from: .*"monday"/],
        ['a --to before --from', ['--from', '2026-11-20', '--to', '2026-11-16'], 'KZN_TIME_INVALID', /--to must be after --from/],
      ])('with %s is refused, naming it', async (_what, args, code, message) => {
        expectRefused(await kaizen(tempDir(), ['export', ...args]), code, message);
      });
    });

    describe('rollup', () => {
      it.each<[string, string[], RegExp]>([
        ['a bad --from', ['--from', 'yesterday'], /--from: expected a date.*"yesterday"/],
        ['a bad --week', ['--week', '2026-W99'], /--week: .*"2026-W99"/],
      ])('with %s is refused, naming it, and leaves no lock', async (_what, args, message) => {
        const dir = tempDir();
        expectRefused(await kaizen(dir, ['rollup', ...args]), 'KZN_TIME_INVALID', message);
        expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
      });
    });

    describe.each(['stats', 'verify'])('%s', (command) => {
      it('with a bad --format is refused, naming it', async () => {
        expectRefused(await kaizen(tempDir(), [command, '--format', 'yaml']), 'KZN_USAGE', /--format.*"yaml"/);
      });
    });

    describe('any command', () => {
      it('with an unknown option is refused as a usage error naming the option', async () => {
        expectRefused(await kaizen(tempDir(), ['stats', '--bogus']), 'KZN_USAGE', /--bogus/);
      });

      it('that does not exist is refused, naming it', async () => {
        const run = await kaizen(tempDir(), ['frobnicate']);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/frobnicate/);
      });
    });

    describe('verify on a tampered store', () => {
      it('exits 1 with KZN_CHAIN_BROKEN naming the changed receipt, its file and line', async () => {
        const dir = week();
        const file = journalFile(dir, '2026-11-18.nq');
        const { header, receipts, rest } = splitJournal(fs.readFileSync(file, 'utf8'));
        const victim = receipts[3]!;
        const lineNo = 2 + receipts.slice(0, 3).reduce((n, r) => n + r.lines.length, 0);
        victim.lines = victim.lines.map((l) => l.replace(/ "(checkout|payments)" /, ' "tampered" '));
        expect(victim.lines.join('')).toContain('"tampered"');
        fs.writeFileSync(file, joinJournal(header, receipts, rest));
        const run = await kaizen(dir, ['verify']);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`^error KZN_CHAIN_BROKEN: receipt ${victim.seq} was changed`, 'm'));
        expect(run.stderr).toContain(`${file} line ${lineNo}`);
      });
    });
  });

  describe('given good input', () => {
    it('prints its help and exits 0', async () => {
      const run = await kaizen(tempDir(), ['--help']);
      expect(run.code).toBe(0);
      for (const command of ['import', 'export', 'query', 'verify', 'stats', 'rollup']) expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
      expect(run.stdout).toMatch(/--data <dir>/);
    });

    it('prints its version and exits 0', async () => {
      const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const run = await kaizen(tempDir(), ['--version']);
      expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
    });

    it('lists every query of queries/', async () => {
      const run = await kaizen(tempDir(), ['query', '--list']);
      expect(run.code).toBe(0);
      const names = fs
        .readdirSync(QUERY_DIR)
        .filter((f) => f.endsWith('.rq'))
        .map((f) => /^#\s*name:\s*(\S+)/m.exec(fs.readFileSync(path.join(QUERY_DIR, f), 'utf8'))![1]!);
      expect(names.length).toBeGreaterThan(5);
      const listed = run.stdout.split('\n').map((l) => /^(\S+)\s/.exec(l)?.[1]).filter((n) => n !== undefined);
      expect(listed.sort()).toEqual(names.sort());
    });

    describe('query counts-by-type', () => {
      it('answers SPARQL 1.1 Query Results JSON', async () => {
        const run = await kaizen(week(), ['query', 'counts-by-type', ...WEEK, '--format', 'json']);
        expect(run.code, run.stderr).toBe(0);
        const json = JSON.parse(run.stdout) as SparqlJson;
        expect(json.head.vars).toEqual(['type', 'pillar', 'count']);
        expect(json.results.bindings.length).toBe(Object.values(EXPECTED.countByType).filter((n) => n > 0).length);
        let total = 0;
        for (const b of json.results.bindings) {
          expect(b.type).toEqual({ type: 'uri', value: expect.stringMatching(new RegExp(`^${KZ}[A-Z]`)) });
          expect(b.pillar).toEqual({ type: 'uri', value: expect.stringMatching(/#(Jidoka|Kanban|Andon|Heijunka|Kaizen)$/) });
          expect(b.count).toEqual({ type: 'literal', value: expect.stringMatching(/^\d+$/), datatype: XSD_INTEGER });
          total += Number(b.count!.value);
        }
        expect(total).toBe(EXPECTED.totalEvents);
      });

      it('answers CSV with a header and CRLF line ends, and TSV with N-Triples terms', async () => {
        const dir = week();
        const json = JSON.parse((await kaizen(dir, ['query', 'counts-by-type', ...WEEK, '--format', 'json'])).stdout) as SparqlJson;
        const csv = await kaizen(dir, ['query', 'counts-by-type', ...WEEK, '--format', 'csv']);
        expect(csv.code).toBe(0);
        expect(csv.stdout.endsWith('\r\n')).toBe(true);
        const csvLines = csv.stdout.slice(0, -2).split('\r\n');
        expect(csvLines[0]).toBe('type,pillar,count');
        expect(csvLines.slice(1)).toEqual(json.results.bindings.map((b) => `${b.type!.value},${b.pillar!.value},${b.count!.value}`));
        const tsv = await kaizen(dir, ['query', 'counts-by-type', ...WEEK, '--format', 'tsv']);
        expect(tsv.code).toBe(0);
        const tsvLines = tsv.stdout.trimEnd().split('\n');
        expect(tsvLines[0]).toBe('?type\t?pillar\t?count');
        expect(tsvLines.slice(1)).toEqual(json.results.bindings.map((b) => `<${b.type!.value}>\t<${b.pillar!.value}>\t${b.count!.value}`));
      });

      it('answers a table for people, with its row count', async () => {
        const run = await kaizen(week(), ['query', 'counts-by-type', ...WEEK]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^type\s+pillar\s+count\n/);
        expect(run.stdout).toMatch(/kz:TaskCompleted\s+kz:Kanban\s+130/);
        expect(run.stdout).toMatch(new RegExp(`\\(${Object.values(EXPECTED.countByType).filter((n) => n > 0).length} rows\\)\\n$`));
      });
    });

    it('answers a CONSTRUCT as Turtle', async () => {
      const run = await kaizen(week(), [
        'query',
        '--week',
        '2026-W47',
        '--text',
        `CONSTRUCT { ?r a <${KZ}CircuitOpened> } WHERE { GRAPH ?g { ?r a <${KZ}CircuitOpened> } }`,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const triples = new Parser({ format: 'Turtle' }).parse(run.stdout);
      expect(triples).toHaveLength(EXPECTED.countByType['circuit.opened']!);
    });

    describe('export', () => {
      it('writes N-Quads that an RDF parser reads, one receipt per imported event', async () => {
        const run = await kaizen(week(), ['export', '--format', 'nquads']);
        expect(run.code, run.stderr).toBe(0);
        const quads = new Parser({ format: 'N-Quads' }).parse(run.stdout);
        const receipts = new Set(quads.filter((q) => q.predicate.value === DIGEST_IRI).map((q) => q.subject.value));
        expect(receipts.size).toBe(EXPECTED.totalEvents);
        expect(quads.every((q) => q.graph.value.startsWith('urn:kaizen:hour:2026-11-'))).toBe(true);
      });

      it('adds the rollup receipts when asked to', async () => {
        const run = await kaizen(week(), ['export', '--format', 'nquads', '--rollups']);
        const quads = new Parser({ format: 'N-Quads' }).parse(run.stdout);
        const receipts = new Set(quads.filter((q) => q.predicate.value === DIGEST_IRI && !q.subject.value.includes('#')).map((q) => q.subject.value));
        expect(receipts.size).toBe(EXPECTED.totalEvents + fixtureHours);
      });

      it('writes TriG and Turtle that an RDF parser reads', async () => {
        const dir = week();
        for (const [format, parser] of [
          ['trig', 'TriG'],
          ['turtle', 'Turtle'],
        ] as const) {
          const run = await kaizen(dir, ['export', '--format', format, '--week', '2026-W47']);
          expect(run.code, run.stderr).toBe(0);
          const quads = new Parser({ format: parser }).parse(run.stdout);
          expect(new Set(quads.filter((q) => q.predicate.value === DIGEST_IRI).map((q) => q.subject.value)).size).toBe(EXPECTED.totalEvents);
        }
      });

      it('writes JSON Lines that import into a fresh store as the same events', async () => {
        const dir = week();
        const first = await kaizen(dir, ['export', '--format', 'jsonl', '--out', 'week.jsonl']);
        expect(first.code, first.stderr).toBe(0);
        expect(first.stderr).toMatch(new RegExp(`exported ${EXPECTED.totalEvents} receipts to week\\.jsonl`));
        const exported = fs.readFileSync(path.join(dir, 'week.jsonl'), 'utf8');
        const byType: Record<string, number> = {};
        for (const line of exported.trimEnd().split('\n')) {
          const t = (JSON.parse(line) as { type: string }).type;
          byType[t] = (byType[t] ?? 0) + 1;
        }
        expect(byType).toEqual(Object.fromEntries(Object.entries(EXPECTED.countByType).filter(([, n]) => n > 0)));

        const fresh = tempDir();
        const imported = await kaizen(fresh, ['import', path.join(dir, 'week.jsonl'), '--no-rollup']);
        expect(imported.code, imported.stderr).toBe(0);
        expect(await statsOf(fresh)).toMatchObject({ rawReceipts: EXPECTED.totalEvents, days: Object.keys(EXPECTED.countByDay) });
        const again = await kaizen(fresh, ['export', '--format', 'jsonl']);
        expect(again.stdout.split('\n').sort()).toEqual(exported.split('\n').sort());
      });

      it('writes N-Quads that import into a fresh store as the same events', async () => {
        const dir = week();
        expect((await kaizen(dir, ['export', '--format', 'nquads', '--out', 'week.nq'])).code).toBe(0);
        const fresh = tempDir();
        const imported = await kaizen(fresh, ['import', path.join(dir, 'week.nq'), '--no-rollup']);
        expect(imported.code, imported.stderr).toBe(0);
        const a = (await kaizen(dir, ['export', '--format', 'jsonl'])).stdout.split('\n').sort();
        const b = (await kaizen(fresh, ['export', '--format', 'jsonl'])).stdout.split('\n').sort();
        expect(b).toEqual(a);
      });
    });

    it('counts the store with stats --format json', async () => {
      const stats = await statsOf(week());
      expect(stats).toMatchObject({
        rawReceipts: EXPECTED.totalEvents,
        rollupReceipts: fixtureHours,
        receipts: EXPECTED.totalEvents + fixtureHours,
        days: Object.keys(EXPECTED.countByDay),
      });
    });

    it('verifies an untouched store', async () => {
      const run = await kaizen(week(), ['verify']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^ok: ${EXPECTED.totalEvents + fixtureHours} receipts verify`));
    });

    it('rolls up nothing when the rollups are fresh, and everything with --rebuild', async () => {
      const dir = week();
      const fresh = await kaizen(dir, ['rollup']);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(fresh.stdout).toMatch(new RegExp(`^rolled up 0 hours; ${fixtureHours} were up to date`));
      const rebuilt = await kaizen(dir, ['rollup', '--rebuild', '--week', '2026-W47']);
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      expect(rebuilt.stdout).toMatch(new RegExp(`^rolled up ${fixtureHours} hours`));
    });
  });
});

// Paths that try to leave their folder or land on the evidence: --out of export and review, the
// review folders of demo, schedule and serve, --template, and the report routes of the API.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { serveCli, startTestServer, type TestServer } from '../server/support.js';
import { FIXTURE_PATH } from '../store/support.js';

let work = '';
let data = '';

/** The store's own files, bytes as base64, to compare before and after. */
function evidence(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.includes(`${path.sep}reviews${path.sep}`)) out[path.relative(data, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(data);
  return out;
}

// One store for the file: the refused cases must leave it as it was, and the others write beside it.
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-paths-'));
  data = path.join(work, 'data');
  const lines = fs.readFileSync(FIXTURE_PATH, 'utf8').split('\n').slice(0, 200).join('\n');
  fs.writeFileSync(path.join(work, 'some.jsonl'), `${lines}\n`);
  const r = await kaizen(data, ['import', 'some.jsonl'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('--out of export and review', () => {
  const onTheStore = ['data/journal/2026-11-16.nq', 'data/journal', 'data/HEAD', 'data/LOCK', 'data/index/2026-11-16.json', './data/../data/journal/x.nq', 'data/HEAD.tmp', 'data'];
  it.each(onTheStore)('refuses --out %s with exit 2, leaving the evidence as it was', async (out) => {
    const before = evidence();
    for (const args of [
      ['export', '--out', out],
      ['export', '--format', 'jsonl', '--out', out],
      ['review', '--week', '2026-W47', '--out', out],
    ]) {
      const r = await kaizen(data, args, { cwd: work });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error KZN_USAGE: --out: ".*" (would overwrite the store's own files in the data directory|is a folder)/);
    }
    expect(evidence()).toEqual(before);
    const verify = await kaizen(data, ['verify'], { cwd: work });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('sees through a symbolic link into the journal', async () => {
    fs.symlinkSync(path.join(data, 'journal'), path.join(work, 'link'));
    const before = evidence();
    const r = await kaizen(data, ['export', '--out', 'link/2026-11-16.nq'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would overwrite the store's own files/);
    expect(evidence()).toEqual(before);
  });

  it('refuses an --out that is a folder, and writes a file whose folder is missing', async () => {
    fs.mkdirSync(path.join(work, 'folder'));
    const folder = await kaizen(data, ['export', '--out', 'folder'], { cwd: work });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/^error KZN_USAGE: --out: "folder" is a folder; expected the path of a file/);
    const deep = await kaizen(data, ['export', '--out', 'a/b/c.nq'], { cwd: work });
    expect(deep.code, deep.stderr).toBe(0);
    expect(fs.readFileSync(path.join(work, 'a/b/c.nq'), 'utf8')).toMatch(/^<urn:kaizen:receipt:/);
  });

  it('writes beside the store and into its reviews folder', async () => {
    expect((await kaizen(data, ['export', '--out', 'data/export.nq'], { cwd: work })).code).toBe(0);
    expect((await kaizen(data, ['review', '--week', '2026-W47', '--out', 'data/reviews/w47.md'], { cwd: work })).code).toBe(0);
    expect(fs.existsSync(path.join(data, 'reviews', 'w47.md'))).toBe(true);
    expect((await kaizen(data, ['verify'], { cwd: work })).code).toBe(0);
  });
});

describe('the review folders of demo, schedule and serve', () => {
  it.each([
    [['demo', '--out', 'data/journal']],
    [['schedule', '--cron', '0 9 * * MON', '--out', 'data/journal']],
    [['schedule', '--cron', '0 9 * * MON', '--out', 'data/index']],
    [['serve', '--port', '0', '--schedule', '0 9 * * MON', '--schedule-out', 'data/journal']],
  ])('refuses %j with exit 2 before starting', async (args) => {
    const before = evidence();
    const r = await kaizen(data, args, { cwd: work });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error KZN_USAGE: --(out|schedule-out): "data\/(journal|index)" would overwrite the store's own files/);
    expect(evidence()).toEqual(before);
  });

  it('lets kaizen serve write its scheduled reviews to the default DATA/reviews', async () => {
    const served = serveCli(['--schedule', '0 9 * * MON'], {}, path.join(work, 'served'));
    await served.url;
    served.stop();
    expect(await served.exit).toBe(0);
  });
});

describe('--template', () => {
  it.each([
    ['a missing file', 'nope.hbs', /^error KZN_INPUT_FILE: cannot read the template .*nope\.hbs: no such file/],
    ['a folder', '.', /^error KZN_INPUT_FILE: cannot read the template .*EISDIR/],
    ['a template that does not parse', 'bad.hbs', /^error KZN_USAGE: the template .*bad\.hbs cannot be parsed/],
  ])('refuses %s with exit 2', async (_name, template, message) => {
    fs.writeFileSync(path.join(work, 'bad.hbs'), '{{#each x}}');
    const r = await kaizen(data, ['review', '--week', '2026-W47', '--template', template], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('cannot reach the prototype of the model from a template', async () => {
    fs.writeFileSync(path.join(work, 'proto.hbs'), '[{{constructor.name}}][{{__proto__}}][{{lookup this "constructor"}}]');
    const r = await kaizen(data, ['review', '--week', '2026-W47', '--template', 'proto.hbs'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('[][][]');
  });
});

describe('input paths of the wrong kind', () => {
  it('refuses slo --dir naming a file, and import of a folder, with exit 2', async () => {
    const slo = await kaizen(data, ['slo', '--dir', 'some.jsonl'], { cwd: work });
    expect(slo.code).toBe(2);
    expect(slo.stderr).toMatch(/^error KZN_INPUT_FILE: .*some\.jsonl is a file; expected the folder of the SLO files/);
    fs.mkdirSync(path.join(work, 'dir.jsonl'), { recursive: true });
    const imp = await kaizen(data, ['import', 'dir.jsonl'], { cwd: work });
    expect(imp.code).toBe(2);
    expect(imp.stderr).toMatch(/^error KZN_INPUT_FILE: .*dir\.jsonl is a folder, expected a file/);
  });
});

describe('the report routes of the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dataDir: data });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['/reports/weekly?week=../../../../etc/passwd', 400],
    ['/reports/weekly?week=2026-W47&tz=../../../../etc/localtime', 400],
    ['/reports/weekly?week=2026-W47&format=../../package.json', 400],
    ['/reports/../../../../etc/passwd', 404],
    ['/reports/..%2F..%2F..%2Fetc%2Fpasswd', 404],
    ['/%2e%2e/%2e%2e/package.json', 404],
  ])('answers %s with %i and a problem, never a file', async (url, status) => {
    const res = await server.app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/root:x:0:0|"devDependencies"/);
  });
});

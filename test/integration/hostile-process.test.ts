// A few hostile cases through the built binary and a real socket, beside the in-process fuzz
// suites of test/hostile: the exit code, the stderr line and the untouched journal are those of
// the real process; an oversized, a truncated and a non-UTF-8 body get problem answers over TCP.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCli } from '../server/support.js';
import { FIXTURE_PATH, ROOT } from '../store/support.js';

const CLI = path.join(ROOT, 'dist', 'src', 'main.js');
let work = '';
let data = '';

function kaizen(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--data', data, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function journal(): string {
  const dir = path.join(data, 'journal');
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('');
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build (npm ci builds it)`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-hostile-proc-'));
  data = path.join(work, 'data');
  fs.writeFileSync(path.join(work, 'some.jsonl'), `${fs.readFileSync(FIXTURE_PATH, 'utf8').split('\n').slice(0, 100).join('\n')}\n`);
  expect(kaizen('import', 'some.jsonl').code).toBe(0);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the kaizen binary given hostile input', () => {
  it.each([
    ['bytes that are not UTF-8', 'bad.jsonl', Buffer.from('{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"\xff\xfe"}\n', 'latin1'), /^error KZN_INPUT_FILE: .*bad\.jsonl line 1: expected UTF-8 text/m],
    ['a deeply nested line', 'deep.jsonl', `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, /^error KZN_EVENT_INVALID: deep\.jsonl: 1 invalid line\(s\); nothing was imported/m],
    ['a prototype key', 'proto.jsonl', '{"type":"task.started","time":"2026-11-17T10:00:00Z","component":"a","__proto__":{"x":1}}\n', /line 1: unknown field "__proto__"/],
    ['a truncated receipt', 'cut.nq', '<urn:kaizen:receipt:local:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kaizen/ns#TaskStarted', /^error KZN_RDF_SYNTAX: /m],
  ])('import refuses %s with exit 2 and imports nothing', (_name, file, content, message) => {
    const before = journal();
    fs.writeFileSync(path.join(work, file), content);
    const r = kaizen('import', file);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(journal()).toBe(before);
  });

  it('refuses a SERVICE query and an export onto the journal with exit 2, and the chain still verifies', () => {
    const before = journal();
    const q = kaizen('query', '--text', 'SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }');
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/^error KZN_QUERY_SCOPE: the query uses SERVICE/m);
    const day = fs.readdirSync(path.join(data, 'journal')).find((f) => f.endsWith('.nq')) as string;
    const e = kaizen('export', '--out', path.join('data', 'journal', day));
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^error KZN_USAGE: --out: .* would overwrite the store's own files/m);
    expect(journal()).toBe(before);
    const v = kaizen('verify');
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^ok: \d+ receipts verify/);
  });
});

describe('kaizen serve over a real socket', () => {
  it('answers an oversized, a truncated and a non-UTF-8 body with a problem, and keeps serving', async () => {
    const served = serveCli(['--body-limit', '1024']);
    try {
      const url = await served.url;
      const post = (body: string | Uint8Array) => fetch(`${url}/signal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const big = await post(JSON.stringify({ signal_type: 'execute', payload: { pad: 'x'.repeat(10_000) } }));
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: 'KZN_BODY_TOO_LARGE' });
      const cut = await post('{"signal_type":"exec');
      expect(cut.status).toBe(400);
      expect(cut.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const latin = await post(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
      expect(latin.status).toBe(400);
      const long = await fetch(`${url}/signal/${'a'.repeat(5_000)}`);
      expect(long.status).toBe(400);
      expect(await long.json()).toMatchObject({ code: 'KZN_REQUEST_INVALID', detail: 'url: a path segment is longer than 100 characters' });
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      served.stop();
      expect(await served.exit).toBe(0);
      fs.rmSync(served.dataDir, { recursive: true, force: true });
    }
  });
});

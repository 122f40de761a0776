import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { runCli } from '../../src/cli/program.js';

it('scratch', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-'));
  const out: string[] = [];
  const err: string[] = [];
  const deps = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: {}, cwd: dir, now: () => Date.parse('2026-12-01T00:00:00Z') };
  let t = Date.now();
  let code = await runCli(['--data', dir + '/d', 'import', path.resolve('fixtures/week-2026-W47.jsonl')], deps);
  console.log('import', code, Date.now() - t, out.join(''), err.join(''));
  for (const args of [
    ['query', 'counts-by-type', '--param', 'from=2026-11-16', '--param', 'to=2026-11-23', '--format', 'json'],
    ['query', '--text', 'SELEC'],
    ['query', '--text', 'INSERT DATA { <urn:a> <urn:b> <urn:c> }'],
    ['stats', '--format', 'json'],
    ['verify'],
    ['query', 'alert-episodes', '--param', 'from=2026-11-16', '--param', 'to=2026-11-23', '--format', 'json'],
  ]) {
    out.length = 0; err.length = 0; t = Date.now();
    code = await runCli(['--data', dir + '/d', ...args], deps);
    console.log(args.join(' '), code, Date.now() - t, out.join('').slice(0, 1500), err.join(''));
  }
  console.log(fs.readdirSync(dir + '/d/journal'), fs.readFileSync(dir + '/d/journal/2026-11-17.nq', 'utf8').slice(0, 3000));
}, 60000);

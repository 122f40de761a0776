// kaizen migrate's refusals that need no server: a destination it does not know, load files for
// the embedded store, a folder that already holds load files.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kaizen } from './run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-migrate-'));
  dirs.push(d);
  return d;
}

describe('kaizen migrate', () => {
  it('refuses a destination it does not know', async () => {
    const r = await kaizen(temp(), ['migrate', '--to', 'oxigraph']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to: expected sparql or embedded, got "oxigraph"/);
  });

  it('refuses load files with --to embedded', async () => {
    const r = await kaizen(temp(), ['migrate', '--to', 'embedded', '--load-files', 'out', '--endpoint', 'http://127.0.0.1:9/sparql']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--load-files .* goes with --to sparql/);
  });

  it('refuses a load-files folder that already holds load files, before it reaches the server', async () => {
    const d = temp();
    fs.mkdirSync(path.join(d, 'out'));
    fs.writeFileSync(path.join(d, 'out', 'kaizen-0001.trig'), '');
    const r = await kaizen(d, ['migrate', '--to', 'sparql', '--load-files', 'out', '--endpoint', 'http://127.0.0.1:9/sparql']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(d, 'out')} already holds load files`);
    expect(fs.readdirSync(path.join(d, 'out'))).toEqual(['kaizen-0001.trig']);
  });
});

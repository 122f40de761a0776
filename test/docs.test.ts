// The documentation tables stay equal to the code they describe.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS } from '../src/pipeline/config.js';

const read = (p: string): string => readFileSync(join(import.meta.dirname, '..', p), 'utf8');

describe('docs/configuration.md', () => {
  it('lists every environment variable of the pipeline configuration, and no other', () => {
    const documented = [...read('docs/configuration.md').matchAll(/^\| `(TPS_[A-Z0-9_]+)`/gm)].map((m) => m[1]);
    const known = CONFIG_FIELDS.flatMap((f) => (f.env === undefined ? [] : [f.env]));
    expect(documented.sort()).toEqual([...known].sort());
  });
});

describe('README.md', () => {
  it('opens with the install-and-run command and the test command', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(read('README.md'))?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm ci && npm start$/m);
    expect(firstBlock).toMatch(/^npm test$/m);
  });
});

// The pipeline stays pure: no disk, network or timers, and no wall clock (time comes from a Clock).

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const FORBIDDEN_IMPORT = /from\s+['"](node:)?(fs|fs\/promises|http|https|http2|net|timers|timers\/promises|child_process|worker_threads)['"]/;
const WALL_CLOCK = /\b(Date\.now|setTimeout|setInterval|setImmediate|performance\.now)\s*\(|new Date\(\s*\)/;

/** The forbidden things a source text uses. */
function impurities(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  return [FORBIDDEN_IMPORT.exec(code)?.[0], WALL_CLOCK.exec(code)?.[0]].filter((x): x is string => x !== undefined);
}

describe('src/pipeline', () => {
  it('catches a forbidden import or a wall-clock read when one is there', () => {
    expect(impurities("import { readFileSync } from 'node:fs';")).toHaveLength(1);
    expect(impurities('const t = Date.now();')).toHaveLength(1);
    expect(impurities('setTimeout(run, 10);')).toHaveLength(1);
    expect(impurities('// Date.now() is not used here')).toEqual([]);
  });

  it('imports no node:fs, node:http or node:timers and never reads the wall clock', () => {
    const dir = 'src/pipeline';
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) => impurities(readFileSync(`${dir}/${f}`, 'utf8')).map((x) => `${f}: ${x}`));
    expect(found).toEqual([]);
  });
});

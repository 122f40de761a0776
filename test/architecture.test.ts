// The layout keeps the data flow one way: pure folders do no I/O, and imports point from the
// edges (cli) inwards (analysis, evidence, pipeline), never back.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');
const IO_IMPORT = /from\s+['"](node:)?(fs|fs\/promises|http|https|net|timers|child_process|worker_threads)['"]/;

/** The folders each folder may import from (besides itself and src/errors.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  pipeline: ['evidence'],
  evidence: [],
  analysis: ['evidence'],
  store: ['evidence', 'query'],
  query: ['evidence', 'analysis'],
  report: ['evidence', 'analysis', 'query'],
  telemetry: ['evidence'],
  server: ['evidence', 'analysis', 'query', 'report', 'pipeline', 'telemetry'],
  cli: ['evidence', 'analysis', 'query', 'store', 'report', 'pipeline', 'telemetry', 'server'],
};
const PURE = ['pipeline', 'evidence', 'analysis'];

function sources(folder: string): { file: string; text: string }[] {
  return readdirSync(join(SRC, folder))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${folder}/${f}`, text: readFileSync(join(SRC, folder, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '') }));
}

/** The src/ folders a source imports from, through relative imports. */
function importedFolders(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]\.\.\/([a-z-]+)\//g)].map((m) => m[1]!);
}

describe('the source layout', () => {
  it('finds relative imports of other folders, static and dynamic', () => {
    expect(importedFolders("import { x } from '../query/engine.js'; await import('../store/y.js');")).toEqual(['query', 'store']);
  });

  it.each(PURE)('keeps src/%s free of disk, network and timer imports', (folder) => {
    const files = sources(folder);
    expect(files.length).toBeGreaterThan(2);
    expect(files.filter((f) => IO_IMPORT.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it.each(Object.keys(ALLOWED))('lets src/%s import only from the folders inward of it', (folder) => {
    const wrong = sources(folder).flatMap((f) =>
      importedFolders(f.text)
        .filter((to) => to !== folder && !ALLOWED[folder]!.includes(to))
        .map((to) => `${f.file} imports ../${to}`),
    );
    expect(wrong).toEqual([]);
  });
});

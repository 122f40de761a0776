// Runs the kaizen CLI in-process with captured output, a fixed clock and no environment.

import type { CliDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A clock after the fixture week: every hour of it is closed. */
export const AFTER_THE_WEEK = Date.parse('2026-12-01T00:00:00.000Z');

/** Runs `kaizen --data DATA ...args` with `cwd` as the working directory. */
export async function kaizen(
  dataDir: string,
  args: readonly string[],
  options: { cwd?: string; now?: number } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd: options.cwd ?? dataDir,
    now: () => options.now ?? AFTER_THE_WEEK,
  };
  const code = await runCli(['--data', dataDir, ...args], deps);
  return { code, stdout, stderr };
}

/** The bindings of a SPARQL 1.1 Query Results JSON document. */
export interface SparqlJson {
  head: { vars: string[] };
  results: { bindings: Record<string, { type: string; value: string; datatype?: string; 'xml:lang'?: string }>[] };
}

/** Parses a `--format json` answer and returns its rows as plain values. */
export function rowsOf(run: CliRun): Record<string, string>[] {
  if (run.code !== 0) throw new Error(`kaizen exited ${run.code}: ${run.stderr}`);
  const json = JSON.parse(run.stdout) as SparqlJson;
  return json.results.bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, t]) => [k, t.value])));
}

// Bad input to the analysis commands: each is refused on stderr with a message naming what was
// wrong, nothing on stdout, and exit code 2.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { LINES } from './by-hand.js';

const SHIPPED_SIGNAL_SUCCESS = fs.readFileSync(new URL('../../slos/signal-success.yaml', import.meta.url), 'utf8');

// A small store (the Tuesday outage hour of the fixture) for the commands that get as far as
// reading evidence; most of the errors below are found before the store is opened.
let dataDir = '';
let scratch = '';

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-analysis-errors-'));
  dataDir = path.join(scratch, 'data');
  const events = path.join(scratch, 'tuesday-10.jsonl');
  fs.writeFileSync(events, `${LINES.filter((l) => l.time.startsWith('2026-11-17T10')).map((l) => JSON.stringify(l)).join('\n')}\n`);
  const run = await kaizen(dataDir, ['import', events]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 60_000);

afterAll(() => {
  if (scratch !== '') fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs kaizen and checks it refused the input: exit 2, nothing on stdout, one `error KZN_…` line first. */
async function refused(args: readonly string[]): Promise<string> {
  const run = await kaizen(dataDir, args);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^error KZN_[A-Z_]+: /);
  expect(run.stderr).not.toMatch(/KZN_INTERNAL|\n\s+at /);
  return run.stderr;
}

describe('analysis commands given bad input', () => {
  it.each([
    ['an unknown metric', ['trend', 'no_such_metric'], /^error KZN_USAGE: unknown metric "no_such_metric"/],
    ['a window trends do not offer', ['trend', 'latency_p99_ms', '--window', '5d'], /^error KZN_USAGE: --window: expected one of 1h, 24h, 7d, 30d, got "5d"/],
    ['an unknown SLO name', ['slo', 'no-such-slo'], /^error KZN_USAGE: no SLO named "no-such-slo"/],
    ['a receipt IRI that is not in the store', ['why', 'urn:kaizen:receipt:local:999999'], /^error KZN_USAGE: no raw receipt "urn:kaizen:receipt:local:999999" in the store/],
    ['nothing to explain', ['why'], /^error KZN_USAGE: expected one of: a receipt IRI, --alert NAME --at TIME, or --metric NAME --at TIME/],
    ['an alert without a time', ['why', '--alert', 'circuit-open'], /^error KZN_USAGE: --at TIME is needed with --alert/],
    ['a week without its year', ['health', '--week', '48'], /^error KZN_TIME_INVALID: --week: expected an ISO week like 2026-W48.*, got "48"/],
    ['a week the year does not have', ['health', '--week', '2026-W54'], /^error KZN_TIME_INVALID: --week: expected an ISO week like 2026-W48.*, got "2026-W54"/],
    ['an empty window', ['health', '--window', '0h'], /^error KZN_TIME_INVALID: --window: expected a duration like 30s, 20m, 24h or 7d, got "0h"/],
    ['both --week and --window', ['trend', 'latency_p99_ms', '--week', '2026-W47', '--window', '7d'], /^error KZN_USAGE: --week cannot be combined with --window/],
    ['an SLO folder that does not exist', ['slo', '--dir', '/no/such/slos'], /^error KZN_INPUT_FILE: the SLO folder \/no\/such\/slos does not exist/],
    ['an unknown metric to explain', ['why', '--metric', 'no_such_metric', '--at', '2026-11-17T10:05Z'], /^error KZN_USAGE: unknown metric "no_such_metric"/],
    ['a time without a zone', ['why', '--alert', 'circuit-open', '--at', '2026-11-17T10:05'], /^error KZN_TIME_INVALID: --at: expected .* got "2026-11-17T10:05"/],
    ['an alert that never fired', ['why', '--alert', 'no-such-alert', '--at', '2026-11-17T10:05Z'], /^error KZN_USAGE: no firing of alert "no-such-alert" in the 24 hours up to 2026-11-17T10:05Z/],
    ['both --alert and --metric', ['why', '--alert', 'circuit-open', '--metric', 'latency_p99_ms', '--at', '2026-11-17T10:05Z'], /^error KZN_USAGE: expected one of: a receipt IRI/],
  ])('refuses %s, naming it, with exit code 2', async (_label, args, message) => {
    expect(await refused(args)).toMatch(message);
  });

  it('lists the known metrics in the hint for an unknown one', async () => {
    expect(await refused(['trend', 'no_such_metric'])).toMatch(/^hint: Known metrics: .*latency_p99_ms/m);
  });

  it('lists the shipped SLOs in the hint for an unknown one', async () => {
    expect(await refused(['slo', 'no-such-slo'])).toMatch(/^hint: Known SLOs: availability, latency-p99, queue-depth, signal-success\.$/m);
  });
});

describe('slo --dir with a malformed SLO file', () => {
  const replace = (from: string | RegExp, to: string): string => {
    const changed = SHIPPED_SIGNAL_SUCCESS.replace(from, to);
    if (changed === SHIPPED_SIGNAL_SUCCESS) throw new Error(`the shipped file has no ${String(from)}`);
    return changed;
  };

  it.each([
    ['a wrong apiVersion', () => replace('apiVersion: openslo/v1', 'apiVersion: openslo/v2'), /: apiVersion: expected one of openslo\/v1, found "openslo\/v2"/],
    ['a wrong kind', () => replace('kind: SLO', 'kind: SLI'), /: kind: expected one of SLO, found "SLI"/],
    ['no spec.objectives', () => replace(/ {2}objectives:\n[\s\S]*$/, ''), /: spec\.objectives: expected a list with one objective, found nothing/],
    ['a target of 1.5', () => replace('target: 0.99', 'target: 1.5'), /: spec\.objectives\[0\]\.target: expected a number between 0 and 1 \(exclusive\), found "?1\.5"?/],
    [
      'an unknown entry in eventTypes',
      () => replace('eventTypes: [task.completed, task.failed, signal.rejected]', 'eventTypes: [task.completed, task.exploded]'),
      /: spec\.indicator\.spec\.ratioMetric\.total\.metricSource\.spec\.eventTypes\[1\]: expected an event type of the contract, found "task\.exploded"/,
    ],
    ['a time window that is no duration', () => replace('duration: 7d', 'duration: a week'), /: spec\.timeWindow\[0\]\.duration: expected a duration like 1h, 7d or 28d, found "a week"/],
    ['text that is not YAML', () => 'apiVersion: openslo/v1\nkind: [SLO\n', /: line \d+: expected YAML or JSON: /],
    ['an alias without its anchor', () => 'apiVersion: openslo/v1\nkind: *nowhere\n', /: expected YAML or JSON: Unresolved alias .*nowhere$/m],
    ['an unknown tag', () => 'apiVersion: !!js/function openslo/v1\nkind: SLO\n', /: line 1: expected YAML or JSON: Unresolved tag: tag:yaml\.org,2002:js\/function$/m],
  ])('refuses %s, naming the file and the field', async (_label, text, message) => {
    const dir = fs.mkdtempSync(path.join(scratch, 'slos-'));
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, text());
    const stderr = await refused(['slo', '--dir', dir]);
    expect(stderr.startsWith(`error KZN_USAGE: ${file}: `)).toBe(true);
    expect(stderr).toMatch(message);
  });

  it('accepts the shipped file it starts from', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'slos-'));
    fs.writeFileSync(path.join(dir, 'signal-success.yaml'), SHIPPED_SIGNAL_SUCCESS);
    const run = await kaizen(dataDir, ['slo', '--dir', dir, '--week', '2026-W47', '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

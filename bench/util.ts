// Small helpers of the benchmarks: medians, repeated timing, child processes with their peak RSS.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/ is compiled to dist/bench/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/src/main.js');
export const BENCH_DIST = join(ROOT, 'dist/bench');

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `fn` up to `reps` times (stopping early once `budgetMs` is spent, after at least one run)
 * and returns every time and the last result.
 */
export async function timeReps<T>(reps: number, budgetMs: number, fn: () => Promise<T> | T): Promise<{ times: number[]; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  let spent = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
    if (spent > budgetMs) break;
  }
  return { times, result: result as T };
}

export interface ChildRun {
  readonly code: number | null;
  readonly wallMs: number;
  /** Peak resident set size of the child, bytes (its VmHWM at exit, see peak-rss.ts). */
  readonly maxRssBytes: number | undefined;
  /** CPU time of the child (user + system), ms. */
  readonly cpuMs: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node [nodeArgs] script args` and reports its wall time and peak RSS. The RSS comes from
 * a preloaded probe (bench/rss-probe.ts) that writes the child's peak RSS at exit, so the command
 * itself is unchanged.
 */
export function runNode(script: string, args: readonly string[], options: { nodeArgs?: readonly string[]; probe?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<ChildRun> {
  const probe = options.probe !== false;
  const rssFile = join(ROOT, 'bench/results', `.rss-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (probe) nodeArgs.push('--import', `file://${join(BENCH_DIST, 'rss-probe.js')}`);
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env: { ...process.env, ...options.env, ...(probe && { KAIZEN_BENCH_RSS_FILE: rssFile }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      let maxRssBytes: number | undefined;
      let cpuMs: number | undefined;
      if (probe && existsSync(rssFile)) {
        const got = JSON.parse(readFileSync(rssFile, 'utf8')) as { peakRssBytes: number; userMs: number; systemMs: number };
        maxRssBytes = got.peakRssBytes;
        cpuMs = got.userMs + got.systemMs;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ code, wallMs, maxRssBytes, cpuMs, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export const MiB = 1024 * 1024;

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes >= 1024 * MiB) return `${(bytes / (1024 * MiB)).toFixed(2)} GiB`;
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `100000` → `100k`, `1000000` → `1M`. */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

// Real kaizen processes for the crash suites: the built CLI (dist/src/main.js) started as a child,
// killed with SIGKILL, and the data directory read back afterwards.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { receiptToEvent } from '../../src/evidence/receipt.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'dist/src/main.js');

/** How many kills a suite makes: KAIZEN_CRASH_KILLS (npm run soak sets more), else `fallback`. */
export function killCount(fallback: number): number {
  const n = Number(process.env.KAIZEN_CRASH_KILLS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export interface Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): { stdout: string; stderr: string };
}

/** Starts `node dist/src/main.js --data DIR ...args`. */
export function kaizenProcess(dataDir: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [MAIN, '--data', dataDir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, output: () => ({ stdout, stderr }) };
}

/** Runs a kaizen command to its end. */
export async function kaizenRun(dataDir: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = kaizenProcess(dataDir, args);
  const { code } = await child.exited;
  return { code, ...child.output() };
}

/** `kaizen serve` on a free port: resolves with its address once it listens. */
export async function startServe(dataDir: string, env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const child = kaizenProcess(dataDir, ['serve', '--port', '0', '--log-level', 'silent'], env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(child.output().stderr);
      if (m !== null) {
        clearInterval(timer);
        resolve(m[1] as string);
      }
    }, 10);
    void child.exited.then(() => {
      clearInterval(timer);
      reject(new Error(`kaizen serve ended before it listened: ${child.output().stderr}`));
    });
  });
  return { ...child, url };
}

/** Kills with SIGKILL and waits for the process to be gone. */
export async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  await child.exited;
}

/** Every receipt of the data directory read back as its event, with its sequence number, in chain order. */
export async function journaledEvents(dataDir: string): Promise<{ seq: number; event: KaizenEvent }[]> {
  const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: () => undefined });
  try {
    const out: { seq: number; event: KaizenEvent }[] = [];
    for await (const r of store.exportReceipts({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })) {
      const event = receiptToEvent(r.quads);
      if (event !== undefined) out.push({ seq: r.seq, event });
    }
    return out.sort((a, b) => a.seq - b.seq);
  } finally {
    await store.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Three days of task outcomes and queue samples, some with ids, in time order. */
export function writeLargeFile(file: string, events: number): void {
  const start = Date.parse('2026-11-16T00:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const time = new Date(start + Math.floor((i * 3 * 86_400_000) / events)).toISOString();
    if (i % 10 === 0) lines.push(JSON.stringify({ type: 'queue.depth', time, component: 'queue', value: i % 37 }));
    else if (i % 97 === 0) lines.push(JSON.stringify({ id: `fail-${i}`, type: 'task.failed', time, component: 'execute', value: 30, reason: 'downstream-unavailable' }));
    else lines.push(JSON.stringify({ type: 'task.completed', time, component: i % 2 === 0 ? 'execute' : 'validate', value: 5 + (i % 50), signal_id: `s-${i}` }));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

export function journalBytes(dataDir: string): number {
  const dir = path.join(dataDir, 'journal');
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).reduce((n, f) => n + (f.endsWith('.nq') ? fs.statSync(path.join(dir, f)).size : 0), 0);
}

/** Each receipt's seq and what its event says, in chain order: two stores that agree hold the same events in the same places. */
export async function chainOf(dataDir: string): Promise<string[]> {
  return (await journaledEvents(dataDir)).map(({ seq, event }) => `${seq} ${event.type} ${event.timeMs} ${event.value ?? ''} ${event.signalId ?? event.id ?? ''}`);
}

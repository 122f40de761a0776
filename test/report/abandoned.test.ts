// The weekly review counts the signals a restarted server abandoned and lists them, from their
// signal.abandoned receipts.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { useTempDirs } from '../store/support.js';

const tempDir = useTempDirs();
const NOW = Date.parse('2026-11-25T09:00:00.000Z');

const event = (type: string, time: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type, time, component: type.startsWith('task') ? 'execute' : 'intake', ...extra });

describe('abandoned signals in the review', () => {
  it('counts them in the flow and lists each with its receipt, wait and cause, in JSON and Markdown', async () => {
    const dir = tempDir();
    const lines = [
      event('signal.accepted', '2026-11-17T10:00:00Z', { signal_id: 's-1', attributes: { signal_type: 'execute', priority: 3, lane: 'fast' } }),
      event('signal.accepted', '2026-11-17T10:00:01Z', { signal_id: 's-2', attributes: { signal_type: 'execute', priority: 3, lane: 'fast' } }),
      event('signal.accepted', '2026-11-17T10:00:02Z', { signal_id: 's-3', attributes: { signal_type: 'execute', priority: 3, lane: 'fast' } }),
      event('task.completed', '2026-11-17T10:00:03Z', { signal_id: 's-1', value: 12 }),
      event('signal.abandoned', '2026-11-17T12:30:00Z', { signal_id: 's-2', reason: 'crash-recovery', attributes: { because: 'past-timeout', waited_ms: 9_000_000 } }),
      event('signal.abandoned', '2026-11-18T08:00:00Z', { signal_id: 's-3', reason: 'crash-recovery', attributes: { because: 'queue-full', waited_ms: 79_200_000 } }),
    ];
    fs.writeFileSync(path.join(dir, 'week.jsonl'), `${lines.join('\n')}\n`);
    const imported = await kaizen(dir, ['import', 'week.jsonl'], { cwd: dir, now: NOW });
    expect(imported.code, imported.stderr).toBe(0);
    const json = await kaizen(dir, ['review', '--week', '2026-W47', '--format', 'json'], { now: NOW });
    expect(json.code, json.stderr).toBe(0);
    const review = JSON.parse(json.stdout);
    expect(review.flow.abandoned).toBe(2);
    expect(review.abandoned_signals.map((a: { signal_id: string; because: string; waited_s: number }) => [a.signal_id, a.because, a.waited_s])).toEqual([
      ['s-2', 'past-timeout', 9000],
      ['s-3', 'queue-full', 79200],
    ]);
    expect(review.abandoned_signals[0].receipt).toMatch(/^urn:kaizen:receipt:/);
    const md = await kaizen(dir, ['review', '--week', '2026-W47'], { now: NOW });
    expect(md.stdout).toMatch(/\| abandoned \(crash recovery\) \| 2 \|/);
    expect(md.stdout).toContain('| s-3 | 2026-11-18T08:00:00.000Z | 79200.0 | queue-full |');
  });
});

// The kaizen binary writing to a reader that has gone (`kaizen --help | head -1`): the rest of its
// output is dropped quietly, with the command's own exit code, instead of an unhandled EPIPE.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAIN } from './processes.js';

/** Runs kaizen with its stdout pipe closed by the reader before anything is written. */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.destroy();
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a closed output pipe', () => {
  it('ends kaizen --help quietly with exit 0', async () => {
    const { code, stderr } = await withClosedStdout(['--help']);
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it('keeps the exit code of a command that failed', async () => {
    const { code, stderr } = await withClosedStdout(['query', '--no-such-option']);
    expect(stderr).toMatch(/unknown option/);
    expect(code).toBe(2);
  });
});

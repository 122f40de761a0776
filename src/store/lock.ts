// The writer's lock on a data directory: one writing process at a time, readers need none.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KaizenError } from '../errors.js';

export interface DirectoryLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file `LOCK` in the data directory, created exclusively. A lock left by a
 * process that no longer runs is taken over (`onStale` is told); a live one is an error.
 */
export function acquireLock(dataDir: string, onStale?: (pid: number) => void): DirectoryLock {
  const path = join(dataDir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KaizenError('KZN_STORE_IO', `cannot create the lock file ${path}: ${String(error)}`, { cause: error });
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // the holder is removing it right now; try again
      }
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new KaizenError('KZN_STORE_LOCKED', `the data directory ${dataDir} is being written by process ${holder}`, {
          hint: 'Only one kaizen process may write a data directory; stop the other one, or run read-only commands.',
        });
      }
      if (Number.isInteger(holder) && holder === process.pid) {
        throw new KaizenError('KZN_STORE_LOCKED', `the data directory ${dataDir} is already open for writing in this process`);
      }
      onStale?.(holder);
      try {
        unlinkSync(path);
      } catch {
        // raced with another taker; the next attempt decides
      }
    }
  }
  throw new KaizenError('KZN_STORE_LOCKED', `could not take the lock ${path}`);
}

// kaizen run's simulation on a worker thread (simulation-feed.ts starts it): slices of simulated
// time sent to the thread that journals them, never more slices ahead than it has credits for.

import { parentPort, workerData } from 'node:worker_threads';
import { KaizenError } from '../errors.js';
import { Slicer, type WorkerInput, type WorkerMessage } from './simulation-feed.js';

const port = parentPort;
if (port === null) throw new Error('simulate-worker.js runs as a worker thread');
const input = workerData as WorkerInput;
let credits = input.credits;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits += 1;
  wake?.();
  wake = undefined;
});
const send = (m: WorkerMessage): void => port.postMessage(m);
try {
  const slicer = new Slicer(input.options);
  for (let slice = slicer.next(); slice !== undefined; slice = slicer.next()) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    send({ kind: 'slice', slice });
  }
  send({ kind: 'done', summary: slicer.summary() });
} catch (error) {
  send(
    error instanceof KaizenError
      ? { kind: 'error', message: error.message, code: error.code, ...(error.hint !== undefined && { hint: error.hint }) }
      : { kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) },
  );
}
port.unref();

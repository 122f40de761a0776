#!/usr/bin/env -S node --max-semi-space-size=64 --always-sparkplug

// The composition root: runs the kaizen CLI in this process with the real outside world.

import { processDeps } from './cli/deps.js';
import { runCli } from './cli/program.js';

// A reader that stops early (`kaizen query … | head`) closes the pipe: what is left unread is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const code = await runCli(process.argv.slice(2), processDeps());
process.exitCode = code;

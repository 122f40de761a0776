#!/usr/bin/env -S node --max-semi-space-size=64 --always-sparkplug

// The composition root: runs the kaizen CLI in this process with the real outside world.

import { processDeps } from './cli/deps.js';
import { runCli } from './cli/program.js';

const code = await runCli(process.argv.slice(2), processDeps());
process.exitCode = code;

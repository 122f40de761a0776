// Preloaded into a child process (node --import) by the benchmarks: writes the process's peak
// RSS to $KAIZEN_BENCH_RSS_FILE when it exits, without changing the command it measures.

import { writeFileSync } from 'node:fs';
import { peakRssBytes } from './peak-rss.js';

const file = process.env.KAIZEN_BENCH_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ peakRssBytes: peakRssBytes(), userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 }));
  });
}

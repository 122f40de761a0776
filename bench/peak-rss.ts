// The peak resident set size of this process, as the kernel counts it for its own address space.

import { readFileSync } from 'node:fs';

/**
 * Peak RSS in bytes: VmHWM from /proc/self/status on Linux. Not process.resourceUsage().maxRSS:
 * Linux carries ru_maxrss over fork and exec, so a child spawned by a big parent would report
 * at least the parent's RSS.
 */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS * 1024;
}

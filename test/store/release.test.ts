// Releasing a partition drops only the hours asked for; an append-only writer leaves the day index behind.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kz-release-'));
  dirs.push(d);
  return d;
};
const at = (iso: string): KaizenEvent => ({ type: 'task.completed', timeMs: Date.parse(iso), component: 'checkout', pillar: 'kanban', value: 10, unit: 'ms' });
const hour = (iso: string) => ({ fromMs: Date.parse(iso), toMs: Date.parse(iso) + 3_600_000 });

describe('releasing raw partitions', () => {
  it('drops the hour asked for and keeps the other loaded hours of the day', async () => {
    const store = openEmbeddedStore({ dataDir: tempDir() });
    await store.load({ range: { fromMs: Date.parse('2026-11-23T00:00Z'), toMs: Date.parse('2026-11-23T02:00Z') }, raw: true });
    await store.appendEvents([at('2026-11-23T00:10:00Z'), at('2026-11-23T01:10:00Z')]);
    const graph = (h: string) => store.match(null, null, null, { termType: 'NamedNode', value: `urn:kaizen:hour:${h}` } as never).length;
    expect(graph('2026-11-23T00')).toBeGreaterThan(0);
    store.release({ range: hour('2026-11-23T00:00Z'), raw: true });
    expect(graph('2026-11-23T00')).toBe(0);
    expect(graph('2026-11-23T01')).toBeGreaterThan(0);
    await store.close();
  });
});

describe('a writer that only appends', () => {
  it('writes the day index when it closes, so the next command need not scan the journal', async () => {
    const dataDir = tempDir();
    const store = openEmbeddedStore({ dataDir });
    await store.appendEvents([at('2026-11-23T00:10:00Z')]);
    await store.close();
    expect(existsSync(join(dataDir, 'index', '2026-11-23.json'))).toBe(true);
  });
});

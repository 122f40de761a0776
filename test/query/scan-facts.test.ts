// The hand-written baseline the analyzer bench measures against (bench/scan-facts.ts) reads the
// same figures as the SPARQL path: on the fixture week both give equal facts and equal analyses.

import { describe, expect, it } from 'vitest';
import { scanWindowFacts } from '../../bench/scan-facts.js';
import { analyzeFacts, analyzeWindow } from '../../src/query/analyze.js';
import { loadSlos } from '../../src/query/slo-files.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { WEEK } from '../analysis/by-hand.js';
import { useFixtureStore } from '../analysis/fixture-store.js';

const dataDir = useFixtureStore();

describe('the hand-written scan of the rollups', () => {
  it('gives the facts and the analysis that rollup-rows and the analyzer give', async () => {
    const store = openEmbeddedStore({ dataDir: dataDir(), readOnly: true });
    const slos = loadSlos();
    const range = { fromMs: WEEK.fromMs, toMs: WEEK.toMs };
    const viaSparql = await analyzeWindow(store, range, slos);
    const facts = scanWindowFacts(store, range);
    expect(facts.hours.size).toBeGreaterThan(20);
    expect(facts.total.counts.get('TaskCompleted')).toBeGreaterThan(0);
    expect(facts).toEqual(viaSparql.facts);
    const viaScan = analyzeFacts(range, facts, viaSparql.queries, slos);
    expect(viaScan.health).toEqual(viaSparql.health);
    expect(viaScan.slos).toEqual(viaSparql.slos);
    expect(viaScan.trends).toEqual(viaSparql.trends);
    await store.close();
  });
});

// Child process of the benchmarks: opens a data directory read-only as a command would, loads
// the partitions it is told to, optionally runs one catalogue query (the first query of a
// process: Comunica's import and start-up included), and prints its timings and its peak RSS
// as one JSON line.
//
//   node dist/bench/open-store.js DATA_DIR FROM_MS TO_MS rollups|raw [QUERY [key=value ...]]

const [dataDir, fromArg, toArg, what, queryName, ...pairs] = process.argv.slice(2);
if (dataDir === undefined || fromArg === undefined || toArg === undefined || (what !== 'rollups' && what !== 'raw')) {
  process.stderr.write('usage: node dist/bench/open-store.js DATA_DIR FROM_MS TO_MS rollups|raw [QUERY [key=value ...]]\n');
  process.exit(2);
}
const { peakRssBytes } = await import('./peak-rss.js');
const startedMs = performance.now(); // since the process started: node's own start-up before this
const t0 = performance.now();
const { openEmbeddedStore } = await import('../src/store/embedded-store.js');
const t1 = performance.now();
const store = openEmbeddedStore({ dataDir, readOnly: true });
const t2 = performance.now();
await store.load({ range: { fromMs: Number(fromArg), toMs: Number(toArg) }, ...(what === 'rollups' ? { rollups: true } : { raw: true }) });
const t3 = performance.now();
const quads = store.memory.size;
const heapUsedBytes = process.memoryUsage().heapUsed;
let query: { ms: number; rows: number } | undefined;
if (queryName !== undefined) {
  const { bindParams, loadCatalogue, parseParamPairs } = await import('../src/query/catalogue.js');
  const q = loadCatalogue().get(queryName);
  if (q === undefined) throw new Error(`no query ${queryName} in the catalogue`);
  const q0 = performance.now();
  const result = await store.query(q.text, { bindings: bindParams(q, parseParamPairs(pairs)) });
  query = { ms: performance.now() - q0, rows: result.kind === 'bindings' ? result.rows.length : 0 };
}
await store.close();
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    nodeStartMs: startedMs,
    importMs: t1 - t0,
    openMs: t2 - t1,
    loadMs: t3 - t2,
    totalMs: t3 - t0,
    quads,
    heapUsedBytes,
    maxRssBytes: peakRssBytes(),
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    ...(query !== undefined && { queryMs: query.ms, queryRows: query.rows }),
  })}\n`,
);

// The public API of kaizen.

export { buildProgram, runCli } from './cli/program.js';
export { ERROR_CODES, type ErrorCode, KaizenError } from './errors.js';
export { type EventJson, type KaizenEvent, parseEvent, parseEventLine, toEventJson } from './evidence/event.js';
export { EVENT_TYPES, type EventType, PILLARS, type Pillar } from './evidence/event-types.js';
export { quantile, RELATIVE_ERROR } from './evidence/histogram.js';
export { type Receipt, receiptToEvent, toReceipt } from './evidence/receipt.js';
export type { EvidenceStore, PartitionRequest, QueryResult, StoreStats, VerifyReport } from './evidence/store.js';
export { parseWeek } from './evidence/time.js';
export { bindParams, loadCatalogue, type NamedQuery } from './query/catalogue.js';
export { ensureRollups } from './query/rollups.js';
export { EmbeddedStore, openEmbeddedStore } from './store/embedded-store.js';
export { openSparqlStore, SparqlStore, type SparqlStoreOptions } from './store/sparql-store.js';

// Helpers of the weekly-review flow tests: the review's JSON Schema validator, and the raw
// receipts of a data directory read from its journal files by hand (no src/ code).

import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DIGEST_IRI, journalDirOf, ROOT, splitJournal } from '../store/support.js';

export const REVIEW_SCHEMA_PATH = path.join(ROOT, 'reports', 'review.schema.json');

/** A validator of reports/review.schema.json (strict: an unknown keyword in the schema is an error). */
export function reviewValidator(): (value: unknown) => { valid: boolean; errors: string } {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(REVIEW_SCHEMA_PATH, 'utf8')) as object);
  const describe = (errors: ErrorObject[] | null | undefined): string =>
    (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
  return (value) => {
    const valid = validate(value);
    return { valid, errors: describe(validate.errors) };
  };
}

/** One raw receipt as written in the journal: IRI, seq, its class (local name) and digest. */
export interface JournalReceipt {
  readonly iri: string;
  readonly seq: number;
  readonly type: string;
  readonly digest: string;
}

const RDF_TYPE = '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>';
const KZ = 'https://w3id.org/kaizen/ns#';

/** The raw (event) receipts of a data directory, from its day journals (not the rollup files). */
export function rawReceipts(dataDir: string): JournalReceipt[] {
  const dir = journalDirOf(dataDir);
  const out: JournalReceipt[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.nq') && !n.endsWith('.rollup.nq'))) {
    for (const r of splitJournal(fs.readFileSync(path.join(dir, name), 'utf8')).receipts) {
      const subject = r.lines[0]!.slice(0, r.lines[0]!.indexOf(' '));
      const field = (predicate: string): string | undefined =>
        r.lines.find((l) => l.startsWith(`${subject} ${predicate} `))?.slice(subject.length + predicate.length + 2).replace(/ <[^>]*> \.\n$/, '');
      out.push({
        iri: subject.slice(1, -1),
        seq: r.seq,
        type: field(RDF_TYPE)?.slice(1, -1).replace(KZ, '') ?? '',
        digest: /^"([0-9a-f]+)"$/.exec(field(`<${DIGEST_IRI}>`) ?? '')?.[1] ?? '',
      });
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The q-quantile by nearest rank: the ⌈q·n⌉-th smallest value. */
export function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

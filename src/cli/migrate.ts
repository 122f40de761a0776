// `kaizen migrate --to sparql|embedded`: copies one instance's receipt chain, sealed receipts
// unchanged, from the data directory to a SPARQL server or back; resumes where a copy stopped
// and verifies the destination at the end.

import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import type { Receipt } from '../evidence/receipt.js';
import { openEmbeddedStore } from '../store/embedded-store.js';
import { listJournalFiles, scanReceipts } from '../store/journal.js';
import { parseReceiptLines } from '../store/receipt-lines.js';
import type { SparqlStore } from '../store/sparql-store.js';
import { type CliDeps, dataDirOf, type GlobalOptions, progressPrinter } from './context.js';
import { storeChoice } from './store-choice.js';

/** Receipts per append on the destination. */
const BATCH = 1000;

/** The receipts of a data directory in sequence order: a merge of its journal files, each in order. */
function* embeddedChain(dataDir: string): Generator<Receipt> {
  const cursors = listJournalFiles(dataDir)
    .map((f) => scanReceipts(f.path))
    .map((it) => ({ it, next: it.next() }));
  for (;;) {
    let best: (typeof cursors)[number] | undefined;
    for (const c of cursors) if (!c.next.done && (best === undefined || c.next.value.seq < (best.next.value as { seq: number }).seq)) best = c;
    if (best === undefined || best.next.done) return;
    const jr = best.next.value;
    best.next = best.it.next();
    yield parseReceiptLines(jr);
  }
}

/**
 * The source's receipts after the destination's head. Resuming: what the destination holds must
 * be the source's own chain, so the receipt at the head must carry the head's digest.
 */
async function* receiptsAfter(source: AsyncIterable<Receipt> | Iterable<Receipt>, head: { seq: number; digest: string }): AsyncGenerator<Receipt> {
  for await (const r of source) {
    if (r.seq < head.seq) continue;
    if (r.seq === head.seq) {
      if (r.digest !== head.digest) {
        throw new KaizenError('KZN_CHAIN_BROKEN', `the destination holds another chain: its receipt ${head.seq} has digest ${head.digest}, the source's ${r.digest}`, {
          hint: 'Migrate into an empty store, or choose another --graph-prefix / data directory.',
        });
      }
      continue;
    }
    yield r;
  }
}

interface SealedSink {
  head(): { seq: number; digest: string };
  appendSealed(receipts: readonly Receipt[]): Promise<unknown>;
  verify(onProgress?: (n: number) => void): Promise<import('../evidence/store.js').VerifyReport>;
  close(): Promise<void>;
}

/** Runs the command (its options are defined in commands.ts). */
export async function runMigrate(deps: CliDeps, opts: { to: string; loadFiles?: string }, cmd: Command): Promise<void> {
  if (opts.to !== 'sparql' && opts.to !== 'embedded') {
    throw new KaizenError('KZN_USAGE', `--to: expected sparql or embedded, got ${quoteInput(opts.to)}`);
  }
  const loadDir = opts.loadFiles === undefined ? undefined : resolve(deps.cwd, opts.loadFiles);
  if (loadDir !== undefined) {
    if (opts.to !== 'sparql') throw new KaizenError('KZN_USAGE', '--load-files writes files for a SPARQL server\'s loader: it goes with --to sparql');
    if (existsSync(loadDir) && readdirSync(loadDir).some((f) => /^kaizen-\d+\.trig$/.test(f))) {
      throw new KaizenError('KZN_USAGE', `--load-files: ${loadDir} already holds load files (kaizen-*.trig)`, {
        hint: 'Load them into the server and remove them, or choose an empty folder.',
      });
    }
  }
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const choice = storeChoice(deps.env, { ...global, store: 'sparql' });
  if (choice.kind !== 'sparql') throw new KaizenError('KZN_INTERNAL', 'a SPARQL store was chosen');
  const dataDir = dataDirOf(deps, global);
  const notice = (m: string): void => deps.stderr(`notice: ${m}\n`);
  const { openSparqlStore } = await import('../store/sparql-store.js');
  const server = { ...choice.sparql, dataDir, instance: choice.instance, onNotice: notice };
  if (loadDir !== undefined) return writeLoadFiles(deps, loadDir, embeddedChain(dataDir), await openSparqlStore(server));
  let source: AsyncIterable<Receipt> | Iterable<Receipt>;
  let sink: SealedSink;
  let closeSource = async (): Promise<void> => undefined;
  if (opts.to === 'sparql') {
    source = embeddedChain(dataDir);
    sink = await openSparqlStore(server);
  } else {
    const from = await openSparqlStore({ ...server, readOnly: true });
    closeSource = () => from.close();
    source = from.ownChain();
    sink = openEmbeddedStore({ dataDir, instance: choice.instance, onNotice: notice });
  }
  try {
    const start = sink.head();
    const progress = progressPrinter(deps, 'copying');
    let copied = 0;
    let batch: Receipt[] = [];
    for await (const r of receiptsAfter(source, start)) {
      batch.push(r);
      if (batch.length >= BATCH) {
        await sink.appendSealed(batch);
        copied += batch.length;
        batch = [];
        progress(copied);
      }
    }
    if (batch.length > 0) await sink.appendSealed(batch);
    copied += batch.length;
    const report = await sink.verify(progressPrinter(deps, 'verifying'));
    if (!report.ok) throw new KaizenError('KZN_CHAIN_BROKEN', `the copy does not verify: ${report.message} (${report.where})`);
    const resumed = start.seq > 0 ? `, resumed after receipt ${start.seq}` : '';
    deps.stdout(`migrated ${copied} receipts to the ${opts.to} store${resumed}; ${report.receipts} receipts verify, last digest ${report.lastDigest}\n`);
  } finally {
    await sink.close();
    await closeSource();
  }
}

/**
 * Writes the receipts the server lacks as TriG load files for its own bulk loader, instead of
 * sending them: at about 150 receipts a second through INSERT DATA, a million take hours; a
 * loader takes them in minutes. A second `kaizen migrate --to sparql` after the load sends what is
 * still missing and verifies the chain.
 */
async function writeLoadFiles(deps: CliDeps, dir: string, source: Iterable<Receipt>, store: SparqlStore): Promise<void> {
  try {
    const start = store.head();
    const files = store.loadFiles(dir);
    const progress = progressPrinter(deps, 'writing');
    let batch: Receipt[] = [];
    const flush = async (): Promise<void> => {
      files.add(await store.stageSealed(batch));
      batch = [];
      progress(files.receipts);
    };
    for await (const r of receiptsAfter(source, start)) {
      batch.push(r);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    const written = files.close();
    const after = start.seq > 0 ? ` after receipt ${start.seq}, the last the server holds` : '';
    deps.stdout(
      `wrote ${files.receipts} receipts (${files.quads} quads)${after} to ${written.length} TriG files in ${dir}\n` +
        "Load them with the server's bulk loader, then run kaizen migrate --to sparql again: it sends what is still missing and verifies the chain.\n" +
        `Virtuoso (the folder in DirsAllowed): isql-vt 1111 dba dba exec="ld_dir('${dir}', '*.trig', 'urn:kaizen:load'); rdf_loader_run(); checkpoint;"\n`,
    );
  } finally {
    await store.close();
  }
}

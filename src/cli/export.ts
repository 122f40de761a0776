// `kaizen export`: receipts of a window as N-Quads, TriG, Turtle or JSON Lines of events, to
// stdout or a file, streamed from the journal.

import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { Writer } from 'n3';
import { KaizenError, quoteInput } from '../errors.js';
import { toEventJson } from '../evidence/event.js';
import { receiptToEvent } from '../evidence/receipt.js';
import { PREFIXES } from '../evidence/vocabulary.js';
import { type CliDeps, type GlobalOptions, openStore, type WindowOptions, windowOf } from './context.js';
import { EXPORT_FORMATS } from './formats.js';
import { outputError, outputPathOf } from './output-path.js';


interface ExportOptions extends WindowOptions {
  format: string;
  out?: string;
  rollups?: boolean;
}

/** Opens the temp file of an export, making its folder when missing. */
function openOutput(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w');
  } catch (error) {
    throw outputError(path, error);
  }
}

/** Runs the command (its options are defined in commands.ts). */
export async function runExport(deps: CliDeps, opts: ExportOptions, cmd: Command): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new KaizenError('KZN_USAGE', `--format: expected one of ${EXPORT_FORMATS.join(', ')}, got ${quoteInput(opts.format)}`);
  }
  const range = windowOf(deps, opts) ?? { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY };
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const outPath = opts.out === undefined ? undefined : outputPathOf(deps, global, opts.out, '--out');
  const fd = outPath === undefined ? undefined : openOutput(`${outPath}.tmp`);
  let buffer = '';
  const emit = (text: string): void => {
    buffer += text;
    if (buffer.length > 1 << 20) flush();
  };
  const flush = (): void => {
    if (fd === undefined) deps.stdout(buffer);
    else {
      try {
        writeSync(fd, buffer);
      } catch (error) {
        throw outputError(`${outPath}.tmp`, error);
      }
    }
    buffer = '';
  };
  const store = await openStore(deps, global, 'read');
  let count = 0;
  try {
    const writer =
      opts.format === 'trig' || opts.format === 'turtle'
        ? new Writer({ format: opts.format === 'trig' ? 'TriG' : 'Turtle', prefixes: { ...PREFIXES } })
        : undefined;
    for await (const r of store.exportReceipts(range, { rollups: opts.rollups === true })) {
      count++;
      if (opts.format === 'nquads') emit(r.lines.join(''));
      else if (opts.format === 'jsonl') {
        const e = receiptToEvent(r.quads);
        if (e !== undefined) emit(`${JSON.stringify(toEventJson(e))}\n`);
      } else {
        for (const q of r.quads) {
          if (opts.format === 'turtle') writer!.addQuad(q.subject, q.predicate, q.object);
          else writer!.addQuad(q);
        }
      }
    }
    writer?.end((_e, text: string) => emit(text));
    flush();
    if (fd !== undefined && outPath !== undefined) {
      closeSync(fd);
      try {
        renameSync(`${outPath}.tmp`, outPath);
      } catch (error) {
        throw outputError(outPath, error);
      }
      deps.stderr(`exported ${count} receipts to ${opts.out}\n`);
    }
  } finally {
    await store.close();
  }
}

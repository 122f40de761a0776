// Where a command may write a report or an export: anywhere but over the store's own files.
// The journal, its index, HEAD and LOCK in the data directory belong to the store; an `--out`
// that lands there would replace evidence.

import { existsSync, mkdirSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { KaizenError, quoteInput } from '../errors.js';
import { type CliDeps, dataDirOf, type GlobalOptions } from './context.js';

/** The folder of the data directory that scheduled reviews go to by default. */
export const REVIEWS_FOLDER = 'reviews';

/** The entries of a data directory that the store owns (a temp file beside HEAD or LOCK included). */
const STORE_ENTRIES = /^(journal|index|HEAD|LOCK)([.].*)?$/;

/** A path with its symbolic links resolved as far as it exists, so that a link into the data directory is seen through. */
function realOf(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return path;
    rest.unshift(existing.slice(parent.length).replace(/^[/\\]/, ''));
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

/**
 * The absolute path an `--out`-like option names, refused (KZN_USAGE) when it is one of the
 * store's own files or folders in the data directory (or lies inside one), or when a file is
 * wanted and it is a folder.
 */
export function outputPathOf(deps: CliDeps, global: GlobalOptions, given: string, option: string, kind: 'file' | 'folder' = 'file'): string {
  if (given.trim() === '') throw new KaizenError('KZN_USAGE', `${option}: expected a path, got an empty one`);
  const path = resolve(deps.cwd, given);
  const data = realOf(dataDirOf(deps, global));
  const rel = relative(data, realOf(path));
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  if ((inside && STORE_ENTRIES.test(rel.split(sep)[0] as string)) || (rel === '' && kind === 'file')) {
    throw new KaizenError('KZN_USAGE', `${option}: ${quoteInput(given)} would overwrite the store's own files in the data directory ${data}`, {
      hint: `Write it elsewhere: journal/, index/, HEAD and LOCK belong to the store (the ${REVIEWS_FOLDER}/ folder beside them is free).`,
    });
  }
  if (kind === 'file' && existsSync(path) && statSync(path).isDirectory()) {
    throw new KaizenError('KZN_USAGE', `${option}: ${quoteInput(given)} is a folder; expected the path of a file`);
  }
  return path;
}

/** An output file could not be written: which, and why. */
export function outputError(path: string, error: unknown): KaizenError {
  if (error instanceof KaizenError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new KaizenError('KZN_OUTPUT_FILE', `cannot write ${path}: ${code}`, { cause: error });
}

/** Writes a file atomically: a temp file beside it, then a rename; its folder is made when missing. */
export function writeAtomically(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    throw outputError(path, error);
  }
}

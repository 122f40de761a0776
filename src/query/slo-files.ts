// Reads the SLO definitions of a folder (slos/*.yaml by default).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSloFile, type SloSpec } from '../analysis/slo-spec.js';
import { KaizenError } from '../errors.js';

/** The shipped slos/ folder (beside src/ in tests, beside dist/ when built). */
export function defaultSloDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../slos', '../../../slos']) if (existsSync(join(here, up))) return join(here, up);
  return join(here, '../../slos');
}

/** A file's text, refused with its name when it cannot be read or is not UTF-8. */
function readText(file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (error) {
    const why = error instanceof TypeError ? 'it is not UTF-8 text' : ((error as NodeJS.ErrnoException).code ?? String(error));
    throw new KaizenError('KZN_INPUT_FILE', `cannot read the SLO file ${file}: ${why}`, { cause: error });
  }
}

/** Every SLO of a folder, validated; names must be unique. */
export function loadSlos(dir = defaultSloDir()): SloSpec[] {
  if (!existsSync(dir)) throw new KaizenError('KZN_INPUT_FILE', `the SLO folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new KaizenError('KZN_INPUT_FILE', `${dir} is a file; expected the folder of the SLO files`);
  const out: SloSpec[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = join(dir, f);
    const spec = parseSloFile(readText(file), file);
    const dup = out.find((s) => s.name === spec.name);
    if (dup !== undefined) throw new KaizenError('KZN_USAGE', `${file}: metadata.name ${spec.name} is already used by ${dup.file}`);
    out.push(spec);
  }
  return out;
}

// One YAML (or JSON) document's value, for the files kaizen reads as YAML: scenarios and SLOs.

import { parseDocument } from 'yaml';
import { type ErrorCode, KaizenError } from './errors.js';

/**
 * The value of the YAML document in `text`. A syntax error, a warning (an unknown tag such as
 * `!!js/function`), an alias without its anchor or one that expands past the parser's alias
 * bound is refused with `code`, naming `source`, the line where the parser has one and what was
 * wrong, so that no such file is read as something else.
 */
export function yamlValue(text: string, source: string, code: ErrorCode): unknown {
  const doc = parseDocument(text, { logLevel: 'silent' });
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first !== undefined) {
    const line = first.linePos?.[0]?.line;
    const where = line === undefined ? source : `${source}: line ${line}`;
    const what = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new KaizenError(code, `${where}: expected YAML or JSON: ${what}`);
  }
  try {
    return doc.toJS();
  } catch (error) {
    throw new KaizenError(code, `${source}: expected YAML or JSON: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

// What a SPARQL request may do over the evidence: read the loaded partitions, nothing else.
// Updates, SERVICE (federation) and FROM / FROM NAMED (datasets named by IRI) are refused
// before the engine sees the query.

import { KaizenError } from '../errors.js';

/** An IRIREF (SPARQL 1.1 §19.8, production 139): no spaces, no <>"{}|^`\ inside. */
const IRIREF = /<[^<>"{}|^`\\\u0000-\u0020]*>/y;

/**
 * The text of a query with its IRIs, strings and comments blanked out, read left to right as the
 * SPARQL lexer reads it (§19.8), so that a keyword inside one of them is not taken for a keyword
 * and a keyword hidden between two quotes in comments is not missed.
 */
export function bareSparql(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      out += ' ';
      continue;
    }
    if (c === '<') {
      IRIREF.lastIndex = i;
      const m = IRIREF.exec(text);
      if (m !== null) {
        i += m[0].length;
        out += '<>';
        continue;
      }
    }
    if (c === '"' || c === "'") {
      const long = text.startsWith(c.repeat(3), i);
      i = long ? endOfLongString(text, i + 3, c.repeat(3)) : endOfString(text, i + 1, c);
      out += '""';
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The index after a long string's closing quotes (an escape skips the character after it). */
function endOfLongString(text: string, from: number, quotes: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith(quotes, i)) return i + 3;
  }
  return text.length;
}

/** The index after a short string's closing quote; a short string ends at a line end (§19.8, STRING_LITERAL1/2). */
function endOfString(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
    else if (c === '\n' || c === '\r') return i;
  }
  return text.length;
}

/** A keyword as a token of its own: not part of a variable, a prefixed name, a language tag or a longer word. */
const keyword = (words: string): RegExp => new RegExp(`(^|[^?$:@\\w-])(${words})(?![\\w:-])`, 'i');

const UPDATE = keyword('INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD');
const SERVICE = keyword('SERVICE');
const DATASET = keyword('FROM');

/** True when a request text is a SPARQL Update (SPARQL 1.1 Update §3): an update keyword outside IRIs, strings and comments. */
export function looksLikeUpdate(text: string): boolean {
  return UPDATE.test(bareSparql(text));
}

/**
 * Refuses a query that would reach past the loaded evidence: SERVICE (SPARQL 1.1 Federated
 * Query §3) would call another endpoint; FROM and FROM NAMED (SPARQL 1.1 Query §13.2) name
 * graphs by IRI, which an engine may dereference (a file: or http: IRI). Partitions are chosen
 * by time instead, and graphs with GRAPH.
 */
export function checkQueryScope(text: string): void {
  const bare = bareSparql(text);
  const found = SERVICE.exec(bare) ?? DATASET.exec(bare);
  if (found === null) return;
  const word = (found[2] as string).toUpperCase();
  throw new KaizenError(
    'KZN_QUERY_SCOPE',
    `the query uses ${word === 'FROM' ? 'FROM (a dataset named by IRI)' : 'SERVICE (another endpoint)'}: a query reads the loaded evidence only`,
    { hint: 'Choose partitions by time (from/to or week) and graphs with GRAPH ?g { … }; drop SERVICE and FROM.' },
  );
}

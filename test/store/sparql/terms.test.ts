// Terms to and from a SPARQL server: what Virtuoso prints differently is read back as kaizen wrote it.

import { DataFactory } from 'n3';
import { describe, expect, it } from 'vitest';
import { normaliseLexical, sparqlTerm, termOfJson } from '../../../src/store/sparql/terms.js';

const { namedNode, literal } = DataFactory;
const XSD = 'http://www.w3.org/2001/XMLSchema#';

describe('terms from a SPARQL server', () => {
  it.each([
    ['100.0', 'double', '100'],
    ['1e-07', 'double', '1e-7'],
    ['0.3', 'double', '0.3'],
    ['INF', 'double', 'INF'],
    ['2026-11-16T08:55:00Z', 'dateTime', '2026-11-16T08:55:00.000Z'],
    ['2026-11-16T08:55:00.12Z', 'dateTime', '2026-11-16T08:55:00.120Z'],
    ['2026-11-16T08:55:00+01:00', 'dateTime', '2026-11-16T08:55:00+01:00'],
    ['42', 'integer', '42'],
  ])('reads %s^^xsd:%s as %s', (value, type, expected) => {
    expect(normaliseLexical(value, `${XSD}${type}`)).toBe(expected);
  });

  it("reads Virtuoso's typed-literal and plain literals of the JSON results", () => {
    expect(termOfJson({ type: 'typed-literal', datatype: `${XSD}double`, value: '100.0' })).toEqual(literal('100', namedNode(`${XSD}double`)));
    expect(termOfJson({ type: 'literal', value: 'café' })).toEqual(literal('café'));
    expect(termOfJson({ type: 'literal', value: 'x', 'xml:lang': 'en' })).toEqual(literal('x', 'en'));
    expect(termOfJson({ type: 'uri', value: 'urn:kaizen:receipt:local:1' })).toEqual(namedNode('urn:kaizen:receipt:local:1'));
  });

  it('writes terms as SPARQL syntax', () => {
    expect(sparqlTerm(literal('line\nbreak "q" \\'))).toBe('"line\\nbreak \\"q\\" \\\\"');
    expect(sparqlTerm(literal('7', namedNode(`${XSD}integer`)))).toBe(`"7"^^<${XSD}integer>`);
    expect(sparqlTerm(literal('plain', namedNode(`${XSD}string`)))).toBe('"plain"');
  });
});

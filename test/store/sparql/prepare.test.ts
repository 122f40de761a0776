// How a query is readied for a SPARQL server: its form found, updates refused, parameters bound
// in a VALUES block at the top of its WHERE group, outside comments, strings and IRIs.

import { DataFactory } from 'n3';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../../src/errors.js';
import { loadCatalogue } from '../../../src/query/catalogue.js';
import { prepareQuery } from '../../../src/store/sparql/prepare.js';

const { namedNode, literal } = DataFactory;
const XSD_INTEGER = namedNode('http://www.w3.org/2001/XMLSchema#integer');

describe('preparing a query for a SPARQL server', () => {
  it.each([
    ['PREFIX kz: <https://w3id.org/kaizen/ns#>\nSELECT ?s WHERE { ?s a kz:X }', 'SELECT'],
    ['# a comment naming SELECT\nASK { ?s ?p ?o }', 'ASK'],
    ['BASE <http://e/> PREFIX : <http://e/#> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }', 'CONSTRUCT'],
    ['PREFIX select: <http://e/> DESCRIBE <http://e/x>', 'DESCRIBE'],
  ])('finds the form of %j', (text, form) => {
    expect(prepareQuery(text).form).toBe(form);
  });

  it.each([
    'INSERT DATA { <a:b> <a:c> <a:d> }',
    'PREFIX kz: <https://w3id.org/kaizen/ns#>\nDELETE WHERE { ?s ?p ?o }',
    'DROP ALL',
  ])('refuses the update %j', (text) => {
    expect(() => prepareQuery(text)).toThrow(/SPARQL updates are refused/);
  });

  it('names what it found when the text is no query', () => {
    try {
      prepareQuery('SELEC ?x WHERE {}');
      expect.unreachable();
    } catch (error) {
      expect(isKaizenError(error, 'KZN_QUERY_SYNTAX')).toBe(true);
      expect((error as Error).message).toMatch(/expected SELECT, ASK, CONSTRUCT or DESCRIBE, found SELEC/);
    }
  });

  it('binds parameters in a VALUES block opening the WHERE group, not the CONSTRUCT template', () => {
    const text = 'CONSTRUCT { ?s <http://e/p> "}{" } WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?o < ?to) }';
    const prepared = prepareQuery(text, { g: namedNode('urn:kaizen:hour:2026-11-16T10'), to: literal('5', XSD_INTEGER) });
    expect(prepared.text).toBe(
      'CONSTRUCT { ?s <http://e/p> "}{" } WHERE {\n  VALUES (?g ?to) { (<urn:kaizen:hour:2026-11-16T10> "5"^^<http://www.w3.org/2001/XMLSchema#integer>) }\n GRAPH ?g { ?s ?p ?o } FILTER (?o < ?to) }',
    );
  });

  it('writes a string parameter as an escaped literal, so that it cannot end the query early', () => {
    const prepared = prepareQuery('SELECT ?x WHERE { ?x <http://e/p> ?v }', { v: literal('a" } DROP ALL ; #\n') });
    expect(prepared.text).toContain('VALUES (?v) { ("a\\" } DROP ALL ; #\\n") }');
  });

  it('refuses an IRI parameter that an IRI cannot hold', () => {
    expect(() => prepareQuery('SELECT ?x WHERE { ?x ?p ?v }', { v: namedNode('urn:a> } DROP ALL <urn:b') })).toThrow(/expected an IRI/);
  });

  it.each([...loadCatalogue().values()].map((q) => [q.name, q] as const))('finds the WHERE group of the shipped query %s', (_name, q) => {
    const bindings = Object.fromEntries(q.params.map((p) => [p.name, literal('1', XSD_INTEGER)]));
    const prepared = prepareQuery(q.text, bindings);
    expect(prepared.form).toBe('SELECT');
    if (q.params.length > 0) expect(prepared.text).toMatch(/WHERE \{\n {2}VALUES \(/);
  });
});

describe('naming the loaded partitions as the dataset of a query', () => {
  it('puts FROM and FROM NAMED before the WHERE group, after the CONSTRUCT template', () => {
    const prepared = prepareQuery('CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }', {}, ['urn:kaizen:hour:2026-11-16T10', 'urn:kaizen:rollup:2026-11-16T10']);
    expect(prepared.hasDataset).toBe(true);
    expect(prepared.text).toBe(
      'CONSTRUCT { ?s ?p ?o } FROM <urn:kaizen:hour:2026-11-16T10>\nFROM <urn:kaizen:rollup:2026-11-16T10>\nFROM NAMED <urn:kaizen:hour:2026-11-16T10>\nFROM NAMED <urn:kaizen:rollup:2026-11-16T10>\nWHERE { GRAPH ?g { ?s ?p ?o } }',
    );
  });

  it('names a graph no evidence is in when nothing is loaded, so that the server does not read everything', () => {
    expect(prepareQuery('ASK { ?s ?p ?o }', {}, []).text).toBe('ASK FROM <urn:kaizen:no-graph>\nFROM NAMED <urn:kaizen:no-graph>\n{ ?s ?p ?o }');
  });

  it('leaves a query that names its own dataset as it is', () => {
    const text = 'SELECT * FROM <urn:x> WHERE { ?s ?p ?o }';
    expect(prepareQuery(text, {}, ['urn:kaizen:hour:2026-11-16T10'])).toEqual({ form: 'SELECT', text, hasDataset: true });
  });
});

// How a query is readied for a SPARQL server: its form found, updates refused, parameters bound
// in a VALUES block at the top of its WHERE group, outside comments, strings and IRIs.

import { DataFactory } from 'n3';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../../src/errors.js';
import { loadCatalogue } from '../../../src/query/catalogue.js';
import { MAX_EXPANDED_GRAPHS, prepareQuery, unionOverGraphs } from '../../../src/store/sparql/prepare.js';

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
    const prepared = prepareQuery('CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }', {}, ['urn:kaizen:hour:2026-11-16T10', 'urn:kaizen:rollup:2026-11-16T10']);
    expect(prepared.hasDataset).toBe(true);
    expect(prepared.text).toBe(
      'CONSTRUCT { ?s ?p ?o } FROM <urn:kaizen:hour:2026-11-16T10>\nFROM <urn:kaizen:rollup:2026-11-16T10>\nFROM NAMED <urn:kaizen:hour:2026-11-16T10>\nFROM NAMED <urn:kaizen:rollup:2026-11-16T10>\nWHERE { ?s ?p ?o }',
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

describe('spelling out GRAPH ?g over the dataset, graph by graph', () => {
  const dataset = ['urn:kaizen:rollup:2026-11-16T10', 'urn:kaizen:rollup:2026-11-16T11'];

  it('spells out a pattern of one triple whatever its terms hold', () => {
    for (const text of ['SELECT * WHERE { GRAPH ?g { ?s <urn:p;x> "a . b; c, d" . } }', 'SELECT * WHERE { GRAPH ?g { ?s <urn:p> 1.5 } }']) {
      expect(prepareQuery(text, {}, dataset).text, text).not.toMatch(/GRAPH \?g/);
    }
  });

  it('turns a GRAPH pattern on a variable into a union with one branch per graph, the variable bound in each', () => {
    const prepared = prepareQuery('SELECT ?g ?s WHERE { GRAPH ?g { ?s a <urn:T> } FILTER (?s != <urn:x>) }', {}, dataset);
    expect(prepared.text).toContain(
      '{ { VALUES ?g { <urn:kaizen:rollup:2026-11-16T10> } GRAPH <urn:kaizen:rollup:2026-11-16T10> { ?s a <urn:T> } }\n  UNION { VALUES ?g { <urn:kaizen:rollup:2026-11-16T11> } GRAPH <urn:kaizen:rollup:2026-11-16T11> { ?s a <urn:T> } } } FILTER (?s != <urn:x>) }',
    );
    expect(prepared.text).not.toMatch(/GRAPH \?g/);
  });

  it('spells out every such pattern, and binds parameters once at the top', () => {
    const text = 'SELECT * WHERE { GRAPH ?a { ?s <urn:p> ?t } GRAPH ?b { ?s <urn:q> ?u } FILTER (?t < ?to) }';
    const prepared = prepareQuery(text, { to: literal('5', XSD_INTEGER) }, dataset);
    expect(prepared.text.match(/GRAPH <urn:kaizen:rollup:2026-11-16T1[01]>/g)?.length).toBe(4);
    expect(prepared.text.match(/VALUES \(\?to\)/g)?.length).toBe(1);
  });

  it('leaves a pattern of more than one triple, one with a group inside it, one on a bound parameter, and one in a string or comment', () => {
    const cases = [
      'SELECT * WHERE { GRAPH ?g { ?s ?p ?o OPTIONAL { ?s <urn:q> ?x } } }',
      'SELECT * WHERE { GRAPH ?g { ?s a <urn:T> ; <urn:p> ?o } }',
      'SELECT * WHERE { GRAPH ?g { ?s a <urn:T> . ?s <urn:p> ?o } }',
      'SELECT * WHERE { ?s <urn:p> "GRAPH ?g { ?s ?p ?o }" }\n# GRAPH ?g { ?s ?p ?o }',
    ];
    for (const text of cases) expect(prepareQuery(text, {}, dataset).text).toMatch(/GRAPH \?g|"GRAPH \?g/);
    const bound = prepareQuery('SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }', { g: namedNode(dataset[0]!) }, dataset);
    expect(bound.text).toContain('GRAPH ?g { ?s ?p ?o }');
  });

  it(`leaves a dataset of more than ${MAX_EXPANDED_GRAPHS} graphs to FROM NAMED alone`, () => {
    const many = Array.from({ length: MAX_EXPANDED_GRAPHS + 1 }, (_, i) => `urn:kaizen:hour:g${i}`);
    expect(prepareQuery('SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }', {}, many).text).toContain('WHERE { GRAPH ?g { ?s ?p ?o } }');
  });

  it('tells a query whose rows are a union over the graphs, which may go as requests over parts of the dataset', () => {
    expect(unionOverGraphs(loadCatalogue().get('rollup-rows')!.text)).toBe(true);
    expect(unionOverGraphs('SELECT ?s WHERE { VALUES ?p { <urn:p> } GRAPH ?g { ?s ?p ?o } . }')).toBe(true);
    for (const text of [
      'SELECT (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }',
      'SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }',
      'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s',
      'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5',
      'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?s ?p ?x } }',
      'SELECT ?s WHERE { ?s <urn:in> ?x . GRAPH ?g { ?s ?p ?o } }',
      'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?o > 1) }',
      'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } OPTIONAL { ?s <urn:q> ?x } }',
      'SELECT ?s WHERE { { SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } } }',
      'ASK { GRAPH ?g { ?s ?p ?o } }',
    ]) {
      expect(unionOverGraphs(text), text).toBe(false);
    }
  });
});

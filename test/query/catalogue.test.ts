// The query catalogue: headers of queries/*.rq, and parameters bound as terms, never as text.

import fs from 'node:fs';
import path from 'node:path';
import { DataFactory, Store } from 'n3';
import { describe, expect, it } from 'vitest';
import {
  bindParam,
  bindParams,
  loadCatalogue,
  PARAM_TYPES,
  parseParamPairs,
  parseQueryFile,
  type QueryParam,
} from '../../src/query/catalogue.js';
import { runQuery } from '../../src/query/engine.js';
import { QUERY_DIR, useTempDirs } from '../store/support.js';

const tempDir = useTempDirs();
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const { namedNode, literal, quad } = DataFactory;

const counts = {
  name: 'counts',
  summary: '',
  reads: 'rollups',
  params: [
    { name: 'from', type: 'kz:epochMs', description: 'start' },
    { name: 'to', type: 'kz:epochMs', description: 'end' },
    { name: 'spanMs', type: 'xsd:integer', description: 'span', default: '600000' },
  ],
  columns: [],
  text: '',
  file: 'counts.rq',
} as const;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('query catalogue', () => {
  describe('of the shipped queries', () => {
    const files = fs.readdirSync(QUERY_DIR).filter((f) => f.endsWith('.rq'));
    const catalogue = loadCatalogue(QUERY_DIR);

    it('holds one query per .rq file, named after its file', () => {
      expect([...catalogue.keys()].sort()).toEqual(files.map((f) => f.replace(/\.rq$/, '')).sort());
      for (const q of catalogue.values()) expect(path.basename(q.file)).toBe(`${q.name}.rq`);
    });

    it('gives every query a summary, the columns it answers and typed parameters', () => {
      for (const q of catalogue.values()) {
        expect(q.summary, q.name).not.toBe('');
        expect(q.columns.length, q.name).toBeGreaterThan(0);
        for (const p of q.params) {
          expect(PARAM_TYPES, `${q.name} ${p.name}`).toContain(p.type);
          expect(q.text, `${q.name} uses ?${p.name}`).toMatch(new RegExp(`\\?${p.name}\\b`));
        }
      }
    });
  });

  describe('header', () => {
    it('is read: name, summary over several lines, reads, params with defaults, columns', () => {
      const q = parseQueryFile(
        [
          '# name: my-query',
          '# summary: first half',
          '# summary: second half',
          '# reads: raw',
          '# param: from kz:epochMs Start, inclusive',
          '# param: spanMs xsd:integer = 600000 How far back',
          '# columns: a b',
          'SELECT ?a ?b WHERE { ?a ?p ?b }',
        ].join('\n'),
        'my-query.rq',
      );
      expect(q).toMatchObject({
        name: 'my-query',
        summary: 'first half second half',
        reads: 'raw',
        columns: ['a', 'b'],
        params: [
          { name: 'from', type: 'kz:epochMs', description: 'Start, inclusive' },
          { name: 'spanMs', type: 'xsd:integer', default: '600000', description: 'How far back' },
        ],
      });
    });

    it.each([
      ['without a name', '# summary: s\nSELECT * {}', /bad\.rq: expected a header line "# name: some-name"/],
      ['with a name in capitals', '# name: MyQuery\nSELECT * {}', /expected a header line "# name/],
      ['with an unknown param type', '# name: q\n# param: n xsd:float A number\nSELECT * {}', /bad\.rq line 2: param: .*xsd:float/],
      ['with an unknown reads', '# name: q\n# reads: everything\nSELECT * {}', /bad\.rq line 2: reads: expected raw, rollups or both/],
    ])('is refused %s with KZN_QUERY_HEADER naming the file', (_what, text, message) => {
      expect(() => parseQueryFile(text, 'bad.rq')).toThrow(expect.objectContaining({ code: 'KZN_QUERY_HEADER', message: expect.stringMatching(message) }));
    });

    it('is refused when two files take the same name', () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'a.rq'), '# name: same\nSELECT * {}');
      fs.writeFileSync(path.join(dir, 'b.rq'), '# name: same\nSELECT * {}');
      expect(() => loadCatalogue(dir)).toThrow(expect.objectContaining({ code: 'KZN_QUERY_HEADER', message: expect.stringContaining('already used by a.rq') }));
    });
  });

  describe('parameters', () => {
    it('bind dates and times to epoch milliseconds', () => {
      const b = bindParams(counts, { from: '2026-11-16', to: '2026-11-23T10:00:00+01:00' });
      expect(b.from).toEqual(literal(String(Date.UTC(2026, 10, 16)), namedNode(`${XSD}integer`)));
      expect(b.to).toEqual(literal(String(Date.UTC(2026, 10, 23, 9)), namedNode(`${XSD}integer`)));
    });

    it('take their default when not given', () => {
      expect(bindParams(counts, { from: '2026-11-16', to: '2026-11-23' }).spanMs!.value).toBe('600000');
    });

    it.each<[string, QueryParam['type'], string, string]>([
      ['an hour', 'kz:hourGraph', '2026-11-17T10', 'urn:kaizen:hour:2026-11-17T10'],
      ['a time with a zone, as its UTC hour', 'kz:hourGraph', '2026-11-17T11:30:00+01:00', 'urn:kaizen:hour:2026-11-17T10'],
      ['an IRI', 'iri', 'urn:kaizen:receipt:local:42', 'urn:kaizen:receipt:local:42'],
      ['a dateTime', 'xsd:dateTime', '2026-11-17', '2026-11-17T00:00:00.000Z'],
      ['a double', 'xsd:double', '2.5', '2.5'],
      ['a string, as it is', 'xsd:string', 'a "quoted" } value', 'a "quoted" } value'],
    ])('bind %s', (_what, type, value, expected) => {
      expect(bindParam({ name: 'p', type, description: '' }, value).value).toBe(expected);
    });

    it.each<[string, QueryParam['type'], string]>([
      ['a word for an integer', 'xsd:integer', 'ten'],
      ['a fraction for an integer', 'xsd:integer', '1.5'],
      ['an empty double', 'xsd:double', ''],
      ['an IRI that would break out of its brackets', 'iri', 'urn:x> } ; DROP ALL #'],
      ['a relative IRI', 'iri', 'receipt-42'],
      ['an hour that is no time', 'kz:hourGraph', 'tenish'],
      ['a time without a zone', 'kz:epochMs', '2026-11-17T10:00'],
    ])('refuse %s, naming the parameter', (_what, type, value) => {
      let message = '';
      try {
        bindParam({ name: 'p', type, description: '' }, value);
      } catch (error) {
        expect((error as { code: string }).code).toMatch(/^KZN_(QUERY_PARAM|TIME_INVALID)$/);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^--param p: expected/);
    });

    it('refuse an unknown name, listing the known ones', () => {
      expect(() => bindParams(counts, { from: '2026-11-16', to: '2026-11-23', colour: 'red' })).toThrow(
        expect.objectContaining({ code: 'KZN_QUERY_PARAM', message: expect.stringMatching(/^--param colour: .*counts.*from, to, spanMs/) }),
      );
    });

    it('refuse a missing one that has no default', () => {
      expect(() => bindParams(counts, { from: '2026-11-16' })).toThrow(
        expect.objectContaining({ code: 'KZN_QUERY_PARAM', message: expect.stringMatching(/^--param to: the query counts needs it/) }),
      );
    });

    it('are split from key=value, the value keeping any further "="', () => {
      expect({ ...parseParamPairs(['a=b=c', 'empty=']) }).toEqual({ a: 'b=c', empty: '' });
      expect(codeOf(() => parseParamPairs(['from']))).toBe('KZN_QUERY_PARAM');
      expect(codeOf(() => parseParamPairs(['=x']))).toBe('KZN_QUERY_PARAM');
      expect(() => parseParamPairs(['from'])).toThrow('--param: expected key=value, got "from"');
    });

    it('are bound as terms by the engine, so that a value cannot change the query', async () => {
      const store = new Store([
        quad(namedNode('urn:a'), namedNode('urn:name'), literal('alice')),
        quad(namedNode('urn:b'), namedNode('urn:name'), literal('bob')),
      ]);
      const text = 'SELECT ?s WHERE { ?s <urn:name> ?name }';
      const bound = (value: string) => runQuery(store, text, { bindings: { name: literal(value) } });
      const alice = await bound('alice');
      expect(alice.kind === 'bindings' && alice.rows.map((r) => r.s!.value)).toEqual(['urn:a']);
      const injected = await bound('x" || true || "');
      expect(injected.kind === 'bindings' && injected.rows).toEqual([]);
    });
  });
});

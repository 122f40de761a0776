// The 5-Whys input through why-columns.rq (one pattern per property, folded in TypeScript) is
// exactly what events-between.rq answers with its join.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V } from '../../src/evidence/vocabulary.js';
import { loadCatalogue } from '../../src/query/catalogue.js';
import { STATE_CHANGE_CLASSES, stateChangesBetween } from '../../src/query/why.js';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded-store.js';
import { fixtureEvents, useTempDirs, WEEK_RANGE } from '../store/support.js';

const tempDir = useTempDirs();
let store: EmbeddedStore;
const ms = (n: number): RDF.Term => DataFactory.literal(String(n), V.xsdInteger);

beforeAll(async () => {
  const dataDir = tempDir();
  const writer = openEmbeddedStore({ dataDir });
  await writer.appendEvents(fixtureEvents());
  await writer.close();
  store = openEmbeddedStore({ dataDir, readOnly: true });
  await store.load({ range: WEEK_RANGE, raw: true });
}, 60_000);

afterAll(async () => {
  await store.close();
});

describe('the state-changing events of a window', () => {
  it('are the rows of events-between, field for field and in the same order', async () => {
    const windows = [WEEK_RANGE, { fromMs: Date.UTC(2026, 10, 17, 9, 30), toMs: Date.UTC(2026, 10, 17, 11) }];
    for (const range of windows) {
      const q = loadCatalogue().get('events-between')!;
      const result = await store.query(q.text, { bindings: { from: ms(range.fromMs), to: ms(range.toMs) } });
      if (result.kind !== 'bindings') throw new Error('expected bindings');
      const expected = result.rows.map((r) => ({
        iri: r.r!.value,
        className: r.type!.value.split('#')[1],
        timeMs: Number(r.t!.value),
        component: r.component!.value,
        ...(r.reason !== undefined && { reason: r.reason.value }),
        ...(r.alert !== undefined && { alert: r.alert.value }),
        ...(r.value !== undefined && { value: Number(r.value.value) }),
        ...(r.eventId !== undefined && { eventId: r.eventId.value }),
        ...(r.causedBy !== undefined && { causedBy: r.causedBy.value }),
      }));
      expect(expected.length).toBeGreaterThan(0);
      expect(await stateChangesBetween(store, range)).toEqual(expected);
    }
  });

  it('name the same classes as events-between.rq', () => {
    const text = loadCatalogue().get('events-between')!.text;
    const values = /VALUES \?type \{([^}]*)\}/.exec(text)![1]!;
    const classes = values.trim().split(/\s+/).map((c) => c.replace(/^kz:/, ''));
    expect(new Set(classes)).toEqual(STATE_CHANGE_CLASSES);
  });
});

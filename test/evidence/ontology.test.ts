// Checks that kaizen.ttl parses and declares every kz: term that the code uses.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser } from 'n3';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/evidence/event-types.js';
import { KZ, PROV, RDF, SOSA, V } from '../../src/evidence/vocabulary.js';

const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const OWL = 'http://www.w3.org/2002/07/owl#';
const TYPE = `${RDF}type`;
const SUB_CLASS_OF = `${RDFS}subClassOf`;

const ttlPath = fileURLToPath(new URL('../../src/evidence/kaizen.ttl', import.meta.url));
const quads = new Parser().parse(readFileSync(ttlPath, 'utf8'));

/** The objects of every triple with this subject and predicate. */
function objectsOf(subject: string, predicate: string): string[] {
  return quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object.value);
}

/** Every class reachable from a class through rdfs:subClassOf, the class itself included. */
function superClassesOf(cls: string): Set<string> {
  const seen = new Set<string>([cls]);
  const todo = [cls];
  while (todo.length > 0) {
    for (const parent of objectsOf(todo.pop()!, SUB_CLASS_OF)) {
      if (!seen.has(parent)) {
        seen.add(parent);
        todo.push(parent);
      }
    }
  }
  return seen;
}

const kzTerms = Object.entries(V)
  .filter(([, node]) => node.value.startsWith(KZ))
  .map(([key, node]) => [key, node.value] as const);
const eventClasses = Object.entries(EVENT_TYPES).map(([type, info]) => [type, KZ + info.className] as const);
const isClass = (iri: string): boolean =>
  objectsOf(iri, TYPE).some((t) => t === `${OWL}Class` || t === `${RDFS}Class`);

describe('the kaizen ontology (kaizen.ttl)', () => {
  it('parses as Turtle into a non-empty graph', () => {
    expect(quads.length).toBeGreaterThan(100);
  });

  describe('every kz: term of the vocabulary', () => {
    it('covers a real list of terms', () => {
      expect(kzTerms.length).toBeGreaterThan(30);
    });

    it.each(kzTerms)('V.%s (%s) is declared with a type, an rdfs:label and an rdfs:comment', (_key, iri) => {
      expect(objectsOf(iri, TYPE)).not.toHaveLength(0);
      expect(objectsOf(iri, `${RDFS}label`)).not.toHaveLength(0);
      const comments = objectsOf(iri, `${RDFS}comment`);
      expect(comments).not.toHaveLength(0);
      expect(comments[0]!.length).toBeGreaterThan(20);
    });
  });

  describe('every event type', () => {
    it.each(eventClasses)('%s has a class %s that is a prov:Activity through rdfs:subClassOf', (_type, iri) => {
      expect(isClass(iri)).toBe(true);
      expect(objectsOf(iri, `${RDFS}comment`)).not.toHaveLength(0);
      expect(superClassesOf(iri).has(`${PROV}Activity`)).toBe(true);
    });
  });

  it('makes the measured event types SOSA observations and the rest not', () => {
    const measured = eventClasses
      .filter(([, iri]) => superClassesOf(iri).has(`${SOSA}Observation`))
      .map(([type]) => type);
    const expected = Object.entries(EVENT_TYPES)
      .filter(([, info]) => 'unit' in info)
      .map(([type]) => type);
    expect(measured.sort()).toEqual(expected.sort());
  });

  it('makes kz:value a sub-property of sosa:hasSimpleResult', () => {
    expect(objectsOf(V.value.value, `${RDFS}subPropertyOf`)).toContain(`${SOSA}hasSimpleResult`);
  });

  it('declares the five pillars as individuals of kz:Pillar', () => {
    const pillars = quads
      .filter((q) => q.predicate.value === TYPE && q.object.value === `${KZ}Pillar`)
      .map((q) => q.subject.value.slice(KZ.length))
      .sort();
    expect(pillars).toEqual(['Andon', 'Heijunka', 'Jidoka', 'Kaizen', 'Kanban']);
  });

  it('makes kz:HourRollup a receipt, and so a prov:Activity', () => {
    const supers = superClassesOf(V.HourRollup.value);
    expect(supers.has(`${KZ}Receipt`)).toBe(true);
    expect(supers.has(`${PROV}Activity`)).toBe(true);
  });
});

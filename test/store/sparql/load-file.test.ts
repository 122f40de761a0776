// Bulk-load files: TriG of what appends would store, every receipt whole in one file.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser } from 'n3';
import { afterEach, describe, expect, it } from 'vitest';
import { type KaizenEvent, parseEventLine } from '../../../src/evidence/event.js';
import { ChainHead } from '../../../src/store/chain-head.js';
import { InstanceLayout, instancePrefix } from '../../../src/store/sparql/layout.js';
import { LoadFiles, turtleTriple } from '../../../src/store/sparql/load-file.js';
import { outgoingReceipt } from '../../../src/store/sparql/spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function events(n: number): KaizenEvent[] {
  const t0 = Date.parse('2026-11-16T10:00:00Z');
  return Array.from({ length: n }, (_, i) =>
    parseEventLine(
      JSON.stringify({ time: new Date(t0 + i * 5_000).toISOString(), type: 'task.completed', component: 'checkout', value: 10 + i, signal_id: `sig-"${i}"\nx`, worker: 'w-1' }),
      i + 1,
    ),
  );
}

function write(prefix: string, instance: string, n: number, maxBytes?: number): { files: LoadFiles; lines: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-load-'));
  dirs.push(dir);
  const layout = new InstanceLayout(instance, instancePrefix(prefix, instance));
  const receipts = new ChainHead(instance).sealEvents(events(n));
  const files = new LoadFiles(dir, layout, prefix, maxBytes);
  files.add(receipts.map((r) => outgoingReceipt(r, 'raw', layout.serverGraph(r.graph))));
  files.close();
  return { files, lines: receipts.reduce((sum, r) => sum + r.lines.length, 0) };
}

describe('the load files of a chain', () => {
  it('hold each receipt in its server graph, a journal entry of nine quads and the registry entry', () => {
    const { files, lines } = write('urn:kaizen:', 'b', 30);
    const quads = files.files.flatMap((f) => new Parser({ format: 'TriG' }).parse(fs.readFileSync(f, 'utf8')));
    expect(files.receipts).toBe(30);
    expect(quads.length).toBe(lines + 30 * 9 + 2);
    expect(files.quads).toBe(quads.length);
    const graphs = new Set(quads.map((q) => q.graph.value));
    expect([...graphs].sort()).toEqual(['urn:kaizen:instance:b:hour:2026-11-16T10', 'urn:kaizen:instance:b:journal', 'urn:kaizen:instances']);
    const journalLines = quads.filter((q) => q.predicate.value.endsWith('#journalLines'));
    expect(journalLines.length).toBe(30);
    // The journal keeps each receipt's lines exactly, escapes and all.
    expect(journalLines[0]!.object.value).toContain('sig-\\"0\\"\\nx');
    const epoch = quads.find((q) => q.graph.value.endsWith('journal') && q.predicate.value.endsWith('#epochMs'))!;
    expect(epoch.object).toMatchObject({ value: String(Date.parse('2026-11-16T10:00:00Z')), datatype: { value: 'http://www.w3.org/2001/XMLSchema#integer' } });
  });

  it('start a new file past the size asked for, without cutting a receipt in two', () => {
    const { files } = write('urn:kaizen:', 'local', 600, 300_000);
    expect(files.files.length).toBeGreaterThan(1);
    const perFile = files.files.map((f) => new Parser({ format: 'TriG' }).parse(fs.readFileSync(f, 'utf8')));
    for (const quads of perFile) {
      const digests = quads.filter((q) => q.predicate.value.endsWith('#digest') && q.graph.value.includes(':hour:')).length;
      const entries = quads.filter((q) => q.predicate.value.endsWith('#seq') && q.graph.value.endsWith('journal')).length;
      expect(digests).toBe(entries);
    }
    expect(perFile.flat().filter((q) => q.predicate.value.endsWith('#seq') && q.graph.value.endsWith('journal')).length).toBe(600);
  });
});

describe('a journal line as a Turtle triple', () => {
  const INT = '<http://www.w3.org/2001/XMLSchema#integer>';
  it('drops the graph and writes an xsd:integer object bare, and nothing else', () => {
    expect(turtleTriple(`<urn:r> <urn:t> "1795000000000"^^${INT} <urn:g> .\n`)).toBe('<urn:r> <urn:t> 1795000000000 .');
    expect(turtleTriple(`<urn:r> <urn:t> "-5"^^${INT} <urn:g> .\n`)).toBe('<urn:r> <urn:t> -5 .');
    expect(turtleTriple('<urn:r> <urn:t> "1.5"^^<http://www.w3.org/2001/XMLSchema#double> <urn:g> .\n')).toBe('<urn:r> <urn:t> "1.5"^^<http://www.w3.org/2001/XMLSchema#double> .');
    // A string that ends like a typed integer keeps its quotes: its inner quote is escaped.
    const tricky = `<urn:r> <urn:t> "a \\"5"^^${INT} <urn:g> .\n`;
    expect(turtleTriple(tricky)).toBe(`<urn:r> <urn:t> "a \\"5"^^${INT} .`);
  });
});

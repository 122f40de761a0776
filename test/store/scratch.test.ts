import fs from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { ALL_TIME, someEvents, useTempDirs } from './support.js';

const tempDir = useTempDirs();

async function detect(dataDir: string): Promise<string | undefined> {
  const notices: string[] = [];
  try {
    const store = openEmbeddedStore({ dataDir, readOnly: true, onNotice: (m) => notices.push(m) });
    try {
      await store.load({ range: ALL_TIME, raw: true, rollups: true });
      const r = await store.verify();
      if (!r.ok) return `verify ${r.problem}`;
      if (notices.length > 0) return 'notice';
      return undefined;
    } finally { await store.close(); }
  } catch (e) { if (isKaizenError(e)) return e.code; throw e; }
}

it('explore', async () => {
  const pristine = tempDir();
  const store = openEmbeddedStore({ dataDir: pristine });
  await store.appendEvents([...someEvents(3), ...someEvents(1, '2026-11-18T09:00:00.000Z')]);
  await store.close();
  const file = path.join(pristine, 'journal', '2026-11-17.nq');
  const orig = fs.readFileSync(file);
  const undetected = new Map<string, number[]>();
  const work = tempDir();
  for (let off = 0; off < orig.length; off++) {
    for (const nb of [orig[off]! ^ 1, orig[off] === 0x20 ? 0x09 : 0x20]) {
      if (nb === orig[off]) continue;
      fs.rmSync(work, { recursive: true, force: true });
      fs.cpSync(pristine, work, { recursive: true });
      const b = Buffer.from(orig); b[off] = nb;
      fs.writeFileSync(path.join(work, 'journal', '2026-11-17.nq'), b);
      let res: string | undefined;
      try { res = await detect(work); } catch (e) { res = 'THROW ' + String(e).slice(0, 80); }
      if (res === undefined || res.startsWith('THROW')) {
        const lineStart = orig.lastIndexOf(10, off - 1) + 1;
        const lineEnd = orig.indexOf(10, off);
        const line = orig.subarray(lineStart, lineEnd).toString();
        const key = (res ?? 'UNDETECTED') + ' | ' + line.replace(/"[0-9a-f]{64}"/, '"HEX"').replace(/:\d+>/, ':N>').slice(0, 200) + ' | col ' + (off - lineStart) + ' -> ' + JSON.stringify(String.fromCharCode(nb));
        console.log(key);
      }
    }
  }
}, 300000);

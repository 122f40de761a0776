// A Virtuoso (Debian's virtuoso-opensource) for the integration suite and bench/sparql-store.ts:
// its own database in a temp folder, SQL and HTTP on free loopback ports, SPARQL updates granted;
// killed and started again at will (the fault test), removed at the end.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SYSTEM_INI = '/etc/virtuoso-opensource-7/virtuoso.ini';

export interface Virtuoso {
  /** The SPARQL 1.1 query and update service. */
  readonly endpoint: string;
  readonly dir: string;
  /** Kills the server (SIGKILL: no shutdown, the way a crash or a pulled cable stops it). */
  kill(): Promise<void>;
  /** Starts it again on the same database and ports. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
  /** Runs SQL statements through isql-vt as dba; resolves to what isql printed. */
  isql(sql: string): Promise<string>;
  /** Loads every `*.trig` file in `dir` (one of `loadDirs`) with the bulk loader, then checkpoints. */
  bulkLoad(dir: string): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Settings beyond the system ini's (the bench gives Virtuoso more memory and rows). */
export interface VirtuosoSettings {
  /** [Parameters] NumberOfBuffers (8 KiB pages; the system ini has 10,000) and MaxDirtyBuffers at 3/4 of it. */
  readonly buffers?: number;
  /** [SPARQL] ResultSetMaxRows (the system ini has 10,000). */
  readonly maxRows?: number;
  /** Folders the bulk loader may read ([Parameters] DirsAllowed). */
  readonly loadDirs?: readonly string[];
}

/** The system virtuoso.ini with the database in `dir` and both services on loopback ports. */
function iniFor(dir: string, sqlPort: number, httpPort: number, settings: VirtuosoSettings): string {
  let section = '';
  return fs
    .readFileSync(SYSTEM_INI, 'utf8')
    .split('\n')
    .map((line) => {
      const header = /^\s*\[([^\]]+)\]/.exec(line);
      if (header !== null) section = header[1]!;
      const key = /^\s*([A-Za-z_]+)\s*=/.exec(line)?.[1];
      if (key === undefined) return line;
      if ((section === 'Database' || section === 'TempDatabase') && /File$|^xa_persistent_file$/.test(key)) {
        return `${key} = ${path.join(dir, path.basename(line.split('=')[1]!.trim()))}`;
      }
      if (key === 'ServerPort' && section === 'Parameters') return `ServerPort = 127.0.0.1:${sqlPort}`;
      if (key === 'ServerPort' && section === 'HTTPServer') return `ServerPort = 127.0.0.1:${httpPort}`;
      if (settings.buffers !== undefined && section === 'Parameters' && /^\s*NumberOfBuffers/.test(line)) return `NumberOfBuffers = ${settings.buffers}`;
      if (settings.buffers !== undefined && section === 'Parameters' && /^\s*MaxDirtyBuffers/.test(line)) return `MaxDirtyBuffers = ${Math.floor(settings.buffers * 0.75)}`;
      if (settings.loadDirs !== undefined && key === 'DirsAllowed') return `${line.trimEnd()}, ${settings.loadDirs.join(', ')}`;
      if (settings.maxRows !== undefined && key === 'ResultSetMaxRows') return `ResultSetMaxRows = ${settings.maxRows}`;
      return line;
    })
    .join('\n');
}

/** The pid the running server wrote into its lock file. */
function pidOf(dir: string): number | undefined {
  const lock = path.join(dir, 'virtuoso.lck');
  if (!fs.existsSync(lock)) return undefined;
  const m = /VIRT_PID=(\d+)/.exec(fs.readFileSync(lock, 'utf8'));
  return m === null ? undefined : Number(m[1]);
}

async function waitForHttp(endpoint: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${endpoint}?query=${encodeURIComponent('ASK {}')}`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Virtuoso did not answer on ${endpoint}`);
}

/** Starts a Virtuoso of its own and grants the anonymous SPARQL user updates. */
export async function startVirtuoso(settings: VirtuosoSettings = {}): Promise<Virtuoso> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-virtuoso-'));
  const sqlPort = await freePort();
  const httpPort = await freePort();
  const ini = path.join(dir, 'virtuoso.ini');
  fs.writeFileSync(ini, iniFor(dir, sqlPort, httpPort, settings));
  const endpoint = `http://127.0.0.1:${httpPort}/sparql`;
  const start = async (): Promise<void> => {
    await run('virtuoso-t', ['-c', ini, '+wait'], { cwd: dir });
    await waitForHttp(endpoint);
  };
  const kill = async (): Promise<void> => {
    const pid = pidOf(dir);
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    fs.rmSync(path.join(dir, 'virtuoso.lck'), { force: true });
  };
  const isql = async (sql: string): Promise<string> => {
    const { stdout } = await run('isql-vt', [`127.0.0.1:${sqlPort}`, 'dba', 'dba', `exec=${sql}`], { maxBuffer: 64 * 1024 * 1024 });
    if (/\*\*\* Error/.test(stdout)) throw new Error(`isql: ${stdout.trim()}`);
    return stdout;
  };
  const bulkLoad = async (dir: string): Promise<void> => {
    await isql(`DELETE FROM DB.DBA.LOAD_LIST; ld_dir('${dir}', '*.trig', 'urn:kaizen:bulk-default');`);
    // One loader per core; each takes whole files from the list.
    await Promise.all(os.cpus().map(() => isql('rdf_loader_run();')));
    await isql('checkpoint;');
    const failed = await isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL OR ll_state <> 2;");
    if (/\.trig/.test(failed)) throw new Error(`the bulk loader did not load every file:\n${failed}`);
  };
  await start();
  await isql('GRANT SPARQL_UPDATE TO "SPARQL";');
  return {
    isql,
    bulkLoad,
    endpoint,
    dir,
    kill,
    start,
    dispose: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The `kaizen` command-line program: buildProgram(deps) wires every command; runCli turns
// errors into `error KZN_…` messages and exit codes.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, isKaizenError } from '../errors.js';
import { registerCommands } from './commands.js';
import type { CliDeps } from './deps.js';

/** kaizen's version, from package.json. */
export function kaizenVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    try {
      return (JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout (src/ in tests, dist/src/ when built)
    }
  }
  return 'unknown';
}

/** Builds the program. It never calls process.exit: errors are thrown to the caller. */
export function buildProgram(deps: CliDeps): Command {
  // Commander's own usage errors take the form of every other error: `error KZN_USAGE: …`.
  const output = {
    writeOut: (s: string) => deps.stdout(s),
    writeErr: (s: string) => deps.stderr(s),
    outputError: (s: string, write: (s: string) => void) => write(s.replace(/^error: /, 'error KZN_USAGE: ')),
  };
  const program = new Command('kaizen')
    .description('Kaizen evidence toolkit: every pipeline event is an RDF receipt; ask it questions with SPARQL.')
    .version(kaizenVersion(), '-V, --version')
    .option('--data <dir>', 'data directory (default: $KAIZEN_DATA or ./.kaizen)')
    .option('--verbose', 'print stack traces with errors')
    .option('--store <kind>', 'embedded (the data directory) or sparql (a SPARQL 1.1 server; default: $KAIZEN_STORE or embedded)')
    .option('--endpoint <url>', 'the SPARQL query service of --store sparql (default: $KAIZEN_SPARQL_ENDPOINT)')
    .option('--update-endpoint <url>', 'its update service, when not the query service (default: $KAIZEN_SPARQL_UPDATE_ENDPOINT)')
    .option('--graph-prefix <iri>', 'prefix of the graphs kaizen writes on the server (default: urn:kaizen:)')
    .option('--instance <id>', 'this writer\'s id: its receipt IRIs and chain (default: $KAIZEN_INSTANCE or local)')
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError('(run kaizen --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 a failure was found (e.g. verify found tampering), 2 usage or input error, 3 environment (disk).\nServer credentials come from KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD (basic or digest), never from options.\nDocs: README.md (commands, the event contract, the evidence model).',
    );
  registerCommands(program, deps);
  for (const c of program.commands) c.exitOverride().configureOutput(output);
  return program;
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code. */
export async function runCli(args: readonly string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its own message; help and version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    const verbose = args.includes('--verbose');
    if (isKaizenError(error)) {
      deps.stderr(`error ${error.code}: ${error.message}\n`);
      if (error.hint !== undefined) deps.stderr(`hint: ${error.hint}\n`);
      if (verbose && error.stack !== undefined) deps.stderr(`${error.stack}\n`);
      return ERROR_CODES[error.code].exitCode;
    }
    deps.stderr(`error KZN_INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`);
    if (verbose && error instanceof Error && error.stack !== undefined) deps.stderr(`${error.stack}\n`);
    deps.stderr('hint: this is a bug in kaizen; please report it with the command you ran.\n');
    return 70;
  }
}

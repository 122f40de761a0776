// The definitions of every command (arguments, options, help); each action is loaded only
// when its command runs, so that `kaizen --help` stays fast.

import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { EXPORT_FORMATS, RESULT_FORMATS } from './formats.js';

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerCommands(program: Command, deps: CliDeps): void {
  program
    .command('import')
    .description('import events (JSON Lines) or receipts (N-Quads, TriG) into the store')
    .argument('<file>', 'a .jsonl file of events, or a .nq / .trig file of receipts')
    .option('--format <format>', 'jsonl | nquads | trig (default: from the file extension)')
    .option('--skip-invalid', 'import the valid records of a file that has invalid ones')
    .option('--no-rollup', 'do not build the rollups of the closed hours touched')
    .addHelpText(
      'after',
      '\nEach line of a .jsonl file is one event (see "The event contract" in the README).\nA file with any invalid record imports nothing unless --skip-invalid; every bad record is reported by line.',
    )
    .action(async (file, opts, cmd) => (await import('./import.js')).runImport(deps, file, opts, cmd));
  program
    .command('query')
    .description('run a SPARQL query over the evidence')
    .argument('[query]', 'a query name from the catalogue (queries/*.rq) or a .rq file')
    .option('--text <sparql>', 'the query text itself')
    .option('--param <key=value>', 'a parameter of the query (repeatable)', collect, [])
    .option('--format <format>', `output: ${RESULT_FORMATS.join(' | ')}`, 'table')
    .option('--from <time>', 'load the partitions from this date or time')
    .option('--to <time>', 'load the partitions up to this date or time (exclusive)')
    .option('--week <week>', 'load the partitions of an ISO week (2026-W48, last, this, or a date)')
    .option('--timeout <ms>', 'stop the query after this many milliseconds', '60000')
    .option('--list', 'list the queries of the catalogue')
    .addHelpText(
      'after',
      '\nExamples:\n  kaizen query --list\n  kaizen query counts-by-type --param from=2026-11-16 --param to=2026-11-23 --format json\n  kaizen query --text "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }" --week 2026-W47\n\njson is the W3C SPARQL 1.1 Query Results JSON format; CONSTRUCT and DESCRIBE print Turtle (or --format nquads).',
    )
    .action(async (name, opts, cmd) => (await import('./query.js')).runQuery(deps, name, opts, cmd));
  program
    .command('export')
    .description('export receipts (N-Quads, TriG, Turtle) or their events (JSON Lines)')
    .option('--format <format>', EXPORT_FORMATS.join(' | '), 'nquads')
    .option('--from <time>', 'receipts from this date or time')
    .option('--to <time>', 'receipts before this date or time')
    .option('--week <week>', 'receipts of an ISO week (2026-W48, last, this, or a date)')
    .option('--rollups', 'include the rollup receipts')
    .option('--out <path>', 'write to a file (atomically) instead of stdout')
    .addHelpText('after', '\nturtle has no named graphs: it writes the triples of every receipt without their hour graph.')
    .action(async (opts, cmd) => (await import('./export.js')).runExport(deps, opts, cmd));
  program
    .command('verify')
    .description('verify the hash chain of every receipt in the journal')
    .option('--format <format>', 'text | json', 'text')
    .action(async (opts, cmd) => (await import('./verify.js')).runVerify(deps, opts, cmd));
  program
    .command('migrate')
    .description('copy the receipt chain from the data directory to a SPARQL server (--to sparql) or back (--to embedded)')
    .requiredOption('--to <store>', 'sparql | embedded')
    .option('--load-files <dir>', "with --to sparql: write what the server lacks as TriG files for the server's bulk loader instead of sending it")
    .addHelpText(
      'after',
      '\nThe server is named by the global --endpoint (and --update-endpoint, --graph-prefix, --instance).\nReceipts are copied sealed, unchanged; a copy that stopped resumes after the last receipt the destination holds; the destination is verified at the end.\nA large store goes faster through the server\'s own loader: --load-files DIR, load DIR, then migrate again to verify.\nExample:\n  kaizen --data .kaizen migrate --to sparql --endpoint http://127.0.0.1:8890/sparql',
    )
    .action(async (opts, cmd) => (await import('./migrate.js')).runMigrate(deps, opts, cmd));
  program
    .command('stats')
    .description('receipts, quads, days and journal size of the store')
    .option('--format <format>', 'text | json', 'text')
    .action(async (opts, cmd) => (await import('./stats.js')).runStats(deps, opts, cmd));
  program
    .command('rollup')
    .description('build the rollups of closed hours that lack one or whose source changed')
    .option('--rebuild', 'rebuild every rollup of the window, fresh or not')
    .option('--week <week>', 'only the hours of an ISO week (2026-W48, last, this, or a date)')
    .option('--from <time>', 'only hours from this date or time')
    .option('--to <time>', 'only hours before this date or time')
    .action(async (opts, cmd) => (await import('./rollup.js')).runRollup(deps, opts, cmd));
  const fmt = ['--format <format>', 'text | json', 'text'] as const;
  program
    .command('health')
    .description('four-pillar health scores of a window, with how each input is computed')
    .option('--window <duration>', 'the window ending at the current hour, like 24h or 7d', undefined)
    .option('--week <week>', 'an ISO week instead (2026-W48, last, this, or a date)')
    .option(...fmt)
    .action(async (opts, cmd) => (await import('./health.js')).runHealth(deps, opts, cmd));
  program
    .command('trend')
    .description('the trend of a metric: Theil–Sen and OLS slopes, Mann–Kendall p-value, verdict')
    .argument('[metric]', 'a metric name (kaizen trend --list)')
    .option('--window <window>', '1h | 24h | 7d | 30d, ending at the current hour (default 7d)')
    .option('--week <week>', 'an ISO week instead')
    .option('--list', 'list the metrics')
    .option(...fmt)
    .action(async (metric, opts, cmd) => (await import('./trend.js')).runTrend(deps, metric, opts, cmd));
  program
    .command('slo')
    .description('SLO attainment, error budget, burn rate and multi-window burn-rate alert state')
    .argument('[name]', 'one SLO (default: all of slos/)')
    .option('--week <week>', 'an ISO week (default: the last 7 days)')
    .option('--window <duration>', 'a window ending at the current hour')
    .option('--dir <dir>', 'the folder of OpenSLO files (default: the shipped slos/)')
    .option(...fmt)
    .action(async (name, opts, cmd) => (await import('./slo.js')).runSlo(deps, name, opts, cmd));
  program
    .command('why')
    .description('5-Whys: the chain of events that led to a receipt, an alert or a metric change')
    .argument('[receipt]', 'a receipt IRI like urn:kaizen:receipt:local:42')
    .option('--alert <name>', 'the last firing of this alert at or before --at')
    .option('--metric <name>', 'a metric that degraded at --at')
    .option('--at <time>', 'a time with a zone, like 2026-11-17T10:05Z')
    .option(...fmt)
    .action(async (receipt, opts, cmd) => (await import('./why.js')).runWhy(deps, receipt, opts, cmd));
  program
    .command('recommend')
    .description('what to improve next, each with its priority, evidence and expected effect')
    .option('--week <week>', 'an ISO week (default: the last 7 days)')
    .option('--window <duration>', 'a window ending at the current hour')
    .option(...fmt)
    .action(async (opts, cmd) => (await import('./recommend.js')).runRecommend(deps, opts, cmd));
  program
    .command('review')
    .description('the weekly Kaizen review: health, SLOs, incidents with 5-Whys, trends, flow, actions')
    .option('--week <week>', 'an ISO week (2026-W48), last (the last complete week), this, or a date in the week', 'last')
    .option('--format <format>', 'md | html | json', 'md')
    .option('--out <path>', 'write to a file (atomically) instead of stdout')
    .option('--template <file>', 'a Handlebars template to use instead of reports/review.<format>.hbs')
    .option('--slos <dir>', 'the folder of OpenSLO files (default: the shipped slos/)')
    .option('--tz <zone>', 'the time zone whose Monday-to-Monday is the week (default UTC; the rollups are UTC hours)')
    .addHelpText('after', '\nThe JSON form is a machine contract: reports/review.schema.json.\nCopy reports/review.md.hbs or review.html.hbs to change the layout, then pass --template.')
    .action(async (opts, cmd) => (await import('./review.js')).runReview(deps, opts, cmd));
  program
    .command('run')
    .description('run the pipeline in simulated time against a scenario, journaling every event')
    .option('--scenario <name|file>', 'a scenario of scenarios/ (default-week, outage-day) or a .yaml/.json file', 'default-week')
    .option('--duration <duration>', 'how long to simulate, like 1d or 7d (default: the scenario\'s)')
    .option('--seed <n>', 'the random seed; the same seed gives the same receipts', '1')
    .option('--start <time>', 'simulated start (default: Monday 00:00 UTC of the last complete week)')
    .option('--rate <signals/s>', 'mean signals per second (default: the scenario\'s)')
    .option('--no-rollup', 'do not roll up each hour as it closes')
    .option('--progress-every <hours>', 'print a progress line every N simulated hours; each line means those hours are journaled', '6')
    .addHelpText('after', '\nPipeline settings come from TPS_NUM_WORKERS, TPS_CB_THRESHOLD, TPS_CB_TIMEOUT, TPS_KANBAN_BUFFER, …\n(see the README, "Configuration").')
    .action(async (opts, cmd) => (await import('./run.js')).runRun(deps, opts, cmd));
  program
    .command('schedule')
    .description('write the review of the last complete week at cron times, until stopped')
    .requiredOption('--cron <pattern>', 'when, as a cron pattern, e.g. "0 9 * * MON" (Mondays 09:00)')
    .requiredOption('--out <dir>', 'where to write <week>.<format>')
    .option('--format <formats>', 'md, html and/or json, comma-separated', 'md,html')
    .option('--force', 'rewrite a week that is already written')
    .option('--now', 'also run once right away')
    .option('--tz <zone>', 'the time zone of the cron pattern (default UTC)')
    .action(async (opts, cmd) => (await import('./schedule.js')).runSchedule(deps, opts, cmd));
  program
    .command('serve')
    .description('run the pipeline in real time behind the HTTP API and the Andon board, journaling every event')
    .option('--port <port>', 'the TCP port (0 picks a free one)', '8080')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent (JSON lines on stdout)', 'info')
    .option('--sparql-timeout <ms>', 'stop a /sparql query after this many milliseconds', '10000')
    .option('--sparql-limit <n>', 'the most rows (or quads) a /sparql answer may have', '10000')
    .option('--body-limit <bytes>', 'the largest request body', '65536')
    .option('--no-durable-acceptance', 'answer 202 before the acceptance is journaled, with no signal.accepted receipt: a crash may lose accepted signals (for measuring what durability costs)')
    .option('--idempotency-window <duration>', 'how long an Idempotency-Key (or a client signal_id) of POST /signal is remembered, e.g. 30m, 1h, 24h', '1h')
    .option('--schedule <cron>', 'also write the last complete week\'s review at these times (as kaizen schedule), e.g. "0 9 * * MON"')
    .option('--schedule-out <dir>', 'where the scheduled reviews go (default: DATA/reviews)')
    .option('--schedule-format <formats>', 'md, html and/or json, comma-separated, for the scheduled reviews', 'md,html')
    .addHelpText(
      'after',
      [
        '',
        'Endpoints: POST /signal, GET /signal/:id, /health, /status, /health-score, /metrics, GET|POST /sparql,',
        '/reports/weekly, /slos, /trends, /why, POST|DELETE /chaos, the Andon board at /, /openapi.json (docs/api.md).',
        '',
        'Chaos controls need KAIZEN_ADMIN_TOKEN (send Authorization: Bearer <token>); without it they are off.',
        'Pipeline settings come from TPS_* variables (docs/configuration.md). Stop with Ctrl-C (SIGINT) or SIGTERM:',
        'what is buffered is journaled first. On start, every signal an earlier server accepted and left without an',
        'outcome is queued again (within its timeout_ms) or closed as signal.abandoned (reason crash-recovery).',
      ].join('\n'),
    )
    .action(async (opts, cmd) => (await import('./serve.js')).runServe(deps, opts, cmd));
  program
    .command('demo')
    .description('the main job: simulate a week (unless present), roll it up, write its review to out/')
    .option('--out <dir>', 'where to write the review', 'out')
    .option('--scenario <name|file>', 'the scenario to simulate', 'default-week')
    .option('--seed <n>', 'the random seed', '1')
    .option('--rate <signals/s>', 'mean signals per second; 0.3 keeps the demo near a minute (kaizen run uses the scenario\'s 1/s)', '0.3')
    .action(async (opts, cmd) => (await import('./demo.js')).runDemo(deps, opts, cmd));
}

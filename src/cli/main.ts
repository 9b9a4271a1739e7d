// The `ipdest` command line: commands, options and exit codes (0 ok, 1 failure, 2 usage).
import { VERSION } from '../version.js';
import { Command, CommanderError, Option } from 'commander';
import { isClosedPipe } from './output.js';
import { error, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, reportError, systemReason } from './report.js';

export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

// Each command's module is loaded when that command runs: `audit` or `lookup` do not pay for the
// HTTP server's modules (fastify and its plugins), nor `serve` for the audit's.
function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('ipdest')
    .description('Tags the destinations of outbound connections: Microsoft, Azure, AWS, Google, private, or unlisted.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  const configOption = () => new Option('-c, --config <file>', 'configuration file (default: $IPDEST_CONFIG, else config/ipdest.yaml, else embedded defaults)');

  program
    .command('serve')
    .description('serve the HTTP API (lookup, enrich, lists, reload, metrics, docs)')
    .addOption(configOption())
    .option('--host <host>', 'address to listen on (default: server.host, or $IPDEST_HOST)')
    .option('--port <port>', 'port to listen on (default: server.port, or $IPDEST_PORT)')
    .option('--workers <n|auto>', 'processes serving the port, auto: one per core (default: server.workers, or $IPDEST_WORKERS; 1: no cluster)')
    .addHelpText('after', '\nSignals: SIGHUP reloads the lists; SIGTERM/SIGINT finish requests in flight and stop.')
    .action(async (opts) => setExit(await (await import('./serve.js')).runServe(opts, io)));

  program
    .command('lookup')
    .description('classify addresses given as arguments, or read from stdin one a line')
    .argument('[ip...]', 'addresses; none: read stdin (blank lines skipped)')
    .addOption(configOption())
    .option('--json', 'one JSON result a line, in input order')
    .addHelpText(
      'after',
      '\nExit status: 0 all addresses valid, 1 some input was invalid (every line is still answered), 2 usage error.\nA closed output (| head) ends the run quietly, with status 0.',
    )
    .action(async (ips: string[], opts) => setExit(await (await import('./lookup.js')).runLookup(ips, opts, io)));

  program
    .command('enrich')
    .description('enrich NDJSON events (files or stdin) and write NDJSON; CSV exports (*.csv, header row) and raw netfilter log lines are read too')
    .argument('[file...]', 'input files; none or "-": stdin')
    .addOption(configOption())
    .addOption(new Option('--dropped <mode>', 'what to do with events the rules drop').choices(['keep', 'omit']).default('keep'))
    .addHelpText(
      'after',
      `
Inputs: *.ndjson, *.jsonl and *.json are JSON, one event a line; *.csv is a CSV
export with a header row. Any other file, and stdin, is JSON when its first
non-blank line opens with "{", else a raw log: its netfilter lines (SRC=… DST=…)
are enriched, the other lines skipped and counted on stderr.
A line longer than 8 MiB is not read; an INVALID_EVENT record stands in its place.
On a terminal, stderr shows progress about once a second.

Exit status: 0 ok; 1 some line was not a JSON object or too long (an INVALID_EVENT
record naming file and line stands in its place), or some file could not be read
(the others are still answered); 2 usage error. A closed output (| head) ends the
run quietly, with status 0.`,
    )
    .action(async (files: string[], opts) => setExit(await (await import('./enrich.js')).runEnrich(files, opts, io)));

  program
    .command('audit')
    .description('the "who are we connecting to?" report over connection logs: NDJSON/CSV events, netfilter lines, Zeek conn.log (TSV or JSON), gzip\'d or not')
    .argument('<file...>', 'input files; "-": stdin')
    .addOption(configOption())
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'csv', 'html']).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--only <which>', 'count only these connections in the sections').choices(['external', 'untagged', 'customer', 'threat']))
    .option('--top <n>', 'rows per section in text and HTML (JSON and CSV have every destination)', '20')
    .option('--since <time>', 'leave out records before this ISO 8601 date or time (UTC unless it says)')
    .option('--until <time>', 'leave out records after this ISO 8601 date or time')
    .option('--baseline <file>', 'mark what is new since this baseline (from --save-baseline)')
    .option('--save-baseline <file>', 'write what this run saw as a baseline')
    .option('--year <year>', "the year of syslog stamps that have none (default: each file's modification year)")
    .option('--threads <n>', 'threads that read a large file (64 MiB or more) in parts at once: auto (one per core, at most 8) or a count; 1: one', 'auto')
    .addHelpText('after', '\nSee docs/audit.md. Exit status: 0 ok; 1 an input could not be read (the others are still counted); 2 usage error.')
    .action(async (files: string[], opts) => setExit(await (await import('./audit.js')).runAudit(files, opts, io)));

  const lists = program.command('lists').description('validate, describe, download or roll back the configured lists');
  for (const action of ['check', 'show'] as const) {
    lists
      .command(action)
      .description(action === 'check' ? 'load every list; exit 1 when one is missing or malformed' : 'per list: format, file, version, prefix counts, warnings')
      .addOption(configOption())
      .option('--json', 'machine-readable output')
      .action(async (opts) => setExit(await (await import('./lists.js')).runLists(action, { ...lists.opts(), ...opts }, io)));
  }
  lists
    .command('update')
    .description("download the lists from their sources (each list's url, else its format's official one); activate only good new versions")
    .argument('[name...]', 'lists to update; none: every list with a source')
    .addOption(configOption())
    .option('--json', 'one JSON summary: {"lists": [{name, state, reason, version, previousVersion, prefixes}], "changed"}')
    .option('--force', 'take a download held back for its prefix count, or content rolled back from')
    .addHelpText(
      'after',
      `
Per list: updated, unchanged (HTTP 304, or the same version or content), held (a shrink past
maxShrink or a growth past 10x; the same content fetched again is taken, or --force), rejected
(an HTML page, an empty, truncated or invalid body, an older version), failed (network, timeout,
HTTP status, a redirect loop, no link on a download page). The active file is replaced only by a
good download, atomically; earlier versions stay in .ipdest-history/<name>/ beside it.
Proxies: HTTPS_PROXY, HTTP_PROXY, NO_PROXY.

Exit status: 0 every list updated or unchanged; 1 a list failed, was rejected or held; 2 usage error.`,
    )
    .action(async (names: string[], opts) => setExit(await (await import('./update.js')).runUpdate(names, { ...lists.opts(), ...opts }, io)));
  lists
    .command('rollback')
    .description("put a list's previous version back in place (from its history folder), and say which")
    .argument('<name>', 'the list')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts) => setExit(await (await import('./update.js')).runRollback(name, { ...lists.opts(), ...opts }, io)));
  lists.addOption(configOption());

  program
    .command('export')
    .description(
      'write the loaded lists as a file another engine reads: a MaxMind DB, or a table for ClickHouse, Elasticsearch, Splunk, Logstash, Graylog, nftables, ipset',
    )
    .addOption(configOption())
    .requiredOption('--format <format>', 'the target format (docs/export.md)')
    .requiredOption('--out <path>', 'the file (or folder, for logstash-cidr) to write; replaced atomically')
    .option('--lists <names>', 'only these lists, comma-separated (built-ins included)')
    .option('--tags <tags>', 'only lists with these tags, comma-separated')
    .option('--compat <reader>', 'mmdb: logstash, an ASN-type database the Logstash geoip filter and the Elasticsearch geoip processor accept')
    .option('--database-type <type>', 'mmdb: the database_type written (default ipdest, or ipdest-GeoLite2-ASN with --compat logstash)')
    .option('--build-epoch <seconds>', 'mmdb: the build_epoch written (default: the newest publication date of the lists)')
    .option('--prefixes', "mmdb: also write each match's own list prefix (a larger file)")
    .addHelpText('after', '\nExit status: 0 written; 1 a failure (nothing replaced); 2 usage error (a bad format, list, tag or path).')
    .action(async (opts) => setExit(await (await import('./export.js')).runExport(opts, io)));
  return program;
}

/** Runs the command line; resolves to the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // Without a listener a failed stdout write (EPIPE after `| head -1`, ENOSPC) ends the process
  // with a stack. The listener stays: a late error after the last write must not crash either.
  let outError: NodeJS.ErrnoException | null = null;
  io.stdout.on('error', (err: NodeJS.ErrnoException) => {
    outError ??= err;
  });
  // A failed stderr (`2>&1 | head`) leaves nowhere to say anything: ignore it rather than crash.
  io.stderr.on('error', () => {});
  const code = await run(argv, io);
  // A failed write is reported on a later tick: let it arrive before deciding.
  await new Promise((resolve) => setImmediate(resolve));
  if (outError === null) return code;
  // The reader went away: it has what it wanted, so no message and no failure.
  if (isClosedPipe(outError)) return EXIT_OK;
  error(`cannot write the output: ${systemReason(outError)}`, io.stderr);
  return EXIT_FAILURE;
}

async function run(argv: string[], io: CliIO): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for (--help, --version) is no error; help shown because a command is missing is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const exit = reportError(err, io.stderr);
    return exit === EXIT_OK ? EXIT_FAILURE : exit;
  }
}

// `ipdest export`: the loaded lists written as a MaxMind DB or a table other engines read, atomically, with a summary on stderr.
import { buildExport, EXPORT_FORMATS, OutputPathError, SelectionError, writeOutput, type ExportFormat } from '../export/index.js';
import { loadContext } from './context.js';
import { error, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isSystemError, systemReason } from './report.js';

export interface ExportCliOptions {
  config?: string;
  format?: string;
  out?: string;
  lists?: string;
  tags?: string;
  compat?: string;
  databaseType?: string;
  buildEpoch?: string;
  prefixes?: boolean;
}

const names = (s: string | undefined) =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

export async function runExport(opts: ExportCliOptions, io: { stderr: NodeJS.WritableStream }): Promise<number> {
  const format = opts.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    error(`--format must be one of ${EXPORT_FORMATS.join(', ')}`, io.stderr);
    return EXIT_USAGE;
  }
  if (!opts.out) {
    error('--out PATH is required', io.stderr);
    return EXIT_USAGE;
  }
  if (opts.compat !== undefined && (opts.compat !== 'logstash' || format !== 'mmdb')) {
    error('--compat takes one value, logstash, and only with --format mmdb', io.stderr);
    return EXIT_USAGE;
  }
  let buildEpoch: number | undefined;
  if (opts.buildEpoch !== undefined) {
    buildEpoch = Number(opts.buildEpoch);
    if (!Number.isSafeInteger(buildEpoch) || buildEpoch < 0) {
      error('--build-epoch takes seconds since 1970 (a whole number)', io.stderr);
      return EXIT_USAGE;
    }
  }
  const started = performance.now();
  const ctx = await loadContext(opts.config, { stderr: io.stderr });
  let built;
  try {
    built = buildExport(ctx.lists, format, {
      lists: names(opts.lists),
      tags: names(opts.tags),
      compat: opts.compat as 'logstash' | undefined,
      databaseType: opts.databaseType,
      buildEpoch,
      prefixes: opts.prefixes,
      out: opts.out,
    });
  } catch (err) {
    if (!(err instanceof SelectionError)) throw err;
    error(err.message, io.stderr);
    return EXIT_USAGE;
  }
  let bytes: number;
  try {
    bytes = await writeOutput(built.output, opts.out);
  } catch (err) {
    if (err instanceof OutputPathError) {
      error(err.message, io.stderr);
      return EXIT_USAGE;
    }
    if (!isSystemError(err)) throw err;
    error(`cannot write ${opts.out}: ${systemReason(err)}`, io.stderr);
    return EXIT_FAILURE;
  }
  const { written, mmdb } = built.summary;
  const ms = Math.round(performance.now() - started);
  const tree = mmdb ? `; ${mmdb.nodeCount} nodes of ${mmdb.recordSize}-bit records, ${mmdb.records} distinct records` : '';
  io.stderr.write(
    `ipdest: export ${format}: ${written.v4} IPv4 and ${written.v6} IPv6 ${format === 'mmdb' ? 'blocks' : 'rows'}, ${bytes} bytes, ${ms} ms${tree} → ${opts.out}\n`,
  );
  return EXIT_OK;
}

// `ipdest audit`: the "who are we connecting to?" report over connection logs (NDJSON, CSV, netfilter, Zeek conn.log; gzip'd too).
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createGunzip } from 'node:zlib';
import {
  Aggregator,
  BaselineError,
  baselineOf,
  buildReport,
  newFileTally,
  parseBaseline,
  renderCsv,
  renderHtml,
  renderJson,
  renderText,
  type Baseline,
  type OnlyFilter,
} from '../audit/index.js';
import { parseIsoTime, RecordReader, type RecordKind } from '../enrich/index.js';
import { isReadError, READ_CHUNK, readFailure, readInto } from './audit-read.js';
import { readSplit, type SplitReadContext } from './audit-split.js';
import { AuditThreads, SPLIT_MIN_BYTES } from './audit-threads.js';
import { contextFingerprint, loadContext } from './context.js';
import { kindOfName } from './enrich.js';
import { Progress, type ProgressState } from './progress.js';
import { error, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isSystemError, systemReason, warn } from './report.js';
import { visible } from './terminal.js';

export interface AuditCliOptions {
  config?: string;
  format?: 'text' | 'json' | 'csv' | 'html';
  out?: string;
  only?: OnlyFilter;
  top?: string;
  since?: string;
  until?: string;
  baseline?: string;
  saveBaseline?: string;
  year?: string;
  /** `auto` (the default: one per core, at most 8) or a count; 1 reads every file in this thread. */
  threads?: string;
  /** Files at least this large are cut into parts read at once (tests set it low). */
  splitMinBytes?: number;
  /** Parts a thread when a file is cut (tests set it above 1, so that the main thread takes parts too). */
  partsPerThread?: number;
}

export const MAX_THREADS = 64;

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined || text === 'auto') return Math.min(8, availableParallelism());
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= MAX_THREADS ? n : undefined;
}

/** `2024-04-19`, or any ISO 8601 time (a time without a zone is UTC). */
export function parseTimeOption(text: string): number | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseIsoTime(`${text}T00:00:00Z`) : parseIsoTime(text);
}

/** A file's stream, gunzipped when it opens with gzip's magic bytes (1f 8b), whatever its name. */
async function openInput(file: string): Promise<{ stream: NodeJS.ReadableStream; year: number; position: () => number }> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR', syscall: 'read' });
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    const gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const raw = handle.createReadStream({ start: 0, highWaterMark: READ_CHUNK });
    // The mtime year dates year-less syslog stamps: the file was last written in the year its last line was.
    return { stream: gzip ? raw.pipe(createGunzip()) : raw, year: st.mtime.getUTCFullYear(), position: () => raw.bytesRead };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The kind a name gives; `.gz` is looked through (`conn.ndjson.gz` is JSON). */
function kindOf(file: string): RecordKind | null {
  return kindOfName(file.replace(/\.gz$/i, ''));
}

export async function runAudit(
  files: string[],
  opts: AuditCliOptions,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const usage = (message: string): number => {
    error(message, io.stderr);
    return EXIT_USAGE;
  };
  const top = opts.top === undefined ? 20 : Number(opts.top);
  if (!Number.isInteger(top) || top < 1) return usage(`--top: expected a whole number of at least 1, got "${opts.top}"`);
  const since = opts.since === undefined ? undefined : parseTimeOption(opts.since);
  if (opts.since !== undefined && since === undefined)
    return usage(`--since: expected an ISO 8601 date or time (2024-04-19, 2024-04-19T08:00:00Z), got "${opts.since}"`);
  const until = opts.until === undefined ? undefined : parseTimeOption(opts.until);
  if (opts.until !== undefined && until === undefined) return usage(`--until: expected an ISO 8601 date or time, got "${opts.until}"`);
  const year = opts.year === undefined ? undefined : Number(opts.year);
  if (year !== undefined && !(Number.isInteger(year) && year >= 1970 && year <= 9999)) return usage(`--year: expected a year such as 2024, got "${opts.year}"`);
  if (files.length === 0) return usage('audit: name at least one input file ("-" reads stdin)');

  let baseline: Baseline | undefined;
  if (opts.baseline !== undefined) {
    try {
      baseline = parseBaseline(await readFile(opts.baseline, 'utf8'), opts.baseline);
    } catch (err) {
      if (err instanceof BaselineError) return usage(`--baseline ${err.message}`);
      if (isSystemError(err)) {
        error(`cannot read the baseline ${visible(opts.baseline)}: ${systemReason(err)}`, io.stderr);
        return EXIT_FAILURE;
      }
      throw err;
    }
  }

  const threadCount = parseThreads(opts.threads);
  if (threadCount === undefined) return usage(`--threads: expected auto or a whole number from 1 to ${MAX_THREADS}, got "${opts.threads}"`);
  const splitMin = opts.splitMinBytes ?? SPLIT_MIN_BYTES;
  // Sizes first: the workers start before this thread loads its lists, so the loads overlap.
  const sizes = new Map<string, number>();
  for (const f of files) {
    if (f === '-') continue;
    try {
      const st = await stat(f);
      if (st.isFile()) sizes.set(f, st.size);
    } catch {
      // The read below says why it cannot be read.
    }
  }
  const threads = threadCount > 1 && [...sizes.values()].some((n) => n >= splitMin) ? AuditThreads.start(threadCount - 1, opts.config) : null;
  let ctx: Awaited<ReturnType<typeof loadContext>>;
  try {
    ctx = await loadContext(opts.config, { stderr: io.stderr });
  } catch (err) {
    await threads?.close();
    throw err;
  }
  let only = opts.only;
  if (only === 'threat' && !ctx.config.lists.some((l) => (l as { kind?: string }).kind === 'threat')) {
    warn('--only threat: no list of kind threat is configured, so no result can carry a threat; the filter was not applied', io.stderr);
    only = undefined;
  }
  const agg = new Aggregator(ctx.enricher, {
    ...(only !== undefined ? { only } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  });
  const state: ProgressState = { file: '', lines: 0, events: 0 };
  const progress = Progress.start(io.stderr, state);
  let unreadable = 0;
  const failed = (message: string): void => {
    unreadable++;
    progress?.clear();
    error(message, io.stderr);
  };
  const fingerprint = contextFingerprint(ctx);
  const workers = threads === null ? [] : await threads.usable(fingerprint);
  if (threads !== null && workers.length < threadCount - 1)
    warn(
      `${threadCount - 1 - workers.length} of ${threadCount - 1} audit worker threads did not load the lists this thread did; large files are read with ${workers.length + 1}`,
      io.stderr,
    );
  const split: SplitReadContext | null =
    threads === null || workers.length === 0
      ? null
      : {
          agg,
          enricher: ctx.enricher,
          threads,
          workers,
          state,
          showProgress: progress !== null,
          year,
          partsPerThread: opts.partsPerThread ?? 1,
          kindOfName: kindOf,
          failed,
          warn: (message) => {
            progress?.clear();
            warn(message, io.stderr);
          },
        };
  try {
    for (const file of files) {
      const stdin = file === '-';
      const name = stdin ? '(stdin)' : file;
      state.file = name;
      state.lines = 0;
      state.bytes = 0;
      if (stdin) delete state.size;
      else state.size = sizes.get(file);
      const size = sizes.get(file) ?? 0;
      if (!stdin && split !== null && size >= splitMin && (await readSplit(file, name, size, split))) continue;
      let input: { stream: NodeJS.ReadableStream; year: number; position?: () => number };
      try {
        input = stdin ? { stream: io.stdin, year: new Date().getUTCFullYear() } : await openInput(file);
      } catch (err) {
        if (!isSystemError(err)) throw err;
        failed(`cannot read ${visible(file)}: ${systemReason(err)}`);
        continue;
      }
      const tally = newFileTally(name);
      agg.files.push(tally);
      const reader = new RecordReader({ kind: stdin ? null : kindOf(file), year: year ?? input.year });
      try {
        await readInto(input.stream, reader, agg, tally, state, true, input.position);
      } catch (err) {
        if (!isReadError(err)) throw err;
        failed(`cannot read ${visible(name)} after line ${state.lines}: ${readFailure(err)}`);
      }
    }
  } finally {
    progress?.stop();
    await threads?.close();
  }

  if (opts.only === 'threat' && only === 'threat' && !agg.threatKnown)
    warn('--only threat: no result carried a threat field (no threat list matched, or the lists loaded none)', io.stderr);

  const report = buildReport(agg, {
    ...(baseline !== undefined ? { baseline } : {}),
    ...(only !== undefined ? { only } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  });
  const format = opts.format ?? 'text';
  const text =
    format === 'json' ? renderJson(report) : format === 'csv' ? renderCsv(report) : format === 'html' ? renderHtml(report, top) : renderText(report, top);
  try {
    if (opts.saveBaseline !== undefined) await writeFile(opts.saveBaseline, JSON.stringify(baselineOf(agg), null, 2) + '\n');
    if (opts.out !== undefined) await writeFile(opts.out, text);
    else io.stdout.write(text);
  } catch (err) {
    if (!isSystemError(err)) throw err;
    error(`cannot write ${visible(opts.saveBaseline ?? opts.out ?? 'the output')}: ${systemReason(err)}`, io.stderr);
    return EXIT_FAILURE;
  }
  return unreadable > 0 ? EXIT_FAILURE : EXIT_OK;
}

// `ipdest audit`: the "who are we connecting to?" report over connection logs (NDJSON, CSV, netfilter, Zeek conn.log; gzip'd too).
import { open, readFile, writeFile } from 'node:fs/promises';
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
import { loadContext } from './context.js';
import { kindOfName } from './enrich.js';
import { readLines } from './output.js';
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
}

/** `2024-04-19`, or any ISO 8601 time (a time without a zone is UTC). */
export function parseTimeOption(text: string): number | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseIsoTime(`${text}T00:00:00Z`) : parseIsoTime(text);
}

/** A file's stream, gunzipped when it opens with gzip's magic bytes (1f 8b), whatever its name. */
async function openInput(file: string): Promise<{ stream: NodeJS.ReadableStream; year: number }> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR', syscall: 'read' });
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    const gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const raw = handle.createReadStream({ start: 0 });
    // The mtime year dates year-less syslog stamps: the file was last written in the year its last line was.
    return { stream: gzip ? raw.pipe(createGunzip()) : raw, year: st.mtime.getUTCFullYear() };
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

  const ctx = await loadContext(opts.config, { stderr: io.stderr });
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
  try {
    for (const file of files) {
      const stdin = file === '-';
      const name = stdin ? '(stdin)' : file;
      state.file = name;
      state.lines = 0;
      let input: { stream: NodeJS.ReadableStream; year: number };
      try {
        input = stdin ? { stream: io.stdin, year: new Date().getUTCFullYear() } : await openInput(file);
      } catch (err) {
        if (!isSystemError(err)) throw err;
        unreadable++;
        progress?.clear();
        error(`cannot read ${visible(file)}: ${systemReason(err)}`, io.stderr);
        continue;
      }
      const tally = newFileTally(name);
      agg.files.push(tally);
      const reader = new RecordReader({ kind: stdin ? null : kindOf(file), year: year ?? input.year });
      let first = true;
      try {
        for await (const item of readLines(input.stream)) {
          state.lines++;
          if (typeof item !== 'string') {
            agg.skip(tally, 'line too long');
            continue;
          }
          // A byte-order mark (Windows exports) is not part of the first record.
          const line = first && item.charCodeAt(0) === 0xfeff ? item.slice(1) : item;
          first = false;
          const r = reader.read(line);
          if (r === null) continue;
          if ('skip' in r) agg.skip(tally, r.skip);
          else {
            agg.add(tally, r.record);
            state.events++;
          }
        }
      } catch (err) {
        // A read that fails midway (an I/O error, a corrupt gzip stream); what came before counts.
        if (!isSystemError(err) && !(err instanceof Error && /gzip|incorrect header|unexpected end/i.test(err.message))) throw err;
        unreadable++;
        progress?.clear();
        error(`cannot read ${visible(name)} after line ${state.lines}: ${err instanceof Error ? systemReason(err) : String(err)}`, io.stderr);
      }
    }
  } finally {
    progress?.stop();
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

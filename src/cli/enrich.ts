// `ipdest enrich`: NDJSON events (or CSV exports, or raw netfilter log lines) in, enriched NDJSON out.
import { open } from 'node:fs/promises';
import { enrichLine, enrichToText, invalidEventRecord, parseNetfilter, type Enricher } from '../enrich/index.js';
import { ListFormatError } from '../errors.js';
import { readCsv } from '../lists/index.js';
import { loadContext } from './context.js';
import { isClosedPipe, MAX_LINE_LENGTH, Output, readLines, sizeText, type ReadLinesOptions } from './output.js';
import { Progress, type ProgressState } from './progress.js';
import { error, EXIT_FAILURE, EXIT_OK, isSystemError, systemReason } from './report.js';
import { visible } from './terminal.js';

export interface EnrichCliOptions {
  config?: string;
  dropped?: 'omit' | 'keep';
}

/**
 * How an input is read.
 * - By its name first: `.ndjson`, `.jsonl` and `.json` are JSON, one event a line, read strictly
 *   (a line that is not a JSON object becomes an INVALID_EVENT record, and the exit status is 1);
 *   `.csv` is a CSV export whose first row names the columns.
 * - Any other name, and stdin, by its first non-blank line: `{` opens JSON, anything else is a raw
 *   log. In a raw log the netfilter lines (`… SRC=… DST=… DPT=…`) are the connections, and every
 *   other line (sshd, cron, a line cut short before `DST=`) is skipped, counted and summed up on
 *   stderr: a syslog file holds more than the firewall's lines, and they are not errors.
 * The first line decides rather than the name because log names say little (`conn.log` may be
 * Zeek JSON, `messages` has no extension), while every JSON event opens with `{` and no syslog line does.
 */
export type InputKind = 'json' | 'csv' | 'raw';

export function kindOfName(name: string): InputKind | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return null;
}

export function kindOfFirstLine(line: string): InputKind {
  return line.trimStart().startsWith('{') ? 'json' : 'raw';
}

/** How many skipped line numbers a summary names. */
const SKIPPED_SHOWN = 5;

/** One input, as the summary of a raw log tells it. */
interface Tally {
  lines: number;
  blank: number;
  connections: number;
  skipped: number;
  skippedAt: number[];
}

/** The whole run: what every input adds to, and where it goes. */
interface Run {
  readonly enricher: Enricher;
  readonly out: Output;
  readonly omitDropped: boolean;
  readonly lineOptions: ReadLinesOptions;
  /** Read by the progress line; `events` counts every record written or omitted. */
  readonly state: ProgressState;
  dropped: number;
  malformed: number;
  overlong: number;
}

function isBlank(line: string): boolean {
  // Most lines open with a printable ASCII character: no trim, no copy.
  const c = line.charCodeAt(0);
  return !(c > 32 && c < 128) && line.trim() === '';
}

async function enrichStream(run: Run, input: NodeJS.ReadableStream, name: string, kindHint: InputKind | null): Promise<Tally> {
  const { enricher, out, state } = run;
  const detailsField = enricher.options.detailsField;
  const tally: Tally = { lines: 0, blank: 0, connections: 0, skipped: 0, skippedAt: [] };
  let kind = kindHint;
  let lineNo = 0;
  let header: string[] | null = null;
  // Netfilter lines are taken in JSON inputs too, as before: a stream may mix them in.
  const lineOpts = { rawNetfilter: true, file: name };
  for await (const item of readLines(input, run.lineOptions)) {
    state.lines = ++lineNo;
    let text: string;
    let dropped: boolean;
    if (typeof item !== 'string') {
      // Its text was never held: the record says where it was and why it is missing.
      run.overlong++;
      text = JSON.stringify(invalidEventRecord(detailsField, lineNo, `line is longer than ${sizeText(item.limit)}`, name));
      dropped = false;
    } else {
      // A byte-order mark (Windows exports) is not part of the first event.
      const line = lineNo === 1 && item.charCodeAt(0) === 0xfeff ? item.slice(1) : item;
      if (isBlank(line)) {
        tally.blank++;
        continue;
      }
      kind ??= kindOfFirstLine(line);
      if (kind === 'raw') {
        if (parseNetfilter(line) === null) {
          tally.skipped++;
          if (tally.skippedAt.length < SKIPPED_SHOWN) tally.skippedAt.push(lineNo);
          continue;
        }
        tally.connections++;
        // What enrichLine does with a netfilter line, without first failing to parse it as JSON.
        const r = enrichToText(enricher, { message: line });
        text = r.text;
        dropped = r.details.action === 'drop';
      } else if (kind === 'csv') {
        // A CSV export: the first row names the columns, every other row becomes an event.
        const cells = csvCells(line, name);
        if (cells === null) {
          run.malformed++;
          text = JSON.stringify(invalidEventRecord(detailsField, lineNo, 'not a CSV row: unterminated quoted cell', name));
          dropped = false;
        } else if (header === null) {
          header = cells.map((c) => c.trim());
          continue;
        } else {
          // No prototype: a column named __proto__ is a column like any other.
          const event = Object.create(null) as Record<string, string>;
          header.forEach((h, i) => {
            event[h] = cells[i] ?? '';
          });
          const r = enrichLine(enricher, JSON.stringify(event), lineNo, lineOpts);
          text = r.text;
          dropped = r.dropped;
        }
      } else {
        const r = enrichLine(enricher, line, lineNo, lineOpts);
        if (r.invalid) run.malformed++;
        text = r.text;
        dropped = r.dropped;
      }
    }
    state.events++;
    if (dropped) {
      run.dropped++;
      if (run.omitDropped) continue;
    }
    out.write(text + '\n');
    if (out.full) {
      await out.flush();
      if (out.closed) break;
    }
  }
  tally.lines = lineNo;
  return tally;
}

/** The cells of one CSV row; null when a quote is left open (a row cannot span lines here). */
function csvCells(line: string, name: string): readonly string[] | null {
  try {
    return readCsv(line, name)[0]?.cells ?? [];
  } catch (err) {
    if (err instanceof ListFormatError) return null;
    throw err;
  }
}

/** `fw.log: 120 lines, 97 connections, 23 skipped (not a connection: lines 1, 4, 9, 10, 12, …)` */
export function rawSummary(name: string, t: Tally): string {
  const at = t.skippedAt.join(', ') + (t.skipped > t.skippedAt.length ? ', …' : '');
  return (
    `${visible(name)}: ${t.lines} lines, ${t.connections} connections, ${t.skipped} skipped (not a connection: line${t.skipped === 1 ? '' : 's'} ${at})` +
    (t.blank > 0 ? `, ${t.blank} blank` : '')
  );
}

/** A file to read; a directory is refused here, where the reason can be said plainly. */
async function openInput(file: string): Promise<NodeJS.ReadableStream> {
  const handle = await open(file, 'r');
  try {
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR', syscall: 'read' });
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle.createReadStream();
}

export async function runEnrich(
  files: string[],
  opts: EnrichCliOptions,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  lineOptions: ReadLinesOptions = {},
): Promise<number> {
  const ctx = await loadContext(opts.config, { stderr: io.stderr });
  const out = new Output(io.stdout);
  const run: Run = {
    enricher: ctx.enricher,
    out,
    omitDropped: opts.dropped === 'omit',
    lineOptions,
    state: { file: '', lines: 0, events: 0 },
    dropped: 0,
    malformed: 0,
    overlong: 0,
  };
  const progress = Progress.start(io.stderr, run.state);
  const say = (message: string): void => {
    progress?.clear();
    io.stderr.write(message + '\n');
  };
  let unreadable = 0;
  try {
    // Each input is answered in turn; one that cannot be read is named and the others still are.
    for (const file of files.length === 0 ? ['-'] : files) {
      const stdin = file === '-';
      const name = stdin ? '(stdin)' : file;
      run.state.file = name;
      run.state.lines = 0;
      let input: NodeJS.ReadableStream;
      try {
        input = stdin ? io.stdin : await openInput(file);
      } catch (err) {
        if (!isSystemError(err)) throw err;
        unreadable++;
        progress?.clear();
        error(`cannot read ${visible(file)}: ${systemReason(err)}`, io.stderr);
        continue;
      }
      let tally: Tally;
      try {
        tally = await enrichStream(run, input, name, stdin ? null : kindOfName(file));
      } catch (err) {
        // A read that fails midway (an I/O error, a file gone from under us); what came before stays.
        if (!isSystemError(err)) throw err;
        unreadable++;
        progress?.clear();
        error(`cannot read ${visible(name)} after line ${run.state.lines}: ${systemReason(err)}`, io.stderr);
        continue;
      }
      if (out.closed) break;
      if (tally.skipped > 0) {
        say(`ipdest: ${rawSummary(name, tally)}`);
        if (tally.connections === 0)
          say('hint: in a log file ipdest reads netfilter (iptables) lines, with SRC=… DST=…; a JSON input has one object a line, each opening with "{"');
      }
    }
    await out.flush();
  } finally {
    progress?.stop();
  }
  // Stdout failed: main says why (nothing when the reader just went away, `| head`), and no summary
  // follows, since the counts would only cover what was read before.
  if (out.closed) return isClosedPipe(out.error) ? EXIT_OK : EXIT_FAILURE;
  const events = run.state.events;
  if (run.malformed > 0) say(`ipdest: ${run.malformed} of ${events} lines were not JSON objects; each has an INVALID_EVENT record in its place`);
  if (run.overlong > 0)
    say(
      `ipdest: ${run.overlong} line${run.overlong === 1 ? ' was' : 's were'} longer than ${sizeText(lineOptions.maxLineLength ?? MAX_LINE_LENGTH)} and not read; each has an INVALID_EVENT record in its place`,
    );
  return run.malformed > 0 || run.overlong > 0 || unreadable > 0 ? EXIT_FAILURE : EXIT_OK;
}

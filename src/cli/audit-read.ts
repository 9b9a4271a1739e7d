// The audit's per-line loop: one input (a whole file, or a byte range of one) read into an Aggregator; shared by the main thread and the audit's worker threads.
import { createReadStream } from 'node:fs';
import { Aggregator, newFileTally, type AggregatePart, type AuditOptions, type FileTally } from '../audit/index.js';
import { NetfilterScan, RecordReader, type Enricher } from '../enrich/index.js';
import { readLineBatches } from './output.js';
import { isSystemError, systemReason } from './report.js';

/** What the loop counts as it goes: the progress line reads it. */
export interface ReadCounts {
  lines: number;
  events: number;
  /** Bytes of the file read so far (where `position` says). */
  bytes?: number;
}

/**
 * Feeds every line of `stream` to `reader` and its records to `agg`, counting into `tally`.
 * `atFileStart`: the stream opens at the file's first byte, where a byte-order mark (Windows
 * exports) is not part of the first record. A read error is thrown: what came before counts.
 */
export async function readInto(
  stream: NodeJS.ReadableStream,
  reader: RecordReader,
  agg: Aggregator,
  tally: FileTally,
  counts: ReadCounts,
  atFileStart: boolean,
  position?: () => number,
): Promise<void> {
  let first = atFileStart;
  // Firewall logs: a line the scan takes is counted from numbers (the same counts `add` makes).
  const scan = new NetfilterScan();
  for await (const batch of readLineBatches(stream, { fileBytes: true })) {
    if (position !== undefined) counts.bytes = position();
    for (const item of batch) {
      counts.lines++;
      if (typeof item !== 'string') {
        agg.skip(tally, 'line too long');
        continue;
      }
      const line = first && item.charCodeAt(0) === 0xfeff ? item.slice(1) : item;
      first = false;
      if (reader.scanNetfilter(line, scan) && agg.addNetfilter(tally, scan, line)) {
        counts.events++;
        continue;
      }
      const r = reader.read(line);
      if (r === null) continue;
      if ('skip' in r) agg.skip(tally, r.skip);
      else {
        agg.add(tally, r.record);
        counts.events++;
      }
    }
  }
}

/** Why a read failed midway, as a message says it: the errno's reason, else the error's text. */
export function readFailure(err: unknown): string {
  return err instanceof Error ? systemReason(err) : String(err);
}

/** A read that failed midway (an I/O error, a corrupt gzip stream), as opposed to a bug. */
export function isReadError(err: unknown): boolean {
  return isSystemError(err) || (err instanceof Error && /gzip|incorrect header|unexpected end/i.test(err.message));
}

/** The audit reads files 1 MiB at a time: fewer, larger batches than the streams' 64 KiB default. */
export const READ_CHUNK = 1 << 20;

/** One part of a file to read: the bytes [start, end), which open and end at a line end. */
export interface PartJob {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly kind: 'json' | 'raw';
  readonly year: number;
  readonly options: AuditOptions;
}

/** What reading a part gives, to be merged after the parts before it. */
export interface PartRead {
  readonly part: AggregatePart;
  readonly lines: number;
  readonly events: number;
  /** The part left no reader state (no Zeek `#fields` header): the next part reads alike from a new reader. */
  readonly stateless: boolean;
  /** The read failed midway, after `lines` lines; what came before counts. */
  readonly reason?: string;
}

/** Reads a part with a reader and an aggregation of its own (a worker's, or the main thread's while it waits), counting into `counts`. */
export async function readPart(enricher: Enricher, job: PartJob, counts: ReadCounts): Promise<PartRead> {
  const agg = new Aggregator(enricher, job.options);
  const tally = newFileTally(job.file);
  const reader = new RecordReader({ kind: job.kind, year: job.year });
  const stream = createReadStream(job.file, { start: job.start, end: job.end - 1, highWaterMark: READ_CHUNK });
  let reason: string | undefined;
  try {
    await readInto(stream, reader, agg, tally, counts, false, () => stream.bytesRead);
  } catch (err) {
    if (!isReadError(err)) throw err;
    reason = readFailure(err);
  }
  return { part: agg.part(tally), lines: counts.lines, events: counts.events, stateless: reader.stateless, ...(reason !== undefined ? { reason } : {}) };
}

// The audit's per-line loop: one input (a whole file, or a byte range of one) read into an Aggregator; shared by the main thread and the audit's worker threads.
import type { Aggregator, FileTally } from '../audit/index.js';
import type { RecordReader } from '../enrich/index.js';
import { readLineBatches } from './output.js';
import { isSystemError } from './report.js';

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
  for await (const batch of readLineBatches(stream)) {
    if (position !== undefined) counts.bytes = position();
    for (const item of batch) {
      counts.lines++;
      if (typeof item !== 'string') {
        agg.skip(tally, 'line too long');
        continue;
      }
      const line = first && item.charCodeAt(0) === 0xfeff ? item.slice(1) : item;
      first = false;
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

/** A read that failed midway (an I/O error, a corrupt gzip stream), as opposed to a bug. */
export function isReadError(err: unknown): boolean {
  return isSystemError(err) || (err instanceof Error && /gzip|incorrect header|unexpected end/i.test(err.message));
}

/** The audit reads files 1 MiB at a time: fewer, larger batches than the streams' 64 KiB default. */
export const READ_CHUNK = 1 << 20;

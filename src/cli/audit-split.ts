// A large audit input read in parts at once: the parts taken in turn by the worker threads and this one, and merged here in file order.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { newFileTally, type Aggregator } from '../audit/index.js';
import { RecordReader, type Enricher, type RecordKind } from '../enrich/index.js';
import { isReadError, READ_CHUNK, readFailure, readInto, readPart, type PartJob, type PartRead, type ReadCounts } from './audit-read.js';
import { cutPoints, splittableKind, type AuditThreads, type AuditWorker } from './audit-threads.js';
import type { ProgressState } from './progress.js';
import { isSystemError } from './report.js';
import { visible } from './terminal.js';

export interface SplitReadContext {
  readonly agg: Aggregator;
  readonly enricher: Enricher;
  readonly threads: AuditThreads;
  readonly workers: readonly AuditWorker[];
  /** What the progress line reads: this file's lines and bytes, the run's events. */
  readonly state: ProgressState;
  readonly showProgress: boolean;
  /** `--year`, else the file's mtime year. */
  readonly year: number | undefined;
  /**
   * Parts a thread: 1 by default. More parts balance threads of unequal speed, but each part makes
   * its own entries for the destinations and pairs it meets, and on logs of many distinct tuples
   * that work, repeated, costs more than the balance gains (measured: 8 parts on 2 threads took
   * 1.06–1.1× the time of 2 on the 1M-line bench log).
   */
  readonly partsPerThread: number;
  readonly kindOfName: (file: string) => RecordKind | null;
  /** An input that could not be read: counted, and said on stderr. */
  failed(message: string): void;
  warn(message: string): void;
}

type Outcome = { readonly ok: true; readonly r: PartRead } | { readonly ok: false; readonly e: unknown };

const zero = (): Required<ReadCounts> => ({ lines: 0, events: 0, bytes: 0 });

/**
 * Reads `file` in parts, into `c.agg` and one file tally, giving what reading it in order gives.
 * The first part is read here, into the aggregation itself; every later part goes to whichever
 * thread is free first (this one too, while it waits for the next part to merge), each with a
 * reader and an aggregation of its own, and is merged in file order. What would make a part read
 * otherwise than in sequence sends the rest through this thread's reader: a reader state the
 * first part leaves, or a part that leaves one (a Zeek `#fields` header). A part whose worker
 * failed is read here. False when the file is not one to cut (then it is read as any other).
 */
export async function readSplit(file: string, name: string, size: number, c: SplitReadContext): Promise<boolean> {
  let kind: 'json' | 'raw' | null;
  let cuts: number[];
  let mtimeYear: number;
  try {
    kind = await splittableKind(file, c.kindOfName(file));
    if (kind === null) return false;
    cuts = await cutPoints(file, size, (c.workers.length + 1) * c.partsPerThread);
    if (cuts.length === 0) return false;
    mtimeYear = (await stat(file)).mtime.getUTCFullYear();
  } catch (err) {
    if (!isSystemError(err)) throw err;
    return false; // the ordinary read says why
  }
  const partKind = kind;
  const bounds = [0, ...cuts, size];
  const count = bounds.length - 1; // part j is [bounds[j], bounds[j + 1])
  const year = c.year ?? mtimeYear;
  const { agg, state } = c;
  const tally = newFileTally(name);
  agg.files.push(tally);
  const reader = new RecordReader({ kind, year });

  // Progress: what is merged (`mine`) plus what each part in flight has read so far.
  const seen = bounds.map(zero);
  const mine = zero();
  const eventsBefore = state.events;
  const counted = (): void => {
    state.lines = mine.lines + seen.reduce((n, s) => n + s.lines, 0);
    state.events = eventsBefore + mine.events + seen.reduce((n, s) => n + s.events, 0);
    state.bytes = mine.bytes + seen.reduce((n, s) => n + s.bytes, 0);
  };
  const ticker = c.showProgress ? setInterval(counted, 250).unref() : null;

  // The parts after the first, taken in order by whichever thread asks first.
  let next = 1;
  let stop = false;
  const claim = (): number | undefined => (stop || next >= count ? undefined : next++);
  const ready = new Array<boolean>(count).fill(false);
  const settle: ((o: Outcome) => void)[] = [];
  const outcomes = bounds.slice(0, count).map((_, j) => new Promise<Outcome>((resolve) => (settle[j] = resolve)));
  const done = (j: number, o: Outcome): void => {
    ready[j] = true;
    seen[j] = zero();
    settle[j]!(o);
  };
  const job = (j: number): PartJob => ({ file, start: bounds[j]!, end: bounds[j + 1]!, kind: partKind, year, options: agg.options });

  const loops = c.workers.map(async (w) => {
    for (let j = claim(); j !== undefined; j = claim()) {
      try {
        const r = await c.threads.run(w, job(j), (lines, events, bytes) => (seen[j] = { lines, events, bytes }));
        done(j, { ok: true, r });
      } catch (e) {
        done(j, { ok: false, e });
        return; // a worker that failed takes no more
      }
    }
  });

  /** A part read on this thread, as a worker would. */
  const readHere = (j: number): Promise<PartRead> => readPart(c.enricher, job(j), (seen[j] = zero()));

  const readError = (err: unknown): void => {
    if (!isReadError(err)) throw err;
    c.failed(`cannot read ${visible(name)} after line ${mine.lines}: ${readFailure(err)}`);
  };

  /** The rest of the file from `from`, in order, through this thread's reader. */
  const sequential = async (from: number): Promise<void> => {
    stop = true;
    const stream = createReadStream(file, { start: from, highWaterMark: READ_CHUNK });
    try {
      await readInto(stream, reader, agg, tally, mine, false, () => from + stream.bytesRead);
    } catch (err) {
      readError(err);
    }
  };

  try {
    const first = createReadStream(file, { start: 0, end: bounds[1]! - 1, highWaterMark: READ_CHUNK });
    try {
      await readInto(first, reader, agg, tally, mine, true, () => first.bytesRead);
    } catch (err) {
      stop = true;
      readError(err);
      return true;
    }
    mine.bytes = bounds[1]!;
    if (reader.kind !== kind || !reader.stateless) {
      await sequential(bounds[1]!);
      return true;
    }
    for (let j = 1; j < count; j++) {
      // Waiting for part j, this thread reads a part nobody has taken.
      if (!ready[j]) {
        const k = claim();
        if (k !== undefined) {
          done(k, { ok: true, r: await readHere(k) });
          j--;
          continue;
        }
      }
      const o = await outcomes[j]!;
      let r: PartRead;
      if (o.ok) r = o.r;
      else {
        c.warn(`an audit worker failed (${o.e instanceof Error ? o.e.message : String(o.e)}); its part of ${visible(name)} is read by the main thread`);
        r = await readHere(j);
      }
      if (!r.stateless && j < count - 1) {
        // Part j leaves a reader state the parts after it were read without: from j on, in order.
        await sequential(bounds[j]!);
        return true;
      }
      agg.merge(tally, r.part);
      mine.lines += r.lines;
      mine.events += r.events;
      mine.bytes = bounds[j + 1]!;
      if (r.reason !== undefined) {
        stop = true;
        c.failed(`cannot read ${visible(name)} after line ${mine.lines}: ${r.reason}`);
        return true;
      }
    }
    return true;
  } finally {
    // Parts still in flight are waited for, so that no worker is busy when the next file is cut.
    stop = true;
    await Promise.all(loops);
    if (ticker !== null) clearInterval(ticker);
    seen.fill(zero());
    counted();
  }
}

// An audit worker thread: loads the config's lists once, then reads the byte ranges of files it is sent into partial aggregations.
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Aggregator, newFileTally } from '../audit/index.js';
import { RecordReader } from '../enrich/index.js';
import { isReadError, READ_CHUNK, readInto, type ReadCounts } from './audit-read.js';
import { contextFingerprint, loadContext } from './context.js';
import { systemReason } from './report.js';
import type { PartJob, WorkerMessage } from './audit-threads.js';

const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);

async function main(): Promise<void> {
  let ctx: Awaited<ReturnType<typeof loadContext>>;
  try {
    ctx = await loadContext((workerData as { config: string | undefined }).config, { quiet: true });
  } catch (err) {
    post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    return;
  }
  post({ type: 'ready', fingerprint: contextFingerprint(ctx) });
  port.on('message', (job: PartJob) => {
    // A bug, not a read error: the main thread reads the part itself, and says so.
    read(ctx, job).catch((err: unknown) => post({ type: 'crashed', reason: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
}

async function read(ctx: Awaited<ReturnType<typeof loadContext>>, job: PartJob): Promise<void> {
  const agg = new Aggregator(ctx.enricher, { ...job.options, trail: true });
  const tally = newFileTally(job.file);
  const reader = new RecordReader({ kind: job.kind, year: job.year });
  const counts: ReadCounts = { lines: 0, events: 0 };
  // Progress for the main thread's line: counts sent about twice a second, not per line.
  const timer = setInterval(() => post({ type: 'progress', lines: counts.lines, events: counts.events, bytes: counts.bytes ?? 0 }), 500);
  let reason: string | undefined;
  try {
    const stream = createReadStream(job.file, { start: job.start, end: job.end - 1, highWaterMark: READ_CHUNK });
    await readInto(stream, reader, agg, tally, counts, false, () => stream.bytesRead);
  } catch (err) {
    if (!isReadError(err)) throw err;
    reason = err instanceof Error ? systemReason(err) : String(err);
  } finally {
    clearInterval(timer);
  }
  const part = agg.part(tally);
  const sp = part.series;
  const reply: WorkerMessage = {
    type: 'part',
    part,
    lines: counts.lines,
    events: counts.events,
    stateless: reader.stateless,
    ...(reason !== undefined ? { reason } : {}),
  };
  // The series' arrays are moved, not copied.
  port.postMessage(reply, [sp.at.buffer, sp.ts.buffer, sp.ports.buffer, sp.sizeStart.buffer, sp.sizes.buffer, sp.sizeAt.buffer] as ArrayBuffer[]);
}

main().catch((err: unknown) => post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) }));

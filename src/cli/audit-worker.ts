// An audit worker thread: loads the config's lists once, then reads the byte ranges of files it is sent into partial aggregations.
import { parentPort, workerData } from 'node:worker_threads';
import { readPart, type PartJob, type PartRead, type ReadCounts } from './audit-read.js';
import type { WorkerMessage } from './audit-threads.js';
import { contextFingerprint, loadContext } from './context.js';

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
  const counts: ReadCounts = { lines: 0, events: 0 };
  // Progress for the main thread's line: counts sent about twice a second, not per line.
  const timer = setInterval(() => post({ type: 'progress', lines: counts.lines, events: counts.events, bytes: counts.bytes ?? 0 }), 500);
  let r: PartRead;
  try {
    r = await readPart(ctx.enricher, job, counts);
  } finally {
    clearInterval(timer);
  }
  // The tuples' and pairs' arrays are moved, not copied (each has a buffer of its own).
  port.postMessage({ type: 'part', ...r } satisfies WorkerMessage, [
    r.part.tuples.buffer,
    ...Object.values(r.part.pairs).map((a: Int32Array | Float64Array) => a.buffer),
  ] as ArrayBuffer[]);
}

main().catch((err: unknown) => post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) }));

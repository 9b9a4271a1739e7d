// The audit's worker threads, which load the same lists as the main thread and read parts of large files; where a file is cut, and whether it can be.
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { PartJob, PartRead } from './audit-read.js';

/** A worker's answer: the part it read. */
export type PartReply = { readonly type: 'part' } & PartRead;

export type WorkerMessage =
  | { readonly type: 'ready'; readonly fingerprint: string }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'progress'; readonly lines: number; readonly events: number; readonly bytes: number }
  | { readonly type: 'crashed'; readonly reason: string }
  | PartReply;

/** A file is cut when it is at least this large (a worker's start, its lists loaded, costs about what 20 MiB of lines do). */
export const SPLIT_MIN_BYTES = 64 * 2 ** 20;

/** A worker thread, as `usable` hands it out. */
export interface AuditWorker {
  readonly worker: Worker;
}

interface Slot extends AuditWorker {
  /** The fingerprint of the lists it loaded, or null when it could not load them. */
  readonly ready: Promise<string | null>;
  /** The job in flight. */
  pending: { resolve: (r: PartReply) => void; reject: (e: Error) => void; progress: (lines: number, events: number, bytes: number) => void } | null;
  dead: Error | null;
}

function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./audit-worker.js', import.meta.url), { workerData });
  // Run from the sources (tests, tsx): a worker does not inherit tsx's loader, so it registers it first.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./audit-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((m) => { m.register(); return import(${entry}); })`, { eval: true, workerData });
}

/** The audit's worker threads: started before the main thread loads its lists, so both load at once. */
export class AuditThreads {
  readonly #slots: Slot[];

  private constructor(slots: Slot[]) {
    this.#slots = slots;
  }

  static start(count: number, config: string | undefined): AuditThreads {
    const slots: Slot[] = [];
    for (let i = 0; i < count; i++) {
      const worker = startWorker({ config });
      let ready!: (fp: string | null) => void;
      const slot: Slot = { worker, ready: new Promise((r) => (ready = r)), pending: null, dead: null };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') ready(m.fingerprint);
        else if (m.type === 'failed') ready(null);
        else if (m.type === 'progress') slot.pending?.progress(m.lines, m.events, m.bytes);
        else if (m.type === 'crashed') {
          const p = slot.pending;
          slot.pending = null;
          p?.reject(new Error(m.reason));
        } else {
          const p = slot.pending;
          slot.pending = null;
          p?.resolve(m);
        }
      });
      const die = (err: Error): void => {
        slot.dead = err;
        ready(null);
        const p = slot.pending;
        slot.pending = null;
        p?.reject(err);
      };
      worker.on('error', die);
      worker.on('exit', (code) => die(new Error(`audit worker exited with code ${code}`)));
      slots.push(slot);
    }
    return new AuditThreads(slots);
  }

  /** The workers that loaded lists that answer as the main thread's do (the same fingerprint). */
  async usable(fingerprint: string): Promise<AuditWorker[]> {
    const fps = await Promise.all(this.#slots.map((s) => s.ready));
    return this.#slots.filter((_, i) => fps[i] === fingerprint);
  }

  /** Reads a part on a worker; rejects when the worker dies or fails. */
  run(worker: AuditWorker, job: PartJob, progress: (lines: number, events: number, bytes: number) => void): Promise<PartReply> {
    const slot = worker as Slot;
    if (slot.dead !== null) return Promise.reject(slot.dead);
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject, progress };
      slot.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#slots.map((s) => {
        s.worker.removeAllListeners('exit');
        return s.worker.terminate();
      }),
    );
  }
}

/**
 * Where to cut a file of `size` bytes into at most `parts` parts: each cut just after a newline
 * at or past an equal share, so that every part opens at a line's first byte. Fewer cuts when
 * lines are long; none when the file has no newline past the first share.
 */
export async function cutPoints(file: string, size: number, parts: number): Promise<number[]> {
  const cuts: number[] = [];
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    for (let k = 1; k < parts; k++) {
      let pos = Math.max(Math.floor((size * k) / parts), cuts.at(-1) ?? 0);
      let cut = -1;
      while (cut < 0 && pos < size) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) cut = pos + nl + 1;
        else pos += bytesRead;
      }
      if (cut < 0 || cut >= size) break;
      if (cut > (cuts.at(-1) ?? 0)) cuts.push(cut);
    }
  } finally {
    await handle.close();
  }
  return cuts;
}

/**
 * The kind a reader would decide for this file (the name's, else its first line that is not blank:
 * `{` opens JSON), when a file of that kind can be cut: JSON, or raw lines that open with no Zeek
 * header. Null: read it in one thread.
 */
export async function splittableKind(file: string, named: 'json' | 'csv' | 'raw' | null): Promise<'json' | 'raw' | null> {
  if (named === 'csv') return null;
  if (named === 'json') return 'json';
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return null; // gzip: one stream, read in order
    const lines = buf.subarray(0, bytesRead).toString('utf8').split('\n');
    lines.pop(); // the last may be cut short
    for (let i = 0; i < lines.length; i++) {
      const line = i === 0 && lines[0]!.charCodeAt(0) === 0xfeff ? lines[0]!.slice(1) : lines[i]!;
      if (line.trim() === '') continue;
      if (line.trimStart().startsWith('{')) return named ?? 'json';
      return line.startsWith('#') ? null : (named ?? 'raw');
    }
    return null;
  } finally {
    await handle.close();
  }
}

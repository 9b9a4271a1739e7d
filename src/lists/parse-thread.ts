// Parsing list files on a worker thread, so a server keeps answering while a 4 MB file is read.
import { Worker } from 'node:worker_threads';
import { runStepsAsync } from '../net/index.js';
import { IpdestError, ListFormatError, type ErrorCode } from '../errors.js';
import { abortReason, seconds, within } from './deadline.js';
import { parseList, type ListFormat, type ParsedList } from './formats/index.js';
import { unpackSteps } from './packed.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

/**
 * Longest wait for the worker's answer to one parse (the real Azure file takes well under a
 * second). Past it the parse fails and the worker is replaced: a parse that never answers
 * cannot hold the reloads after it.
 */
export const PARSE_TIMEOUT_MS = 60_000;

type Waiter = (reply: ParseReply | 'unavailable') => void;

interface Thread {
  readonly worker: Worker;
  /** Parses sent to this worker and not answered yet, by request id. */
  readonly waiting: Map<number, Waiter>;
}

/** undefined: not started yet (or replaced: start another); null: cannot run here (parse on this thread instead). */
let thread: Thread | null | undefined;
let nextId = 1;

/** Workers started so far (tests: a stuck parse starts a new one). */
export let workersStarted = 0;

function start(): Thread | null {
  if (thread !== undefined) return thread;
  try {
    const worker = import.meta.url.endsWith('.ts')
      ? // From source (tests, the bench): the worker is the .ts file, and a worker does not inherit
        // this process's --import of tsx: it registers tsx itself, then loads the file.
        new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)}); })`,
          { eval: true },
        )
      : new Worker(new URL('./parse-worker.js', import.meta.url));
    const t: Thread = { worker, waiting: new Map() };
    worker.on('message', (reply: ParseReply) => {
      const done = t.waiting.get(reply.id);
      t.waiting.delete(reply.id);
      if (t.waiting.size === 0) worker.unref();
      done?.(reply);
    });
    // The worker died on its own (or cannot start): parse on this thread from now on.
    const giveUp = () => {
      if (thread === t) thread = null;
      release(t);
    };
    worker.on('error', giveUp);
    worker.on('exit', giveUp);
    worker.unref();
    thread = t;
    workersStarted++;
  } catch {
    thread = null;
  }
  return thread;
}

/** Answers the parses still waiting on a worker with 'unavailable' (they are parsed here). */
function release(t: Thread): void {
  const waiters = [...t.waiting.values()];
  t.waiting.clear();
  for (const done of waiters) done('unavailable');
}

/** Stops a worker that did not answer in time; the next parse starts a new one. */
function replace(t: Thread): void {
  if (thread === t) thread = undefined;
  release(t);
  t.worker.terminate().catch(() => {
    /* it is gone either way */
  });
}

function rebuild(error: Extract<ParseReply, { ok: false }>['error']): Error {
  if (error.format) {
    const e = new ListFormatError(error.file ?? '', error.line ?? 1, error.text ?? '', '');
    e.message = error.message; // the worker's full "file:line: reason: text"
    return e;
  }
  return new IpdestError(error.code as ErrorCode, error.message);
}

export interface OffThreadOptions {
  /** Longest wait for the worker's answer (PARSE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Gives up on the parse (its reason is thrown). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * parseList on the worker thread; the entries are rebuilt here in steps, with requests served in
 * between. Where no worker can start, the file is parsed on this thread: same result, same errors.
 * A worker that does not answer within `timeoutMs` is replaced and the parse fails (LIST_FAILED).
 */
export async function parseListOffThread(
  format: ListFormat,
  text: string,
  file: string,
  column?: string | number,
  opts: OffThreadOptions = {},
): Promise<ParsedList> {
  const t = start();
  if (t !== null) {
    const id = nextId++;
    const timeoutMs = opts.timeoutMs ?? PARSE_TIMEOUT_MS;
    const answer = new Promise<ParseReply | 'unavailable'>((resolve) => {
      t.waiting.set(id, resolve);
      t.worker.ref(); // a pending parse keeps the process alive; an idle worker does not
      const req: ParseRequest = { id, format, text, file, column };
      t.worker.postMessage(req);
    });
    let reply: ParseReply | 'unavailable';
    try {
      reply = await within(
        answer,
        timeoutMs,
        () =>
          new IpdestError(
            'LIST_FAILED',
            `parsing ${file} on the parse thread gave no answer within ${seconds(timeoutMs)}: gave up on it and restarted the thread`,
          ),
        opts.signal,
      );
    } catch (err) {
      t.waiting.delete(id);
      replace(t);
      throw err;
    }
    if (reply !== 'unavailable') {
      lastParseOn = 'worker';
      if (!reply.ok) throw rebuild(reply.error);
      const parsed = await runStepsAsync(unpackSteps(reply.packed));
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      return parsed;
    }
  }
  lastParseOn = 'here';
  return parseList(format, text, file, { column });
}

/** Where the last parse ran: on the worker, or here because no worker could start. */
export let lastParseOn: 'worker' | 'here' | 'none' = 'none';

/** Stops the worker (tests, shutdown). */
export async function stopParseThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  if (t) {
    release(t);
    await t.worker.terminate();
  }
}

// Parsing list files on a worker thread, so a server keeps answering while a 4 MB file is read.
import { Worker } from 'node:worker_threads';
import { runStepsAsync } from '../net/index.js';
import { IpdestError, ListFormatError, type ErrorCode } from '../errors.js';
import { parseList, type ListFormat, type ParsedList } from './formats/index.js';
import { unpackSteps } from './packed.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

type Waiter = (reply: ParseReply | 'unavailable') => void;

/** undefined: not started yet; null: cannot run here (parse on this thread instead). */
let worker: Worker | null | undefined;
const waiting = new Map<number, Waiter>();
let nextId = 1;

function start(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    // From source (tests, the bench), the worker is the .ts file: a worker does not inherit the
    // TypeScript loader's hooks, so it registers tsx itself before importing the file.
    const fromSource = import.meta.url.endsWith('.ts');
    const w = fromSource
      ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', import.meta.url).href)}); })`, { eval: true })
      : new Worker(new URL('./parse-worker.js', import.meta.url));
    w.on('message', (reply: ParseReply) => {
      const done = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (waiting.size === 0) w.unref();
      done?.(reply);
    });
    const giveUp = () => {
      worker = null;
      for (const done of waiting.values()) done('unavailable');
      waiting.clear();
    };
    w.on('error', giveUp);
    w.on('exit', giveUp);
    w.unref();
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

function rebuild(error: Extract<ParseReply, { ok: false }>['error']): Error {
  if (error.format) {
    const e = new ListFormatError(error.file ?? '', error.line ?? 1, error.text ?? '', '');
    e.message = error.message; // the worker's full "file:line: reason: text"
    return e;
  }
  return new IpdestError(error.code as ErrorCode, error.message);
}

/**
 * parseList on the worker thread; the entries are rebuilt here in steps, with requests served in
 * between. Where no worker can start, the file is parsed on this thread: same result, same errors.
 */
export async function parseListOffThread(format: ListFormat, text: string, file: string, column?: string | number): Promise<ParsedList> {
  const w = start();
  if (w !== null) {
    const id = nextId++;
    const reply = await new Promise<ParseReply | 'unavailable'>((resolve) => {
      waiting.set(id, resolve);
      w.ref(); // a pending parse keeps the process alive; an idle worker does not
      const req: ParseRequest = { id, format, text, file, column };
      w.postMessage(req);
    });
    if (reply !== 'unavailable') {
      lastParseOn = 'worker';
      if (!reply.ok) throw rebuild(reply.error);
      return runStepsAsync(unpackSteps(reply.packed));
    }
  }
  lastParseOn = 'here';
  return parseList(format, text, file, { column });
}

/** Where the last parse ran: on the worker, or here because no worker could start. */
export let lastParseOn: 'worker' | 'here' | 'none' = 'none';

/** Stops the worker (tests, shutdown). */
export async function stopParseThread(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

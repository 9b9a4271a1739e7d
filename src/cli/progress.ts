// Progress of a long `ipdest enrich` on a terminal: file, lines and events per second, about once a second.
import { visible } from './terminal.js';

/** What the enrich loop counts anyway; the progress line only reads it. */
export interface ProgressState {
  file: string;
  /** Lines read of the current file. */
  lines: number;
  /** Events written over the whole run. */
  events: number;
  /** Bytes of the current file read so far, and its size: shown when both are known (the audit's files). */
  bytes?: number;
  size?: number;
}

export interface ProgressOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/**
 * Shown only when stderr is a terminal: pipes, files and tests get nothing. A timer, not a clock
 * check in the loop, so the hot path pays nothing; it fires between input chunks, when the loop
 * waits for the next one. The line is redrawn in place (`\r`, erase to end of line) and erased
 * before any other message and at the end.
 */
function mb(bytes: number): string {
  return (bytes / 1e6).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export class Progress {
  readonly #stream: NodeJS.WritableStream;
  readonly #state: ProgressState;
  readonly #now: () => number;
  readonly #start: number;
  #timer: NodeJS.Timeout | null;
  #shown = false;

  private constructor(stream: NodeJS.WritableStream, state: ProgressState, opts: ProgressOptions) {
    this.#stream = stream;
    this.#state = state;
    this.#now = opts.now ?? Date.now;
    this.#start = this.#now();
    this.#timer = setInterval(() => this.#draw(), opts.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** A progress line on `stream` when it is a terminal, else null. */
  static start(stream: NodeJS.WritableStream, state: ProgressState, opts: ProgressOptions = {}): Progress | null {
    return (stream as { isTTY?: boolean }).isTTY === true ? new Progress(stream, state, opts) : null;
  }

  #draw(): void {
    const s = this.#state;
    const seconds = Math.max(0.001, (this.#now() - this.#start) / 1000);
    const rate = Math.round(s.events / seconds);
    const of = s.bytes !== undefined && s.size !== undefined && s.size > 0 ? `, ${mb(s.bytes)} of ${mb(s.size)} MB` : '';
    this.#stream.write(`\ripdest: ${visible(s.file)}: ${s.lines.toLocaleString('en-US')} lines${of}, ${rate.toLocaleString('en-US')} events/s\x1b[K`);
    this.#shown = true;
  }

  /** Erases the line, so a message can be written on a clean line; the next tick redraws it. */
  clear(): void {
    if (this.#shown) this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.clear();
  }
}

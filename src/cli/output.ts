// Buffered writes to a stream with backpressure, and line reading: flat memory however many or long the lines.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

/**
 * Collects output and hands it to the stream in large pieces, waiting for drain when the stream
 * is full. A stream that fails (EPIPE when the reader went away: `ipdest … | head -1`) is
 * recorded, not thrown: `closed` turns true, later writes are dropped, the command stops
 * reading, and main says what went wrong (nothing for EPIPE).
 */
export class Output {
  readonly #stream: NodeJS.WritableStream;
  #buf = '';
  #error: NodeJS.ErrnoException | null = null;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    // Without a listener a failed write is an uncaught 'error' event: a crash with a stack.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.#error ??= err;
    });
  }

  /** The stream failed or went away: stop producing output. */
  get closed(): boolean {
    return this.#error !== null;
  }

  /** The first error of the stream, if any. */
  get error(): NodeJS.ErrnoException | null {
    return this.#error;
  }

  /** Enough is buffered to hand to the stream (checked per line, so a getter and no promise). */
  get full(): boolean {
    return this.#buf.length >= 65536;
  }

  write(s: string): void {
    this.#buf += s;
  }

  /** Hands the buffer to the stream, waiting for drain when the stream is full. */
  async flush(): Promise<void> {
    const chunk = this.#buf;
    this.#buf = '';
    if (chunk === '' || this.#error !== null) return;
    let ok: boolean;
    try {
      ok = this.#stream.write(chunk);
    } catch (err) {
      // A stream that throws instead of emitting: pass it on as its error, where main hears it.
      this.#stream.emit('error', err);
      return;
    }
    if (!ok) await this.#drained();
  }

  /** Resolves on drain, or when the stream fails or closes (a closed stream never drains). */
  #drained(): Promise<void> {
    const s = this.#stream;
    return new Promise((resolve) => {
      const done = (): void => {
        s.removeListener('drain', done);
        s.removeListener('error', done);
        s.removeListener('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        if (this.#error === null) this.#error = Object.assign(new Error('the output closed'), { code: 'EPIPE' });
        done();
      };
      s.on('drain', done);
      s.on('error', done);
      s.on('close', onClose);
    });
  }
}

/** An output error that only means the reader stopped reading: no message, no failure. */
export function isClosedPipe(err: NodeJS.ErrnoException | null): boolean {
  return err !== null && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED');
}

/** Stands in place of a line longer than the limit: its text was not kept. */
export class OverlongLine {
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
}

/** 8 MiB: far above any log line or event, far below what would strain memory. */
export const MAX_LINE_LENGTH = 8 * 1024 * 1024;

export interface ReadLinesOptions {
  /**
   * The longest line kept, in characters (UTF-16 code units; for log text, its size in bytes),
   * without its line end. A longer line is discarded as it streams in, up to its newline, and
   * an OverlongLine stands in its place.
   */
  readonly maxLineLength?: number;
  /**
   * The stream yields the bytes of a file (an fs or gunzip stream): its chunks are decoded here,
   * an all-ASCII chunk as Latin-1, which costs less than half of UTF-8 decoding. Otherwise the
   * stream's own decoder is set, which passes on the strings a stream of text was given.
   */
  readonly fileBytes?: boolean;
}

/**
 * Lines of a readable stream, without the line end (`\n` or `\r\n`); a last line without a
 * newline counts, and a trailing newline makes no empty last line.
 * Linear in the input: each chunk is scanned once, and the pieces of a line that spans chunks are
 * kept in an array and joined once, at its newline.
 */
export async function* readLines(stream: NodeJS.ReadableStream, opts: ReadLinesOptions = {}): AsyncGenerator<string | OverlongLine> {
  for await (const batch of readLineBatches(stream, opts)) yield* batch;
}

/** readLines, a chunk's lines at a time: a loop that needs no await per line (the audit's). */
export async function* readLineBatches(stream: NodeJS.ReadableStream, opts: ReadLinesOptions = {}): AsyncGenerator<(string | OverlongLine)[]> {
  const max = opts.maxLineLength ?? MAX_LINE_LENGTH;
  const pieces: string[] = []; // the current line's text from earlier chunks
  let pending = 0; // their total length
  let discarding = false; // the current line is over the limit: drop it up to its newline
  const text = new ChunkText();
  if (opts.fileBytes !== true) stream.setEncoding?.('utf8');
  for await (const piece of stream as AsyncIterable<string | Buffer>) {
    const chunk = text.of(piece);
    const out: (string | OverlongLine)[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      if (discarding) {
        discarding = false;
        out.push(new OverlongLine(max));
      } else if (pending === 0) {
        const cr = nl > start && chunk.charCodeAt(nl - 1) === 13 ? 1 : 0;
        out.push(nl - cr - start > max ? new OverlongLine(max) : chunk.slice(start, nl - cr));
      } else {
        pieces.push(chunk.slice(start, nl));
        const line = pieces.join('');
        pieces.length = 0;
        pending = 0;
        out.push(lineOf(line, max));
      }
      start = nl + 1;
    }
    if (start < chunk.length && !discarding) {
      pending += chunk.length - start;
      // One more than the limit may be a `\r` whose `\n` is in the next chunk.
      if (pending > max + 1) {
        discarding = true;
        pieces.length = 0;
        pending = 0;
      } else {
        pieces.push(start === 0 ? chunk : chunk.slice(start));
      }
    }
    if (out.length > 0) yield out;
  }
  // An incomplete character at the very end reads as U+FFFD, as the stream's own decoder gives it.
  const rest = text.end();
  if (rest !== '' && !discarding) {
    pieces.push(rest);
    pending += rest.length;
  }
  if (discarding) yield [new OverlongLine(max)];
  else if (pending > 0) yield [lineOf(pieces.join(''), max)];
}

/**
 * A byte stream's chunks as text, UTF-8. An all-ASCII chunk, where no character is left open from
 * the chunk before, is read as Latin-1: the same text, for less than half the decoding work.
 */
class ChunkText {
  readonly #decoder = new StringDecoder('utf8');

  of(piece: string | Buffer): string {
    if (typeof piece === 'string') return piece;
    return isAscii(piece) && (this.#decoder as unknown as { lastNeed: number }).lastNeed === 0 ? piece.toString('latin1') : this.#decoder.write(piece);
  }

  end(): string {
    return this.#decoder.end();
  }
}

/** A whole line's text (a `\r` before its `\n` still on), or its stand-in when too long. */
function lineOf(text: string, max: number): string | OverlongLine {
  const end = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
  return end > max ? new OverlongLine(max) : end === text.length ? text : text.slice(0, end);
}

/** A size for people: `8 MiB`, `64 KiB`, `100 bytes`. */
export function sizeText(n: number): string {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} characters`;
}

// Buffered writes to a stream with backpressure: flat memory however many lines go out.
import { once } from 'node:events';

export class Output {
  readonly #stream: NodeJS.WritableStream;
  #buf = '';

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
  }

  write(s: string): void {
    this.#buf += s;
  }

  /** Hands the buffer to the stream once it is large, waiting for drain when the stream is full. */
  async maybeFlush(): Promise<void> {
    if (this.#buf.length >= 65536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#buf === '') return;
    const chunk = this.#buf;
    this.#buf = '';
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
  }
}

/** Lines of a readable stream, without the line end; a last line without a newline counts. */
export async function* readLines(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  let rest = '';
  stream.setEncoding?.('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield text.slice(start, end);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

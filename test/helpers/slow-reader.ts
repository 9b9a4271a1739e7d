// Reading an HTTP answer slowly, as a loaded client does: what arrived, against what was announced.
import type { IncomingMessage } from 'node:http';

export interface SlowRead {
  status: number;
  /** The Content-Length the server announced. */
  length: number;
  /** The bytes that arrived. */
  got: number;
  connection: string | undefined;
  text: string;
}

/** Reads `res` pausing `pauseMs` after every chunk; resolves at its end. */
export function readSlowly(res: IncomingMessage, pauseMs: number): Promise<SlowRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      res.pause();
      setTimeout(() => res.resume(), pauseMs);
    });
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({
        status: res.statusCode ?? 0,
        length: Number(res.headers['content-length']),
        got: Buffer.byteLength(text),
        connection: res.headers.connection,
        text,
      });
    });
    res.on('error', reject);
  });
}

/** Whether the text is a whole batch answer of `n` results. */
export function isWholeBatch(text: string, n: number): boolean {
  try {
    return (JSON.parse(text) as { results: unknown[] }).results.length === n;
  } catch {
    return false; // cut short
  }
}

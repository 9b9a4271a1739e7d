// Running the command line in-process for tests: stdin in, stdout, stderr and the exit code out.
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Streams for a command, with what it writes to stdout and stderr collected. */
export function capturedIO(stdin: NodeJS.ReadableStream = Readable.from([''])): {
  io: { stdin: NodeJS.ReadableStream; stdout: PassThrough; stderr: PassThrough };
  out: () => string;
  err: () => string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => err };
}

export async function runCli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const c = capturedIO(Readable.from([stdin]));
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

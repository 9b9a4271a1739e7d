// CLI output of errors and warnings: the one place that turns error codes into text and exit codes.
import { ERROR_CODES, IpdestError, ListFormatError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Writes an error to stderr and returns the exit code it maps to. An unknown error is reported as a bug. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof ListFormatError) {
    stderr.write(`ipdest: error: ${err.message}\n`);
    return ERROR_CODES[err.code].exit;
  }
  if (err instanceof IpdestError) {
    stderr.write(`ipdest: error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    return ERROR_CODES[err.code].exit;
  }
  stderr.write(`ipdest: internal error (a bug in ipdest; please report it): ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT_FAILURE;
}

export function warn(message: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`ipdest: warning: ${message}\n`);
}

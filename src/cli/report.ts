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

/** Writes `ipdest: error: …` for a failure the command handles itself (it goes on, then exits 1). */
export function error(message: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`ipdest: error: ${message}\n`);
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  ENOSPC: 'no space left on device',
  EPIPE: 'the reader closed the pipe',
};

/** The reason of a system error for people, with its code: `no such file (ENOENT)`. */
export function systemReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return `${REASONS[code] ?? (err as Error).message.split(',')[0]!.replace(/^[A-Z]+: /, '')} (${code})`;
  return String((err as Error | null)?.message ?? err);
}

/** An error from the file system or a stream (it has an errno code), not a bug in ipdest. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

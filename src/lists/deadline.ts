// Time limits for list loading: a promise raced against a deadline and an abort signal.

/** Work that did not finish within its time limit. */
export class TimeLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeLimitError';
  }
}

/**
 * Settles as `work` does, or rejects with `onTimeout()` after `ms`, or with the signal's reason
 * once `signal` aborts: whichever comes first. The work itself is not stopped (give it the
 * signal for that); whatever it does later is ignored, a late rejection included, so a read that
 * never returns cannot hold its caller.
 */
export function within<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      done();
      reject(abortReason(signal!));
    };
    const timer = setTimeout(
      () => {
        done();
        reject(onTimeout());
      },
      Math.max(0, ms),
    );
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}

/** The error an aborted signal carries (an Error, whatever was passed to abort()). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error(r === undefined ? 'aborted' : String(r));
}

/** A signal that aborts when either does (AbortSignal.any, which Node 20.0–20.2 lack). */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  if (a === undefined) return b;
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const c = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

/** A duration for messages: "30 s", "250 ms". */
export function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

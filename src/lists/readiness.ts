// Readiness: whether the lists in service are complete, from each list's state after the last load.
import { isStale, type ListSet } from './load.js';

export type ReadinessStatus = 'ready' | 'degraded' | 'not-ready';

export interface Readiness {
  /**
   * ready: every configured list loaded (from its file, or from the snapshot when its file is
   * absent) and none stale. degraded: one is missing, failed (its last good version, if any,
   * serves) or stale. not-ready: before the first load, or while a `required` list has no
   * version in service.
   */
  readonly status: ReadinessStatus;
  /** Configured lists whose file is not there. */
  readonly missing: readonly string[];
  /** Lists in service past their maximum age: a snapshot from its published date, a download from its fetch (a file put in place by hand never is). */
  readonly stale: readonly string[];
  /** Configured lists whose last load failed (unreadable, malformed, empty, too slow). */
  readonly failed: readonly string[];
  /** Required lists with no version in service: readiness waits for them. */
  readonly waitingFor: readonly string[];
  /** What is wrong, naming the lists; empty when ready. */
  readonly message: string;
}

const names = (xs: readonly string[]) => xs.join(', ');

/**
 * The readiness of a set of lists at `now`; `set` null: before the first load, when `required`
 * names the required lists that readiness waits for.
 */
export function readinessOf(set: ListSet | null, required: readonly string[] = [], now: number = Date.now()): Readiness {
  if (set === null) {
    return {
      status: 'not-ready',
      missing: [],
      stale: [],
      failed: [],
      waitingFor: [...required],
      message: 'the lists are not loaded yet: the first load has not finished',
    };
  }
  const missing: string[] = [];
  const failed: string[] = [];
  const stale: string[] = [];
  const waitingFor: string[] = [];
  for (const l of set.lists) {
    if (l.format === 'builtin') continue;
    if (l.state === 'missing') missing.push(l.name);
    else if (l.state === 'failed') failed.push(l.name);
    if (l.loadedAt !== null && isStale(l, now)) stale.push(l.name);
    // A required list serving its last good version is there; one that never loaded is not.
    if (l.required && l.loadedAt === null) waitingFor.push(l.name);
  }
  const problems = [
    missing.length ? `missing: ${names(missing)}` : '',
    failed.length ? `failed: ${names(failed)}` : '',
    stale.length ? `stale: ${names(stale)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  if (waitingFor.length > 0) {
    return {
      status: 'not-ready',
      missing,
      stale,
      failed,
      waitingFor,
      message: `required list${waitingFor.length === 1 ? '' : 's'} ${names(waitingFor)} not loaded (${problems}); see GET /lists`,
    };
  }
  if (problems) {
    const what = missing.length || failed.length ? 'serving without every list' : 'serving old data';
    return { status: 'degraded', missing, stale, failed, waitingFor, message: `${what} (${problems}); see GET /lists` };
  }
  return { status: 'ready', missing, stale, failed, waitingFor, message: '' };
}

// Refresh while serving: each list with a `refresh` interval re-checked from its source in the background, the tables swapped when one changed.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ListSpec } from '../config/index.js';
import { planFor, resolveListPath, updateList, type UpdateOptions, type UpdateOutcome } from '../lists/index.js';
import type { ServiceState } from './state.js';

/**
 * What a schedule refreshes for: a ServiceState, or the primary of `serve --workers N`, whose
 * reload tells every worker to reload (it holds no lists itself).
 */
export type RefreshTarget = Pick<ServiceState, 'config' | 'baseDir' | 'noteUpdate'> & { reload(reason: string): Promise<unknown> };

/** Spread of each wait around its interval (±10 %): many servers started together do not ask at once. */
export const REFRESH_JITTER = 0.1;
/** A list whose check failed is tried again after this (or its interval, if shorter), not a whole interval later. */
export const REFRESH_RETRY_MS = 15 * 60_000;

export interface RefreshOptions {
  /** Passed to every update (timeouts, proxy, the official sources; tests point them at a local server). */
  readonly update?: Partial<UpdateOptions>;
  /** A number in [0, 1) (Math.random by default): tests make the jitter fixed. */
  readonly random?: () => number;
  readonly retryMs?: number;
}

interface Scheduled {
  readonly spec: ListSpec;
  readonly everyMs: number;
  timer: NodeJS.Timeout | null;
  running: Promise<UpdateOutcome> | null;
}

/**
 * The schedule of one ServiceState. A refresh runs `updateList` (the same checks as `ipdest lists
 * update`: a bad download never replaces the active file), and an `updated` outcome reloads the
 * lists, which swaps the tables as any reload does. A failure is logged and tried again later;
 * it never stops the schedule. At start, a list whose file is not there yet (a fresh install, the
 * snapshot serving) is fetched at once, and the log says so.
 */
export class RefreshSchedule {
  readonly #state: RefreshTarget;
  readonly #log: Logger;
  readonly #opts: RefreshOptions;
  readonly #lists: Scheduled[];
  readonly #stop = new AbortController();
  #started = false;

  constructor(state: RefreshTarget, log: Logger, opts: RefreshOptions = {}) {
    this.#state = state;
    this.#log = log;
    this.#opts = opts;
    this.#lists = state.config.lists
      .filter((l) => l.refresh !== undefined && !('none' in planFor(l, opts.update?.known)))
      .map((spec) => ({ spec, everyMs: spec.refresh!, timer: null, running: null }));
  }

  /** The lists on the schedule, with their intervals (ms). */
  get lists(): ReadonlyArray<{ name: string; everyMs: number }> {
    return this.#lists.map((l) => ({ name: l.spec.name, everyMs: l.everyMs }));
  }

  /** Starts the timers; lists without a file yet are checked now. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const l of this.#lists) {
      const file = await resolveListPath(l.spec.path, this.#state.baseDir).catch(() => null);
      const present = file !== null && (await exists(file));
      if (!present) {
        this.#log.info({ list: l.spec.name }, `list ${l.spec.name}: no file yet, fetching it from its source now`);
        this.#background(l, 'start');
      } else this.#schedule(l, this.#jittered(l.everyMs));
    }
  }

  /** Stops every timer and the downloads in flight (on shutdown). */
  stop(): void {
    this.#stop.abort(new Error('the server is stopping'));
    for (const l of this.#lists) if (l.timer) clearTimeout(l.timer);
  }

  /** Runs one list's refresh now (tests, and the start): the outcome once the update and any reload are done. */
  refreshNow(name: string): Promise<UpdateOutcome> {
    const l = this.#lists.find((x) => x.spec.name === name);
    if (l === undefined) return Promise.reject(new Error(`list ${name} is not on the refresh schedule`));
    return this.#run(l, 'now');
  }

  #jittered(ms: number): number {
    const r = (this.#opts.random ?? Math.random)();
    return Math.max(1000, Math.round(ms * (1 - REFRESH_JITTER + 2 * REFRESH_JITTER * r)));
  }

  #schedule(l: Scheduled, ms: number): void {
    if (this.#stop.signal.aborted) return;
    if (l.timer) clearTimeout(l.timer);
    // Timers never hold the process open: shutdown does not wait for the next refresh.
    l.timer = setTimeout(() => this.#background(l, 'timer'), Math.min(ms, 2 ** 31 - 1)).unref();
  }

  /** A run nobody waits for: its outcome is logged by the run itself. */
  #background(l: Scheduled, why: string): void {
    this.#run(l, why).catch((err: unknown) => this.#log.error({ err, list: l.spec.name }, 'refresh failed unexpectedly (a bug in ipdest)'));
  }

  #run(l: Scheduled, why: string): Promise<UpdateOutcome> {
    if (l.running) return l.running;
    const run = (async (): Promise<UpdateOutcome> => {
      const started = performance.now();
      let outcome: UpdateOutcome;
      try {
        outcome = await updateList(l.spec, {
          baseDir: this.#state.baseDir,
          ...this.#opts.update,
          download: { ...this.#opts.update?.download, signal: this.#stop.signal },
        });
      } catch (err) {
        // updateList answers its failures; a throw is a bug, still never the end of the schedule.
        outcome = {
          name: l.spec.name,
          state: 'failed',
          reason: (err as Error).message,
          version: null,
          previousVersion: null,
          prefixes: null,
          file: null,
          url: null,
        };
      }
      this.#state.noteUpdate(outcome);
      const ms = Math.round(performance.now() - started);
      const fields = {
        list: l.spec.name,
        state: outcome.state,
        version: outcome.version,
        previousVersion: outcome.previousVersion,
        reason: outcome.reason,
        ms,
        why,
      };
      if (outcome.state === 'updated') {
        this.#log.info(fields, `list ${l.spec.name}: updated to ${outcome.version ?? 'a new version'}; reloading`);
        if (!this.#stop.signal.aborted) await this.#state.reload(`refresh ${l.spec.name}`);
      } else if (outcome.state === 'unchanged') this.#log.debug(fields, `list ${l.spec.name}: unchanged`);
      else if (!this.#stop.signal.aborted)
        this.#log.warn(fields, `list ${l.spec.name}: refresh ${outcome.state}: ${outcome.reason ?? ''}; the version in service stays`.trim());
      const ok = outcome.state === 'updated' || outcome.state === 'unchanged';
      this.#schedule(l, this.#jittered(ok ? l.everyMs : Math.min(l.everyMs, this.#opts.retryMs ?? REFRESH_RETRY_MS)));
      return outcome;
    })().finally(() => {
      l.running = null;
    });
    l.running = run;
    return run;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

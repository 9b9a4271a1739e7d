// ServiceState: the lists and enricher in service, reloaded off the request path and swapped as one reference.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Enricher, Rules } from '../enrich/index.js';
import {
  builtinLists,
  Classifier,
  failedList,
  LOAD_TIMEOUT_MS,
  downloadRecords,
  loadLists,
  loadOwners,
  readinessOf,
  resolveListPath,
  seconds,
  TimeLimitError,
  within,
  type DownloadStateReader,
  type ListReader,
  type ListSet,
  type LoadedList,
  type LoadedOwners,
  type OwnersInfo,
  type UpdateOutcome,
  type LoadLimits,
  type Readiness,
} from '../lists/index.js';
import { LiveAudit } from '../audit/index.js';
import { IpdestError } from '../errors.js';
import { enricherFor, ownerSettingsOf, rulesOf } from './chain.js';
import { watchListFolders, type StopWatching } from './watch.js';

const OWNERS_NOT_LOADED: OwnersInfo = Object.freeze({ state: 'off', sources: [], prefixes: { v4: 0, v6: 0 }, cached: false, ms: 0, error: null });

/** Longest time a reload may take: lists still loading then fail, keeping their last good versions. */
export const RELOAD_TIMEOUT_MS = LOAD_TIMEOUT_MS;
/**
 * Past the reload's limit, how much longer the next reload waits for a stuck one (building the
 * tables of the real lists takes about a second) before it stops waiting and reports it failed.
 */
export const RELOAD_GRACE_MS = 15_000;

export interface ServiceStateOptions extends LoadLimits {
  /** Limit on one whole reload (RELOAD_TIMEOUT_MS); `loadTimeoutMs` is ignored. */
  readonly reloadTimeoutMs?: number;
  /** Grace past it before the serialisation stops waiting (RELOAD_GRACE_MS). */
  readonly reloadGraceMs?: number;
  /** Reads list files (tests put a slow reader here); default readListFile. */
  readonly reader?: ListReader;
  /** The snapshot served for lists whose file is absent (default: the shipped one); null: none. */
  readonly snapshot?: string | null;
  /** The list updater's records of the files it wrote (see DownloadStateReader); none yet. */
  readonly downloads?: DownloadStateReader;
}

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly set: ListSet;
  readonly durationMs: number;
  /** Lists whose file changed and were read again. */
  readonly reread: readonly string[];
  /** Why the reload as a whole failed (it did not finish, or broke); null when it ran to the end. */
  readonly error: string | null;
}

export interface ReloadListener {
  (outcome: ReloadOutcome): void;
}

/**
 * What says a list file changed. The inode and ctime too: a same-size copy with its mtime kept
 * (`cp -p`, a restore from a backup) changes those, and nobody can set ctime back.
 */
interface FileStamp {
  file: string | null;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

const UNKNOWN_STAMP: FileStamp = { file: null, size: -1, mtimeMs: -1, ctimeMs: -1, ino: -1 };

/**
 * Holds the one ListSet/Enricher pair in service. A request reads `enricher` once and keeps that
 * reference to the end, so a reload (which builds a complete new pair, then assigns it) never
 * changes a table under a request in flight. Reloads are serialised: one runs at a time, and a
 * request for another while one runs is folded into a single follow-up reload. A reload always
 * settles, never rejects, within its time limit (plus grace): one stuck on a read that never
 * returns is reported failed and cannot hold the reloads after it.
 */
export class ServiceState {
  readonly config: Config;
  readonly baseDir: string;
  /** GET /audit: what the service answered since start. One per process, kept across reloads (the lists change, the traffic seen does not). */
  readonly audit = new LiveAudit();
  readonly #log: Logger;
  readonly #rules: Rules;
  readonly #opts: ServiceStateOptions;
  #set: ListSet | null = null;
  #enricher: Enricher | null = null;
  #owners: LoadedOwners | null = null;
  /** Which files `ipdest lists update` wrote: /lists then says `download` and its times. */
  readonly #downloads: DownloadStateReader;
  #stamps = new Map<string, FileStamp>();
  #running: Promise<ReloadOutcome> | null = null;
  #abort: AbortController | null = null;
  #again = false;
  #listeners: ReloadListener[] = [];
  #updateListeners: Array<(outcome: UpdateOutcome) => void> = [];
  #unwatch: StopWatching = () => {};
  #closing = false;

  constructor(config: Config, baseDir: string, log: Logger, opts: ServiceStateOptions = {}) {
    this.config = config;
    this.baseDir = baseDir;
    this.#log = log;
    this.#rules = rulesOf(config);
    this.#opts = opts;
    this.#downloads = downloadRecords(config.lists, baseDir);
  }

  /**
   * Loads the owner layer (once: the datasets change with ipdest's install, not with the lists),
   * and from then on every enricher carries it. A failure leaves results without `owner`.
   */
  async loadOwners(): Promise<OwnersInfo> {
    if (this.#owners === null) {
      const { settings, sources } = ownerSettingsOf(this.config, this.baseDir);
      this.#owners = await loadOwners(settings, sources);
      if (this.#set !== null) this.#enricher = enricherFor(this.config, this.#set.classifier, this.#rules, this.#owners.table);
    }
    return this.#owners.info;
  }

  /** The owner layer's state ('off' until loadOwners). */
  get owners(): OwnersInfo {
    return this.#owners?.info ?? OWNERS_NOT_LOADED;
  }

  /** True once lookups can be answered (after the first load). Readiness is `readiness()`. */
  get ready(): boolean {
    return this.#enricher !== null;
  }

  /** The enricher in service; read it once per request. Before the first load: 503 NOT_READY. */
  get enricher(): Enricher {
    if (this.#enricher === null) throw new IpdestError('NOT_READY', 'the lists are not loaded yet');
    return this.#enricher;
  }

  get lists(): ListSet {
    if (this.#set === null) throw new IpdestError('NOT_READY', 'the lists are not loaded yet');
    return this.#set;
  }

  /** GET /readyz: ready, degraded (a list missing or failed) or not-ready (before the first load, a required list not in). */
  readiness(): Readiness {
    return readinessOf(
      this.#set,
      this.config.lists.filter((l) => l.required === true).map((l) => l.name),
    );
  }

  onReload(fn: ReloadListener): void {
    this.#listeners.push(fn);
  }

  /** Told of every background update of a list (RefreshSchedule): what /metrics counts. */
  onUpdate(fn: (outcome: UpdateOutcome) => void): void {
    this.#updateListeners.push(fn);
  }

  /** A list update ran (the refresh schedule calls this); listeners never break it. */
  noteUpdate(outcome: UpdateOutcome): void {
    for (const fn of this.#updateListeners) {
      try {
        fn(outcome);
      } catch (err) {
        this.#log.error({ err }, 'an update listener failed (a bug in ipdest)');
      }
    }
  }

  /**
   * Reloads every list from disk; a list that fails keeps its last good version. Never rejects:
   * a reload that breaks or runs out of time answers `ok: false` with its `error`.
   */
  reload(reason: string): Promise<ReloadOutcome> {
    if (this.#running) {
      this.#again = true;
      return this.#running.then(() => this.#running ?? this.reload(reason));
    }
    this.#running = this.#guarded(reason).finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.#reloadInBackground('follow-up');
      }
    });
    return this.#running;
  }

  /** A reload nobody waits for (file watch, follow-up): its outcome is logged by the reload itself. */
  #reloadInBackground(reason: string): void {
    this.reload(reason).catch((err: unknown) => this.#log.error({ reason, err }, 'reload failed unexpectedly (a bug in ipdest); the lists in service stay'));
  }

  get #reloadTimeoutMs(): number {
    return this.#opts.reloadTimeoutMs ?? RELOAD_TIMEOUT_MS;
  }

  /** One reload, bounded in time: the work is abandoned (and told to stop) when it overruns. */
  async #guarded(reason: string): Promise<ReloadOutcome> {
    const started = performance.now();
    const controller = new AbortController();
    this.#abort = controller;
    const limitMs = this.#reloadTimeoutMs + (this.#opts.reloadGraceMs ?? RELOAD_GRACE_MS);
    const work = this.#reload(reason, started, controller.signal);
    try {
      return await within(work, limitMs, () => new TimeLimitError(`the reload did not finish within ${seconds(limitMs)}; it was abandoned`), controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) controller.abort(err);
      return this.#failed(reason, started, err as Error);
    } finally {
      if (this.#abort === controller) this.#abort = null;
    }
  }

  /** A reload that did not run to its end: the tables in service stay, and it is said so. */
  #failed(reason: string, started: number, err: Error): ReloadOutcome {
    // Nothing in service yet: every configured list failed; the built-ins answer meanwhile.
    if (this.#set === null) this.#install(this.#failedSet(err.message));
    const durationMs = performance.now() - started;
    const outcome: ReloadOutcome = { ok: false, set: this.#set!, durationMs, reread: [], error: err.message };
    const readiness = this.readiness();
    // Stopped by close(): expected on shutdown, not an error.
    this.#log[this.#closing ? 'warn' : 'error'](
      { reason, durationMs: Math.round(durationMs), err, readiness: readiness.status, missing: readiness.missing, failed: readiness.failed },
      `reload failed: ${err.message}; the lists in service stay`,
    );
    this.#tell(outcome);
    return outcome;
  }

  #failedSet(message: string): ListSet {
    const at = new Date().toISOString();
    const lists: LoadedList[] = this.config.lists.map((spec) => failedList(spec, undefined, `not loaded: ${message}`));
    const builtins = builtinLists(this.config.builtins, at);
    const all = [...lists, ...builtins];
    return { lists: all, classifier: Classifier.build(all), builtAt: at, durationMs: 0, ok: false };
  }

  #install(set: ListSet): void {
    if (set === this.#set) return;
    this.#set = set;
    this.#enricher = this.#enricher
      ? this.#enricher.withClassifier(set.classifier)
      : enricherFor(this.config, set.classifier, this.#rules, this.#owners?.table ?? null);
  }

  #tell(outcome: ReloadOutcome): void {
    for (const fn of this.#listeners) {
      try {
        fn(outcome);
      } catch (err) {
        this.#log.error({ err }, 'a reload listener failed (a bug in ipdest)');
      }
    }
  }

  async #stampOf(path: string): Promise<FileStamp> {
    const file = await resolveListPath(path, this.baseDir);
    if (file === null) return { ...UNKNOWN_STAMP, file };
    try {
      const s = await stat(file);
      return { file, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
    } catch {
      return { ...UNKNOWN_STAMP, file };
    }
  }

  async #reload(reason: string, started: number, signal: AbortSignal): Promise<ReloadOutcome> {
    const deadline = Date.now() + this.#reloadTimeoutMs;
    const previous = new Map<string, LoadedList>((this.#set?.lists ?? []).map((l) => [l.name, l]));
    // A list whose file is unchanged (same path, size, mtime, ctime and inode) and loaded fine is not parsed again.
    const stamps = new Map<string, FileStamp>();
    const unchanged: LoadedList[] = [];
    const toRead = [];
    for (const spec of this.config.lists) {
      // A path whose stat never returns (a stalled share) is read again, and the load gives up on it in time.
      const stamp = await within(this.#stampOf(spec.path), deadline - Date.now(), () => new TimeLimitError('stat'), signal).catch((err: unknown) => {
        if (signal.aborted) throw err;
        return UNKNOWN_STAMP;
      });
      stamps.set(spec.name, stamp);
      const before = this.#stamps.get(spec.name);
      const prev = previous.get(spec.name);
      if (
        stamp !== UNKNOWN_STAMP &&
        prev &&
        prev.state === 'loaded' &&
        before &&
        before.file === stamp.file &&
        before.size === stamp.size &&
        before.mtimeMs === stamp.mtimeMs &&
        before.ctimeMs === stamp.ctimeMs &&
        before.ino === stamp.ino
      )
        unchanged.push(prev);
      else toRead.push(spec);
    }
    // Nothing changed on disk: the tables in service are the answer, no rebuild.
    const set =
      this.#set !== null && toRead.length === 0
        ? this.#set
        : await loadLists(this.config.lists, {
            baseDir: this.baseDir,
            builtins: this.config.builtins,
            previous,
            reuse: new Map(unchanged.map((l) => [l.name, l])),
            offThread: true,
            readTimeoutMs: this.#opts.readTimeoutMs,
            maxBytes: this.#opts.maxBytes,
            parseTimeoutMs: this.#opts.parseTimeoutMs,
            loadTimeoutMs: this.#reloadTimeoutMs,
            deadline,
            reader: this.#opts.reader,
            snapshot: this.#opts.snapshot,
            downloads: this.#opts.downloads ?? this.#downloads,
            signal,
          });
    // Abandoned meanwhile (it overran, or the service is closing): this late result is not installed.
    if (signal.aborted) throw signal.reason;
    this.#install(set);
    this.#stamps = stamps;
    const durationMs = performance.now() - started;
    const outcome: ReloadOutcome = { ok: set.ok, set, durationMs, reread: toRead.map((s) => s.name), error: null };
    const summary = set.lists.map((l) => ({ name: l.name, state: l.state, v4: l.prefixes.v4, v6: l.prefixes.v6, version: l.version }));
    const msg = { reason, durationMs: Math.round(durationMs), reread: outcome.reread, prefixes: set.classifier.prefixes, lists: summary };
    const r = this.readiness();
    if (r.status === 'ready') this.#log.info(msg, 'lists loaded');
    else
      this.#log.warn(
        { ...msg, readiness: r.status, missing: r.missing, failed: r.failed, waitingFor: r.waitingFor },
        `lists loaded, ${r.status}: ${r.message}`,
      );
    for (const l of set.lists) {
      if (l.error) this.#log.error({ list: l.name, error: l.error, serving: l.version }, 'list failed to load; its last good version stays in service');
      else for (const w of l.warnings) this.#log.warn({ list: l.name }, w);
    }
    this.#tell(outcome);
    return outcome;
  }

  /** Watches the folders of the list files and reloads, debounced, when one changes. */
  watchFiles(debounceMs = 500): void {
    this.#unwatch();
    this.#unwatch = watchListFolders(this.config, this.baseDir, this.#log, () => this.#reloadInBackground('file change'), debounceMs);
  }

  /** Stops watching, and stops a reload in progress (it reports failed; the tables in service stay). */
  close(): void {
    this.#unwatch();
    this.#closing = true;
    this.#abort?.abort(new Error('the service is shutting down'));
  }
}

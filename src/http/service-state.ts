// ServiceState: the lists and enricher in service, reloaded off the request path and swapped as one reference.
import { stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { Enricher, Rules } from '../enrich/index.js';
import { loadLists, resolveListPath, type ListSet, type LoadedList } from '../lists/index.js';
import { HttpError } from './errors.js';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly set: ListSet;
  readonly durationMs: number;
  /** Lists whose file changed and were read again. */
  readonly reread: readonly string[];
}

export interface ReloadListener {
  (outcome: ReloadOutcome): void;
}

interface FileStamp { file: string | null; size: number; mtimeMs: number }

/**
 * Holds the one ListSet/Enricher pair in service. A request reads `enricher` once and keeps that
 * reference to the end, so a reload (which builds a complete new pair, then assigns it) never
 * changes a table under a request in flight. Reloads are serialised: one runs at a time, and a
 * request for another while one runs is folded into a single follow-up reload.
 */
export class ServiceState {
  readonly config: Config;
  readonly baseDir: string;
  readonly #log: Logger;
  readonly #rules: Rules;
  #set: ListSet | null = null;
  #enricher: Enricher | null = null;
  #stamps = new Map<string, FileStamp>();
  #running: Promise<ReloadOutcome> | null = null;
  #again = false;
  #listeners: ReloadListener[] = [];
  #watchers: FSWatcher[] = [];
  #debounce: NodeJS.Timeout | null = null;

  constructor(config: Config, baseDir: string, log: Logger) {
    this.config = config;
    this.baseDir = baseDir;
    this.#log = log;
    this.#rules = new Rules(config.rules.list, config.rules.default);
  }

  get ready(): boolean {
    return this.#enricher !== null;
  }

  /** The enricher in service; read it once per request. Before the first load: 503 NOT_READY. */
  get enricher(): Enricher {
    if (this.#enricher === null) throw new HttpError('NOT_READY');
    return this.#enricher;
  }

  get lists(): ListSet {
    if (this.#set === null) throw new HttpError('NOT_READY');
    return this.#set;
  }

  onReload(fn: ReloadListener): void {
    this.#listeners.push(fn);
  }

  /** Reloads every list from disk; a list that fails keeps its last good version. */
  reload(reason: string): Promise<ReloadOutcome> {
    if (this.#running) {
      this.#again = true;
      return this.#running.then(() => this.#running ?? this.reload(reason));
    }
    this.#running = this.#reload(reason).finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        void this.reload('follow-up');
      }
    });
    return this.#running;
  }

  async #stampOf(path: string): Promise<FileStamp> {
    const file = await resolveListPath(path, this.baseDir);
    if (file === null) return { file, size: -1, mtimeMs: -1 };
    try {
      const s = await stat(file);
      return { file, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return { file, size: -1, mtimeMs: -1 };
    }
  }

  async #reload(reason: string): Promise<ReloadOutcome> {
    const started = performance.now();
    const previous = new Map<string, LoadedList>((this.#set?.lists ?? []).map((l) => [l.name, l]));
    // A list whose file is unchanged (same path, size and mtime) and loaded fine is not parsed again.
    const stamps = new Map<string, FileStamp>();
    const unchanged: LoadedList[] = [];
    const toRead = [];
    for (const spec of this.config.lists) {
      const stamp = await this.#stampOf(spec.path);
      stamps.set(spec.name, stamp);
      const before = this.#stamps.get(spec.name);
      const prev = previous.get(spec.name);
      if (prev && prev.state === 'loaded' && before && before.file === stamp.file && before.size === stamp.size && before.mtimeMs === stamp.mtimeMs) unchanged.push(prev);
      else toRead.push(spec);
    }
    // Nothing changed on disk: the tables in service are the answer, no rebuild.
    const set = this.#set !== null && toRead.length === 0
      ? this.#set
      : await loadLists(this.config.lists, {
        baseDir: this.baseDir,
        builtins: this.config.builtins,
        previous,
        reuse: new Map(unchanged.map((l) => [l.name, l])),
        offThread: true,
      });
    if (set !== this.#set) {
      this.#set = set;
      this.#enricher = this.#enricher ? this.#enricher.withClassifier(set.classifier) : new Enricher(set.classifier, this.config.enrich, this.#rules);
    }
    this.#stamps = stamps;
    const durationMs = performance.now() - started;
    const outcome: ReloadOutcome = { ok: set.ok, set, durationMs, reread: toRead.map((s) => s.name) };
    const summary = set.lists.map((l) => ({ name: l.name, state: l.state, v4: l.prefixes.v4, v6: l.prefixes.v6, version: l.version }));
    const msg = { reason, durationMs: Math.round(durationMs), reread: outcome.reread, prefixes: set.classifier.prefixes, lists: summary };
    if (set.ok) this.#log.info(msg, 'lists loaded');
    else this.#log.warn(msg, 'lists loaded with problems');
    for (const l of set.lists) {
      if (l.error) this.#log.error({ list: l.name, error: l.error, serving: l.version }, 'list failed to load; its last good version stays in service');
      else for (const w of l.warnings) this.#log.warn({ list: l.name }, w);
    }
    for (const fn of this.#listeners) fn(outcome);
    return outcome;
  }

  /** Watches the folders of the list files and reloads, debounced, when one changes. */
  watchFiles(debounceMs = 500): void {
    const dirs = new Set(this.config.lists.map((l) => dirname(resolve(this.baseDir, l.path))));
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.#scheduleReload(debounceMs));
        w.on('error', (err) => this.#log.warn({ dir, err: err.message }, 'cannot watch list folder'));
        this.#watchers.push(w);
      } catch (err) {
        this.#log.warn({ dir, err: (err as Error).message }, 'cannot watch list folder; reload with SIGHUP or POST /admin/reload');
      }
    }
  }

  #scheduleReload(ms: number): void {
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.reload('file change');
    }, ms);
    this.#debounce.unref();
  }

  close(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    if (this.#debounce) clearTimeout(this.#debounce);
  }
}

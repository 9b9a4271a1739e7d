// Loading lists from disk: path globs, reading, parsing, and keeping the last good version on failure.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ListFormatError, IpdestError } from '../errors.js';
import { resolveBuiltins, type BuiltinSettings } from './builtins.js';
import { Classifier } from './classifier.js';
import { parseList, type ListEntry, type ListFormat } from './formats/index.js';
import { parseListOffThread } from './parse-thread.js';

/** What loading needs of a configured list (the config's `lists[]` entries fit it). */
export interface ListSource {
  readonly name: string;
  readonly tag: string;
  readonly format: ListFormat;
  readonly path: string;
  readonly column?: string | number | undefined;
}

export type ListState = 'loaded' | 'missing' | 'failed' | 'builtin';

export interface ListErrorInfo {
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly text: string | null;
}

/** One list's state, as `GET /lists` and `ipdest lists show` report it. */
export interface LoadedList {
  readonly name: string;
  readonly tag: string;
  readonly format: ListFormat | 'builtin';
  /** The file read (the newest match of a glob), or null. */
  readonly source: string | null;
  /** The source's own version, else a content hash; null when nothing is loaded. */
  readonly version: string | null;
  /** When the entries in service were read (ISO 8601), or null. */
  readonly loadedAt: string | null;
  /**
   * loaded: the file's current content is in service. missing / failed: the last load found no
   * file or a malformed one; `entries` are the last good version's (empty when there was none).
   */
  readonly state: ListState;
  readonly prefixes: { readonly v4: number; readonly v6: number };
  readonly warnings: readonly string[];
  readonly error: ListErrorInfo | null;
  readonly entries: readonly ListEntry[];
}

function count(entries: readonly ListEntry[]): { v4: number; v6: number } {
  let v4 = 0;
  for (const e of entries) if (e.prefix.version === 4) v4++;
  return { v4, v6: entries.length - v4 };
}

/** The file a list path names: itself, or the last match of a glob in sort order (dated names: the newest). */
export async function resolveListPath(path: string, baseDir: string): Promise<string | null> {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!isDynamicPattern(path)) return abs;
  const rel = relative(baseDir, abs).split('\\').join('/');
  const found = await glob(rel, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false });
  if (found.length === 0) return null;
  found.sort();
  return found[found.length - 1]!;
}

function errorInfo(err: unknown): ListErrorInfo {
  if (err instanceof ListFormatError) return { message: err.message, file: err.file, line: err.line, text: err.text };
  return { message: (err as Error).message, file: null, line: null, text: null };
}

/**
 * Loads one configured list. Never throws for a bad or missing file: the result says so, and
 * carries `previous`'s entries (the last good version) so that a bad file never replaces a good one.
 */
export async function loadList(src: ListSource, baseDir: string, previous?: LoadedList, offThread = false): Promise<LoadedList> {
  const keep = previous && previous.entries.length > 0 ? previous : undefined;
  const base = { name: src.name, tag: src.tag, format: src.format };
  const file = await resolveListPath(src.path, baseDir);
  let text: string;
  try {
    if (file === null) throw Object.assign(new Error('no file matches'), { code: 'ENOENT' });
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const message = missing
      ? `no file at ${file ?? resolve(baseDir, src.path)} (path ${JSON.stringify(src.path)}, relative to ${baseDir})`
      : `cannot read ${file}: ${(err as Error).message}`;
    return {
      ...base,
      source: keep?.source ?? file,
      version: keep?.version ?? null,
      loadedAt: keep?.loadedAt ?? null,
      state: missing ? 'missing' : 'failed',
      prefixes: count(keep?.entries ?? []),
      warnings: [message],
      error: missing ? null : { message, file, line: null, text: null },
      entries: keep?.entries ?? [],
    };
  }
  try {
    const parsed = offThread ? await parseListOffThread(src.format, text, file, src.column) : parseList(src.format, text, file, { column: src.column });
    const version = parsed.version ?? `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    return {
      ...base,
      source: file,
      version,
      loadedAt: new Date().toISOString(),
      state: 'loaded',
      prefixes: count(parsed.entries),
      warnings: parsed.warnings,
      error: null,
      entries: parsed.entries,
    };
  } catch (err) {
    if (!(err instanceof IpdestError)) throw err;
    return {
      ...base,
      source: keep?.source ?? file,
      version: keep?.version ?? null,
      loadedAt: keep?.loadedAt ?? null,
      state: 'failed',
      prefixes: count(keep?.entries ?? []),
      warnings: keep ? [`serving the last good version ${keep.version} of ${keep.source}`] : [],
      error: errorInfo(err),
      entries: keep?.entries ?? [],
    };
  }
}

/** A consistent set of lists and the classifier built from them; replaced whole on reload. */
export interface ListSet {
  readonly lists: readonly LoadedList[];
  readonly classifier: Classifier;
  /** When this set was built (ISO 8601). */
  readonly builtAt: string;
  /** Milliseconds spent reading, parsing and building. */
  readonly durationMs: number;
  /** True when every configured list loaded from its file. */
  readonly ok: boolean;
}

function builtinLists(settings: BuiltinSettings | undefined, at: string): LoadedList[] {
  return resolveBuiltins(settings).map((b) => {
    const entries = b.prefixes.map((prefix) => Object.freeze({ prefix, services: [], regions: [] }));
    return {
      name: b.name, tag: b.tag, format: 'builtin' as const, source: null, version: 'builtin', loadedAt: at,
      state: 'builtin' as const, prefixes: count(entries), warnings: [], error: null, entries,
    };
  });
}

/**
 * Loads every configured list (one after another) plus the enabled built-ins, and builds one
 * classifier. `previous` (by name) supplies last good versions for lists that fail now; `reuse`
 * (by name) holds lists known to be unchanged on disk, taken as they are.
 */
export async function loadLists(
  sources: readonly ListSource[],
  opts: {
    baseDir: string;
    builtins?: BuiltinSettings;
    previous?: ReadonlyMap<string, LoadedList>;
    reuse?: ReadonlyMap<string, LoadedList>;
    /** Parse on a worker thread (a server: requests go on meanwhile). */
    offThread?: boolean;
  },
): Promise<ListSet> {
  const started = performance.now();
  const configured: LoadedList[] = [];
  for (const s of sources) {
    const reused = opts.reuse?.get(s.name);
    if (reused && reused.tag === s.tag && reused.format === s.format) {
      configured.push(reused);
      continue;
    }
    configured.push(await loadList(s, opts.baseDir, opts.previous?.get(s.name), opts.offThread));
    // Parsing is synchronous: give waiting requests a turn between lists.
    await new Promise<void>((r) => setImmediate(r));
  }
  const at = new Date().toISOString();
  const lists = [...configured, ...builtinLists(opts.builtins, at)];
  const classifier = await Classifier.buildAsync(lists);
  return {
    lists,
    classifier,
    builtAt: at,
    durationMs: performance.now() - started,
    ok: configured.every((l) => l.state === 'loaded'),
  };
}


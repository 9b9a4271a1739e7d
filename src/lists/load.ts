// Loading lists from disk: path globs, bounded reads, parsing, and keeping the last good version on failure.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { scopeOf } from '../net/index.js';
import { ListFormatError, IpdestError } from '../errors.js';
import { resolveBuiltins, type BuiltinSettings } from './builtins.js';
import { Classifier } from './classifier.js';
import { abortReason, eitherSignal, seconds, TimeLimitError, within } from './deadline.js';
import { parseList, type ListEntry, type ListFormat, type ParsedList } from './formats/index.js';
import { parseListOffThread, PARSE_TIMEOUT_MS } from './parse-thread.js';
import { publishedOf } from './published.js';
import { readSnapshot, type SnapshotList } from './sources/snapshot.js';

/** Longest wait for one list file's read (a stalled network share, a file that never ends). */
export const READ_TIMEOUT_MS = 30_000;
/** Largest list file read: the biggest official list (Azure's Service Tags) is about 5 MB. */
export const MAX_LIST_BYTES = 256 * 1024 * 1024;
/** Longest time loading every configured list may take; lists not done by then fail and keep their last good version. */
export const LOAD_TIMEOUT_MS = 120_000;
/**
 * Default age past which a list's data is stale (30 days): the publishers renew their files weekly
 * (Azure) to several times a day (AWS), so a month is four missed weekly updates at the least.
 */
export const DEFAULT_MAX_AGE_MS = 30 * 86_400_000;

/** The limits on loading lists; every one defaults to the constant of the same name above. */
export interface LoadLimits {
  /** Per file read (READ_TIMEOUT_MS). */
  readonly readTimeoutMs?: number;
  /** Per file size (MAX_LIST_BYTES). */
  readonly maxBytes?: number;
  /** Per parse on the worker thread (PARSE_TIMEOUT_MS); a parse on this thread cannot be cut short. */
  readonly parseTimeoutMs?: number;
  /** For loadLists: all configured lists together (LOAD_TIMEOUT_MS). */
  readonly loadTimeoutMs?: number;
}

/** Reads a list file's text within the limits (readListFile's shape; tests put a slow reader in its place). */
export type ListReader = (file: string, opts: { timeoutMs: number; maxBytes: number; signal?: AbortSignal | undefined }) => Promise<string>;

export interface LoadOptions extends LoadLimits {
  /** Parse on a worker thread (a server: requests go on meanwhile). */
  readonly offThread?: boolean;
  /** Stops the load: loading throws the signal's reason at the next step. */
  readonly signal?: AbortSignal | undefined;
  readonly reader?: ListReader;
  /** The snapshot served for lists whose file is absent: a file (default: the shipped one), or null for none. */
  readonly snapshot?: string | null | undefined;
  /** Says which list files `ipdest lists update` wrote (see DownloadStateReader); without it every file is `file`. */
  readonly downloads?: DownloadStateReader | undefined;
}

/** What `ipdest lists update` recorded of a list file it wrote and activated. */
export interface DownloadRecord {
  /** When it was downloaded (ISO 8601). */
  readonly fetchedAt: string;
  /** When it replaced the file before it (ISO 8601). */
  readonly activatedAt: string | null;
  /** The last download refused for this list (parse error, shrank too far), if any. */
  readonly rejected: { readonly at: string; readonly reason: string } | null;
}

/**
 * The hook for the list updater (being built apart): given a list and the file about to be
 * read, its record when the updater wrote that very file, else null. The list is then
 * `source: "download"` with the record's times. Nothing passes one yet, so files are `file`.
 */
export type DownloadStateReader = (list: string, file: string) => Promise<DownloadRecord | null>;

/** What loading needs of a configured list (the config's `lists[]` entries fit it). */
export interface ListSource {
  readonly name: string;
  readonly tag: string;
  readonly format: ListFormat;
  readonly path: string;
  readonly column?: string | number | undefined;
  /** Readiness waits for this list: /readyz answers 503 while no version of it is in service. */
  readonly required?: boolean | undefined;
  /** A file that parses to no prefixes is loaded as an empty list, instead of failing. */
  readonly allowEmpty?: boolean | undefined;
  /** Milliseconds after which the data in service is stale (DEFAULT_MAX_AGE_MS); the config's `maxAge` when it has one. */
  readonly maxAge?: number | undefined;
  /** `threat`: a block list, whose matches go to `threat` in results, not to the tag (default provider). */
  readonly kind?: 'provider' | 'threat' | undefined;
}

/** Where the version in service came from: the shipped snapshot, a file put in place, or one `ipdest lists update` wrote. */
export type ListOrigin = 'snapshot' | 'file' | 'download';

export type ListState = 'loaded' | 'missing' | 'failed' | 'builtin';

export interface ListErrorInfo {
  /** LIST_FORMAT: a malformed line; LIST_FAILED: the file could not be read, parsed in time, or parsed to nothing. */
  readonly code: 'LIST_FORMAT' | 'LIST_FAILED';
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
  /** The file read (the newest match of a glob, or the snapshot file), or null. */
  readonly file: string | null;
  /** Where the version in service came from; null when none is in service (and for built-ins). */
  readonly source: ListOrigin | null;
  /** The source's own version, else a content hash; null when nothing is loaded. */
  readonly version: string | null;
  /** The publisher's date of the version in service (ISO 8601), or null when it does not say (see publishedOf). */
  readonly published: string | null;
  /** When `ipdest lists update` downloaded it; null for a file put in place and for the snapshot. */
  readonly fetchedAt: string | null;
  /** When the updater made it the list's file; null as for fetchedAt. */
  readonly activatedAt: string | null;
  /** The version in service is past the list's max age (at load; `isStale` says it for now). */
  readonly stale: boolean;
  /** When the version in service turns stale (ISO 8601); null: never (a file put in place has no age to go by). */
  readonly staleAt: string | null;
  /** The updater's last refused download of this list, or null. */
  readonly rejected: { readonly at: string; readonly reason: string } | null;
  /** When the entries in service were read (ISO 8601), or null: no version of the list is in service. */
  readonly loadedAt: string | null;
  /**
   * loaded: the file's current content is in service. missing / failed: the last load found no
   * file or a bad one; `entries` are the last good version's (empty when there was none).
   */
  readonly state: ListState;
  /** From the config: readiness waits for this list. */
  readonly required: boolean;
  /** provider, or threat (a block list: its matches are `threat` in results). */
  readonly kind: 'provider' | 'threat';
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

/** A list file that cannot be read as one: not a regular file, too large, too slow. */
export class ListReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListReadError';
  }
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 102.4) / 10} MiB` : `${bytes} bytes`;
}

const notRegular = (file: string, s: Stats) =>
  new ListReadError(`${file} is ${kindOf(s)}, not a regular file: refused without opening it (a list must be a plain file)`);
const tooLarge = (file: string, bytes: number | 'grew', max: number) =>
  new ListReadError(
    bytes === 'grew'
      ? `${file} grew past the limit of ${size(max)} for a list file while being read`
      : `${file} is ${size(bytes)}, over the limit of ${size(max)} for a list file`,
  );

const readTooSlow = (file: string, ms: number) =>
  new TimeLimitError(`reading ${file} took longer than ${seconds(ms)}: gave up on it (a stalled network share?)`);

const CHUNK = 1024 * 1024;

async function readBounded(file: string, maxBytes: number, signal: AbortSignal): Promise<string> {
  const before = await stat(file);
  if (!before.isFile()) throw notRegular(file, before);
  if (before.size > maxBytes) throw tooLarge(file, before.size, maxBytes);
  // O_NONBLOCK: were the file swapped for a named pipe since the check, opening it would not wait for a writer.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw notRegular(file, now);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal.aborted) throw abortReason(signal);
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, 'grew', maxBytes);
      chunks.push(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Reads a list file as UTF-8 text. Refuses, without opening it, anything but a regular file (a
 * named pipe would block the read for ever), a file over `maxBytes`, and gives up after
 * `timeoutMs` or when `signal` aborts.
 */
export async function readListFile(file: string, opts: { timeoutMs?: number; maxBytes?: number; signal?: AbortSignal | undefined } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? READ_TIMEOUT_MS;
  const stop = new AbortController();
  const signal = eitherSignal(opts.signal, stop.signal);
  try {
    return await within(readBounded(file, opts.maxBytes ?? MAX_LIST_BYTES, signal), timeoutMs, () => readTooSlow(file, timeoutMs), opts.signal);
  } finally {
    stop.abort(); // a read that gave up stops at its next chunk
  }
}

function errorInfo(err: unknown): ListErrorInfo {
  if (err instanceof ListFormatError) return { code: 'LIST_FORMAT', message: err.message, file: err.file, line: err.line, text: err.text };
  return { code: 'LIST_FAILED', message: (err as Error).message, file: null, line: null, text: null };
}

type Base = Pick<LoadedList, 'name' | 'tag' | 'format' | 'required' | 'kind'>;

/** Whether a list's version in service is stale at `now` (ms since the epoch). */
export function isStale(l: Pick<LoadedList, 'stale' | 'staleAt'>, now: number = Date.now()): boolean {
  return l.stale || (l.staleAt !== null && Date.parse(l.staleAt) <= now);
}

/**
 * The age fields of a version: a snapshot's age runs from its publication date (none known:
 * stale at once), a download's from its fetch; a file put in place by hand has no age to go by.
 */
function ageOf(
  source: ListOrigin,
  published: string | null,
  record: DownloadRecord | null,
  maxAge: number,
  now: number,
): Pick<LoadedList, 'fetchedAt' | 'activatedAt' | 'stale' | 'staleAt' | 'rejected'> {
  const from = source === 'snapshot' ? published : source === 'download' ? (record?.fetchedAt ?? null) : null;
  const t = from === null ? NaN : Date.parse(from);
  const staleAt = Number.isNaN(t) ? null : new Date(t + maxAge).toISOString();
  const unknownAge = source !== 'file' && staleAt === null;
  return {
    fetchedAt: record?.fetchedAt ?? null,
    activatedAt: record?.activatedAt ?? null,
    stale: unknownAge || (staleAt !== null && Date.parse(staleAt) <= now),
    staleAt,
    rejected: record?.rejected ?? null,
  };
}

/** The fields of a list with no version in service. */
const NOTHING = {
  file: null,
  source: null,
  version: null,
  published: null,
  fetchedAt: null,
  activatedAt: null,
  stale: false,
  staleAt: null,
  rejected: null,
} as const;

/** The last good version of a list, when one is in service. */
function lastGood(previous: LoadedList | undefined): LoadedList | undefined {
  return previous && previous.loadedAt !== null && previous.version !== null ? previous : undefined;
}

/** A load that did not replace the list: the last good version (if any) stays, with the reason. */
function notReplaced(
  base: Base,
  previous: LoadedList | undefined,
  file: string | null,
  state: 'missing' | 'failed',
  error: ListErrorInfo | null,
  warnings: readonly string[],
): LoadedList {
  const keep = lastGood(previous);
  const inService = keep
    ? {
        file: keep.file,
        source: keep.source,
        version: keep.version,
        published: keep.published,
        fetchedAt: keep.fetchedAt,
        activatedAt: keep.activatedAt,
        stale: keep.stale,
        staleAt: keep.staleAt,
        rejected: keep.rejected,
      }
    : { ...NOTHING, file };
  return {
    ...base,
    ...inService,
    loadedAt: keep?.loadedAt ?? null,
    state,
    prefixes: count(keep?.entries ?? []),
    warnings: keep ? [...warnings, `serving the last good version ${keep.version} of ${keep.file}`] : warnings,
    error,
    entries: keep?.entries ?? [],
  };
}

const DAY_MS = 86_400_000;

/**
 * A list whose file is absent, served from the snapshot when it has the list (same name and
 * format): `loaded` with `source: "snapshot"`, and a warning that says the snapshot's date and
 * how to get fresh files. A last good version read from a file stays instead (a file that goes
 * away never puts older data in service); no snapshot, or a damaged one: `missing`, with why.
 */
async function fromSnapshot(
  src: ListSource,
  base: Base,
  previous: LoadedList | undefined,
  opts: LoadOptions,
  missing: string,
  file: string | null,
): Promise<LoadedList> {
  const keep = lastGood(previous);
  if (opts.snapshot === null || (keep !== undefined && keep.source !== 'snapshot')) return notReplaced(base, previous, file, 'missing', null, [missing]);
  let snap: SnapshotList | undefined;
  let snapFile: string;
  try {
    const snapshot = await readSnapshot(opts.snapshot);
    snapFile = snapshot.file;
    snap = snapshot.list(src.name, src.format);
  } catch (err) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    return notReplaced(base, previous, file, 'missing', null, [missing, `no snapshot to serve instead: ${(err as Error).message}`]);
  }
  if (snap === undefined) return notReplaced(base, previous, file, 'missing', null, [missing]);
  const now = Date.now();
  const age = ageOf('snapshot', snap.published, null, src.maxAge ?? DEFAULT_MAX_AGE_MS, now);
  const t = snap.published === null ? NaN : Date.parse(snap.published);
  const days = Number.isNaN(t) ? null : Math.floor((now - t) / DAY_MS);
  const when = days === null ? `of unknown date (published ${JSON.stringify(snap.published)})` : `of ${snap.published}, ${days} days old`;
  const past = age.stale ? `, past the list's max age of ${Math.round((src.maxAge ?? DEFAULT_MAX_AGE_MS) / DAY_MS)} days` : '';
  const warning = `${missing}: serving ipdest's snapshot ${when}${past}; for current data run \`ipdest lists update\` or put the file in place`;
  return {
    ...base,
    file: snapFile,
    source: 'snapshot',
    version: snap.parsed.version,
    published: snap.published,
    ...age,
    loadedAt: new Date(now).toISOString(),
    state: 'loaded',
    prefixes: count(snap.parsed.entries),
    warnings: [warning, ...snap.parsed.warnings],
    error: null,
    entries: snap.parsed.entries,
  };
}

const baseOf = (src: ListSource): Base => ({ name: src.name, tag: src.tag, format: src.format, required: src.required === true, kind: src.kind ?? 'provider' });

/** A list that failed for a reason outside its file's content (e.g. the load ran out of time). */
export function failedList(src: ListSource, previous: LoadedList | undefined, message: string, file: string | null = null): LoadedList {
  return notReplaced(baseOf(src), previous, file, 'failed', { code: 'LIST_FAILED', message, file, line: null, text: null }, []);
}

/**
 * Loads one configured list. Never throws for a bad, missing, unreadable, slow or empty file: the
 * result says so, and carries `previous`'s entries (the last good version) so that a bad file
 * never replaces a good one. Throws only the signal's reason when `opts.signal` aborts.
 */
export async function loadList(src: ListSource, baseDir: string, previous?: LoadedList, options: LoadOptions | boolean = {}): Promise<LoadedList> {
  const opts: LoadOptions = typeof options === 'boolean' ? { offThread: options } : options;
  const base = baseOf(src);
  const file = await resolveListPath(src.path, baseDir);
  let text: string;
  try {
    if (file === null) throw Object.assign(new Error('no file matches'), { code: 'ENOENT' });
    const timeoutMs = opts.readTimeoutMs ?? READ_TIMEOUT_MS;
    const reading = (opts.reader ?? readListFile)(file, { timeoutMs, maxBytes: opts.maxBytes ?? MAX_LIST_BYTES, signal: opts.signal });
    // readListFile keeps to the time limit itself; this bound holds whatever reader is given.
    text = await within(reading, timeoutMs, () => readTooSlow(file, timeoutMs), opts.signal);
  } catch (err) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const message = `no file at ${file ?? resolve(baseDir, src.path)} (path ${JSON.stringify(src.path)}, relative to ${baseDir})`;
      return await fromSnapshot(src, base, previous, opts, message, file);
    }
    const message = err instanceof ListReadError || err instanceof TimeLimitError ? err.message : `cannot read ${file}: ${(err as Error).message}`;
    return notReplaced(base, previous, file, 'failed', { code: 'LIST_FAILED', message, file, line: null, text: null }, []);
  }
  try {
    const read = opts.offThread
      ? await parseListOffThread(src.format, text, file, src.column, { timeoutMs: opts.parseTimeoutMs ?? PARSE_TIMEOUT_MS, signal: opts.signal })
      : parseList(src.format, text, file, { column: src.column });
    const parsed = src.kind === 'threat' ? withoutSpecialPurpose(read) : read;
    if (parsed.entries.length === 0 && src.allowEmpty !== true) {
      const message =
        `${file} parsed to no prefixes: an empty ${src.format} list does not replace the one in service ` +
        `(if list ${JSON.stringify(src.name)} may really be empty, set allowEmpty: true on it)`;
      return notReplaced(base, previous, file, 'failed', { code: 'LIST_FAILED', message, file, line: null, text: null }, parsed.warnings);
    }
    const version = parsed.version ?? `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    // A broken hook costs the list its download times, never the list.
    const record = opts.downloads ? await opts.downloads(src.name, file).catch(() => null) : null;
    const source: ListOrigin = record === null ? 'file' : 'download';
    const now = Date.now();
    return {
      ...base,
      file,
      source,
      version,
      published: publishedOf(src.format, text, file),
      ...ageOf(source, null, record, src.maxAge ?? DEFAULT_MAX_AGE_MS, now),
      loadedAt: new Date(now).toISOString(),
      state: 'loaded',
      prefixes: count(parsed.entries),
      warnings: parsed.warnings,
      error: null,
      entries: parsed.entries,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if (!(err instanceof IpdestError)) throw err;
    return notReplaced(base, previous, file, 'failed', errorInfo(err), []);
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

/**
 * A threat list without its entries inside special-purpose ranges: FireHOL level1 lists 10/8,
 * 192.168/16 and other bogons, and a private or reserved address must never be called a threat
 * (contract additions). The load warning counts them and names a few.
 */
function withoutSpecialPurpose(p: ParsedList): ParsedList {
  const kept: ListEntry[] = [];
  const left: string[] = [];
  for (const e of p.entries) {
    if (scopeOf(e.prefix.addr) !== 'global' && scopeOf(e.prefix.last()) !== 'global') left.push(e.prefix.toString());
    else kept.push(e);
  }
  if (left.length === 0) return p;
  const named = left.slice(0, 5).join(', ') + (left.length > 5 ? `, … (${left.length - 5} more)` : '');
  const warning = `${left.length} entr${left.length === 1 ? 'y' : 'ies'} inside special-purpose ranges left out (a private or reserved address is never a threat): ${named}`;
  return { ...p, entries: kept, warnings: [...p.warnings, warning] };
}

/** The enabled built-in lists, as loaded lists (stamped `at`). */
export function builtinLists(settings: BuiltinSettings | undefined, at: string): LoadedList[] {
  return resolveBuiltins(settings).map((b) => {
    const entries = b.prefixes.map((prefix) => Object.freeze({ prefix, services: [], regions: [] }));
    return {
      name: b.name,
      tag: b.tag,
      format: 'builtin' as const,
      ...NOTHING,
      version: 'builtin',
      loadedAt: at,
      state: 'builtin' as const,
      required: false,
      kind: 'provider' as const,
      prefixes: count(entries),
      warnings: [],
      error: null,
      entries,
    };
  });
}

/**
 * Loads every configured list (one after another) plus the enabled built-ins, and builds one
 * classifier. `previous` (by name) supplies last good versions for lists that fail now; `reuse`
 * (by name) holds lists known to be unchanged on disk, taken as they are. Each read and parse has
 * its time limit, and all of them together `loadTimeoutMs`: a list still loading then, and the
 * lists after it, fail (keeping their last good versions), so a load always finishes. Throws
 * only the signal's reason when `opts.signal` aborts.
 */
export async function loadLists(
  sources: readonly ListSource[],
  opts: LoadOptions & {
    baseDir: string;
    builtins?: BuiltinSettings;
    previous?: ReadonlyMap<string, LoadedList>;
    reuse?: ReadonlyMap<string, LoadedList>;
    /** When the load must be done (Date.now() time); default: now plus `loadTimeoutMs`. */
    deadline?: number;
  },
): Promise<ListSet> {
  const started = performance.now();
  const limitMs = opts.loadTimeoutMs ?? LOAD_TIMEOUT_MS;
  const deadline = opts.deadline ?? Date.now() + limitMs;
  const configured: LoadedList[] = [];
  for (const s of sources) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    const reused = opts.reuse?.get(s.name);
    if (reused && reused.tag === s.tag && reused.format === s.format) {
      configured.push(reused);
      continue;
    }
    const previous = opts.previous?.get(s.name);
    const left = deadline - Date.now();
    if (left <= 0) {
      configured.push(failedList(s, previous, `not read: loading the lists ran past its limit of ${seconds(limitMs)} before list ${JSON.stringify(s.name)}`));
      continue;
    }
    // This list's own signal: aborted when the caller's is, or when the load gives up on it.
    const stop = new AbortController();
    const signal = eitherSignal(opts.signal, stop.signal);
    try {
      configured.push(
        await within(
          loadList(s, opts.baseDir, previous, { ...opts, signal }),
          left,
          () =>
            new TimeLimitError(
              `loading list ${JSON.stringify(s.name)} (${s.path}) did not finish within the limit of ${seconds(limitMs)} for loading the lists: gave up on it`,
            ),
          opts.signal,
        ),
      );
    } catch (err) {
      if (!(err instanceof TimeLimitError)) throw err;
      configured.push(failedList(s, previous, err.message));
    } finally {
      stop.abort(new TimeLimitError('gave up'));
    }
    // Parsing is synchronous: give waiting requests a turn between lists.
    await new Promise<void>((r) => setImmediate(r));
  }
  if (opts.signal?.aborted) throw abortReason(opts.signal);
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

// `lists update` for one list: fetch its source, accept only a good new version, activate it atomically, remember it.
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { glob, isDynamicPattern } from 'tinyglobby';
import { FORMATS, parseList, type ListFormat, type ParsedList } from '../formats/index.js';
import { readListFile, resolveListPath } from '../load.js';
import { discoverLink } from './discover.js';
import { download, DownloadError, htmlTitle, looksLikeHtml, PROBE_BYTES, type DownloadOptions, type DownloadResult } from './download.js';
import { KNOWN_SOURCES, planFor, type KnownSource } from './known.js';
import {
  addHistory,
  DEFAULT_KEEP,
  emptyState,
  historyDirOf,
  listDir,
  lockList,
  readSourceState,
  removeStaleTemps,
  writeAtomic,
  writeState,
  type Counts,
  type SourceState,
} from './store.js';

/** A download with more than this many times the active file's prefixes is held back like a shrink (a wrong file at the URL). */
export const MAX_GROWTH = 10;
export const DEFAULT_MAX_SHRINK = 0.1;

/** What updating needs of a configured list (the config's `lists[]` entries fit it). */
export interface UpdatableList {
  readonly name: string;
  readonly format: ListFormat;
  readonly path: string;
  readonly url?: string | undefined;
  readonly column?: string | number | undefined;
  /** A fraction: more prefixes lost than this is held back (default 0.1). */
  readonly maxShrink?: number | undefined;
  readonly allowEmpty?: boolean | undefined;
}

export interface UpdateOptions {
  /** The folder list paths are relative to (the config file's). */
  readonly baseDir: string;
  /** Take a held-back download (a shrink or growth past the bounds), or content rolled back from. */
  readonly force?: boolean;
  /** Versions kept per list, the active one included (DEFAULT_KEEP). */
  readonly keep?: number;
  /** The official sources by format (KNOWN_SOURCES; tests point them at a local server). */
  readonly known?: Record<string, KnownSource>;
  /** Timeouts, size cap, retries, proxy. */
  readonly download?: Omit<DownloadOptions, 'headers' | 'probe' | 'html' | 'onRetry'>;
  /** Progress worth telling (retries), one line each. */
  readonly onNote?: (list: string, message: string) => void;
  /** Runs between writing the new file and renaming it into place (tests crash the process there). */
  readonly beforeRename?: (target: string) => void;
}

export type UpdateState = 'updated' | 'unchanged' | 'held' | 'rejected' | 'failed';

/** One list's outcome, as `ipdest lists update --json` prints it. */
export interface UpdateOutcome {
  readonly name: string;
  readonly state: UpdateState;
  readonly reason: string | null;
  /** The version active after the run (the publisher's, else a content hash), or null: no file. */
  readonly version: string | null;
  /** The version active before the run. */
  readonly previousVersion: string | null;
  /** Prefix counts of the version active after the run. */
  readonly prefixes: Counts | null;
  /** The active file after the run. */
  readonly file: string | null;
  /** The URL fetched (after discovery), or null when none could be chosen. */
  readonly url: string | null;
}

export interface UpdateSummary {
  readonly lists: readonly UpdateOutcome[];
  /** True when some list was activated. */
  readonly changed: boolean;
}

interface Active {
  readonly file: string;
  readonly text: string;
  readonly sha256: string;
  /** Null: the file does not parse; any good download replaces it. */
  readonly version: string | null;
  readonly prefixes: Counts | null;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
/** The version of a list whose format carries none: a content hash, as loading names it. */
const hashVersion = (text: string) => `sha256:${sha256(text).slice(0, 16)}`;

function countsOf(parsed: ParsedList): Counts {
  let v4 = 0;
  for (const e of parsed.entries) if (e.prefix.version === 4) v4++;
  return { v4, v6: parsed.entries.length - v4 };
}

const total = (c: Counts) => c.v4 + c.v6;
const countText = (c: Counts) => `${total(c)} prefixes (${c.v4} IPv4, ${c.v6} IPv6)`;

function parse(list: UpdatableList, text: string, file: string): ParsedList {
  if (!(FORMATS as readonly string[]).includes(list.format)) throw new Error(`format ${list.format} cannot be read by this ipdest`);
  return parseList(list.format, text, file, { column: list.column });
}

/** Numeric versions (syncToken, changeNumber) are ordered; others (content hashes) only equal or not. */
function compareVersions(a: string, b: string): number | null {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return null;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The publisher's version from the head of a JSON body, before its first array (so a nested changeNumber is not taken). */
function versionInHead(head: Buffer, key: string): string | null {
  const m = new RegExp(`^\\uFEFF?\\s*\\{[^\\[]*?"${key}"\\s*:\\s*"?(\\d+)"?`).exec(head.toString('utf8'));
  return m ? m[1]! : null;
}

async function readActive(list: UpdatableList, baseDir: string, state: SourceState): Promise<Active | null> {
  const file = await resolveListPath(list.path, baseDir);
  if (file === null) return null;
  let text: string;
  try {
    text = await readListFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const sha = sha256(text);
  // The state's counts describe this file only when its hash says it is the same file.
  if (state.sha256 === sha && state.version !== null && state.prefixes !== null)
    return { file, text, sha256: sha, version: state.version, prefixes: state.prefixes };
  try {
    const parsed = parse(list, text, file);
    return { file, text, sha256: sha, version: parsed.version ?? hashVersion(text), prefixes: countsOf(parsed) };
  } catch {
    return { file, text, sha256: sha, version: null, prefixes: null };
  }
}

/** A name for a downloaded file: the last part of its URL path, when that is a plain file name. */
function downloadedName(url: string): string | null {
  const name = decodeURIComponent(basename(new URL(url).pathname));
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? name : null;
}

/** `*` and `?` of a glob's file name as a regular expression (other glob syntax: null, checked by globbing). */
function nameRegex(pattern: string): RegExp | null {
  if (/[[\]{}()!+@]/.test(pattern)) return null;
  return new RegExp(
    `^${pattern
      .replace(/[.^$|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
}

class Refusal extends Error {
  constructor(
    readonly state: 'rejected' | 'failed' | 'held',
    message: string,
  ) {
    super(message);
  }
}

/** Where the download goes: the list's path, or for a glob path the download's own (dated) name in the glob's folder. */
async function targetFile(list: UpdatableList, baseDir: string, url: string, active: Active | null): Promise<string> {
  const dir = listDir(list.path, baseDir);
  const pattern = basename(list.path);
  if (!isDynamicPattern(list.path)) return join(dir, pattern);
  if (isDynamicPattern(dirname(list.path)))
    throw new Refusal('failed', `the path ${list.path} has a glob in its folder part: only the file name may be a pattern for a downloaded list`);
  const name = downloadedName(url);
  if (name === null) throw new Refusal('failed', `the download ${url} has no plain file name to store under the glob ${pattern}`);
  const re = nameRegex(pattern);
  if (re !== null && !re.test(name))
    throw new Refusal('failed', `the download's name ${name} does not match the path's pattern ${pattern}: set path or url so that they agree`);
  // The glob takes the last name in sort order: a newer-named file ipdest did not put there would hide this one.
  const matches = await glob(pattern, { cwd: dir, onlyFiles: true, expandDirectories: false });
  const later = matches.filter((m) => m > name && join(dir, m) !== active?.file).sort();
  if (later.length > 0)
    throw new Refusal('failed', `${later[later.length - 1]} in ${dir} sorts after ${name}, so the glob ${pattern} would still pick it: remove it`);
  return join(dir, name);
}

/**
 * Updates one list from its source. Never throws for the source's answers or the list's files:
 * every outcome, a failure included, is an UpdateOutcome with its reason, and the active file is
 * replaced only by a download that passed every check.
 */
export async function updateList(list: UpdatableList, opts: UpdateOptions): Promise<UpdateOutcome> {
  const known = opts.known ?? KNOWN_SOURCES;
  const plan = planFor(list, known);
  const histDir = historyDirOf(list, opts.baseDir);
  const base = { name: list.name };
  let release: (() => Promise<void>) | null = null;
  let state = emptyState();
  let active: Active | null = null;
  let url: string | null = null;
  const outcome = (s: UpdateState, reason: string | null): UpdateOutcome => ({
    ...base,
    state: s,
    reason,
    version: state.version ?? active?.version ?? null,
    previousVersion: active?.version ?? null,
    prefixes: state.prefixes ?? active?.prefixes ?? null,
    file: state.file !== null ? join(listDir(list.path, opts.baseDir), state.file) : (active?.file ?? null),
    url,
  });
  try {
    if ('none' in plan) return outcome('failed', plan.none);
    release = await lockList(histDir);
    state = (await readSourceState(list, opts.baseDir)) ?? emptyState();
    await removeStaleTemps(listDir(list.path, opts.baseDir), list.name);
    active = await readActive(list, opts.baseDir, state);
    if (active === null || state.sha256 !== active.sha256) {
      // The state describes another file (replaced by hand, or never downloaded): start over from what is on disk.
      state = { ...state, etag: null, lastModified: null, url: null, file: null, version: null, sha256: null, prefixes: null };
    }
    const common: DownloadOptions = {
      ...opts.download,
      onRetry: (r) => opts.onNote?.(list.name, `retrying in ${(r.waitMs / 1000).toFixed(1)} s: ${r.reason}`),
    };
    url = 'url' in plan ? plan.url : await discoverLink(plan.page, common);
    const result = await fetchNew(list, url, state, active, known, common);
    return await judge(list, opts, result, state, active, histDir, (s, r) => outcome(s, r), url);
  } catch (err) {
    const now = new Date().toISOString();
    const s = err instanceof Refusal || err instanceof DownloadError ? err.state : 'failed';
    const reason = (err as Error).message;
    if (s === 'failed') state.lastFailure = { at: now, reason };
    else state.lastRejection = { at: now, reason };
    if (release !== null) await writeState(histDir, state).catch(() => undefined);
    return outcome(s, reason);
  } finally {
    await release?.();
  }
}

/** The conditional request and the version probe: at most one full download per upstream change. */
function fetchNew(list: UpdatableList, url: string, state: SourceState, active: Active | null, known: Record<string, KnownSource>, common: DownloadOptions) {
  const headers: Record<string, string> = {};
  // Validators are sent only for the URL they came from and the file they describe.
  if (active !== null && state.sha256 === active.sha256 && state.url === url) {
    if (state.etag) headers['if-none-match'] = state.etag;
    if (state.lastModified) headers['if-modified-since'] = state.lastModified;
  }
  const key = known[list.format]?.versionKey;
  const activeVersion = active?.version ?? null;
  const probe =
    key && activeVersion !== null && /^\d+$/.test(activeVersion)
      ? (head: Buffer) => {
          const v = versionInHead(head, key);
          return v !== null && compareVersions(v, activeVersion)! <= 0;
        }
      : undefined;
  return download(url, { ...common, headers, probe });
}

async function judge(
  list: UpdatableList,
  opts: UpdateOptions,
  result: DownloadResult,
  state: SourceState,
  active: Active | null,
  histDir: string,
  outcome: (s: UpdateState, reason: string | null) => UpdateOutcome,
  url: string,
): Promise<UpdateOutcome> {
  const now = new Date().toISOString();
  state.fetchedAt = now;
  const validators = () => {
    if (result.kind === 'body' && result.url.startsWith('file:')) return;
    state.etag = result.headers.etag ?? null;
    state.lastModified = result.headers['last-modified'] ?? null;
  };
  const keepActive = async (s: UpdateState, reason: string, remember = false): Promise<UpdateOutcome> => {
    if (remember && active !== null && active.version !== null) {
      // The same content as the active file: its validators now describe it.
      Object.assign(state, { url, file: basename(active.file), version: active.version, sha256: active.sha256, prefixes: active.prefixes });
      validators();
    }
    if (s === 'rejected' || s === 'held') state.lastRejection = { at: now, reason };
    await writeState(histDir, state);
    return outcome(s, reason);
  };

  if (result.kind === 'not-modified') return keepActive('unchanged', 'not modified (HTTP 304)', true);
  if (result.kind === 'stopped') {
    const v = versionInHead(result.head, (opts.known ?? KNOWN_SOURCES)[list.format]!.versionKey!)!;
    if (compareVersions(v, active!.version!) === 0)
      return keepActive('unchanged', `same version ${v} (read from the first ${PROBE_BYTES} bytes; the rest not downloaded)`, true);
    return keepActive('rejected', `version ${v} is older than the active ${active!.version}: refused (a stale mirror or cache?)`);
  }

  const body = result.body;
  if (body.toString('utf8').trim() === '') return keepActive('rejected', `${result.url} answered an empty body`);
  if (looksLikeHtml(body)) {
    const title = htmlTitle(body.subarray(0, 16 * 1024));
    return keepActive('rejected', `${result.url} answered an HTML page${title ? ` titled ${JSON.stringify(title)}` : ''}, not a list`);
  }
  const text = body.toString('utf8');
  const sha = sha256(text);
  if (active !== null && sha === active.sha256 && active.version !== null) return keepActive('unchanged', 'same content as the active file', true);
  if (state.refused.includes(sha) && !opts.force)
    return keepActive('rejected', 'this content was rolled back from (ipdest lists rollback): refused; --force takes it');

  let parsed: ParsedList;
  try {
    parsed = parse(list, text, result.url);
  } catch (err) {
    return keepActive('rejected', `not a valid ${list.format} list: ${(err as Error).message}`);
  }
  const counts = countsOf(parsed);
  if (total(counts) === 0 && !list.allowEmpty) return keepActive('rejected', `${result.url} holds no prefixes`);
  const version = parsed.version ?? hashVersion(text);
  if (parsed.version !== null && active?.version) {
    const order = compareVersions(parsed.version, active.version);
    if (order !== null && order < 0)
      return keepActive('rejected', `version ${parsed.version} is older than the active ${active.version}: refused (a stale mirror or cache?)`);
    if (order === 0)
      return keepActive('unchanged', `same version ${parsed.version} as the active file (its bytes differ; the publisher's version decides)`, true);
  }

  const held = heldReason(list, counts, active);
  let note: string | null = null;
  if (held !== null) {
    if (opts.force) note = `${held}; taken with --force`;
    else if (state.pending?.sha256 === sha) note = `${held}; held on ${state.pending.at} and fetched again unchanged: accepted`;
    else {
      state.pending = { sha256: sha, version, prefixes: counts, at: now, reason: held };
      return keepActive('held', `${held}: held back; accepted when the same content is fetched again, or with --force`);
    }
  }

  const target = await targetFile(list, opts.baseDir, result.url, active);
  if (active !== null) {
    // The file in service before ipdest managed the list goes into the history too: rollback can restore it.
    await addHistory(
      histDir,
      state,
      { name: basename(active.file), sha256: active.sha256, version: active.version, prefixes: active.prefixes, activatedAt: state.activatedAt },
      Buffer.from(active.text),
      Infinity,
    );
  }
  await writeAtomic(target, body, list.name, opts.beforeRename);
  if (active !== null && active.file !== target) await rm(active.file, { force: true });
  await addHistory(histDir, state, { name: basename(target), sha256: sha, version, prefixes: counts, activatedAt: now }, body, opts.keep ?? DEFAULT_KEEP);
  Object.assign(state, { url, file: basename(target), version, sha256: sha, prefixes: counts, activatedAt: now, pending: null });
  validators();
  await writeState(histDir, state);
  return outcome('updated', note);
}

/** Why a download's prefix count is suspicious next to the active file's, or null. */
function heldReason(list: UpdatableList, counts: Counts, active: Active | null): string | null {
  if (active?.prefixes == null || total(active.prefixes) === 0) return null;
  const before = total(active.prefixes);
  const now = total(counts);
  const maxShrink = list.maxShrink ?? DEFAULT_MAX_SHRINK;
  const shrink = 1 - now / before;
  if (shrink > maxShrink)
    return `${countText(counts)}, ${Math.round(shrink * 1000) / 10}% fewer than the active ${countText(active.prefixes)}: beyond maxShrink ${Math.round(maxShrink * 1000) / 10}%`;
  if (now > before * MAX_GROWTH)
    return `${countText(counts)}, ${Math.round((now / before) * 10) / 10}× the active ${countText(active.prefixes)}: more than ${MAX_GROWTH}×`;
  return null;
}

/** Updates lists one after another (each with its own outcome; one failing does not stop the others). */
export async function updateLists(lists: readonly UpdatableList[], opts: UpdateOptions): Promise<UpdateSummary> {
  const outcomes: UpdateOutcome[] = [];
  for (const l of lists) outcomes.push(await updateList(l, opts));
  return { lists: outcomes, changed: outcomes.some((o) => o.state === 'updated') };
}

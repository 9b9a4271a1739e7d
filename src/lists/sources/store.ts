// A downloaded list on disk: atomic replace, the history folder of earlier versions, the per-list state file, a lock.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { DownloadStateReader } from '../load.js';

/** Versions kept in the history folder, the active one included. */
export const DEFAULT_KEEP = 3;
/** The folder beside a list's file that holds its earlier versions and its state, one subfolder per list. */
export const HISTORY_DIR = '.ipdest-history';

export interface Counts {
  readonly v4: number;
  readonly v6: number;
}

/** One version in a list's history folder. */
export interface HistoryEntry {
  /** The copy's file name in the history folder. */
  readonly copy: string;
  /** The list file's name it was active under (a glob path's dated name). */
  readonly name: string;
  readonly sha256: string;
  readonly version: string | null;
  readonly prefixes: Counts | null;
  /** When ipdest activated it; null for a file that was there before ipdest managed the list. */
  readonly activatedAt: string | null;
}

/** What `ipdest lists update` remembers about one list between runs (`state.json` in its history folder). */
export interface SourceState {
  /** The URL the active version came from (after redirects). */
  url: string | null;
  /** Validators of the active version, for conditional requests. */
  etag: string | null;
  lastModified: string | null;
  /** The active file: its name, the publisher's version (else a content hash), sha256 and counts. */
  file: string | null;
  version: string | null;
  sha256: string | null;
  prefixes: Counts | null;
  /** The last answer from the source (304 or 200), whatever became of it (ISO 8601). */
  fetchedAt: string | null;
  /** When the active version was put in place. */
  activatedAt: string | null;
  /** The last download refused (rejected or held). */
  lastRejection: { at: string; reason: string } | null;
  /** The last download that got no usable answer (network, timeout, status). */
  lastFailure: { at: string; reason: string } | null;
  /** A download held back for its prefix count; the same content fetched again is accepted. */
  pending: { sha256: string; version: string | null; prefixes: Counts; at: string; reason: string } | null;
  /** Content rolled back from: update refuses it again unless --force. */
  refused: string[];
  /** Oldest first; the active version is one of them. */
  history: HistoryEntry[];
}

export const emptyState = (): SourceState => ({
  url: null,
  etag: null,
  lastModified: null,
  file: null,
  version: null,
  sha256: null,
  prefixes: null,
  fetchedAt: null,
  activatedAt: null,
  lastRejection: null,
  lastFailure: null,
  pending: null,
  refused: [],
  history: [],
});

/** The folder a list's file lives in (a glob may only be in the file name). */
export function listDir(path: string, baseDir: string): string {
  return dirname(isAbsolute(path) ? path : resolve(baseDir, path));
}

export function historyDirOf(list: { name: string; path: string }, baseDir: string): string {
  return join(listDir(list.path, baseDir), HISTORY_DIR, list.name);
}

/**
 * The state `ipdest lists update` keeps for a list (its last fetch, activation, rejection), or
 * null when it has never run for it. For `/lists`: `fetchedAt`, `activatedAt`, `lastRejection`.
 */
export async function readSourceState(list: { name: string; path: string }, baseDir: string): Promise<SourceState | null> {
  try {
    const doc = JSON.parse(await readFile(join(historyDirOf(list, baseDir), 'state.json'), 'utf8')) as Partial<SourceState>;
    return { ...emptyState(), ...doc };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A damaged state file costs one full download, never a refusal to update.
    if (err instanceof SyntaxError) return null;
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY);
  try {
    await h.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory (EINVAL); the rename is still atomic there.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  } finally {
    await h.close();
  }
}

/** The prefix of a list's temporary files in its folder (a leading dot: no list glob matches them). */
const tempPrefix = (name: string) => `.ipdest-${name}-`;

/**
 * Replaces `target` with `data` atomically: a temporary file in the same folder, written and
 * fsynced, renamed over the target, then the folder fsynced, so a crash at any point leaves
 * either the old file or the new one, never a part. `beforeRename` runs between the two (tests
 * crash the process there).
 */
export async function writeAtomic(target: string, data: Buffer | string, owner: string, beforeRename?: (target: string) => void): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `${tempPrefix(owner)}${randomBytes(6).toString('hex')}.tmp`);
  const h = await open(temp, 'wx', 0o644);
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (err) {
    await h.close();
    await rm(temp, { force: true });
    throw err;
  }
  await h.close();
  beforeRename?.(target);
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** Removes temporary files a crashed run of this list's update left in its folder. */
export async function removeStaleTemps(dir: string, owner: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const prefix = tempPrefix(owner);
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(dir, n), { force: true })));
}

export async function writeState(historyDir: string, state: SourceState): Promise<void> {
  await mkdir(historyDir, { recursive: true });
  await writeAtomic(join(historyDir, 'state.json'), JSON.stringify(state, null, 2) + '\n', 'state');
}

/** Adds a version's copy to the history folder (once per content) and prunes it to `keep` versions, never the active one. */
export async function addHistory(historyDir: string, state: SourceState, entry: Omit<HistoryEntry, 'copy'>, data: Buffer, keep: number): Promise<void> {
  await mkdir(historyDir, { recursive: true });
  const known = state.history.find((h) => h.sha256 === entry.sha256);
  if (known) {
    // Active again (a rollback, or the same content re-published): it moves to the newest place.
    state.history = [...state.history.filter((h) => h !== known), { ...known, ...entry, copy: known.copy }];
  } else {
    const stamp = (entry.activatedAt ?? new Date().toISOString()).replace(/[-:]/g, '').replace(/\..*$/, '');
    const copy = `${stamp}-${entry.sha256.slice(0, 12)}-${basename(entry.name)}`;
    await writeAtomic(join(historyDir, copy), data, 'history');
    state.history.push({ ...entry, copy });
  }
  while (state.history.length > Math.max(1, keep)) {
    const oldest = state.history.findIndex((h) => h.sha256 !== entry.sha256);
    if (oldest < 0) break;
    const [gone] = state.history.splice(oldest, 1);
    await rm(join(historyDir, gone!.copy), { force: true });
  }
}

export async function readHistoryCopy(historyDir: string, entry: HistoryEntry): Promise<Buffer> {
  return readFile(join(historyDir, entry.copy));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the list's lock (one update or rollback of a list at a time); a lock whose process is
 * gone (a crash, kill -9) is taken over. Resolves to the release function, or throws a message
 * naming the process that holds it.
 */
export async function lockList(historyDir: string): Promise<() => Promise<void>> {
  await mkdir(historyDir, { recursive: true });
  const file = join(historyDir, 'lock');
  for (let tries = 0; ; tries++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new Error(`${pid === process.pid ? 'this process' : `another ipdest (pid ${pid})`} is updating this list already (lock ${file})`, { cause: err });
      await rm(file, { force: true });
    }
  }
}

/**
 * What loading asks of the update state (LoadOptions.downloads): a list file `ipdest lists update`
 * wrote and still active shows as `source: "download"` with its fetch and activation times and the
 * last refusal. A file put in place by hand (its name is not the state's) stays `file`.
 */
export function downloadRecords(lists: ReadonlyArray<{ name: string; path: string }>, baseDir: string): DownloadStateReader {
  const byName = new Map(lists.map((l) => [l.name, l]));
  return async (name, file) => {
    const list = byName.get(name);
    if (list === undefined) return null;
    const state = await readSourceState(list, baseDir);
    if (state === null || state.file === null || state.fetchedAt === null || basename(state.file) !== basename(file)) return null;
    return { fetchedAt: state.fetchedAt, activatedAt: state.activatedAt, rejected: state.lastRejection };
  };
}

// `lists rollback`: the previous version from a list's history folder put back in place, atomically.
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { isDynamicPattern } from 'tinyglobby';
import { resolveListPath } from '../load.js';
import { historyDirOf, listDir, lockList, readHistoryCopy, readSourceState, writeAtomic, writeState, type Counts } from './store.js';

export interface RollbackOutcome {
  readonly name: string;
  /** The version now active, and its file. */
  readonly version: string | null;
  readonly file: string;
  /** The version rolled back from (refused by later updates unless --force). */
  readonly previousVersion: string | null;
  readonly prefixes: Counts | null;
}

/** A rollback that cannot be done: no history, nothing earlier than the active version. */
export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackError';
  }
}

/**
 * Puts the version before the active one back in place (the history is oldest first), and marks
 * the active one's content as refused, so the next `lists update` does not bring it straight back
 * (`--force` does). Rolling back again goes one further back.
 */
export async function rollbackList(
  list: { name: string; path: string },
  opts: { baseDir: string; beforeRename?: (target: string) => void },
): Promise<RollbackOutcome> {
  const histDir = historyDirOf(list, opts.baseDir);
  const state = await readSourceState(list, opts.baseDir);
  if (state === null || state.history.length === 0)
    throw new RollbackError(`list ${JSON.stringify(list.name)} has no history to roll back to (no ${histDir}): run ipdest lists update first`);
  const release = await lockList(histDir).catch((err: Error) => {
    throw new RollbackError(err.message);
  });
  try {
    const activeFile = await resolveListPath(list.path, opts.baseDir);
    const activeSha =
      activeFile === null
        ? null
        : await readFile(activeFile).then(
            (b) => createHash('sha256').update(b).digest('hex'),
            () => null,
          );
    const at = state.history.findIndex((h) => h.sha256 === activeSha);
    // Active file not in the history (edited by hand): the newest version in the history is the one to go back to.
    const candidates = at < 0 ? state.history : state.history.slice(0, at);
    const back = [...candidates].reverse().find((h) => h.sha256 !== activeSha);
    if (back === undefined) throw new RollbackError(`list ${JSON.stringify(list.name)} has no version older than the active one in ${histDir}`);
    const data = await readHistoryCopy(histDir, back);
    const dir = listDir(list.path, opts.baseDir);
    const target = isDynamicPattern(list.path) ? join(dir, back.name) : join(dir, basename(list.path));
    await writeAtomic(target, data, list.name, opts.beforeRename);
    // Under a glob path the newer dated file must go, or the glob would still pick it.
    if (activeFile !== null && activeFile !== target) await rm(activeFile, { force: true });
    const previousVersion = at >= 0 ? state.history[at]!.version : state.version;
    const now = new Date().toISOString();
    if (activeSha !== null && !state.refused.includes(activeSha)) state.refused = [...state.refused, activeSha].slice(-10);
    // The history keeps its order: a second rollback goes one further back, not forth again.
    state.history = state.history.map((h) => (h.sha256 === back.sha256 ? { ...h, activatedAt: now } : h));
    Object.assign(state, {
      etag: null,
      lastModified: null,
      file: basename(target),
      version: back.version,
      sha256: back.sha256,
      prefixes: back.prefixes,
      activatedAt: now,
      pending: null,
    });
    await writeState(histDir, state);
    return { name: list.name, version: back.version, file: target, previousVersion, prefixes: back.prefixes };
  } finally {
    await release();
  }
}

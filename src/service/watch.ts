// watchListFolders: the folders of the list files watched, a change told once per quiet period (ServiceState, and the primary of `serve --workers N`).
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';

/** Stops the watching (and a change waiting out its quiet period). */
export type StopWatching = () => void;

/** Watches the folders of `config`'s list files; `onChange` runs `debounceMs` after the last change seen. */
export function watchListFolders(config: Config, baseDir: string, log: Logger, onChange: () => void, debounceMs = 500): StopWatching {
  const watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | null = null;
  const changed = () => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      onChange();
    }, debounceMs);
    debounce.unref();
  };
  const dirs = new Set(config.lists.map((l) => dirname(resolve(baseDir, l.path))));
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, changed);
      w.on('error', (err) => log.warn({ dir, err: err.message }, 'cannot watch list folder'));
      watchers.push(w);
    } catch (err) {
      log.warn({ dir, err: (err as Error).message }, 'cannot watch list folder; reload with SIGHUP or POST /admin/reload');
    }
  }
  return () => {
    for (const w of watchers) w.close();
    watchers.length = 0;
    if (debounce) clearTimeout(debounce);
    debounce = null;
  };
}
